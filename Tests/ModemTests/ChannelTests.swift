import Foundation
import TestSupport
import Testing

@testable import Modem
@testable import PDU
@testable import Simulator

/// The AT layer over a real pseudo-terminal against the simulated modem, with every fault.
@Suite(.serialized) struct ChannelTests {
    /// A started simulator and a channel on it, closed at the end.
    static func withModem<T>(_ profile: ModemProfile = .generic, _ body: (SimulatedModem, ATChannel) async throws -> T)
        async throws -> T
    {
        let modem = try SimulatedModem(profile: profile)
        modem.start()
        let channel = try ATChannel.open(device: modem.devicePath, lockDirectory: NSTemporaryDirectory())
        _ = URCCollector.for(channel)
        defer { URCCollector.forget(channel) }
        do {
            let result = try await body(modem, channel)
            await channel.close()
            modem.stop()
            return result
        } catch {
            await channel.close()
            modem.stop()
            throw error
        }
    }

    /// The next URC, or nil when none comes within `seconds`. One collector per channel reads the
    /// stream for the whole test (an AsyncStream ends when a task waiting on it is cancelled).
    static func nextURC(_ channel: ATChannel, within seconds: Double = 2) async -> URC? {
        let collector = URCCollector.for(channel)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let urc = collector.take() { return urc }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return collector.take()
    }

    @Test(arguments: ModemProfile.all.map(\.name))
    func initialiseAndIdentifyEveryProfile(profile: String) async throws {
        let chosen = try #require(ModemProfile.named(profile))
        try await Self.withModem(chosen) { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            let commands = ModemCommands(channel: channel)
            let notes = try await commands.initialize()
            #expect(notes.contains { $0.hasPrefix("indications +CNMI=") })
            let identity = try await commands.identity()
            #expect(identity.manufacturer == chosen.manufacturer)
            #expect(identity.model == chosen.model)
            #expect(identity.imei == chosen.imei)
            #expect(identity.imsi == chosen.imsi)
            #expect(identity.ownNumber == chosen.ownNumber)
            #expect(try await commands.registration().isRegistered)
            #expect(try await commands.signal().dBm == -73)
            #expect(modem.commands.contains("ATE0"))
        }
    }

    @Test func storedMessagesAreListedReadAndDeleted() async throws {
        try await Self.withModem { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            let first = try #require(modem.store(SampleSMS.text("first")))
            _ = modem.store(SampleSMS.text("second"))
            let commands = ModemCommands(channel: channel)
            _ = try await commands.initialize()
            let listed = try await commands.listSMS()
            #expect(listed.count == 2)
            let texts = listed.compactMap { stored -> String? in
                guard case .success(let pdu) = stored.pdu, case .deliver(let deliver) = pdu.tpdu else { return nil }
                return deliver.text
            }
            #expect(texts == ["first", "second"])
            let read = try #require(try await commands.readSMS(index: first))
            #expect(read.status == 1)  // listing marked it read
            try await commands.deleteSMS(index: first)
            #expect(try await commands.readSMS(index: first) == nil)
            #expect(modem.messages(in: "ME").count == 1)
        }
    }

    @Test func sendingUsesThePromptAndReturnsTheReference() async throws {
        try await Self.withModem { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            let commands = ModemCommands(channel: channel)
            _ = try await commands.initialize()
            let submit = SMSPDU(
                tpdu: .submit(SMSSubmit(destination: SMSAddress("+15551234567"), userData: SMSUserData(text: "Hello"))))
            let reference = try await commands.sendSMS(submit)
            #expect(reference == 1)
            #expect(modem.sentMessages == [submit])
        }
    }

    @Test func routedDeliveryArrivesAsCMTWithItsPDUAndIsAcknowledged() async throws {
        try await Self.withModem { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            let commands = ModemCommands(channel: channel)
            let notes = try await commands.initialize(indications: .route)
            #expect(notes.contains("indications +CNMI=2,2,0,0,0"))
            let sms = SampleSMS.text("routed")
            #expect(modem.deliver(sms) == nil)
            let urc = try #require(await Self.nextURC(channel))
            #expect(urc.name == "+CMT" && urc.pdu == sms.hex)
            try await commands.acknowledge()
            await #expect(throws: ATError.self) { try await commands.acknowledge() }  // nothing left to acknowledge
        }
    }

    @Test func newMessagesAreAnnouncedAsURCs() async throws {
        try await Self.withModem { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            _ = try await ModemCommands(channel: channel).initialize()
            let index = modem.deliver(SampleSMS.text("ping"))
            let urc = try #require(await Self.nextURC(channel))
            #expect(urc.name == "+CMTI")
            #expect(urc.fields == ["ME", String(index ?? -1)])
        }
    }

    @Test func urcsInsideResponsesAndSplitWritesAreSeparated() async throws {
        try await Self.withModem(.huawei) { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            modem.faults.urcInsideResponses = "^RSSI:17"
            modem.faults.splitWrites = true
            let response = try await channel.send("AT+CPMS?")
            #expect(response.lines.count == 1)
            #expect(response.lines[0].hasPrefix("+CPMS: \"ME\""))
            let urc = try #require(await Self.nextURC(channel))
            #expect(urc == URC(name: "^RSSI", value: "17"))
        }
    }

    @Test func aSlowAnswerTimesOutAndTheNextCommandIsNotConfusedByIt() async throws {
        try await Self.withModem { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            try await channel.send("AT")  // the resync on open, with a well-behaved modem
            modem.faults.responseDelay = 1.5
            let start = Date()
            await #expect(throws: ATError.timeout(command: "AT+CGMI", seconds: 0.2)) {
                try await channel.send("AT+CGMI", timeout: 0.2)
            }
            // Well before the answer would have come: the timeout, not the answer, ended the wait.
            #expect(Date().timeIntervalSince(start) < 1.2)
            modem.faults.responseDelay = 0
            // The late "mmsctl / OK" of AT+CGMI arrives now; the resync must drain it.
            let model = try await channel.send("AT+CGMM")
            #expect(model.lines == [ModemProfile.generic.model])
        }
    }

    @Test func aDroppedAnswerTimesOutAndTheChannelRecovers() async throws {
        try await Self.withModem { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            try await channel.send("AT")  // the resync on open, with a well-behaved modem
            modem.faults.dropResponses = 1
            await #expect(throws: ATError.self) { try await channel.send("AT+CSQ", timeout: 0.3) }
            #expect(try await channel.send("AT+CSQ").lines == ["+CSQ: 20,99"])
        }
    }

    /// The issue's slow modem: every final result 1.5 s late, bytes written one by one. Initialising and
    /// reading the identity must give the modem's own answers, never a neighbour's.
    @Test func aModemThatAnswersLateAndByteByByteIsReadCorrectly() async throws {
        try await Self.withModem(.quectel) { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            modem.faults.responseDelay = 1.5
            modem.faults.splitWrites = true
            let commands = ModemCommands(channel: channel)
            try await channel.send("AT", timeout: 2.5)
            #expect(try await commands.pinState() == .ready)
            #expect(try await channel.send("AT+CGMM").lines == [ModemProfile.quectel.model])
            #expect(try await channel.send("AT+CIMI").lines == [ModemProfile.quectel.imsi])
        }
    }

    /// A process killed with a command in flight: its answer comes after the next process opened the
    /// port. The open resynchronises, so that answer is never taken for the new process's command.
    @Test func aLateAnswerLeftByAKilledPredecessorIsNotTakenForTheNextCommand() async throws {
        let modem = try SimulatedModem(profile: .generic)
        modem.start()
        defer { modem.stop() }
        let lock = NSTemporaryDirectory()
        let first = try ATChannel.open(device: modem.devicePath, lockDirectory: lock)
        try await first.send("AT")
        modem.faults.responseDelay = 1.0
        // The predecessor writes AT+CGMI and dies before the answer ("mmsctl", OK) comes.
        let predecessor = Task { try? await first.send("AT+CGMI", timeout: 0.1) }
        _ = await predecessor.value
        await first.close()
        let second = try ATChannel.open(device: modem.devicePath, lockDirectory: lock)
        let answer = try await second.send("AT+CIMI")
        #expect(answer.lines == [ModemProfile.generic.imsi])
        await second.close()
    }

    /// Issue 9: the URC stream never drops a +CMTI silently: what its buffer had to drop is counted,
    /// and the watch lists the storages when the count is not zero.
    @Test func urcsDroppedByAFullBufferAreCounted() async throws {
        let modem = try SimulatedModem(profile: .generic)
        modem.start()
        defer { modem.stop() }
        let channel = try ATChannel.open(device: modem.devicePath, lockDirectory: NSTemporaryDirectory())
        try await channel.send("AT")
        #expect(await channel.takeDroppedURCs() == 0)
        for index in 0..<1100 { modem.emit(urc: "+CMTI: \"ME\",\(index % 20)") }
        // The URCs are read while nobody consumes the stream (its buffer holds 1024).
        let deadline = Date().addingTimeInterval(10)
        var dropped = 0
        while dropped == 0, Date() < deadline {
            try await channel.send("AT")
            dropped = await channel.takeDroppedURCs()
        }
        #expect(dropped >= 1100 - 1024, "dropped \(dropped)")
        #expect(await channel.takeDroppedURCs() == 0)
        await channel.close()
    }

    @Test func garbageAfterTheFinalResultIsDropped() async throws {
        try await Self.withModem { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            modem.faults.garbleResponses = 3
            for _ in 0..<3 {
                #expect(try await channel.send("AT+CGSN").lines == [ModemProfile.generic.imei])
            }
        }
    }

    @Test func simBusyIsRetriedWithBackoff() async throws {
        try await Self.withModem { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            let commands = ModemCommands(channel: channel)
            _ = try await commands.initialize()
            _ = modem.store(SampleSMS.text("busy"))
            modem.faults.simBusy = 2
            #expect(try await commands.listSMS().count == 1)
            await #expect(throws: ATError.failed(command: "AT+CMGD=9", result: .cmsError(code: 321, text: "321"))) {
                try await commands.deleteSMS(index: 9)
            }
        }
    }

    @Test func aFullStorageHoldsNewMessagesUntilSpaceIsFreed() async throws {
        try await Self.withModem { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            let commands = ModemCommands(channel: channel)
            _ = try await commands.initialize()
            for number in 0..<23 { _ = modem.store(SampleSMS.text("old \(number)")) }
            #expect(try await commands.storageUse().first?.isNearlyFull == true)
            #expect(modem.deliver(SampleSMS.text("new")) == nil)
            #expect(await Self.nextURC(channel, within: 0.3) == nil)
            try await commands.deleteSMS(index: 0)
            let urc = try #require(await Self.nextURC(channel))
            #expect(urc.name == "+CMTI" && urc.fields == ["ME", "0"])
        }
    }

    @Test func aResetIsSeenAsBootURCsAndEchoIsToleratedAgain() async throws {
        try await Self.withModem(.quectel) { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            _ = try await ModemCommands(channel: channel).initialize()
            modem.reset()
            var names: [String] = []
            while names.count < 5, let urc = await Self.nextURC(channel) { names.append(urc.description) }
            #expect(names == ["RDY", "+CPIN: READY", "+QUSIM: 1", "+CFUN: 1", "+QIND: SMS DONE"])
            // Echo is back on: the answer must still be just the model.
            #expect(try await channel.send("AT+CGMM").lines == ["EG25"])
        }
    }

    @Test func anUnpluggedModemFailsFastWithItsOwnError() async throws {
        try await Self.withModem { (modem: SimulatedModem, channel: ATChannel) async throws -> Void in
            modem.unplug()
            let start = Date()
            do {
                try await channel.send("AT", timeout: 3)
                Issue.record("a command to an unplugged modem must fail")
            } catch {
                guard case .port(.disappeared(let device))? = error as? ATError else {
                    Issue.record("expected .disappeared, got \(error)")
                    return
                }
                #expect(device == channel.device)
            }
            #expect(Date().timeIntervalSince(start) < 2)
            // The URC stream ends too.
            let collector = URCCollector.for(channel)
            for _ in 0..<500 where !collector.isFinished { try await Task.sleep(nanoseconds: 10_000_000) }
            #expect(collector.isFinished)
        }
    }

    @Test func aPINLockedSIMNeedsThePIN() async throws {
        try await Self.withModem(ModemProfile.generic.locked(pin: "4321")) {
            (_: SimulatedModem, channel: ATChannel) async throws -> Void in
            let commands = ModemCommands(channel: channel)
            await #expect(
                throws: ATError.failed(command: "AT+CPIN?", result: .cmeError(code: 11, text: "SIM PIN required"))
            ) {
                _ = try await commands.initialize()
            }
            #expect(try await commands.pinState() == .pinRequired)
            await #expect(throws: ATError.self) { try await commands.enterPIN("0000") }
            _ = try await commands.initialize(pin: "4321")
            #expect(try await commands.pinState() == .ready)
        }
    }

    @Test func thePortIsExclusive() async throws {
        try await Self.withModem { (modem: SimulatedModem, _: ATChannel) async throws -> Void in
            #expect(throws: ATError.self) {
                _ = try ATChannel.open(device: modem.devicePath, lockDirectory: NSTemporaryDirectory())
            }
            do {
                _ = try SerialPort.open(modem.devicePath, lockDirectory: NSTemporaryDirectory())
            } catch {
                guard case .busy(_, let holder)? = error as? SerialPortError else {
                    Issue.record("expected busy, got \(error)")
                    return
                }
                #expect(holder?.contains("process \(getpid())") == true)
            }
        }
    }

    @Test func aStaleUUCPLockIsRemovedAndALiveOneHonoured() throws {
        let folder = NSTemporaryDirectory() + "mmsctl-lock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let modem = try SimulatedModem()
        let lock = folder + "/" + SerialPort.lockName(for: modem.devicePath)
        try "  99999999\n".write(toFile: lock, atomically: true, encoding: .utf8)  // no such process
        let port = try SerialPort.open(modem.devicePath, lockDirectory: folder)
        #expect(
            try String(contentsOfFile: lock, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                == String(getpid()))
        port.close()
        #expect(!FileManager.default.fileExists(atPath: lock))
        try "         1\n".write(toFile: lock, atomically: true, encoding: .utf8)  // init is alive
        #expect(throws: SerialPortError.self) { _ = try SerialPort.open(modem.devicePath, lockDirectory: folder) }
    }

    @Test func missingDevicesAndNonTerminalsSayWhat() {
        #expect(throws: SerialPortError.notFound(device: "/dev/ttyUSB-none")) {
            _ = try SerialPort.open("/dev/ttyUSB-none", lockDirectory: NSTemporaryDirectory())
        }
        #expect(throws: SerialPortError.notATerminal(device: "/dev/null")) {
            _ = try SerialPort.open("/dev/null", lockDirectory: NSTemporaryDirectory())
        }
    }

    @Test func pdpContextsAreDefinedActivatedAndRead() async throws {
        try await Self.withModem { (_: SimulatedModem, channel: ATChannel) async throws -> Void in
            let commands = ModemCommands(channel: channel)
            _ = try await commands.initialize()
            try await commands.defineContext(cid: 2, type: "IPV4V6", apn: "mms.example")
            try await commands.activate(cid: 2)
            #expect(
                try await commands.contexts() == [PDPContext(cid: 2, type: "IPV4V6", apn: "mms.example", active: true)])
            #expect(try await commands.addresses(cid: 2) == ["10.64.0.3"])
            let parameters = try #require(try await commands.dynamicParameters(cid: 2))
            #expect(parameters.address == "10.64.0.3")
            #expect(parameters.dnsServers == ["10.64.0.53"])
            try await commands.defineContext(cid: 3, apn: "bad.apn")
            await #expect(throws: ATError.failed(command: "AT+CGACT=1,3", result: .cmeError(code: 133, text: "133"))) {
                try await commands.activate(cid: 3)
            }
            try await commands.deactivate(cid: 2)
        }
    }

    /// TIM Italy's +CGCONTRDP answer (field guide §6.1, from ModemManager's tests).
    @Test func realCGCONTRDPAnswerIsRead() {
        let fields =
            #"4,5,"ibox.tim.it.mnc001.mcc222.gprs","2.197.17.49.255.255.255.255","2.197.17.49","10.207.43.46","10.206.56.132","0.0.0.0","0.0.0.0",0"#
        var parser = ATParser()
        parser.begin(command: "AT+CGCONTRDP=4")
        let events = parser.feed(Array("\r\n+CGCONTRDP: \(fields)\r\n\r\nOK\r\n".utf8))
        #expect(events.first == .line("+CGCONTRDP: \(fields)"))
    }
}

/// Reads a channel's URC stream in the background and hands URCs out one by one.
final class URCCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: [URC] = []
    private var finished = false
    nonisolated(unsafe) private static var collectors: [ObjectIdentifier: URCCollector] = [:]
    private static let registry = NSLock()

    static func `for`(_ channel: ATChannel) -> URCCollector {
        registry.lock()
        defer { registry.unlock() }
        if let existing = collectors[ObjectIdentifier(channel)] { return existing }
        let collector = URCCollector()
        collectors[ObjectIdentifier(channel)] = collector
        Task {
            for await urc in channel.urcs { collector.append(urc) }
            collector.finish()
        }
        return collector
    }

    static func forget(_ channel: ATChannel) {
        registry.withLock { collectors[ObjectIdentifier(channel)] = nil }
    }

    func append(_ urc: URC) { lock.withLock { queue.append(urc) } }
    func finish() { lock.withLock { finished = true } }
    var isFinished: Bool { lock.withLock { finished } }
    func take() -> URC? { lock.withLock { queue.isEmpty ? nil : queue.removeFirst() } }
}

@Suite(.serialized) struct SimulatorLifecycleTests {
    @Test func afterReplugTheModemAnswersOnItsNewPathWithItsStorageKept() async throws {
        let modem = try SimulatedModem()
        _ = modem.store(SampleSMS.text("kept"))
        modem.start()
        let first = try ATChannel.open(device: modem.devicePath, lockDirectory: NSTemporaryDirectory())
        _ = try await ModemCommands(channel: first).initialize()
        modem.unplug()
        await #expect(throws: ATError.self) { try await first.send("AT", timeout: 2) }
        await first.close()
        try modem.replug()
        let second = try ATChannel.open(device: modem.devicePath, lockDirectory: NSTemporaryDirectory())
        let commands = ModemCommands(channel: second)
        _ = try await commands.initialize()
        #expect(try await commands.listSMS().count == 1)
        await second.close()
        modem.stop()
    }

    @Test func dialingTheContextAnswersConnectAndPlusPlusPlusReturns() async throws {
        let modem = try SimulatedModem()
        modem.start()
        defer { modem.stop() }
        let channel = try ATChannel.open(device: modem.devicePath, lockDirectory: NSTemporaryDirectory())
        let commands = ModemCommands(channel: channel)
        try await commands.defineContext(cid: 1, apn: "mms")
        let dial = try await channel.send("ATD*99***1#", timeout: 5)
        #expect(dial.final == .connect("150000000"))
        #expect(modem.isInDataMode)
        await channel.close()
    }
}
