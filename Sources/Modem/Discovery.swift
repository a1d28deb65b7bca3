import CUdev
import Foundation

/// A serial port of a modem, as discovery found it.
public struct DiscoveredPort: Sendable, Hashable, Codable {
    public var device: String
    public var role: PortRole
    /// What decided the role ("built-in table (…)", "ModemManager tag …"); nil when nothing did.
    public var source: String?
    public var interfaceNumber: Int?
    public var driver: String?
}

/// A USB modem and its ports, or a stick in a mode without AT port.
public struct DiscoveredModem: Sendable, Hashable, Codable {
    public var usbID: String
    public var name: String
    public var serial: String?
    public var usbPath: String
    public var ports: [DiscoveredPort]
    public var mode: StickMode?
    /// What to do when the stick has no AT port.
    public var advice: String?
    /// Network interfaces of the same USB device (wwan0, usb0…).
    public var networkInterfaces: [String]

    public var atPort: DiscoveredPort? { ports.first { $0.role == .at } }
    public var dataPort: DiscoveredPort? { ports.first { $0.role == .ppp } }
}

/// Modem discovery through libudev: tty devices under USB parents, classified by `PortClassifier`.
public enum ModemDiscovery {
    public struct Result: Sendable, Codable {
        public var modems: [DiscoveredModem]
        /// Set when udev has no database (containers, CI): only sysfs was read, udev tags are not visible.
        public var warning: String?
    }

    public static var hasUdevDatabase: Bool { FileManager.default.fileExists(atPath: "/run/udev/data") }

    public static func discover() -> Result {
        guard let udev = udev_new() else { return Result(modems: [], warning: "libudev is not usable on this system") }
        defer { udev_unref(udev) }
        var modems: [String: DiscoveredModem] = [:]

        forEach(udev, subsystem: "tty") { device in
            guard let node = string(udev_device_get_devnode(device)),
                let usbDevice = udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_device"),
                let path = string(udev_device_get_syspath(usbDevice))
            else { return }
            let interface = udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_interface")
            let vid = UInt16(attribute(usbDevice, "idVendor") ?? "", radix: 16)
            let pid = UInt16(attribute(usbDevice, "idProduct") ?? "", radix: 16)
            let number = interface.flatMap { attribute($0, "bInterfaceNumber") }.flatMap { Int($0, radix: 16) }
            let protocolByte = interface.flatMap { attribute($0, "bInterfaceProtocol") }.flatMap { Int($0, radix: 16) }
            let properties = self.properties(device)
            let (role, source) = PortClassifier.classify(
                .init(
                    properties: properties, vendorID: vid, productID: pid,
                    interfaceNumber: number, interfaceProtocol: protocolByte))
            let driver = interface.flatMap { string(udev_device_get_driver($0)) }
            var modem = modems[path] ?? makeModem(usbDevice, path: path, vid: vid, pid: pid)
            modem.ports.append(
                DiscoveredPort(device: node, role: role, source: source, interfaceNumber: number, driver: driver))
            modems[path] = modem
        }
        forEach(udev, subsystem: "net") { device in
            guard let name = string(udev_device_get_sysname(device)),
                let usbDevice = udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_device"),
                let path = string(udev_device_get_syspath(usbDevice))
            else { return }
            let vid = UInt16(attribute(usbDevice, "idVendor") ?? "", radix: 16)
            let pid = UInt16(attribute(usbDevice, "idProduct") ?? "", radix: 16)
            let id = usbID(vid, pid)
            guard
                modems[path] != nil || KnownModems.stickModes[id] != nil
                    || KnownModems.find(vendorID: vid ?? 0, productID: pid ?? 0) != nil
            else { return }
            var modem = modems[path] ?? makeModem(usbDevice, path: path, vid: vid, pid: pid)
            modem.networkInterfaces.append(name)
            modems[path] = modem
        }
        forEach(udev, subsystem: "usb") { device in
            guard string(udev_device_get_devtype(device)) == "usb_device",
                let path = string(udev_device_get_syspath(device))
            else { return }
            let vid = UInt16(attribute(device, "idVendor") ?? "", radix: 16)
            let pid = UInt16(attribute(device, "idProduct") ?? "", radix: 16)
            guard KnownModems.stickModes[usbID(vid, pid)] != nil, modems[path] == nil else { return }
            modems[path] = makeModem(device, path: path, vid: vid, pid: pid)
        }
        let list = modems.values.map { modem -> DiscoveredModem in
            var modem = modem
            modem.ports.sort { $0.device < $1.device }
            return modem
        }.sorted { $0.usbPath < $1.usbPath }
        let warning =
            hasUdevDatabase
            ? nil
            : "udev has no database here (/run/udev/data is missing, as in containers): ports were classified from sysfs and the built-in table only; --device still works"
        return Result(modems: list, warning: warning)
    }

    static func usbID(_ vid: UInt16?, _ pid: UInt16?) -> String {
        String(format: "%04x:%04x", vid ?? 0, pid ?? 0)
    }

    static func makeModem(_ usbDevice: OpaquePointer, path: String, vid: UInt16?, pid: UInt16?) -> DiscoveredModem {
        let id = usbID(vid, pid)
        let known = KnownModems.find(vendorID: vid ?? 0, productID: pid ?? 0)
        let product = [attribute(usbDevice, "manufacturer"), attribute(usbDevice, "product")].compactMap { $0 }.joined(
            separator: " ")
        let mode = KnownModems.stickModes[id]
        return DiscoveredModem(
            usbID: id, name: known?.name ?? (product.isEmpty ? "USB device \(id)" : product),
            serial: attribute(usbDevice, "serial"), usbPath: path, ports: [], mode: mode?.0, advice: mode?.1,
            networkInterfaces: [])
    }

    static func forEach(_ udev: OpaquePointer, subsystem: String, _ body: (OpaquePointer) -> Void) {
        guard let enumerate = udev_enumerate_new(udev) else { return }
        defer { udev_enumerate_unref(enumerate) }
        udev_enumerate_add_match_subsystem(enumerate, subsystem)
        udev_enumerate_scan_devices(enumerate)
        var entry = udev_enumerate_get_list_entry(enumerate)
        while let current = entry {
            if let path = udev_list_entry_get_name(current), let device = udev_device_new_from_syspath(udev, path) {
                body(device)
                udev_device_unref(device)
            }
            entry = udev_list_entry_get_next(current)
        }
    }

    static func properties(_ device: OpaquePointer) -> [String: String] {
        var result: [String: String] = [:]
        var entry = udev_device_get_properties_list_entry(device)
        while let current = entry {
            if let name = string(udev_list_entry_get_name(current)) {
                result[name] = string(udev_list_entry_get_value(current)) ?? ""
            }
            entry = udev_list_entry_get_next(current)
        }
        return result
    }

    static func attribute(_ device: OpaquePointer, _ name: String) -> String? {
        string(udev_device_get_sysattr_value(device, name))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// Follows hotplug: calls `handler` with "add"/"remove" and the device for tty and USB events until
    /// `shouldStop` says so. Needs the udev daemon (netlink events); returns an explanation when it is absent.
    public static func watch(shouldStop: @Sendable () -> Bool, handler: @Sendable (String, String) -> Void) -> String? {
        guard let udev = udev_new() else { return "libudev is not usable on this system" }
        defer { udev_unref(udev) }
        guard let monitor = udev_monitor_new_from_netlink(udev, "udev") else {
            return "cannot listen to udev events (no udev daemon here?)"
        }
        defer { udev_monitor_unref(monitor) }
        udev_monitor_filter_add_match_subsystem_devtype(monitor, "tty", nil)
        udev_monitor_filter_add_match_subsystem_devtype(monitor, "usb", "usb_device")
        guard udev_monitor_enable_receiving(monitor) == 0 else { return "cannot enable udev event reception" }
        let fd = udev_monitor_get_fd(monitor)
        while !shouldStop() {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 250) > 0, let device = udev_monitor_receive_device(monitor) else { continue }
            let action = string(udev_device_get_action(device)) ?? "change"
            let name = string(udev_device_get_devnode(device)) ?? string(udev_device_get_syspath(device)) ?? "?"
            handler(action, name)
            udev_device_unref(device)
        }
        return nil
    }
}

extension ModemDiscovery {
    /// Ports nothing classified are asked `AT` (one second each); those that answer OK become AT ports.
    /// Ports known to be DIAG/GPS are never probed: binary protocols must not receive AT.
    public static func probeUnknownPorts(_ result: Result, lockDirectory: String? = nil) async -> Result {
        var result = result
        for modemIndex in result.modems.indices where result.modems[modemIndex].atPort == nil {
            for portIndex in result.modems[modemIndex].ports.indices
            where result.modems[modemIndex].ports[portIndex].role == .unknown {
                let device = result.modems[modemIndex].ports[portIndex].device
                guard let channel = try? ATChannel.open(device: device, lockDirectory: lockDirectory) else { continue }
                let answered = (try? await channel.send("AT", timeout: 1)) != nil
                await channel.close()
                if answered {
                    result.modems[modemIndex].ports[portIndex].role = .at
                    result.modems[modemIndex].ports[portIndex].source = "answered AT"
                    break
                }
            }
        }
        return result
    }
}
