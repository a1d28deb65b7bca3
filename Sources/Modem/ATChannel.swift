import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Errors of AT commands: each names the command.
public enum ATError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No final result within the timeout.
    case timeout(command: String, seconds: Double)
    /// The modem answered with an error result code.
    case failed(command: String, result: ATFinalResult)
    /// The port failed or the modem disappeared.
    case port(SerialPortError)
    case closed(device: String)
    /// The answer did not have the expected shape.
    case unexpectedResponse(command: String, detail: String)

    public var description: String {
        switch self {
        case .timeout(let command, let seconds): return "\(command): no answer within \(seconds) s"
        case .failed(let command, let result): return "\(command): \(result)"
        case .port(let error): return error.description
        case .closed(let device): return "\(device): the AT channel is closed"
        case .unexpectedResponse(let command, let detail): return "\(command): unexpected answer: \(detail)"
        }
    }

    public var finalResult: ATFinalResult? {
        if case .failed(_, let result) = self { return result }
        return nil
    }
}

/// The answer to a command: its information lines and its final result code.
public struct ATResponse: Hashable, Sendable {
    public var lines: [String]
    public var final: ATFinalResult

    /// Lines starting with `prefix:` with the prefix removed, e.g. `values("+CPMS")`.
    public func values(_ prefix: String) -> [String] {
        lines.compactMap { line in
            guard line.hasPrefix(prefix + ":") else { return nil }
            return String(line.dropFirst(prefix.count + 1)).trimming(" ")
        }
    }
}

/// Direction of a traced line.
public enum ATTraceDirection: String, Sendable {
    case sent = ">>"
    case received = "<<"
    case note = "--"
}

/// The owner of a modem's AT port (27.007 §4, V.250 §5): the only writer, one command at a time,
/// URCs delivered on `urcs` whatever is in flight, per-command timeouts with a resync afterwards.
public actor ATChannel {
    public nonisolated let device: String
    /// Unsolicited result codes in arrival order. Finishes when the channel closes or the modem vanishes.
    public nonisolated let urcs: AsyncStream<URC>

    private let port: SerialPort
    private let urcContinuation: AsyncStream<URC>.Continuation
    private var parser = ATParser()
    private var pending: Pending?
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var busy = false
    /// Set after a timeout, and when the port is opened: a command a killed predecessor left in
    /// flight can still be answered, so the first command resynchronises.
    private var needsResync = true
    private var droppedURCs = 0
    private var released = false
    private var failure: ATError?
    private var sequence = 0
    private let trace: (@Sendable (ATTraceDirection, String) -> Void)?
    private let reader: ReaderThread

    struct Pending {
        var id: Int
        var command: String
        var lines: [String] = []
        var continuation: CheckedContinuation<ATResponse, any Error>
        var onPrompt: (() -> [UInt8])?
        /// When set, a final result whose lines it refuses is a late answer to an earlier command:
        /// dropped, and the wait for this command's own answer goes on.
        var accept: (@Sendable ([String]) -> Bool)?
    }

    /// Opens the device and starts reading it.
    public static func open(
        device: String, baudRate: Int = 115_200, lockDirectory: String? = nil,
        trace: (@Sendable (ATTraceDirection, String) -> Void)? = nil
    ) throws(ATError) -> ATChannel {
        do {
            let port = try SerialPort.open(device, baudRate: baudRate, lockDirectory: lockDirectory)
            return ATChannel(port: port, trace: trace)
        } catch {
            throw .port(error)
        }
    }

    public init(port: SerialPort, trace: (@Sendable (ATTraceDirection, String) -> Void)? = nil) {
        self.port = port
        self.device = port.device
        self.trace = trace
        let (stream, continuation) = AsyncStream<URC>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        self.urcs = stream
        self.urcContinuation = continuation
        let (chunks, chunkContinuation) = AsyncStream<ReaderThread.Chunk>.makeStream()
        self.reader = ReaderThread(port: port, continuation: chunkContinuation)
        reader.start()
        Task { [weak self] in
            for await chunk in chunks {
                guard let self else { return }
                await self.handle(chunk)
            }
        }
    }

    /// Sends `command` (without CR) and waits for its final result code. An error result throws
    /// `ATError.failed`; no result within `timeout` throws `.timeout` and the next command first
    /// resynchronises the modem (ESC, `AT`, then drains late answers).
    @discardableResult
    public func send(_ command: String, timeout: Double = 5) async throws(ATError) -> ATResponse {
        try await run(command, timeout: timeout, payload: nil)
    }

    /// Sends a command that answers with the `> ` prompt (AT+CMGS, AT+CMGW), then `payload` and Ctrl-Z.
    @discardableResult
    public func send(_ command: String, payload: String, timeout: Double = 60) async throws(ATError) -> ATResponse {
        try await run(command, timeout: timeout, payload: Array(payload.utf8) + [0x1A])
    }

    /// Sends a command and returns the final result even when it is an error (no throw for ERROR).
    public func execute(_ command: String, timeout: Double = 5) async throws(ATError) -> ATResponse {
        do {
            return try await send(command, timeout: timeout)
        } catch {
            if case .failed(_, let result) = error { return ATResponse(lines: [], final: result) }
            throw error
        }
    }

    deinit {
        // A channel dropped without close(): stop the reader and release the port and its locks.
        if !released {
            reader.stopAndWait()
            port.close()
        }
    }

    /// Closes the port and releases its descriptor, flock and UUCP lock file, also after the port
    /// failed (an unplugged modem), so that the same path can be opened again in this process.
    public func close() async {
        if failure == nil {
            failure = .closed(device: device)
            finishAll(with: .closed(device: device))
        }
        guard !released else { return }
        released = true
        // Waiting for the reader thread blocks (briefly: the wake pipe ends its poll at once); do it
        // on a dispatch queue, not on a thread of the cooperative pool.
        let reader = self.reader
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                reader.stopAndWait()
                continuation.resume()
            }
        }
        port.close()
    }

    // MARK: Internals

    private func run(_ command: String, timeout: Double, payload: [UInt8]?) async throws(ATError) -> ATResponse {
        await acquire()
        defer { release() }
        if let failure { throw failure }
        if needsResync { await resync() }
        if let failure { throw failure }
        do {
            return try await exchange(command, timeout: timeout, payload: payload)
        } catch let error as ATError {
            throw error
        } catch {
            throw .closed(device: device)
        }
    }

    private func exchange(
        _ command: String, timeout: Double, payload: [UInt8]?, accept: (@Sendable ([String]) -> Bool)? = nil
    ) async throws -> ATResponse {
        sequence += 1
        let id = sequence
        parser.begin(command: command, expectsPrompt: payload != nil)
        trace?(.sent, Self.masked(command))
        do {
            try port.write(Array((command + "\r").utf8))
        } catch {
            parser.end()
            fail(with: .port(error))
            throw ATError.port(error)
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(nanoseconds: ATChannel.nanoseconds(timeout))
            await self?.timeoutFired(id: id, seconds: timeout)
        }
        defer { timer.cancel() }
        let response = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<ATResponse, any Error>) in
            pending = Pending(
                id: id, command: command, continuation: continuation, onPrompt: payload.map { bytes in { bytes } },
                accept: accept)
        }
        if !response.final.isSuccess { throw ATError.failed(command: command, result: response.final) }
        return response
    }

    private func timeoutFired(id: Int, seconds: Double) {
        guard let current = pending, current.id == id else { return }
        pending = nil
        parser.end()
        needsResync = true
        trace?(.note, "\(current.command): timed out after \(seconds) s")
        current.continuation.resume(throwing: ATError.timeout(command: current.command, seconds: seconds))
    }

    /// Resynchronises after a timeout or on open (field guide §5.2): ESC leaves a half-finished
    /// prompt, then a probe whose answer can be recognised by its information line (`+CMEE: n`,
    /// `+CSCS: "…"`) is sent. Every final result that arrives without that line is the late answer of
    /// an earlier command and is dropped, so it can never be taken for the next command's answer.
    /// Two probes alternate, so a late answer to a timed-out probe is not taken for the next one.
    /// A modem that answers neither gets a bare `AT` and a quiet period.
    private func resync() async {
        trace?(.note, "resynchronising")
        // No pause after ESC: whatever it makes the modem answer has no +CMEE line and is dropped.
        try? port.write([0x1B])
        let probes = [("AT+CMEE?", "+CMEE:"), ("AT+CSCS?", "+CSCS:")]
        for attempt in 0..<4 {
            let (probe, prefix) = probes[attempt % 2]
            let accept: @Sendable ([String]) -> Bool = { lines in lines.contains { $0.hasPrefix(prefix) } }
            if (try? await exchange(probe, timeout: 3, payload: nil, accept: accept)) != nil {
                needsResync = false
                return
            }
            if failure != nil { return }
        }
        if (try? await exchange("AT", timeout: 3, payload: nil)) != nil {
            try? await Task.sleep(nanoseconds: 500_000_000)
            needsResync = false
        }
    }

    /// A command as it may be shown in a trace or a log: the PIN and passwords of `+CPIN`, `+CLCK`
    /// and `+CPWD` replaced by `****`.
    public static func masked(_ command: String) -> String {
        let upper = command.uppercased()
        guard ["AT+CPIN=", "AT+CLCK=", "AT+CPWD="].contains(where: { upper.hasPrefix($0) }) else { return command }
        let prefix = command.prefix(8)
        if upper.hasPrefix("AT+CPIN=") { return prefix + "\"****\"" }
        // +CLCK=<fac>,<mode>[,<passwd>…] and +CPWD=<fac>,<old>,<new>: keep the facility only.
        let facility = command.dropFirst(8).split(separator: ",").first.map(String.init) ?? ""
        return prefix + facility + ",****"
    }

    /// Nanoseconds of a timeout given in seconds, bounded: NaN, negative or huge values never trap.
    static func nanoseconds(_ seconds: Double) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return seconds.isNaN || seconds <= 0 ? 0 : 86_400_000_000_000 }
        return UInt64(min(seconds, 86_400) * 1e9)
    }

    /// URCs that had to be dropped since the last call (the stream's buffer was full): the caller
    /// lists the storages so that no +CMTI is lost.
    public func takeDroppedURCs() -> Int {
        defer { droppedURCs = 0 }
        return droppedURCs
    }

    private func handle(_ chunk: ReaderThread.Chunk) {
        switch chunk {
        case .bytes(let bytes):
            for event in parser.feed(bytes) { dispatch(event) }
        case .failed(let error):
            fail(with: .port(error))
        }
    }

    private func dispatch(_ event: ATEvent) {
        switch event {
        case .urc(let urc):
            trace?(.received, urc.description)
            if case .dropped = urcContinuation.yield(urc) { droppedURCs += 1 }
        case .stray(let line):
            trace?(.received, line + "   (no command in flight; dropped)")
        case .line(let line):
            trace?(.received, line)
            pending?.lines.append(line)
        case .prompt:
            trace?(.received, "> ")
            if let bytes = pending?.onPrompt?() {
                trace?(.sent, String(decoding: bytes.dropLast(), as: UTF8.self) + "<Ctrl-Z>")
                do { try port.write(bytes) } catch { fail(with: .port(error)) }
            }
        case .final(let result):
            trace?(.received, result.description)
            guard let current = pending else { return }
            if let accept = current.accept, !accept(current.lines) {
                trace?(.note, "a late answer to an earlier command (\(result)); dropped")
                pending?.lines = []
                parser.begin(command: current.command)
                return
            }
            pending = nil
            parser.end()
            current.continuation.resume(returning: ATResponse(lines: current.lines, final: result))
        }
    }

    private func fail(with error: ATError) {
        guard failure == nil else { return }
        failure = error
        trace?(.note, error.description)
        reader.stop()
        finishAll(with: error)
    }

    private func finishAll(with error: ATError) {
        if let current = pending {
            pending = nil
            current.continuation.resume(throwing: error)
        }
        urcContinuation.finish()
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// Reads the port on its own thread and hands chunks over in order. It blocks in `poll` on the
/// port and a wake pipe with no timeout, so an idle channel costs no CPU; `stop` writes to the pipe.
final class ReaderThread: @unchecked Sendable {
    enum Chunk: Sendable {
        case bytes([UInt8])
        case failed(SerialPortError)
    }

    let port: SerialPort
    let continuation: AsyncStream<Chunk>.Continuation
    private let lock = NSLock()
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)
    /// [read end, write end]; the read end is polled beside the port.
    private var wakePipe: [Int32] = [-1, -1]

    init(port: SerialPort, continuation: AsyncStream<Chunk>.Continuation) {
        self.port = port
        self.continuation = continuation
        if pipe(&wakePipe) == 0 {
            for fd in wakePipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        } else {
            wakePipe = [-1, -1]
        }
    }

    deinit {
        for fd in wakePipe where fd >= 0 { Glibc.close(fd) }
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "mmsctl-at-reader"
        thread.start()
    }

    func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        if first, wakePipe[1] >= 0 {
            var byte: UInt8 = 1
            _ = Glibc.write(wakePipe[1], &byte, 1)
        }
    }

    /// Stops and waits until the thread no longer uses the descriptor, so the caller may close it:
    /// a reader still polling a closed number could otherwise take bytes meant for whatever opens
    /// that number next. Safe to call more than once.
    func stopAndWait() {
        stop()
        finished.wait()
        finished.signal()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func run() {
        let wake = wakePipe[0] >= 0 ? wakePipe[0] : nil
        // Without a wake pipe, fall back to short polls so that stop is still seen.
        let timeout: Int32 = wake == nil ? 50 : -1
        while !isStopped {
            do {
                let bytes = try port.read(timeoutMilliseconds: timeout, wake: wake)
                if !bytes.isEmpty { continuation.yield(.bytes(bytes)) }
            } catch {
                if !isStopped { continuation.yield(.failed(error)) }
                break
            }
        }
        continuation.finish()
        finished.signal()
    }
}
