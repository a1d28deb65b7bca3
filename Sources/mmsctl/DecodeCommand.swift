import ArgumentParser
import Foundation
import MMSClient
import PDU
import Store

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode MMS PDUs or SMS PDUs (with WAP push) and show every field.",
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

            With --sms the arguments are SMS PDUs in hex as a modem prints them in PDU mode \
            (SMSC address first). "-" or no argument reads lines from standard input, such as a \
            modem log: +CMGL/+CMGR/+CMT lines are skipped and their length field tells whether \
            the SMSC address is present. Concatenated parts given together are reassembled, and a \
            WAP push to port 2948 is opened down to the MMS notification inside.

              mmsctl decode --sms 0791947122725014440185F0...
              grep -A1 +CMGL modem.log | mmsctl decode --sms --json
            """
    )

    @Argument(
        help: ArgumentHelp(
            "PDU files or folders (read recursively) to decode; \"-\" reads standard input. With --sms: hex PDUs.",
            valueName: "file"))
    var files: [String] = []

    @Option(
        name: .customLong("files-from"),
        help: ArgumentHelp(
            "Read the names of the files to decode from this file, one a line (- : standard input).",
            valueName: "list"))
    var filesFrom: String?

    /// Options of decode that take a value: what `MMSCtl.main` must leave to ArgumentParser when it
    /// lifts the plain file arguments out of a long command line.
    static let valueOptions: Set<String> = ["--parts-to", "--files-from"]

    /// Plain file arguments taken out of the command line before parsing (see `MMSCtl.main`):
    /// ArgumentParser's handling of positional arguments grows with their square, 5 s for 13,000 files.
    nonisolated(unsafe) static var liftedFiles: [String] = []

    /// Splits `decode`'s arguments into those ArgumentParser must see and the plain file names.
    static func liftFiles(_ arguments: [String]) -> (kept: [String], files: [String]) {
        var kept: [String] = []
        var files: [String] = []
        var index = 0
        var afterSeparator = false
        while index < arguments.count {
            let argument = arguments[index]
            if afterSeparator || (argument == "-" || !argument.hasPrefix("-")) {
                files.append(argument)
            } else if argument == "--" {
                afterSeparator = true
            } else {
                kept.append(argument)
                if valueOptions.contains(argument), index + 1 < arguments.count {
                    kept.append(arguments[index + 1])
                    index += 1
                }
            }
            index += 1
        }
        return (kept, files)
    }

    /// The regular files below `folder`, in name order at each level, by readdir and its d_type: a
    /// stat only for links (which may name a folder) and entries whose type the file system does not say.
    static func walk(_ folder: String, into result: inout [String]) {
        guard let directory = opendir(folder) else { return }
        var files: [String] = []
        var folders: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { buffer in
                String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): files.append(path)
            case Int32(DT_DIR): folders.append(path)
            default:
                var info = stat()
                if stat(path, &info) == 0 {
                    if (info.st_mode & S_IFMT) == S_IFDIR { folders.append(path) } else { files.append(path) }
                }
            }
        }
        closedir(directory)
        // Files and folders together in name order, folders opened where they fall.
        let folderSet = Set(folders)
        for path in (files + folders).sorted() {
            if folderSet.contains(path) { walk(path, into: &result) } else { result.append(path) }
        }
    }

    /// Every input: the arguments (folders opened recursively, in name order), and --files-from.
    func inputs() throws -> [String] {
        var names = files + Self.liftedFiles
        if let filesFrom {
            let bytes: [UInt8]
            do {
                bytes = try Input.read(filesFrom, limit: 64 << 20)
            } catch {
                printError("mmsctl: \(error)")
                throw ExitStatus.noInput
            }
            names += String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
                .filter { !$0.isEmpty }
        }
        var result: [String] = []
        for name in names {
            var info = stat()
            if name != "-", stat(name, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                Self.walk(name, into: &result)
            } else {
                result.append(name)
            }
        }
        return result
    }

    @Flag(name: .long, help: "The inputs are SMS PDUs in hex (from a modem in PDU mode), not MMS files.")
    var sms = false

    @Flag(name: .long, help: "With --sms: the PDUs have no leading SMSC address (bare TPDUs).")
    var tpdu = false

    @Flag(
        name: .long,
        help: "With --sms: decode PDUs whose TP-UDL runs past their end (cut-off log lines) as far as they go.")
    var lenient = false

    @Flag(name: .long, help: "Print a JSON document (schema mmsctl.decode/1, see README).")
    var json = false

    @Option(
        name: .customLong("parts-to"),
        help: ArgumentHelp(
            "Write each part into this folder (safe names, existing files are never overwritten).",
            valueName: "dir"))
    var partsTo: String?

    func validate() throws {
        if (tpdu || lenient) && !sms { throw ValidationError("--tpdu and --lenient go with --sms.") }
        if sms && partsTo != nil { throw ValidationError("--parts-to is for MMS files, not --sms.") }
        if sms { return }
        let all = files + Self.liftedFiles
        if all.isEmpty && filesFrom == nil {
            throw ValidationError("Give at least one file or folder, --files-from, or \"-\" for standard input.")
        }
        if all.filter({ $0 == "-" }).count + (filesFrom == "-" ? 1 : 0) > 1 {
            throw ValidationError("Standard input (\"-\") can be read once.")
        }
    }

    func run() throws {
        if sms { return try runSMS() }
        let files = try inputs()
        var results: [DecodeResult] = []
        var status: ExitCode = .success
        for file in files {
            let name = file == "-" ? "<stdin>" : file
            let bytes: [UInt8]
            do {
                bytes = try Input.read(file)
            } catch {
                results.append(
                    DecodeResult(input: name, kind: "mms", ok: false, error: ErrorReport(message: "\(error)")))
                status = ExitStatus.noInput
                if !json { printError("mmsctl: \(error)") }
                continue
            }
            var result = DecodeResult(input: name, kind: "mms", size: bytes.count, ok: true)
            do {
                let pdu = try MMSPDU.decode(bytes)
                var report = MMSReport(pdu)
                if let partsTo {
                    let folder =
                        files.count > 1
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
                // A part that could not be read (nested too deep, invalid base64, …) makes the input
                // not wholly decodable: said, and exit 65.
                let problems = report.parts.flatMap(\.problems)
                if !problems.isEmpty {
                    result.ok = false
                    if result.error == nil { result.error = ErrorReport(message: problems.joined(separator: "; ")) }
                    if status == .success { status = ExitStatus.dataError }
                }
            } catch {
                result.ok = false
                result.error = ErrorReport(error)
                if status == .success { status = ExitStatus.dataError }
            }
            results.append(result)
            if !json { TextRenderer.show(result) }
        }
        if json { print(JSONOutput.encode(DecodeDocument(results: results), keysAreSnakeCase: true)) }
        if status != .success { throw status }
    }

    private func runSMS() throws {
        var lines: [SMSDecoding.Line] = []
        let files = self.files + Self.liftedFiles
        if files.isEmpty || files == ["-"] {
            let input: [UInt8]
            do {
                input = try Input.read("-", limit: SMSDecoding.maximumInput)
            } catch {
                printError("mmsctl: \(error)")
                throw ExitStatus.dataError
            }
            lines = SMSDecoding.lines(fromLog: input, limit: SMSDecoding.maximumLines)
            guard lines.count <= SMSDecoding.maximumLines else {
                printError(
                    "mmsctl: <stdin>: more than \(SMSDecoding.maximumLines) PDU lines; decode them in smaller batches")
                throw ExitStatus.dataError
            }
        } else {
            lines = files.enumerated().map { SMSDecoding.Line(label: "pdu \($0.offset + 1)", hex: $0.element) }
        }
        let results = SMSDecoding(smscField: tpdu ? false : nil, lenient: lenient).run(lines)
        if json {
            print(JSONOutput.encode(DecodeDocument(results: results), keysAreSnakeCase: true))
        } else {
            if results.isEmpty { printError("mmsctl: no PDU found in the input") }
            for result in results { TextRenderer.show(result) }
        }
        if results.contains(where: { !$0.ok }) { throw ExitStatus.dataError }
        if results.isEmpty { throw ExitStatus.noInput }
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
    /// What was decoded to standard output, what went wrong to standard error (naming the input),
    /// so that `mmsctl decode *.mms > report.txt` keeps the errors in sight.
    static func show(_ result: DecodeResult) {
        var clean = result
        clean.error = nil
        let decodedSomething = result.mms != nil || result.sms != nil
        if decodedSomething { print(render(clean)) }
        if let error = result.error {
            let size = result.size.map { " (\(byteCount($0)))" } ?? ""
            printError("mmsctl: \(result.input)\(decodedSomething ? "" : size): error: \(error.message)")
        }
    }

    static func render(_ result: DecodeResult) -> String {
        var lines: [String] = []
        let size = result.size.map { " (\(byteCount($0)))" } ?? ""
        if let sms = result.sms {
            return renderSMS(result, sms)
        }
        guard result.ok || result.mms != nil else {
            lines.append("\(result.input)\(size): error: \(result.error?.message ?? "unknown error")")
            return safe(lines)
        }
        if let mms = result.mms {
            lines.append("\(result.input)\(size): \(mms.type)")
            let width = min(32, mms.headers.map(\.name.count).max() ?? 0)
            for header in mms.headers {
                lines.append(
                    "  " + header.name.padded(to: width) + "  " + header.value)
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
        return safe(lines)
    }

    /// Every line through the terminal sanitiser: a value's own line breaks, escapes and bidi
    /// controls are shown as `\u{…}`, so a sender can neither forge a line nor drive the terminal.
    static func safe(_ lines: [String]) -> String {
        lines.map { TerminalText.safe($0) }.joined(separator: "\n")
    }

    static func renderSMS(_ result: DecodeResult, _ parts: [SMSReport]) -> String {
        var lines: [String] = []
        let status = result.missingParts.map {
            "incomplete, waiting for part(s) \($0.map(String.init).joined(separator: ", "))"
        }
        lines.append(
            "\(result.input): " + (parts.count > 1 ? "\(parts.count) concatenated parts" : parts.first?.type ?? "SMS")
                + (status.map { ", \($0)" } ?? ""))
        for (index, sms) in parts.enumerated() {
            let indent = parts.count > 1 ? "    " : "  "
            if parts.count > 1 { lines.append("  part \(index + 1): \(sms.type)") }
            var fields: [(String, String)] = []
            if let value = sms.smsc { fields.append(("SMSC", value)) }
            if let value = sms.originator { fields.append(("From", value)) }
            if let value = sms.destination { fields.append(("To", value)) }
            if let value = sms.recipient { fields.append(("Recipient", value)) }
            if let value = sms.timestamp { fields.append(("Time stamp", value)) }
            if let value = sms.dischargeTime { fields.append(("Discharge time", value)) }
            if let value = sms.statusText { fields.append(("Status", value)) }
            if let value = sms.messageReference { fields.append(("Reference", String(value))) }
            if let value = sms.pid { fields.append(("PID", "0x" + String(value, radix: 16, uppercase: true))) }
            if let dcs = sms.dcs {
                fields.append(
                    (
                        "DCS",
                        "0x\(String(dcs.value, radix: 16, uppercase: true)) \(dcs.alphabet)"
                            + (dcs.messageClass.map { ", class \($0)" } ?? "")
                            + (dcs.compressed ? ", compressed (not supported)" : "")
                    ))
            }
            if let value = sms.validity { fields.append(("Validity", value)) }
            if let concat = sms.concatenation {
                fields.append(
                    (
                        "Concatenation",
                        "part \(concat.sequence) of \(concat.total), reference \(concat.reference) (\(concat.referenceBits)-bit)"
                    ))
            }
            if let language = sms.nationalLanguage {
                var value = [
                    language.locking.map { "locking shift \($0)" }, language.singleShift.map { "single shift \($0)" },
                ].compactMap { $0 }.joined(separator: ", ")
                if let missing = language.unsupported {
                    value += " (no table for \(missing.joined(separator: ", ")): default alphabet used)"
                }
                fields.append(("Language", value))
            }
            if let port = sms.destinationPort { fields.append(("Ports", "\(port) ← \(sms.originatorPort ?? 0)")) }
            if let udh = sms.udh, sms.concatenation == nil && sms.destinationPort == nil || udh.count > 2 {
                fields.append(("UDH", udh.map { "IEI \($0.iei): \($0.data)" }.joined(separator: "; ")))
            }
            if let text = sms.text { fields.append(("Text", text)) }
            if let missing = sms.userDataMissing {
                fields.append(("Warning", "TP-UDL announces \(missing) more unit(s) than the PDU holds"))
            }
            if let data = sms.userDataHex, result.push == nil { fields.append(("Data", data)) }
            for (name, value) in fields {
                lines.append(indent + name.padded(to: 15) + value)
            }
        }
        if let text = result.text, parts.count > 1 { lines.append("  Reassembled    " + text) }
        if let push = result.push {
            lines.append(
                "  WAP push: \(push.content), \(push.contentType), application \(push.applicationID ?? "none")")
        }
        var rendered = safe(lines)
        if let mms = result.mms {
            // Already sanitised, line by line: only its own line breaks remain.
            let inner = TextRenderer.render(DecodeResult(input: "  MMS", kind: "mms", ok: true, mms: mms))
            rendered += "\n" + inner.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        }
        if let error = result.error { rendered += "\n" + TerminalText.safe("  error: \(error.message)") }
        return rendered
    }

    static func renderParts(_ parts: [PartReport], indent: String) -> [String] {
        var lines: [String] = []
        for part in parts {
            var line = "\(indent)\(part.index). \(part.contentType), \(byteCount(part.size))"
            if let id = part.contentID { line += ", id \(id)" }
            if let location = part.contentLocation { line += ", location \(location)" }
            if let encoding = part.transferEncoding { line += ", \(encoding)" }
            lines.append(line)
            if let saved = part.savedTo { lines.append("\(indent)   saved to \(saved)") }
            if let text = part.text, !part.mediaType.contains("smil") {
                let flat = text.split(separator: "\n", omittingEmptySubsequences: false).map {
                    $0.hasSuffix("\r") ? $0.dropLast() : $0
                }.joined(separator: " ⏎ ")
                lines.append("\(indent)   \"\(flat.count > 200 ? String(flat.prefix(200)) + "…" : flat)\"")
            }
            if let error = part.error { lines.append("\(indent)   error: \(error)") }
            if let nested = part.parts { lines += renderParts(nested, indent: indent + "   ") }
        }
        return lines
    }
}
