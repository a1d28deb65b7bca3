import Foundation
import Testing

@testable import PDU
@testable import Simulator
@testable import Transport

/// The MMS HTTP client against the simulated MMSC on loopback, with every fault.
@Suite(.serialized) struct TransportTests {
    static func sample() -> MMSPDU {
        MMSPDU(
            type: .retrieveConf, transactionID: "t-1", version: .v1_2,
            headers: [
                .field(.date, .integer(1_764_000_000)), .field(.subject, .encodedString(EncodedString("Hello"))),
                .field(.contentType, .contentType(ContentType("application/vnd.wap.multipart.mixed"))),
            ],
            body: .multipart([
                MMSPart(contentType: ContentType("text/plain"), contentLocation: "a.txt", data: Array("hi".utf8))
            ]))
    }

    static func configuration(_ change: (inout TransportConfiguration) -> Void = { _ in }) -> TransportConfiguration {
        var configuration = TransportConfiguration()
        configuration.backoff = 0.01
        configuration.connectTimeout = 2
        configuration.readTimeout = 2
        configuration.totalTimeout = 10
        change(&configuration)
        return configuration
    }

    static func withMMSC<T>(_ body: (SimulatedMMSC) async throws -> T) async throws -> T {
        let mmsc = SimulatedMMSC()
        try await mmsc.start()
        do {
            let result = try await body(mmsc)
            await mmsc.stop()
            return result
        } catch {
            await mmsc.stop()
            throw error
        }
    }

    @Test func aMessageIsFetchedWithTheCarrierHeaders() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            let location = mmsc.store(Self.sample())
            let transport = HTTPTransport(
                configuration: Self.configuration {
                    $0.userAgent = "Nokia6230i/2.0 (03.25) Profile/MIDP-2.0"
                    $0.uaProfile = "http://nds1.nds.nokia.com/uaprof/N6230ir200.xml"
                })
            let progress = ProgressLog()
            let result = try await transport.get(
                location, progress: { received, expected in progress.add(received, expected) })
            #expect(try MMSPDU.decode(result.body) == Self.sample())
            let request = try #require(mmsc.requests.last)
            #expect(request.header("User-Agent") == "Nokia6230i/2.0 (03.25) Profile/MIDP-2.0")
            #expect(request.header("x-wap-profile") == "http://nds1.nds.nokia.com/uaprof/N6230ir200.xml")
            #expect(request.header("Host") == "127.0.0.1:\(mmsc.port)")
            #expect(request.header("Accept")?.contains("application/vnd.wap.mms-message") == true)
            #expect(progress.last?.0 == result.body.count)
        }
    }

    @Test func aSendRequestIsPostedAndConfirmed() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            let request = MMSPDU.sendRequest(
                transactionID: "s-1", to: [MMSAddress(recipient: "+15551234567")], subject: "Hi",
                parts: [
                    MMSPart(contentType: ContentType("text/plain"), contentLocation: "t.txt", data: Array("x".utf8))
                ])
            let result = try await HTTPTransport(configuration: Self.configuration()).post(
                mmsc.url, pdu: request.encode(), expectMMS: true)
            let confirmation = try MMSPDU.decode(result.body)
            #expect(confirmation.messageType == .sendConf)
            #expect(confirmation.responseStatus == .ok)
            #expect(confirmation.transactionID == "s-1")
            #expect(confirmation.messageID?.hasPrefix("sim-") == true)
            #expect(mmsc.requests.last?.header("Content-Type") == "application/vnd.wap.mms-message")
            #expect(mmsc.received.first == request.inSpecOrder())
        }
    }

    @Test func serverErrorsAreRetriedWithBackoff() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            let location = mmsc.store(Self.sample())
            mmsc.inject(.status(503), .status(500))
            let result = try await HTTPTransport(configuration: Self.configuration { $0.retries = 2 }).get(location)
            #expect(result.status == 200)
            #expect(mmsc.requests.count == 3)
        }
    }

    @Test func retriesStopAndTheErrorNamesURLProxyAndBearer() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            let location = mmsc.store(Self.sample())
            mmsc.inject(.status(503), .status(503))
            do throws(TransportError) {
                _ = try await HTTPTransport(configuration: Self.configuration { $0.retries = 1 }).get(location)
                Issue.record("must fail")
            } catch {
                #expect(error.underlying == .status(code: 503, reason: "Service Unavailable"))
                #expect(error.description == "\(location) over host routing: HTTP 503 Service Unavailable")
            }
            #expect(mmsc.requests.count == 2)
        }
    }

    @Test func clientErrorsAreNeverRetried() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            let missing = "http://127.0.0.1:\(mmsc.port)/get/none"
            await #expect(
                throws: TransportError.request(
                    .status(code: 404, reason: "Not Found"), url: missing, proxy: nil, bearer: "host routing")
            ) {
                _ = try await HTTPTransport(configuration: Self.configuration { $0.retries = 3 }).get(missing)
            }
            #expect(mmsc.requests.count == 1)
        }
    }

    @Test func resetsAndTruncatedBodiesAreRetried() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            let location = mmsc.store(Self.sample())
            mmsc.inject(.reset, .truncated)
            let result = try await HTTPTransport(configuration: Self.configuration { $0.retries = 2 }).get(location)
            #expect(try MMSPDU.decode(result.body) == Self.sample())
            mmsc.inject(.truncated)
            await #expect(throws: TransportError.self) {
                _ = try await HTTPTransport(configuration: Self.configuration { $0.retries = 0 }).get(location)
            }
            do throws(TransportError) {
                mmsc.inject(.truncated)
                _ = try await HTTPTransport(configuration: Self.configuration { $0.retries = 0 }).get(location)
            } catch {
                guard case .truncated(let expected, let received) = error.underlying else {
                    Issue.record("expected truncated, got \(error)")
                    return
                }
                #expect(expected == received + 100)
            }
        }
    }

    @Test func aSlowBodyHitsTheReadTimeout() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            let location = mmsc.store(Self.sample())
            mmsc.inject(.slowBody(delay: 1.5))
            let start = Date()
            await #expect(
                throws: TransportError.request(
                    .timeout(phase: "waiting for data", seconds: 0.3), url: location, proxy: nil, bearer: "host routing"
                )
            ) {
                _ = try await HTTPTransport(
                    configuration: Self.configuration {
                        $0.readTimeout = 0.3; $0.retries = 0
                    }
                ).get(location)
            }
            #expect(Date().timeIntervalSince(start) < 1.2)
        }
    }

    @Test func anOversizedBodyIsStoppedWhileStreaming() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            let location = mmsc.store(Self.sample())
            let announced = 1 << 30
            mmsc.inject(.oversized(bytes: announced))
            let start = Date()
            await #expect(
                throws: TransportError.request(
                    .tooLarge(limit: 1 << 20), url: location, proxy: nil, bearer: "host routing")
            ) {
                _ = try await HTTPTransport(
                    configuration: Self.configuration {
                        $0.maximumResponseSize = 1 << 20; $0.retries = 0
                    }
                ).get(location)
            }
            #expect(Date().timeIntervalSince(start) < 3)
            try await Task.sleep(nanoseconds: 300_000_000)
            // The client hung up at the cap: the server could stream only what socket buffers held, not the gigabyte.
            #expect(mmsc.bytesStreamed < announced / 4, "streamed \(mmsc.bytesStreamed) bytes")
        }
    }

    @Test func aWrongContentTypeIsAnError() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            let location = mmsc.store(Self.sample())
            mmsc.inject(.contentType("text/html"))
            await #expect(
                throws: TransportError.request(
                    .contentType("text/html"), url: location, proxy: nil, bearer: "host routing")
            ) {
                _ = try await HTTPTransport(configuration: Self.configuration { $0.retries = 0 }).get(location)
            }
        }
    }

    @Test func redirectsAreFollowedUpToTheLimit() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            let location = mmsc.store(Self.sample())
            mmsc.inject(.redirect(location))
            #expect(try await HTTPTransport(configuration: Self.configuration()).get(location).status == 200)
            mmsc.inject(.redirect(location), .redirect(location), .redirect(location))
            await #expect(throws: TransportError.self) {
                _ = try await HTTPTransport(configuration: Self.configuration { $0.maximumRedirects = 2 }).get(location)
            }
        }
    }

    @Test func throughTheProxyTheRequestCarriesTheAbsoluteURIAndTheMMSCNameIsNotResolved() async throws {
        try await Self.withMMSC { (mmsc: SimulatedMMSC) async throws -> Void in
            mmsc.store(Self.sample(), id: "p1")
            let transport = HTTPTransport(
                configuration: Self.configuration {
                    $0.proxy = HostPort(parsing: "127.000.000.001:\(mmsc.port)")
                })
            // mms.carrier.invalid exists only behind the proxy.
            let result = try await transport.get("http://mms.carrier.invalid/get/p1")
            #expect(try MMSPDU.decode(result.body) == Self.sample())
            let request = try #require(mmsc.requests.last)
            #expect(request.proxied)
            #expect(request.uri == "http://mms.carrier.invalid/get/p1")
            #expect(request.header("Host") == "mms.carrier.invalid")
        }
    }

    @Test func aDeadProxyIsNamedInTheError() async throws {
        let transport = HTTPTransport(
            configuration: Self.configuration {
                $0.proxy = HostPort(parsing: "127.0.0.1:1")
                $0.retries = 0
            })
        do {
            _ = try await transport.get("http://mms.carrier.invalid/get/x")
            Issue.record("must fail")
        } catch {
            #expect(
                error.description.hasPrefix(
                    "http://mms.carrier.invalid/get/x via proxy 127.0.0.1:1 over host routing: cannot connect"))
        }
    }

    /// Whether this machine can bind the IPv6 loopback (some containers have no IPv6).
    static let hasIPv6Loopback: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
            }
        }
    }()

    @Test(.enabled(if: hasIPv6Loopback, "no IPv6 loopback on this machine"))
    func anIPv6MMSCIsReachedWithABracketedHost() async throws {
        let mmsc = SimulatedMMSC(host: "::1")
        try await mmsc.start()
        let location = mmsc.store(Self.sample())
        #expect(location.hasPrefix("http://[::1]:"))
        #expect(try await HTTPTransport(configuration: Self.configuration()).get(location).status == 200)
        #expect(mmsc.requests.last?.header("Host") == "[::1]:\(mmsc.port)")
        await mmsc.stop()
    }

    @Test func theHostHeaderBracketsIPv6LiteralsAndLeavesPort80Out() {
        #expect(HTTPTransport.hostHeader(HostPort(host: "2001:db8::1", port: 80)) == "[2001:db8::1]")
        #expect(HTTPTransport.hostHeader(HostPort(host: "2001:db8::1", port: 8002)) == "[2001:db8::1]:8002")
        #expect(HTTPTransport.hostHeader(HostPort(host: "mms.example", port: 80)) == "mms.example")
        #expect(HTTPTransport.hostHeader(HostPort(host: "10.0.0.10", port: 8080)) == "10.0.0.10:8080")
    }

    @Test func unreachableHostsAndUnknownNamesSaySo() async throws {
        await #expect(throws: TransportError.self) {
            _ = try await HTTPTransport(configuration: Self.configuration { $0.retries = 0 }).get(
                "http://127.0.0.1:1/x")
        }
        do {
            _ = try await HTTPTransport(configuration: Self.configuration { $0.retries = 0 }).get(
                "http://no-such-host.invalid/x")
        } catch {
            guard case .dns(let host, let server, _) = error.underlying else {
                Issue.record("expected a DNS error, got \(error)")
                return
            }
            #expect(host == "no-such-host.invalid" && server == "system resolver")
        }
        await #expect(throws: TransportError.invalidURL("ftp://x/y", reason: "not an http:// URL")) {
            _ = try await HTTPTransport(configuration: Self.configuration()).get("ftp://x/y")
        }
    }

    @Test func proxyAddressesAsCarriersWriteThem() {
        #expect(HostPort(parsing: "010.000.000.010:8080") == HostPort(host: "10.0.0.10", port: 8080))
        #expect(HostPort(parsing: "10.143.156.8") == HostPort(host: "10.143.156.8", port: 80))
        #expect(HostPort(parsing: "proxy.mobile.att.net:80") == HostPort(host: "proxy.mobile.att.net", port: 80))
        #expect(HostPort(parsing: "[2001:db8::1]:8080") == HostPort(host: "2001:db8::1", port: 8080))
        #expect(HostPort(parsing: "http://149.254.201.135:8080/") == HostPort(host: "149.254.201.135", port: 8080))
        #expect(HostPort(parsing: "10.0.0.1:99999") == nil)
        #expect(HostPort(parsing: "bad host:80") == nil)
        #expect(HostPort(parsing: "256.1.1.1")?.host == "256.1.1.1")  // not an address: kept as a name
    }

    @Test func theBearerResolverAsksItsOwnServer() throws {
        let dns = SimulatedDNS(records: ["mms.carrier.test": "10.250.0.2"])
        try dns.start()
        defer { dns.stop() }
        let resolver = BearerResolver(servers: ["127.0.0.1"], interface: nil, timeout: 2, port: dns.port)
        #expect(try resolver.resolve("mms.carrier.test") == ["10.250.0.2"])
        #expect(throws: TransportError.dns(host: "other.test", server: "127.0.0.1", reason: "no such name (NXDOMAIN)"))
        {
            try resolver.resolve("other.test")
        }
        #expect(dns.queries.contains("mms.carrier.test"))
    }
}

final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(Int, Int?)] = []
    func add(_ received: Int, _ expected: Int?) { lock.withLock { entries.append((received, expected)) } }
    var last: (Int, Int?)? { lock.withLock { entries.last } }
}
