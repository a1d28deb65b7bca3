import ArgumentParser
import Foundation
import PDU

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode MMS PDUs and show their headers and parts.",
        discussion: """
            Reads MMS PDUs as carried in HTTP bodies (M-Retrieve.conf, M-Send.req, \
            M-Notification.ind, …) from files or standard input ("-") and prints every header \
            and part. Malformed input is reported with the field and byte offset where decoding \
            stopped; the other files are still decoded.

            Examples:
              mmsctl decode message.mms
              mmsctl decode --json *.mms | jq '.results[].mms.subject'
              mmsctl decode --parts-to out/ message.mms
              curl -s http://mmsc/... | mmsctl decode -
            """
    )

    @Argument(help: ArgumentHelp("PDU files to decode; \"-\" reads standard input.", valueName: "file"))
    var files: [String] = []

    @Flag(name: .long, help: "Print a JSON document (schema mmsctl.decode/1, see README).")
    var json = false

    @Option(name: .customLong("parts-to"), help: ArgumentHelp(
        "Write each part into this folder (safe names, existing files are never overwritten).",
        valueName: "dir"))
    var partsTo: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one file, or \"-\" for standard input.") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard input (\"-\") can be read once.") }
    }

    func run() throws {
        var results: [DecodeResult] = []
        var status: ExitCode = .success
        for file in files {
            let name = file == "-" ? "<stdin>" : file
            let bytes: [UInt8]
            do {
                bytes = try Input.read(file)
            } catch {
                results.append(DecodeResult(input: name, kind: "mms", ok: false, error: ErrorReport(message: "\(error)")))
                status = ExitStatus.noInput
                if !json { printError("mmsctl: \(error)") }
                continue
            }
            var result = DecodeResult(input: name, kind: "mms", size: bytes.count, ok: true)
            do {
                let pdu = try MMSPDU.decode(bytes)
                var report = MMSReport(pdu)
                if let partsTo {
                    let folder = files.count > 1
                        ? (partsTo as NSString).appendingPathComponent(SafeFileName.make(from: name, fallback: "input"))
                        : partsTo
                    do {
                        let saved = try PartExporter(directory: folder).export(pdu.parts)
                        report.parts = report.parts.map { part in attach(saved, to: part) }
                    } catch {
                        result.error = ErrorReport(message: "\(error)")
                        result.ok = false
                        status = ExitStatus.cannotCreate
                    }
                }
                result.mms = report
            } catch {
                result.ok = false
                result.error = ErrorReport(error)
                if status == .success { status = ExitStatus.dataError }
            }
            results.append(result)
            if !json { print(TextRenderer.render(result)) }
        }
        if json { print(jsonString(DecodeDocument(results: results))) }
        if status != .success { throw status }
    }

    private func attach(_ saved: [String: String], to part: PartReport) -> PartReport {
        var part = part
        part.savedTo = saved[part.index]
        part.parts = part.parts?.map { attach(saved, to: $0) }
        return part
    }
}

/// The human-readable form of decode results.
enum TextRenderer {
    static func render(_ result: DecodeResult) -> String {
        var lines: [String] = []
        let size = result.size.map { " (\($0) bytes)" } ?? ""
        guard result.ok || result.mms != nil else {
            lines.append("\(result.input)\(size): error: \(result.error?.message ?? "unknown error")")
            return lines.joined(separator: "\n")
        }
        if let mms = result.mms {
            lines.append("\(result.input)\(size): \(mms.type)")
            let width = min(32, mms.headers.map(\.name.count).max() ?? 0)
            for header in mms.headers {
                lines.append("  " + header.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + header.value)
            }
            for missing in mms.missingMandatory {
                lines.append("  note: the mandatory header \(missing) is absent")
            }
            if !mms.parts.isEmpty {
                lines.append("  parts (\(mms.parts.count)):")
                lines += renderParts(mms.parts, indent: "    ")
            }
        }
        if let error = result.error { lines.append("  error: \(error.message)") }
        return lines.joined(separator: "\n")
    }

    static func renderParts(_ parts: [PartReport], indent: String) -> [String] {
        var lines: [String] = []
        for part in parts {
            var line = "\(indent)\(part.index). \(part.contentType), \(part.size) bytes"
            if let id = part.contentID { line += ", id \(id)" }
            if let location = part.contentLocation { line += ", location \(location)" }
            if let encoding = part.transferEncoding { line += ", \(encoding)" }
            lines.append(line)
            if let saved = part.savedTo { lines.append("\(indent)   saved to \(saved)") }
            if let text = part.text, !part.mediaType.contains("smil") {
                let flat = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: " ⏎ ")
                lines.append("\(indent)   \"\(flat.count > 200 ? String(flat.prefix(200)) + "…" : flat)\"")
            }
            if let error = part.error { lines.append("\(indent)   error: \(error)") }
            if let nested = part.parts { lines += renderParts(nested, indent: indent + "   ") }
        }
        return lines
    }
}
