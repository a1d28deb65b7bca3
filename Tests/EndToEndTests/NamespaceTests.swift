import Foundation
import PDU
import Testing
import Transport

#if canImport(Glibc)
    import Glibc
#endif

/// The MMSC lives in its own network namespace, reachable only through a veth interface: mmsctl
/// reaches it through the `interface` bearer and resolves its name with a DNS server inside that
/// namespace, while the host's own resolver knows nothing of it. Needs root (CI is root).
@Suite(.serialized, .enabled(if: NetworkNamespace.usable, "needs root and iproute2 (ip netns)"))
struct NamespaceTests {
    @Test func theInterfaceBearerReachesAnMMSCOnlyItsOwnDNSKnows() async throws {
        let namespace = try NetworkNamespace()
        defer { namespace.remove() }
        let server = try namespace.run([
            MMSCtl.binary.path, "sim-mmsc", "--host", namespace.remoteAddress, "--port", "8080",
            "--dns-record", "mms.carrier.test=\(namespace.remoteAddress)", "--store-sample", "sample",
            "--seconds", "60",
        ])
        defer { server.terminate() }
        try await namespace.waitForReady(server)

        var configuration = TransportConfiguration()
        configuration.bearer = .interface(name: namespace.hostInterface, dnsServers: [namespace.remoteAddress])
        configuration.retries = 0
        configuration.connectTimeout = 3
        let result = try await HTTPTransport(configuration: configuration).get(
            "http://mms.carrier.test:8080/get/sample")
        let pdu = try MMSPDU.decode(result.body)
        #expect(pdu.subject == "Sample from the simulated MMSC")
        #expect(pdu.parts.first?.text == "Hello over the MMS bearer")

        // The host's resolver does not know the name: without the bearer the fetch fails at DNS.
        var plain = TransportConfiguration()
        plain.retries = 0
        do {
            _ = try await HTTPTransport(configuration: plain).get("http://mms.carrier.test:8080/get/sample")
            Issue.record("the host resolver must not know mms.carrier.test")
        } catch {
            guard case .dns(_, "system resolver", _) = error.underlying else {
                Issue.record("expected a DNS failure, got \(error)")
                return
            }
        }
        // Bound to another interface, the same address is unreachable: the socket really is bound.
        var wrong = TransportConfiguration()
        wrong.bearer = .interface(name: "lo", dnsServers: [])
        wrong.retries = 0
        wrong.connectTimeout = 1
        await #expect(throws: TransportError.self) {
            _ = try await HTTPTransport(configuration: wrong).get("http://\(namespace.remoteAddress):8080/get/sample")
        }
    }
}

/// A namespace with a veth pair: the host end in the test's namespace, the other end inside.
struct NetworkNamespace {
    let name: String
    let hostInterface: String
    let peerInterface: String
    let hostAddress: String
    let remoteAddress: String

    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static var usable: Bool {
        guard getuid() == 0, let ip else { return false }
        let probe = "mmsctl-probe-\(getpid())"
        guard (try? run(ip, ["netns", "add", probe])) == 0 else { return false }
        _ = try? run(ip, ["netns", "del", probe])
        return true
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    init() throws {
        let tag = Int(getpid() % 200) + 20
        name = "mmsctl-test-\(getpid())"
        hostInterface = "mmsh\(getpid() % 100000)"
        peerInterface = "mmsn\(getpid() % 100000)"
        hostAddress = "10.250.\(tag).1"
        remoteAddress = "10.250.\(tag).2"
        let ip = Self.ip!
        let steps: [[String]] = [
            ["netns", "add", name],
            ["link", "add", hostInterface, "type", "veth", "peer", "name", peerInterface],
            ["link", "set", peerInterface, "netns", name],
            ["addr", "add", "\(hostAddress)/30", "dev", hostInterface],
            ["link", "set", hostInterface, "up"],
            ["netns", "exec", name, "ip", "addr", "add", "\(remoteAddress)/30", "dev", peerInterface],
            ["netns", "exec", name, "ip", "link", "set", peerInterface, "up"],
            ["netns", "exec", name, "ip", "link", "set", "lo", "up"],
        ]
        for step in steps {
            let status = try Self.run(ip, step)
            if status != 0 {
                remove()
                throw NamespaceError(step: step.joined(separator: " "), status: status)
            }
        }
    }

    struct NamespaceError: Error, CustomStringConvertible {
        var step: String
        var status: Int32
        var description: String { "ip \(step) failed with status \(status)" }
    }

    func remove() {
        guard let ip = Self.ip else { return }
        _ = try? Self.run(ip, ["link", "del", hostInterface])
        _ = try? Self.run(ip, ["netns", "del", name])
    }

    final class Server: @unchecked Sendable {
        let process: Process
        let output: Pipe
        init(process: Process, output: Pipe) {
            self.process = process
            self.output = output
        }
        func terminate() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    func run(_ command: [String]) throws -> Server {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.ip!)
        process.arguments = ["netns", "exec", name] + command
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        try process.run()
        return Server(process: process, output: pipe)
    }

    func waitForReady(_ server: Server) async throws {
        let handle = server.output.fileHandleForReading
        let line: String = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var text = ""
                while !text.contains("\n") {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    text += String(decoding: chunk, as: UTF8.self)
                }
                continuation.resume(returning: text)
            }
        }
        #expect(line.hasPrefix("ready "), "sim-mmsc said: \(line)")
    }
}
