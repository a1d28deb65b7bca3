import Foundation
import Logging
import Modem
import PDU
import Store

/// Asks a running watch to stop: it finishes the step in hand (each step is durable anyway) and
/// returns. Safe to call from a dispatch signal source.
public final class StopToken: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var handlers: [@Sendable () -> Void] = []

    public init() {}

    public var isStopped: Bool { lock.withLock { stopped } }

    public func stop() {
        let pending = lock.withLock { () -> [@Sendable () -> Void] in
            guard !stopped else { return [] }
            stopped = true
            defer { handlers = [] }
            return handlers
        }
        for handler in pending { handler() }
    }

    /// Runs `handler` on stop (at once when already stopped).
    public func onStop(_ handler: @escaping @Sendable () -> Void) {
        let now = lock.withLock { () -> Bool in
            if stopped { return true }
            handlers.append(handler)
            return false
        }
        if now { handler() }
    }
}

extension ReceiveService {
    enum WatchEvent: Sendable {
        case urc(URC)
        case tick
        case watchdog
        case portClosed
        case stop
    }

    /// URCs after which the modem has rebooted and forgotten its settings (field guide §2.2, §8.2).
    static func isRebootURC(_ urc: URC) -> Bool {
        switch urc.name {
        case "RDY", "SMS DONE", "SMS Ready", "+READY": return true
        case "+QUSIM": return urc.value.trimming(" ") == "1"
        case "+QIND": return urc.value.uppercased().contains("SMS DONE")
        case "+CFUN": return urc.value.trimming(" ") == "1"
        default: return false
        }
    }

    /// `mmsctl receive --watch`: initialise, drain what is stored, then react to +CMTI and +CMT,
    /// list every storage every `scanInterval` seconds as a safety net, re-initialise after a reboot,
    /// wait for an unplugged modem and carry on when it returns. Returns on `stop`.
    public func watch(stop: StopToken) async throws(StoreError) {
        let store = try openStore()
        let pipeline = pipeline(store: store)
        var delay = 1.0
        var lastProblem: String?
        while !stop.isStopped {
            let opened = await openModem()
            guard case .success(let (channel, modem)) = opened else {
                if case .failure(.unavailable(let reason, _)) = opened, reason != lastProblem {
                    logger.warning("modem unavailable; waiting for it", metadata: ["reason": "\(reason)"])
                    lastProblem = reason
                }
                options.onStatus?("waiting for the modem: \(lastProblem ?? "unavailable")")
                options.onWatchdog?()
                // The store's pending work does not need the modem.
                var summary = ReceiveSummary()
                await pipeline.processDue(summary: &summary)
                await Self.sleep(seconds: delay, unless: stop)
                delay = min(delay * 2, 30)
                continue
            }
            lastProblem = nil
            delay = 1
            options.onReady?()
            await serve(channel: channel, modem: modem, pipeline: pipeline, store: store, stop: stop)
            await channel.close()
        }
    }

    /// Serves one open modem until its port goes away or `stop`.
    private func serve(
        channel: ATChannel, modem: ModemCommands, pipeline: ReceivePipeline, store: SQLiteStore, stop: StopToken
    ) async {
        let (events, continuation) = AsyncStream<WatchEvent>.makeStream(bufferingPolicy: .unbounded)
        let urcs = Task {
            for await urc in channel.urcs { continuation.yield(.urc(urc)) }
            continuation.yield(.portClosed)
        }
        let interval = options.scanInterval
        let ticks = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(max(interval, 0.05) * 1e9))
                if Task.isCancelled { break }
                continuation.yield(.tick)
            }
        }
        // The watchdog is fed by the event loop itself (an event it has to take and answer), so a loop
        // that hangs stops feeding it and systemd restarts the service.
        let watchdogInterval = options.watchdogInterval
        let watchdog = Task {
            guard let watchdogInterval else { return }
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(max(watchdogInterval, 0.05) * 1e9))
                if Task.isCancelled { break }
                continuation.yield(.watchdog)
            }
        }
        stop.onStop { continuation.yield(.stop) }
        defer {
            urcs.cancel()
            ticks.cancel()
            watchdog.cancel()
            continuation.finish()
        }

        await fullPass(pipeline: pipeline, modem: modem, store: store)
        for await event in events {
            if stop.isStopped { return }
            switch event {
            case .stop, .portClosed:
                if case .portClosed = event { logger.warning("the modem's port went away; waiting for it to return") }
                return
            case .tick:
                await fullPass(pipeline: pipeline, modem: modem, store: store)
            case .watchdog:
                options.onWatchdog?()
            case .urc(let urc):
                await handle(urc, pipeline: pipeline, modem: modem, store: store)
            }
            // A URC the channel had to drop (its buffer was full) is found by listing the storages.
            if await channel.takeDroppedURCs() > 0 {
                logger.warning("URCs were dropped; listing every storage")
                await fullPass(pipeline: pipeline, modem: modem, store: store)
            }
        }
    }

    private func fullPass(pipeline: ReceivePipeline, modem: ModemCommands, store: SQLiteStore) async {
        var summary = ReceiveSummary()
        await pipeline.pass(modem: modem, summary: &summary)
        report(summary, store: store)
    }

    private func handle(_ urc: URC, pipeline: ReceivePipeline, modem: ModemCommands, store: SQLiteStore) async {
        var summary = ReceiveSummary()
        if Self.isRebootURC(urc) {
            logger.notice("the modem rebooted (\(urc.name)); initialising it again")
            do {
                _ = try await modem.initialize(
                    pin: configuration["modem.pin"], indications: options.indications)
            } catch {
                logger.error("re-initialising failed", metadata: ["error": "\(error)"])
            }
            await fullPass(pipeline: pipeline, modem: modem, store: store)
            return
        }
        switch urc.name {
        case "+CMTI":
            let fields = urc.fields
            guard fields.count >= 2, let index = Int(fields[1]) else { return }
            let memory = fields[0].uppercased()
            do {
                let before = try await modem.storageUse()
                if before.first?.memory.uppercased() != memory {
                    try await modem.selectReadStorage(memory, current: before)
                }
                if let sms = try await modem.readSMS(index: index) {
                    summary.smsScanned += 1
                    let outcome = pipeline.ingest(
                        hex: sms.hex, tpduLength: sms.tpduLength, memory: memory, index: index, summary: &summary)
                    logger.debug("+CMTI", metadata: ["index": "\(index)", "outcome": "\(outcome)"])
                }
            } catch {
                logger.warning(
                    "cannot read the announced SMS; the next listing finds it", metadata: ["error": "\(error)"])
            }
        case "+CMT":
            guard let hex = urc.pdu else { return }
            let length = urc.fields.last.flatMap { Int($0) }
            summary.smsScanned += 1
            // Recorded durably first, then acknowledged to the network within its timer.
            pipeline.ingest(hex: hex, tpduLength: length, memory: nil, index: nil, summary: &summary)
            if options.indications == .route {
                do {
                    try await modem.acknowledge()
                } catch {
                    logger.warning("AT+CNMA failed", metadata: ["error": "\(error)"])
                }
            }
        default:
            return
        }
        await pipeline.processDue(summary: &summary)
        await pipeline.deleteSettled(modem: modem, summary: &summary)
        await pipeline.runHooks(summary: &summary)
        report(summary, store: store)
    }

    private func report(_ summary: ReceiveSummary, store: SQLiteStore) {
        for stored in summary.stored {
            logger.notice(
                "new message",
                metadata: [
                    "message": "\(stored.id)", "from": "\(TerminalText.safe(stored.from ?? "?"))",
                    "subject": "\(TerminalText.safe(stored.subject ?? ""))",
                ])
        }
        let count = (try? store.messages().count) ?? 0
        options.onStatus?("waiting for notifications, \(count) stored")
    }

    static func sleep(seconds: Double, unless stop: StopToken) async {
        let deadline = Date().addingTimeInterval(seconds)
        while !stop.isStopped, Date() < deadline {
            try? await Task.sleep(nanoseconds: UInt64(min(0.25, max(deadline.timeIntervalSinceNow, 0.01)) * 1e9))
        }
    }
}
