import ArgumentParser
import Foundation
import PDU

struct BenchCommand: ParsableCommand {
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

    struct Result: Encodable {
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
    }

    func run() throws {
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
            MMSPart(contentType: ContentType("image/jpeg"), contentID: "<p\($0)>", contentLocation: "p\($0).jpg", data: chunk)
        }
        let large = MMSPDU(type: .retrieveConf, transactionID: "bench", headers: [
            .field(.contentType, .contentType(ContentType("application/vnd.wap.multipart.mixed")))
        ], body: .multipart(parts)).encode()
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
            print(jsonString(result))
            return
        }
        print("corpus: \(files.count) PDUs, \(totalBytes) bytes (\(corpus))")
        print(String(format: "mmsctl decoder:      %10.0f messages/s  %8.1f MB/s  %8.2f µs/message",
                     result.messagesPerSecond, result.megabytesPerSecond, result.microsecondsPerMessage))
        if let py = result.python {
            print(String(format: "python-messaging:    %10.0f messages/s  %8.1f MB/s  %8.2f µs/message  (%d raised)",
                         py.messagesPerSecond, py.megabytesPerSecond, 1e6 / py.messagesPerSecond, py.failures))
            print(String(format: "ratio per message:   %10.1f× faster", result.ratioPerMessage ?? 0))
        } else if python {
            print("python-messaging:    not available (pip install python-messaging)")
        }
        print(String(format: "large multipart:     %10.2f GB/s (%d MiB body, %d parts, parts are slices)",
                     result.largeBodyGigabytesPerSecond, large.count >> 20, parts.count))
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
            while True:
                for d in datas:
                    try:
                        MMSMessage.from_data(d)
                    except Exception:
                        failures += 1
                    messages += 1; nbytes += len(d)
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
