import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PDU

/// An MMSC over HTTP for tests and demos (OMA-MMS-CTR): stores what is posted, answers M-Send.req
/// with M-Send.conf, records M-NotifyResp.ind and M-Acknowledge.ind, serves messages at their
/// Content-Location, can act as the MMS proxy (absolute-form request URIs), and injects faults.
/// A message sent to the number of an attached simulated modem is pushed to that modem as a
/// WAP-push M-Notification.ind, so a whole loop runs without hardware.
public final class SimulatedMMSC: @unchecked Sendable {
    public enum Fault: Sendable, Hashable {
        /// No fault for this response (to fault a later one).
        case pass
        /// The whole answer comes this many seconds late.
        case delay(Double)
        case status(Int)
        /// The body is sent in pieces `delay` seconds apart.
        case slowBody(delay: Double)
        /// The connection is closed without an answer.
        case reset
        /// Content-Length announces more than is sent, then the connection closes.
        case truncated
        /// A body of this many bytes, streamed.
        case oversized(bytes: Int)
        case contentType(String)
        /// A 302 to this location.
        case redirect(String)
    }

    /// A request as received.
    public struct Request: Sendable {
        public var method: String
        public var uri: String
        public var headers: [(String, String)]
        public var body: [UInt8]
        /// The request used an absolute URI: it came through this server acting as the proxy.
        public var proxied: Bool { uri.lowercased().hasPrefix("http://") }
        public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    private let lock = NSLock()
    private var channel: Channel?
    private var _faults: [Fault] = []
    private var _requests: [Request] = []
    private var _stored: [String: [UInt8]] = [:]
    private var _received: [MMSPDU] = []
    private var counter = 0
    private var modem: SimulatedModem?
    private var modemNumber: String?
    private var _bytesStreamed = 0
    /// Messages whose sender asked for a delivery report, by the transaction id of their notification.
    private var awaitingDeliveryReport: [String: (messageID: String, recipient: String)] = [:]
    public let host: String
    public private(set) var port = 0

    public init(host: String = "127.0.0.1") {
        self.host = host
    }

    /// The MMSC URL to POST to.
    public var url: String { "http://\(hostForURL):\(port)/mms" }
    var hostForURL: String { host.contains(":") ? "[\(host)]" : host }

    public func start(port: Int = 0) async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MMSCHandler(mmsc: self))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        self.channel = channel
        self.port = channel.localAddress?.port ?? port
    }

    public func stop() async {
        try? await channel?.close()
    }

    /// Faults applied to the next responses, one each, in order.
    public func inject(_ faults: Fault...) { lock.withLock { _faults += faults } }
    public var requests: [Request] { lock.withLock { _requests } }
    /// PDUs posted to the MMSC, decoded.
    public var received: [MMSPDU] { lock.withLock { _received } }
    public var bytesStreamed: Int { lock.withLock { _bytesStreamed } }

    /// Stores a message to be fetched and returns its Content-Location.
    @discardableResult
    public func store(_ pdu: MMSPDU, id: String? = nil) -> String {
        store(encoded: pdu.encode(), id: id)
    }

    private func store(encoded: [UInt8], id: String?) -> String {
        lock.withLock {
            counter += 1
            let key = id ?? "m\(counter)"
            _stored[key] = encoded
            return "http://\(hostForURL):\(port)/get/\(key)"
        }
    }

    /// Messages to `number` are pushed to `modem` as WAP-push notifications.
    public func attach(modem: SimulatedModem, number: String) {
        lock.withLock {
            self.modem = modem
            self.modemNumber = number
        }
    }

    func nextFault() -> Fault? { lock.withLock { _faults.isEmpty ? nil : _faults.removeFirst() } }
    func addStreamed(_ count: Int) { lock.withLock { _bytesStreamed += count } }

    /// The answer to one request: status, content type, body.
    func handle(_ request: Request) -> (Int, String, [UInt8]) {
        lock.withLock { _requests.append(request) }
        var path = request.uri
        if request.proxied, let range = path.dropFirst(7).firstIndex(of: "/") { path = String(path[range...]) }
        if request.method == "GET" {
            let key = path.hasPrefix("/get/") ? String(path.dropFirst(5)) : ""
            guard let body = lock.withLock({ _stored[key] }) else {
                return (404, "text/plain", Array("no such message\n".utf8))
            }
            return (200, "application/vnd.wap.mms-message", body)
        }
        guard request.method == "POST" else { return (405, "text/plain", []) }
        guard let pdu = try? MMSPDU.decode(request.body) else {
            return (400, "text/plain", Array("not an MMS PDU\n".utf8))
        }
        lock.withLock { _received.append(pdu) }
        switch pdu.messageType {
        case .sendReq?:
            let id = lock.withLock { () -> String in
                counter += 1
                return "sim-\(counter)"
            }
            let confirmation = MMSPDU(
                type: .sendConf, transactionID: pdu.transactionID, version: .v1_2,
                headers: [
                    .field(.responseStatus, .octet(MMSResponseStatus.ok.rawValue)),
                    .field(.messageID, .text(Array(id.utf8))),
                ])
            deliverToModem(pdu, messageID: id)
            return (200, "application/vnd.wap.mms-message", confirmation.encode())
        case .notifyRespInd?:
            // The recipient has the message: the sender's delivery report (M-Delivery.ind) goes out.
            if pdu.status == .retrieved, let transaction = pdu.transactionID,
                let pending = lock.withLock({ awaitingDeliveryReport.removeValue(forKey: transaction) })
            {
                pushDeliveryReport(messageID: pending.messageID, recipient: pending.recipient)
            }
            return (200, "application/vnd.wap.mms-message", [])
        default:
            return (200, "application/vnd.wap.mms-message", [])
        }
    }

    /// A message to the attached modem's number becomes an M-Retrieve.conf at a Content-Location and
    /// an M-Notification.ind pushed by SMS.
    private func deliverToModem(_ request: MMSPDU, messageID: String) {
        guard let (modem, number) = lock.withLock({ modem.flatMap { m in modemNumber.map { (m, $0) } } }) else {
            return
        }
        let digits = { (text: String) in text.filter(\.isNumber) }
        let wantsReport = request.deliveryReport == true
        // Recipients other than the attached modem are "delivered" at once.
        if wantsReport {
            for recipient in request.to + request.cc + request.bcc where digits(recipient.value) != digits(number) {
                pushDeliveryReport(messageID: messageID, recipient: recipient.value)
            }
        }
        guard (request.to + request.cc + request.bcc).contains(where: { digits($0.value) == digits(number) }) else {
            return
        }
        if wantsReport {
            lock.withLock { awaitingDeliveryReport["tx-\(messageID)"] = (messageID, number) }
        }
        var headers: [MMSHeader] = [
            .field(.messageID, .text(Array(messageID.utf8))),
            .field(.date, .integer(UInt64(Date().timeIntervalSince1970))),
            .field(.from, .from(EncodedString(MMSAddress(value: "+15550100002", kind: .plmn).wireText))),
        ]
        headers += request.headers.filter { [.to, .cc, .subject].contains($0.fieldCode) }
        if let type = request.value(.contentType) { headers.append(.field(.contentType, type)) }
        let retrieve = MMSPDU(
            type: .retrieveConf, transactionID: messageID, version: .v1_2, headers: headers, body: request.body)
        let encoded = retrieve.encode()
        let location = store(encoded: encoded, id: messageID)
        let size = UInt64(encoded.count)
        var notificationHeaders: [MMSHeader] = [
            .field(.from, .from(EncodedString(MMSAddress(value: "+15550100002", kind: .plmn).wireText)))
        ]
        if let subject = request.value(.subject) { notificationHeaders.append(.field(.subject, subject)) }
        notificationHeaders += [
            .field(.messageClass, .octet(0x80)), .field(.messageSize, .integer(size)),
            .field(.expiry, .time(.relative(172_800))), .field(.contentLocation, .text(Array(location.utf8))),
        ]
        let notification = MMSPDU(
            type: .notificationInd, transactionID: "tx-\(messageID)", version: .v1_2, headers: notificationHeaders)
        push(notification, to: modem)
    }
}

extension SimulatedMMSC {
    /// An M-Delivery.ind (status Retrieved) pushed to the attached modem, the sender in the loop.
    func pushDeliveryReport(messageID: String, recipient: String) {
        guard let modem = lock.withLock({ modem }) else { return }
        let report = MMSPDU(
            type: .deliveryInd, transactionID: nil, version: .v1_2,
            headers: [
                .field(.messageID, .text(Array(messageID.utf8))),
                .field(.to, .encodedString(EncodedString(MMSAddress(recipient: recipient).wireText))),
                .field(.date, .integer(UInt64(Date().timeIntervalSince1970))),
                .field(.status, .octet(MMSStatus.retrieved.rawValue)),
            ])
        push(report, to: modem)
    }

    func push(_ pdu: MMSPDU, to modem: SimulatedModem) {
        let now = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date())
        let stamp = SMSTimestamp(
            year: now.year ?? 2026, month: now.month ?? 1, day: now.day ?? 1, hour: now.hour ?? 0,
            minute: now.minute ?? 0, second: now.second ?? 0, quarterHours: 0)
        // A push over 255 SMS cannot be numbered; the simulated network drops it, as a real one would.
        guard
            let messages = try? WAPPush.mms(pdu).deliverPDUs(
                reference: UInt16.random(in: 0...UInt16.max), smsc: SMSAddress(modem.profile.smsc),
                originator: SMSAddress("+15550100002"), timestamp: stamp)
        else { return }
        for message in messages { modem.deliver(message) }
    }
}

final class MMSCHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let mmsc: SimulatedMMSC
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    var streaming: (remaining: Int, chunk: ByteBuffer)?

    init(mmsc: SimulatedMMSC) { self.mmsc = mmsc }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
            body = []
        case .body(var buffer):
            if body.count < 64 << 20, let bytes = buffer.readBytes(length: buffer.readableBytes) { body += bytes }
        case .end:
            guard let head else { return }
            let request = SimulatedMMSC.Request(
                method: head.method.rawValue, uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) }, body: body)
            respond(to: request, context: context)
        }
    }

    func respond(to request: SimulatedMMSC.Request, context: ChannelHandlerContext) {
        respond(to: request, context: context, fault: mmsc.nextFault())
    }

    func respond(to request: SimulatedMMSC.Request, context: ChannelHandlerContext, fault: SimulatedMMSC.Fault?) {
        if case .delay(let seconds)? = fault {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
                let (handler, context) = loopBound.value
                handler.respond(to: request, context: context, fault: nil)
            }
            return
        }
        if fault == .reset {
            context.close(promise: nil)
            return
        }
        var (status, type, payload) = mmsc.handle(request)
        if case .status(let code)? = fault {
            status = code
            type = "text/plain"
            payload = Array("simulated failure\n".utf8)
        }
        if case .redirect(let location)? = fault {
            var headers = HTTPHeaders()
            headers.add(name: "Location", value: location)
            headers.add(name: "Content-Length", value: "0")
            headers.add(name: "Connection", value: "close")
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .found, headers: headers))),
                promise: nil)
            closeAfter(context.writeAndFlush(wrapOutboundOut(.end(nil))), channel: context.channel)
            return
        }
        if case .contentType(let forced)? = fault {
            type = forced
            payload = Array("<html><body>captive portal</body></html>".utf8)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Connection", value: "close")
        switch fault {
        case .oversized(let bytes)?:
            headers.replaceOrAdd(name: "Content-Type", value: "application/vnd.wap.mms-message")
            // No Content-Length: the client can only find out while streaming.
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil
            )
            var chunk = context.channel.allocator.buffer(capacity: 64 << 10)
            chunk.writeRepeatingByte(0x5A, count: 64 << 10)
            streaming = (bytes, chunk)
            pump(context: context)
            return
        case .truncated?:
            headers.add(name: "Content-Length", value: String(payload.count + 100))
        default:
            headers.add(name: "Content-Length", value: String(payload.count))
        }
        context.write(
            wrapOutboundOut(
                .head(
                    HTTPResponseHead(
                        version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))),
            promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: payload.count)
        buffer.writeBytes(payload)
        switch fault {
        case .truncated?:
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            context.close(promise: nil)
        case .slowBody(let delay)?:
            let half = payload.count / 2
            var first = context.channel.allocator.buffer(capacity: half)
            first.writeBytes(payload[..<half])
            var rest = context.channel.allocator.buffer(capacity: payload.count - half)
            rest.writeBytes(payload[half...])
            let second = rest
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(first))), promise: nil)
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) {
                let (handler, context) = loopBound.value
                context.write(handler.wrapOutboundOut(.body(.byteBuffer(second))), promise: nil)
                handler.closeAfter(context.writeAndFlush(handler.wrapOutboundOut(.end(nil))), channel: context.channel)
            }
        default:
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            closeAfter(context.writeAndFlush(wrapOutboundOut(.end(nil))), channel: context.channel)
        }
    }

    /// Closes the connection once `write` is done (the channel is Sendable; the context is not).
    func closeAfter(_ write: EventLoopFuture<Void>, channel: Channel) {
        write.whenComplete { _ in channel.close(promise: nil) }
    }

    /// Streams the oversized body while the client keeps reading.
    func pump(context: ChannelHandlerContext) {
        // The state is updated before each write: a write can re-enter through channelWritabilityChanged.
        while var state = streaming, state.remaining > 0, context.channel.isActive, context.channel.isWritable {
            let size = min(state.remaining, state.chunk.readableBytes)
            state.remaining -= size
            streaming = state
            mmsc.addStreamed(size)
            context.writeAndFlush(
                wrapOutboundOut(.body(.byteBuffer(state.chunk.getSlice(at: 0, length: size)!))), promise: nil)
        }
        if let state = streaming, state.remaining == 0 {
            streaming = nil
            closeAfter(context.writeAndFlush(wrapOutboundOut(.end(nil))), channel: context.channel)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if streaming != nil { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        streaming = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
