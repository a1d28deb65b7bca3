import ArgumentParser
import Foundation
import MMSClient
import Modem
import PDU
import Simulator

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the MMS decoder against the corpus and against python-messaging.",
        discussion: """
            Decodes every MMS PDU of the corpus folder over and over for --seconds and reports \
            messages/s and MB/s; then decodes a large synthetic multipart body (parts are slices, \
            so this measures the header and part-table walk) and reports GB/s. When python3 can \
            import python-messaging (pip install python-messaging), the same files are decoded \
            by it in the same run and the ratio is printed.

            Examples:
              mmsctl bench --corpus ../shared/vectors/mms
              mmsctl bench --corpus ../shared/vectors/mms --seconds 5 --json
              mmsctl bench --at          # AT round trips over a pty against the simulator
              mmsctl bench --receive     # the receive pipeline's figures
              mmsctl bench --send        # a camera photo fitted to 300 KB, beside vips

            --at measures AT round trips per second through ATChannel over a pseudo-terminal against \
            the simulated modem, the same exchange done with bare write/poll/read (so the channel's \
            own cost is the difference), and the parser's cost per line with URCs mixed in.
            """
    )

    @Option(help: ArgumentHelp("Folder of MMS PDUs.", valueName: "dir"))
    var corpus: String = "../shared/vectors/mms"

    @Option(help: "Seconds to spend on each measurement.")
    var seconds: Double = 2

    @Flag(inversion: .prefixedNo, help: "Also run python-messaging on the same files.")
    var python = true

    @Flag(help: "Print the results as JSON.")
    var json = false

    @Flag(name: .customLong("at"), help: "Benchmark the AT layer instead of the MMS decoder.")
    var atLayer = false

    @Flag(
        name: .customLong("receive"),
        help: "Benchmark the receive pipeline: idle watch CPU, +CMTI to acknowledged, fetch start, 5 MB peak RSS.")
    var receive = false

    @Flag(
        name: .customLong("send"),
        help: "Benchmark send: a 4000×3000 photo composed to fit 300 KB, beside vips thumbnail, with peak RSS.")
    var sendBench = false

    @Option(
        name: .customLong("idle-seconds"),
        help: ArgumentHelp("How long --receive watches an idle watch.", valueName: "s"))
    var idleSeconds: Double = 60

    struct Result: Encodable {
        var schema = "mmsctl.bench/1"
        var files: Int
        var bytes: Int
        var messagesPerSecond: Double
        var megabytesPerSecond: Double
        var microsecondsPerMessage: Double
        var largeBodyBytes: Int
        var largeBodyGigabytesPerSecond: Double
        var python: PythonResult?
        var ratioPerMessage: Double?
    }

    struct PythonResult: Codable {
        var messages: Int
        var seconds: Double
        var bytes: Int
        var failures: Int
        var messagesPerSecond: Double { Double(messages) / seconds }
        var megabytesPerSecond: Double { Double(bytes) / seconds / 1e6 }
    }

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be between 0 and 600.") }
        guard idleSeconds.isFinite, idleSeconds >= 1, idleSeconds <= 3600 else {
            throw ValidationError("--idle-seconds must be between 1 and 3600.")
        }
    }

    func run() async throws {
        if atLayer { return try await runAT() }
        if receive { return try await runReceive() }
        if sendBench { return try await runSend() }
        let folder = URL(fileURLWithPath: corpus)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            printError("mmsctl: \(corpus): cannot read the corpus folder (give one with --corpus)")
            throw ExitStatus.noInput
        }
        var files: [(String, [UInt8])] = []
        for name in names.sorted() {
            let path = folder.appendingPathComponent(name).path
            guard let bytes = try? Input.read(path), (try? MMSPDU.decode(bytes)) != nil else { continue }
            files.append((path, bytes))
        }
        guard !files.isEmpty else {
            printError("mmsctl: \(corpus): no decodable MMS PDU in this folder")
            throw ExitStatus.dataError
        }
        let totalBytes = files.reduce(0) { $0 + $1.1.count }

        // Corpus throughput.
        let clock = ContinuousClock()
        var messages = 0
        var checksum = 0
        let start = clock.now
        let budget = Duration.milliseconds(Int64(seconds * 1000))
        repeat {
            for (_, bytes) in files {
                if let pdu = try? MMSPDU.decode(bytes) { checksum &+= pdu.headers.count &+ pdu.parts.count }
            }
            messages += files.count
        } while clock.now - start < budget
        let elapsed = (clock.now - start).seconds

        // Large multipart body: 4 parts of 8 MiB.
        let chunk = [UInt8](repeating: 0x5A, count: 8 << 20)
        let parts = (1...4).map {
            MMSPart(
                contentType: ContentType("image/jpeg"), contentID: "<p\($0)>", contentLocation: "p\($0).jpg",
                data: chunk)
        }
        let large = MMSPDU(
            type: .retrieveConf, transactionID: "bench",
            headers: [
                .field(.contentType, .contentType(ContentType("application/vnd.wap.multipart.mixed")))
            ], body: .multipart(parts)
        ).encode()
        var largeRuns = 0
        let largeStart = clock.now
        repeat {
            if let pdu = try? MMSPDU.decode(large) { checksum &+= pdu.parts.count }
            largeRuns += 1
        } while clock.now - largeStart < budget
        let largeElapsed = (clock.now - largeStart).seconds

        var result = Result(
            files: files.count, bytes: totalBytes,
            messagesPerSecond: Double(messages) / elapsed,
            megabytesPerSecond: Double(messages) / Double(files.count) * Double(totalBytes) / elapsed / 1e6,
            microsecondsPerMessage: elapsed / Double(messages) * 1e6,
            largeBodyBytes: large.count,
            largeBodyGigabytesPerSecond: Double(large.count * largeRuns) / largeElapsed / 1e9)
        if python {
            result.python = runPython(files: files.map(\.0))
            if let py = result.python, py.messages > 0 {
                result.ratioPerMessage = result.messagesPerSecond / py.messagesPerSecond
            }
        }
        if checksum == 42 { print("") }  // keeps the decode results alive
        if json {
            print(JSONOutput.encode(result))
            return
        }
        print("corpus: \(files.count) PDUs, \(totalBytes) bytes (\(corpus))")
        print(
            String(
                format: "mmsctl decoder:      %10.0f messages/s  %8.1f MB/s  %8.2f µs/message",
                result.messagesPerSecond, result.megabytesPerSecond, result.microsecondsPerMessage))
        if let py = result.python {
            print(
                String(
                    format:
                        "python-messaging:    %10.0f messages/s  %8.1f MB/s  %8.2f µs/message  (%d of the files raise)",
                    py.messagesPerSecond, py.megabytesPerSecond, 1e6 / py.messagesPerSecond, py.failures))
            print(String(format: "ratio per message:   %10.1f× faster", result.ratioPerMessage ?? 0))
        } else if python {
            print("python-messaging:    not available (pip install python-messaging)")
        }
        print(
            String(
                format: "large multipart:     %10.2f GB/s (%d MiB body, %d parts, parts are slices)",
                result.largeBodyGigabytesPerSecond, large.count >> 20, parts.count))
    }

    struct ATResult: Encodable {
        var schema = "mmsctl.bench/1"
        var channelRoundTripsPerSecond: Double
        var channelMicrosecondsPerRoundTrip: Double
        var bareRoundTripsPerSecond: Double
        var bareMicrosecondsPerRoundTrip: Double
        var channelOverheadMicroseconds: Double
        var parserLinesPerSecond: Double
        var parserNanosecondsPerLine: Double
    }

    func runAT() async throws {
        let clock = ContinuousClock()
        let budget = Duration.milliseconds(Int64(seconds * 1000))
        // Bare exchange: write "AT+CSQ\r", read until "OK\r\n".
        let bareModem = try SimulatedModem()
        bareModem.start()
        let port = try SerialPort.open(bareModem.devicePath, lockDirectory: NSTemporaryDirectory())
        try port.write(Array("ATE0\r".utf8))
        try await Task.sleep(nanoseconds: 100_000_000)
        _ = try port.read(timeoutMilliseconds: 50)
        var bareCount = 0
        var start = clock.now
        repeat {
            try port.write(Array("AT+CSQ\r".utf8))
            var received: [UInt8] = []
            while !received.suffix(4).elementsEqual(Array("OK\r\n".utf8).suffix(4)) {
                received += try port.read(timeoutMilliseconds: 1000)
            }
            bareCount += 1
        } while clock.now - start < budget
        let bareElapsed = (clock.now - start).seconds
        port.close()
        bareModem.stop()

        let modem = try SimulatedModem()
        modem.start()
        let channel = try ATChannel.open(device: modem.devicePath, lockDirectory: NSTemporaryDirectory())
        _ = try await channel.send("ATE0")
        var channelCount = 0
        start = clock.now
        repeat {
            _ = try await channel.send("AT+CSQ")
            channelCount += 1
        } while clock.now - start < budget
        let channelElapsed = (clock.now - start).seconds
        await channel.close()
        modem.stop()

        // Parser: answers with URCs in between, fed in 64-octet chunks.
        let stream = Array(
            String(repeating: "\r\n^RSSI:14\r\n\r\n+CPMS: 0,23,0,23,2,50\r\n+CMTI: \"ME\",3\r\n\r\nOK\r\n", count: 2000)
                .utf8)
        var parser = ATParser()
        var lines = 0
        start = clock.now
        repeat {
            for offset in stride(from: 0, to: stream.count, by: 64) {
                if parser.commandInFlight == nil { parser.begin(command: "AT+CPMS?") }
                lines += parser.feed(stream[offset..<min(offset + 64, stream.count)]).count
            }
        } while clock.now - start < budget
        let parserElapsed = (clock.now - start).seconds

        let result = ATResult(
            channelRoundTripsPerSecond: Double(channelCount) / channelElapsed,
            channelMicrosecondsPerRoundTrip: channelElapsed / Double(channelCount) * 1e6,
            bareRoundTripsPerSecond: Double(bareCount) / bareElapsed,
            bareMicrosecondsPerRoundTrip: bareElapsed / Double(bareCount) * 1e6,
            channelOverheadMicroseconds: (channelElapsed / Double(channelCount) - bareElapsed / Double(bareCount))
                * 1e6,
            parserLinesPerSecond: Double(lines) / parserElapsed,
            parserNanosecondsPerLine: parserElapsed / Double(lines) * 1e9)
        if json {
            print(JSONOutput.encode(result))
            return
        }
        print(
            String(
                format: "ATChannel over a pty:   %9.0f round trips/s  %8.1f µs each", result.channelRoundTripsPerSecond,
                result.channelMicrosecondsPerRoundTrip))
        print(
            String(
                format: "bare write/poll/read:   %9.0f round trips/s  %8.1f µs each", result.bareRoundTripsPerSecond,
                result.bareMicrosecondsPerRoundTrip))
        print(String(format: "channel adds:           %9.1f µs per round trip", result.channelOverheadMicroseconds))
        print(
            String(
                format: "parser (URCs mixed in): %9.0f lines/s        %8.0f ns per line", result.parserLinesPerSecond,
                result.parserNanosecondsPerLine))
    }

    /// Decodes the same files with python-messaging in a child process for the same time budget.
    func runPython(files: [String]) -> PythonResult? {
        let script = """
            import json, sys, time
            try:
                from messaging.mms.message import MMSMessage
            except Exception:
                print(json.dumps(None)); sys.exit(0)
            budget = float(sys.argv[1]); paths = sys.argv[2:]
            datas = [open(p, 'rb').read() for p in paths]
            messages = failures = nbytes = 0
            start = time.perf_counter()
            first = True
            while True:
                for d in datas:
                    try:
                        MMSMessage.from_data(d)
                    except Exception:
                        if first: failures += 1
                    messages += 1; nbytes += len(d)
                first = False
                if time.perf_counter() - start >= budget: break
            print(json.dumps({"messages": messages, "seconds": time.perf_counter() - start,
                              "bytes": nbytes, "failures": failures}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(seconds)] + files
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try? JSONDecoder().decode(PythonResult?.self, from: data)
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
