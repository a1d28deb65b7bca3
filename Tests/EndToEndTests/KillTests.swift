import Foundation
import PDU
import Simulator
import Store
import TestSupport
import Testing

/// `mmsctl fetch` killed with SIGKILL at points spread over its whole pipeline (opening the port,
/// initialising, listing, recording, fetching, storing, answering, deleting), each followed by a
/// rerun. After every kill: no SMS is gone unless its message is stored and the MMSC has heard the
/// answer. After every rerun: each message stored exactly once, no notification lost.
@Suite(.serialized) struct KillTests {
    @Test func killedAtAnyPointTheNextRunFinishesAndNothingIsLostOrStoredTwice() async throws {
        let harness = try await ReceiveHarness(profile: .generic)
        defer { Task { await harness.shutdown() } }
        // Slow the modem and the MMSC a little so the kill points spread over every step.
        harness.modem.faults.responseDelay = 0.01

        // Measure an uninterrupted run first.
        try await harness.sendToModem(subject: "Kill baseline")
        let start = Date()
        // The GET and the M-NotifyResp.ind each take a moment.
        harness.mmsc.inject(.slowBody(delay: 0.2), .delay(0.2))
        let baseline = try harness.fetch()
        let duration = Date().timeIntervalSince(start)
        try #require(baseline.status == 0, "\(baseline.stderr)")
        try #require(harness.modemIsEmpty)

        let points = 24
        var expectedSubjects = ["Kill baseline"]
        var stages: [String] = []
        for point in 0..<points {
            let subject = "Kill \(point)"
            try await harness.sendToModem(subject: subject)
            expectedSubjects.append(subject)
            let carriers = harness.modemSMS().values.flatMap(\.values).map(\.hex)
            try #require(!carriers.isEmpty)
            harness.mmsc.inject(.slowBody(delay: 0.2), .delay(0.2))

            let run = try Background(
                harness.receiveArguments(["fetch"]), environment: harness.environment)
            // The first kills come right after the start (the port not even opened); the others spread
            // over 1.25 times the measured run, as a loaded machine runs slower than the baseline did.
            let offset =
                point < 3 ? Double(point) * 0.002 : duration * 1.25 * (Double(point - 3) + 0.5) / Double(points - 3)
            // No sleep at all for the first: a resumed task can be late when the pool is busy.
            if offset > 0 { try await Task.sleep(nanoseconds: UInt64(offset * 1e9)) }
            kill(run.process.processIdentifier, SIGKILL)
            run.process.waitUntilExit()

            // The invariant at the moment of the kill.
            let store = try harness.store()
            let stored = try store.messages()
            let state = try store.notifications().first { $0.subject == subject }?.state.rawValue ?? "not recorded"
            let remaining = carriers.filter { harness.modemHolds(hex: $0) }.count
            stages.append(remaining < carriers.count ? "\(state), SMS deleted" : state)
            #expect(stored.count <= expectedSubjects.count)
            if carriers.contains(where: { !harness.modemHolds(hex: $0) }) {
                #expect(stored.contains { $0.subject == subject }, "point \(point): SMS deleted before storing")
                let transaction = try #require(
                    try store.notifications().first { $0.subject == subject }?.transactionID)
                #expect(
                    !harness.notifyResponses(transactionID: transaction).isEmpty,
                    "point \(point): SMS deleted before the answer")
            }

            // The rerun finishes the work.
            let rerun = try harness.fetch(["--retry"])
            #expect(rerun.status == 0, "point \(point): \(rerun.stderr)")
            #expect(harness.modemIsEmpty, "point \(point)")
            let subjects = try harness.store().messages().compactMap(\.subject)
            #expect(subjects == expectedSubjects, "point \(point)")
            let transaction = try #require(
                try harness.store().notifications().first { $0.subject == subject }?.transactionID)
            #expect(!harness.notifyResponses(transactionID: transaction).isEmpty, "point \(point)")
        }
        // The kills landed all over the pipeline, not in one place.
        print("kill points landed in: \(stages)")
        let landed = Set(stages)
        #expect(landed.contains("not recorded"), "\(stages)")
        #expect(!landed.isDisjoint(with: ["notified", "fetching", "fetched"]), "\(stages)")
        #expect(!landed.isDisjoint(with: ["acknowledged", "done, SMS deleted"]), "\(stages)")
        #expect(landed.count >= 3, "\(stages)")
    }
}
