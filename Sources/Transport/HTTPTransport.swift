import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Settings of the MMS HTTP client (OMA-MMS-CTR; headers as Android's MmsHttpClient sends them).
public struct TransportConfiguration: Sendable {
    public var proxy: HostPort?
    public var bearer: Bearer = .none
    public var userAgent = "mmsctl/0.2 (Linux; MMS 1.2)"
    /// UAProf URL sent as `x-wap-profile` (the header name is configurable: some carriers want another).
    public var uaProfile: String?
    public var uaProfileHeader = "x-wap-profile"
    public var extraHeaders: [(String, String)] = []
    public var connectTimeout: Double = 20
    public var readTimeout: Double = 60
    public var totalTimeout: Double = 300
    /// Largest body accepted; enforced while streaming.
    public var maximumResponseSize = 5 << 20
    public var maximumRedirects = 3
    /// Extra attempts after a connection error, timeout, reset or 5xx; never after a 4xx.
    public var retries = 2
    /// First backoff in seconds; doubles per attempt.
    public var backoff: Double = 1

    public init() {}
}

/// An HTTP response.
public struct HTTPResult: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var url: String

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var contentType: String? { header("content-type") }
    public var isMMS: Bool { contentType?.lowercased().hasPrefix("application/vnd.wap.mms-message") == true }
}

/// Progress of a transfer: bytes received and the announced length.
public typealias TransferProgress = @Sendable (_ received: Int, _ expected: Int?) -> Void

/// The MMS HTTP client: GET of a Content-Location, POST of a PDU, through the proxy and over the
/// bearer, with timeouts, a size cap, redirects and retries. HTTP framing is SwiftNIO's NIOHTTP1;
/// sockets are created here so they can be bound to the bearer's interface.
public struct HTTPTransport: Sendable {
    public var configuration: TransportConfiguration
    public var sleep: @Sendable (Double) async -> Void = { seconds in
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    }

    public init(configuration: TransportConfiguration) {
        self.configuration = configuration
    }

    public static let mmsContentType = "application/vnd.wap.mms-message"

    /// The Host header (RFC 9110 §7.2): the port only when it is not 80, an IPv6 literal in brackets.
    public static func hostHeader(_ authority: HostPort) -> String {
        let host = authority.isIPv6Literal ? "[\(authority.host)]" : authority.host
        return authority.port == 80 ? host : "\(host):\(authority.port)"
    }

    /// GET a Content-Location; with `expectMMS` a non-MMS content type is an error.
    public func get(_ url: String, expectMMS: Bool = true, progress: TransferProgress? = nil)
        async throws(TransportError) -> HTTPResult
    {
        try await perform(method: .GET, url: url, body: nil, expectMMS: expectMMS, progress: progress)
    }

    /// POST a PDU to the MMSC.
    /// POST a PDU to the MMSC. `upload` is told how much of the body the socket has taken.
    public func post(
        _ url: String, pdu: [UInt8], expectMMS: Bool = false, progress: TransferProgress? = nil,
        upload: TransferProgress? = nil
    ) async throws(TransportError) -> HTTPResult {
        try await perform(method: .POST, url: url, body: pdu, expectMMS: expectMMS, progress: progress, upload: upload)
    }

    func perform(
        method: HTTPMethod, url: String, body: [UInt8]?, expectMMS: Bool, progress: TransferProgress?,
        upload: TransferProgress? = nil
    ) async throws(TransportError) -> HTTPResult {
        var target = try HTTPURL(url)
        var method = method
        var body = body
        var redirects = 0
        var attempt = 0
        while true {
            do throws(TransportError) {
                let result = try await once(
                    method: method, url: target, body: body, progress: progress, upload: upload)
                if [301, 302, 303, 307, 308].contains(result.status), let location = result.header("location") {
                    redirects += 1
                    guard redirects <= configuration.maximumRedirects else {
                        throw wrap(.tooManyRedirects(limit: configuration.maximumRedirects), url: target)
                    }
                    target = try target.resolving(location)
                    if result.status == 303 {
                        method = .GET
                        body = nil
                    }
                    continue
                }
                guard (200..<300).contains(result.status) else {
                    throw wrap(
                        .status(
                            code: result.status, reason: HTTPResponseStatus(statusCode: result.status).reasonPhrase),
                        url: target)
                }
                if expectMMS && !result.isMMS {
                    throw wrap(.contentType(result.contentType ?? "(none)"), url: target)
                }
                return result
            } catch {
                let located = error.underlying == error ? wrap(error, url: target) : error
                attempt += 1
                guard located.isRetryable, attempt <= configuration.retries else { throw located }
                await sleep(configuration.backoff * Double(1 << (attempt - 1)))
            }
        }
    }

    func wrap(_ error: TransportError, url: HTTPURL) -> TransportError {
        .request(
            error, url: url.text, proxy: configuration.proxy?.description, bearer: configuration.bearer.description)
    }

    /// Where to connect: the proxy when there is one, else the URL's host; resolved through the bearer.
    func addresses(for authority: HostPort) throws(TransportError) -> [Sockets.Address] {
        if let literal = Sockets.Address.literal(authority.host, port: authority.port) { return [literal] }
        switch configuration.bearer {
        case .interface(let name, let dns):
            guard !dns.isEmpty else {
                throw .dns(
                    host: authority.host, server: "none",
                    reason: "interface \(name) has no DNS servers; give them in the configuration or use IP addresses")
            }
            let names = try BearerResolver(servers: dns, interface: name, timeout: min(configuration.connectTimeout, 5))
                .resolve(authority.host)
            return names.compactMap { Sockets.Address.literal($0, port: authority.port) }
        case .none:
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(authority.host, String(authority.port), &hints, &list)
            guard status == 0, let first = list else {
                throw .dns(
                    host: authority.host, server: "system resolver", reason: String(cString: gai_strerror(status)))
            }
            defer { freeaddrinfo(list) }
            var result: [Sockets.Address] = []
            var node: UnsafeMutablePointer<addrinfo>? = first
            while let current = node {
                if current.pointee.ai_family == AF_INET, let address = current.pointee.ai_addr {
                    result.append(.v4(address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }))
                } else if current.pointee.ai_family == AF_INET6, let address = current.pointee.ai_addr {
                    result.append(.v6(address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }))
                }
                node = current.pointee.ai_next
            }
            return result
        }
    }

    func once(
        method: HTTPMethod, url: HTTPURL, body: [UInt8]?, progress: TransferProgress?, upload: TransferProgress? = nil
    ) async throws(TransportError) -> HTTPResult {
        let authority = configuration.proxy ?? url.authority
        // Name resolution and the connect poll block: off the cooperative pool.
        let transport = self
        let descriptor = try await Blocking.run { () throws(TransportError) -> Int32 in
            let candidates = try transport.addresses(for: authority)
            var lastError = TransportError.connect(target: authority.description, reason: "no address")
            for address in candidates {
                do throws(TransportError) {
                    return try Sockets.connect(
                        to: address, interface: transport.configuration.bearer.interfaceName,
                        timeout: transport.configuration.connectTimeout)
                } catch {
                    lastError = error
                }
            }
            throw lastError
        }

        var head = HTTPRequestHead(
            version: .http1_1, method: method, uri: configuration.proxy == nil ? url.pathAndQuery : url.text)
        head.headers.add(name: "Host", value: Self.hostHeader(url.authority))
        head.headers.add(name: "User-Agent", value: configuration.userAgent)
        if let profile = configuration.uaProfile {
            head.headers.add(name: configuration.uaProfileHeader, value: profile)
        }
        head.headers.add(name: "Accept", value: "*/*, application/vnd.wap.mms-message, application/vnd.wap.sic")
        head.headers.add(name: "Accept-Language", value: "en-US, en")
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in configuration.extraHeaders { head.headers.add(name: name, value: value) }
        if let body {
            head.headers.add(name: "Content-Type", value: Self.mmsContentType)
            head.headers.add(name: "Content-Length", value: String(body.count))
        }

        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: HTTPResult.self)
        let limit = configuration.maximumResponseSize
        let readTimeout = configuration.readTimeout
        let urlText = url.text
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            IdleStateHandler(readTimeout: .milliseconds(Int64(readTimeout * 1000))))
                        try channel.pipeline.syncOperations.addHandler(
                            ResponseCollector(
                                promise: promise, limit: limit, url: urlText, readTimeout: readTimeout,
                                progress: progress))
                    }
                }
                .withConnectedSocket(descriptor).get()
        } catch {
            // NIO owns the descriptor from withConnectedSocket on and has closed it: closing it here
            // again could close a number that another thread has just been given.
            throw .connect(target: authority.description, reason: "\(error)")
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body {
            // In 16 KiB pieces, each reporting when the socket has taken it.
            let piece = 16 << 10
            var offset = 0
            while offset < body.count {
                let end = min(offset + piece, body.count)
                var buffer = channel.allocator.buffer(capacity: end - offset)
                buffer.writeBytes(body[offset..<end])
                let written = channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)))
                if let upload {
                    let total = body.count
                    written.whenSuccess { upload(end, total) }
                }
                offset = end
            }
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)

        let total = configuration.totalTimeout
        let deadline = loop.scheduleTask(in: .milliseconds(Int64(total * 1000))) {
            promise.fail(TransportError.timeout(phase: "transfer", seconds: total))
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        do {
            let result = try await promise.futureResult.get()
            try? await channel.close()
            return result
        } catch let error as TransportError {
            try? await channel.close()
            throw error
        } catch {
            try? await channel.close()
            throw .connectionReset("\(error)")
        }
    }
}

/// Collects one response, enforcing the size cap as the body streams in.
final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    let promise: EventLoopPromise<HTTPResult>
    let limit: Int
    let url: String
    let readTimeout: Double
    let progress: TransferProgress?
    var head: HTTPResponseHead?
    var body: [UInt8] = []
    var expected: Int?
    var done = false

    init(
        promise: EventLoopPromise<HTTPResult>, limit: Int, url: String, readTimeout: Double, progress: TransferProgress?
    ) {
        self.promise = promise
        self.limit = limit
        self.url = url
        self.readTimeout = readTimeout
        self.progress = progress
    }

    func fail(_ error: TransportError, context: ChannelHandlerContext) {
        guard !done else { return }
        done = true
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let response):
            head = response
            expected = response.headers.first(name: "content-length").flatMap { Int($0) }
            if let expected, expected > limit {
                fail(.tooLarge(limit: limit), context: context)
                return
            }
            if let expected, expected > 0 { body.reserveCapacity(min(expected, limit)) }
        case .body(var buffer):
            guard body.count + buffer.readableBytes <= limit else {
                fail(.tooLarge(limit: limit), context: context)
                return
            }
            if let bytes = buffer.readBytes(length: buffer.readableBytes) { body += bytes }
            progress?(body.count, expected)
        case .end:
            guard let head else { return }
            done = true
            promise.succeed(
                HTTPResult(
                    status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: body,
                    url: url))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            fail(.timeout(phase: "waiting for data", seconds: readTimeout), context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // The connection closed in the middle of the body: NIOHTTP1 says so as an EOF error.
        if let parserError = error as? HTTPParserError, parserError == .invalidEOFState, head != nil {
            fail(.truncated(expected: expected ?? -1, received: body.count), context: context)
            return
        }
        fail(.connectionReset("\(error)"), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard !done else { return }
        if let expected, head != nil, body.count < expected {
            fail(.truncated(expected: expected, received: body.count), context: context)
        } else if head == nil {
            fail(.connectionReset("the server closed the connection before answering"), context: context)
        } else {
            fail(.truncated(expected: expected ?? -1, received: body.count), context: context)
        }
    }
}

/// What `HTTPTransport.probe` measured: the name resolution (through the bearer's DNS) and a TCP
/// connection to the proxy, or to the MMSC without one.
public struct ReachabilityProbe: Sendable, Hashable {
    public var target: String
    public var resolveSeconds: Double
    public var connectSeconds: Double
    public var addresses: Int
}

extension HTTPTransport {
    /// Resolves the first hop of `url` (the proxy when there is one) as a transfer would, through the
    /// bearer, and opens and closes a TCP connection to it, timing both.
    public func probe(_ url: String) async throws(TransportError) -> ReachabilityProbe {
        let authority: HostPort
        if let proxy = configuration.proxy { authority = proxy } else { authority = try HTTPURL(url).authority }
        let transport = self
        return try await Blocking.run { () throws(TransportError) -> ReachabilityProbe in
            func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
            let start = now()
            let candidates = try transport.addresses(for: authority)
            let resolved = now()
            var lastError = TransportError.connect(target: authority.description, reason: "no address")
            for address in candidates {
                do throws(TransportError) {
                    let descriptor = try Sockets.connect(
                        to: address, interface: transport.configuration.bearer.interfaceName,
                        timeout: transport.configuration.connectTimeout)
                    close(descriptor)
                    return ReachabilityProbe(
                        target: authority.description, resolveSeconds: resolved - start,
                        connectSeconds: now() - resolved, addresses: candidates.count)
                } catch {
                    lastError = error
                }
            }
            throw lastError
        }
    }
}
