import Foundation
import PDU

/// `mmsctl decode --sms`: PDUs from arguments or from modem-log lines, reassembled, with any WAP
/// push and the MMS notification inside decoded.
struct SMSDecoding {
    struct Line {
        var label: String
        var hex: String
        /// `<length>` from a preceding +CMGR/+CMGL/+CMT/+CDS line: TPDU octets without the SMSC field.
        var tpduLength: Int?
    }

    var smscField: Bool?
    var lenient = false

    /// Bounds on what standard input may hold: a modem log of a few MB, at most this many PDUs.
    static let maximumInput = 16 << 20
    static let maximumLines = 100_000

    /// Picks PDU lines out of text copied from a modem log: response and command lines are skipped,
    /// their length field is used for the PDU that follows. Lines are cut out of the bytes one at a
    /// time, and the scan stops once `limit` PDU lines are exceeded (the caller refuses the input).
    static func lines(fromLog bytes: [UInt8], limit: Int = .max) -> [Line] {
        var result: [Line] = []
        var pendingLength: Int?
        var number = 0
        var start = 0
        while start <= bytes.count, result.count <= limit {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            defer {
                // CR LF counts as one line break.
                start = end + (end + 1 < bytes.count && bytes[end] == 0x0D && bytes[end + 1] == 0x0A ? 2 : 1)
            }
            number += 1
            if start == end { continue }
            let line = String(decoding: bytes[start..<end], as: UTF8.self).trimmingCharacters(
                in: CharacterSet(charactersIn: " \t\""))
            if line.isEmpty { continue }
            let upper = line.uppercased()
            if line.hasPrefix("+") || upper.hasPrefix("AT") || ["OK", "ERROR", ">"].contains(upper)
                || upper.hasPrefix("^")
            {
                if ["+CMGR:", "+CMGL:", "+CMT:", "+CDS:"].contains(where: { upper.hasPrefix($0) }) {
                    pendingLength = line.split(separator: ",").last.flatMap {
                        Int($0.trimmingCharacters(in: .whitespaces))
                    }
                } else {
                    pendingLength = nil
                }
                continue
            }
            result.append(Line(label: "line \(number)", hex: line, tpduLength: pendingLength))
            pendingLength = nil
        }
        return result
    }

    func decode(_ line: Line) throws(PDUError) -> SMSPDU {
        let bytes = try SMSHex.bytes(line.hex)
        if let length = line.tpduLength, smscField == nil {
            return try SMSPDU.decode(bytes, tpduLength: length, allowShortUserData: lenient)
        }
        if let smscField { return try SMSPDU.decode(bytes, smscField: smscField, allowShortUserData: lenient) }
        do {
            return try SMSPDU.decode(bytes, smscField: true, allowShortUserData: lenient)
        } catch {
            // A bare TPDU (no SMSC field), as some tools print them.
            if let bare = try? SMSPDU.decode(bytes, smscField: false, allowShortUserData: lenient) { return bare }
            throw error
        }
    }

    func run(_ lines: [Line]) -> [DecodeResult] {
        var reassembler = ConcatenationReassembler()
        var results: [DecodeResult] = []
        var waiting: [ConcatenationReassembler.Key: [(Line, SMSPDU)]] = [:]
        for line in lines {
            let pdu: SMSPDU
            do {
                pdu = try decode(line)
            } catch {
                results.append(
                    DecodeResult(
                        input: line.label, kind: "sms", size: line.hex.count / 2, ok: false,
                        error: ErrorReport(error)))
                continue
            }
            let outcome: ConcatenationReassembler.Outcome
            do {
                outcome = try reassembler.add(pdu, at: 0)
            } catch {
                results.append(
                    DecodeResult(
                        input: line.label, kind: "sms", ok: false, error: ErrorReport(error),
                        sms: [SMSReport(pdu)]))
                continue
            }
            switch outcome {
            case .single(let pdu):
                results.append(result(label: line.label, parts: [pdu]))
            case .waiting(let key, _), .duplicate(let key, _):
                waiting[key, default: []].append((line, pdu))
            case .complete(let message):
                let labels = (waiting[message.key] ?? []).map(\.0.label) + [line.label]
                waiting[message.key] = nil
                results.append(result(label: labels.joined(separator: "+"), parts: message.parts, message: message))
            }
        }
        for group in reassembler.groups.values.sorted(by: { $0.key < $1.key }) {
            let entries = waiting[group.key] ?? []
            var item = DecodeResult(
                input: entries.map(\.0.label).joined(separator: "+"), kind: "sms", ok: true,
                sms: entries.map { SMSReport($0.1) })
            item.missingParts = group.missing.map(Int.init)
            results.append(item)
        }
        return results
    }

    func result(label: String, parts: [SMSPDU], message: ConcatenationReassembler.Message? = nil) -> DecodeResult {
        var item = DecodeResult(
            input: label, kind: "sms", size: parts.reduce(0) { $0 + $1.encode().count }, ok: true,
            sms: parts.map(SMSReport.init))
        let deliver = parts.compactMap { if case .deliver(let d) = $0.tpdu { return d } else { return nil } }
        guard let first = deliver.first else { return item }
        let payload = message?.payload ?? first.userData.octets
        if message != nil { item.text = message?.text }
        // WAP push: WDP destination port 2948 (or 2949, secure), or 8-bit data that parses as a push.
        let port = first.userData.header?.ports?.destination
        guard port == WAPPush.port || port == 2949 else { return item }
        do {
            let push = try WAPPush.decode(payload)
            item.push = PushReport(push)
            if let mms = try push.mmsPDU() { item.mms = MMSReport(mms) }
        } catch {
            item.ok = false
            item.error = ErrorReport(error)
        }
        return item
    }
}
