import Foundation
import Logging
import Modem
import PDU
import Store
import Transport

/// Options of `mmsctl fetch` and `mmsctl receive` that are not configuration keys.
public struct ReceiveOptions: Sendable {
    /// Retry failed notifications now, ignoring their backoff.
    public var retryNow = false
    /// How new SMS are announced while watching: stored (+CMTI, the default) or routed (+CMT with
    /// AT+CNMA under AT+CSMS=1).
    public var indications: ModemCommands.Indications = .store
    /// How often the watch lists every storage as a safety net.
    public var scanInterval: Double = 300
    /// Where UUCP lock files go (default /var/lock, or the system's).
    public var lockDirectory: String?
    public var trace: (@Sendable (ATTraceDirection, String) -> Void)?
    /// Called once the modem is initialised in watch mode, and with status lines after each pass.
    public var onReady: (@Sendable () -> Void)?
    public var onStatus: (@Sendable (String) -> Void)?
    /// Called at `watchdogInterval` from the watch's event loop (systemd's WATCHDOG=1).
    public var onWatchdog: (@Sendable () -> Void)?
    public var watchdogInterval: Double?

    public init() {}
}

/// Builds the receive pipeline from the configuration, and runs it once (`mmsctl fetch`) or as a
/// service (`mmsctl receive --watch`).
public struct ReceiveService: Sendable {
    public let configuration: Configuration
    public let options: ReceiveOptions
    public let logger: Logger

    public init(configuration: Configuration, options: ReceiveOptions, logger: Logger) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
    }

    public var storeFolder: String { configuration["store.path"] ?? SQLiteStore.defaultFolder }

    public func openStore() throws(StoreError) -> SQLiteStore { try SQLiteStore(folder: storeFolder) }

    public func network() -> any NetworkAccess {
        let transport = configuration.transport
        if configuration["bearer.kind"] == "ppp", let device = configuration["bearer.data_device"] {
            var settings = PPPBearer.Settings(device: device)
            if let cid = configuration["bearer.cid"].flatMap({ Int($0) }) { settings.cid = cid }
            return PPPNetwork(settings: settings, configuration: transport)
        }
        return DirectNetwork(configuration: transport)
    }

    public func settings() -> ReceiveSettings {
        var settings = ReceiveSettings()
        settings.mmsc = configuration["mms.mmsc"]
        if let size = configuration["mms.max_size"].flatMap({ Int($0) }), size > 0 { settings.maximumSize = size }
        settings.refusedClasses = Set(
            (configuration["mms.refuse_classes"] ?? "").split(separator: ",").map {
                String($0).trimming(" ").lowercased()
            }.filter { !$0.isEmpty })
        settings.hook = configuration["hooks.on_message"]
        settings.ignoreBackoff = options.retryNow
        return settings
    }

    public func pipeline(store: any MessageStore) -> ReceivePipeline {
        ReceivePipeline(store: store, settings: settings(), network: network(), logger: logger)
    }

    /// The modem's AT port: configured, or the first one discovery finds.
    public func devicePath() -> String? {
        configuration["modem.device"] ?? ModemDiscovery.discover().modems.compactMap(\.atPort).first?.device
    }

    enum ModemProblem: Error {
        case unavailable(String, busyWithMMSCtl: Bool)
    }

    /// Opens and initialises the modem; the problem, said plainly, when it cannot.
    func openModem() async -> Result<(ATChannel, ModemCommands), ModemProblem> {
        guard let device = devicePath() else {
            return .failure(
                .unavailable(
                    "no modem found: give its AT port with --device or modem.device (see `mmsctl modems`)",
                    busyWithMMSCtl: false))
        }
        let channel: ATChannel
        do {
            channel = try ATChannel.open(device: device, lockDirectory: options.lockDirectory, trace: options.trace)
        } catch {
            if case .port(.busy(_, let holder)) = error, holder?.contains("mmsctl") == true {
                return .failure(.unavailable("\(error)", busyWithMMSCtl: true))
            }
            return .failure(.unavailable("\(error)", busyWithMMSCtl: false))
        }
        let modem = ModemCommands(channel: channel)
        do {
            let notes = try await modem.initialize(pin: configuration["modem.pin"], indications: options.indications)
            logger.info(
                "modem initialised", metadata: ["device": "\(device)", "notes": "\(notes.joined(separator: "; "))"])
            return .success((channel, modem))
        } catch {
            await channel.close()
            return .failure(.unavailable("\(device): \(error)", busyWithMMSCtl: false))
        }
    }

    /// One pass (`mmsctl fetch`): every storage of the modem, the store's pending work, the deletes.
    /// When the modem is held by another mmsctl (a running watch), only the store's pending work is
    /// done: the watch owns the modem.
    public func fetchOnce() async throws(StoreError) -> ReceiveSummary {
        var summary = ReceiveSummary()
        let store = try openStore()
        let pipeline = pipeline(store: store)
        switch await openModem() {
        case .success(let (channel, modem)):
            await pipeline.pass(modem: modem, summary: &summary)
            await channel.close()
        case .failure(.unavailable(let reason, let busy)):
            summary.modemError = reason
            summary.modemBusyWithMMSCtl = busy
            if busy {
                logger.info("the modem is served by another mmsctl; doing only the store's pending work")
            } else {
                logger.error("modem unavailable", metadata: ["reason": "\(reason)"])
            }
            await pipeline.pass(modem: nil, summary: &summary)
        }
        return summary
    }
}
