import Foundation
import TestSupport
import Testing

@testable import Modem

/// The parser must not depend on how the port splits the stream, and garbage must never trap it.
@Suite struct ATParserPropertyTests {
    static func events(_ stream: [UInt8], command: String, chunks: [Int]) -> [ATEvent] {
        var parser = ATParser()
        parser.begin(command: command, expectsPrompt: command.hasPrefix("AT+CMGS"))
        var events: [ATEvent] = []
        var offset = 0
        var index = 0
        while offset < stream.count {
            let size = max(1, chunks[index % chunks.count])
            events += parser.feed(stream[offset..<min(stream.count, offset + size)])
            offset += size
            index += 1
        }
        return events
    }

    @Test(.enabled(if: Transcript.available, "../shared/vectors is not present"))
    func everySplitOfARealStreamGivesTheSameEvents() {
        var rng = SeededGenerator(seed: 7)
        for transcript in Transcript.all() + Transcript.all(in: Transcript.ownFolder) {
            guard
                let command = transcript.steps.first(where: { $0.host }).map({
                    String(decoding: $0.bytes, as: UTF8.self)
                }),
                command.hasSuffix("\r")
            else { continue }
            let stream = transcript.steps.filter { !$0.host }.flatMap(\.bytes)
            let whole = Self.events(stream, command: String(command.dropLast()), chunks: [stream.count])
            for _ in 0..<20 {
                let chunks = (0..<8).map { _ in Int.random(in: 1...17, using: &rng) }
                #expect(
                    Self.events(stream, command: String(command.dropLast()), chunks: chunks) == whole,
                    "\(transcript.name) \(chunks)")
            }
        }
    }

    @Test func garbageNeverTrapsAndLinesAreBounded() {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<300 {
            var parser = ATParser()
            parser.begin(
                command: ["AT+CMGL=4", "AT+CMGS=10", "AT", "ATD*99***1#"][Int.random(in: 0...3, using: &rng)],
                expectsPrompt: Bool.random(using: &rng))
            for _ in 0..<20 {
                let chunk = (0..<Int.random(in: 0...600, using: &rng)).map { _ -> UInt8 in
                    let pick = Int.random(in: 0...9, using: &rng)
                    return pick < 2
                        ? [0x0D, 0x0A, 0x3E, 0x20, 0x00, 0x2B, 0x3A][Int.random(in: 0...6, using: &rng)]
                        : UInt8.random(in: 0...255, using: &rng)
                }
                for event in parser.feed(chunk) {
                    if case .line(let line) = event { #expect(line.utf8.count <= ATParser.maximumLineLength) }
                }
            }
        }
        // A modem gone mad: megabytes without a line end still give bounded lines.
        var parser = ATParser()
        parser.begin(command: "AT")
        let events = parser.feed([UInt8](repeating: 0x41, count: 100_000))
        #expect(events.count == 100_000 / ATParser.maximumLineLength)
    }
}
