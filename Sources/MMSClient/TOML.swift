import Foundation
import PDU
import TOMLKit

/// mmsctl's view of a TOML document, read by TOMLKit (toml++): every construct of TOML 1.0 (tables,
/// inline tables, dotted keys, multi-line arrays, every string form and escape, dates and times),
/// flattened to dotted keys (`[modem] device = "x"` → `modem.device`), each with the line it is on.
public enum TOML {
    public enum Value: Hashable, Sendable, CustomStringConvertible {
        case string(String)
        case integer(Int)
        case float(Double)
        case boolean(Bool)
        /// A date, time or date-time, as written in RFC 3339 form.
        case date(String)
        case array([Value])

        public var description: String {
            switch self {
            case .string(let text): return text
            case .integer(let number): return String(number)
            case .float(let number): return String(number)
            case .boolean(let flag): return flag ? "true" : "false"
            case .date(let text): return text
            case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
            }
        }

        /// The TOML type's name, for errors ("expected a string, found an integer").
        public var typeName: String {
            switch self {
            case .string: return "a string"
            case .integer: return "an integer"
            case .float: return "a float"
            case .boolean: return "a boolean"
            case .date: return "a date"
            case .array: return "an array"
            }
        }
    }

    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// A value and the line its key is on (nil when it cannot be told, e.g. inside an inline table).
    public struct Entry: Hashable, Sendable {
        public var value: Value
        public var line: Int?
    }

    /// Flattens the document to dotted keys.
    public static func parse(_ text: String) throws(ParseError) -> [String: Value] {
        try parseWithLines(text).mapValues(\.value)
    }

    public static func parseWithLines(_ text: String) throws(ParseError) -> [String: Entry] {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ParseError(
                line: error.source.begin.line, column: error.source.begin.column, message: error.description)
        } catch {
            throw ParseError(line: 1, column: 1, message: "\(error)")
        }
        var flat: [String: Value] = [:]
        flatten(table, prefix: "", into: &flat)
        let lines = keyLines(text)
        var entries: [String: Entry] = [:]
        for (key, value) in flat { entries[key] = Entry(value: value, line: lines[key]) }
        return entries
    }

    static func flatten(_ table: TOMLTable, prefix: String, into result: inout [String: Value]) {
        for key in table.keys {
            guard let value = table[key] else { continue }
            let full = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value.table {
                flatten(nested, prefix: full, into: &result)
            } else if let converted = convert(value) {
                result[full] = converted
            }
        }
    }

    static func convert(_ value: TOMLValueConvertible) -> Value? {
        switch value.type {
        case .string: return value.string.map(Value.string)
        case .int: return value.int.map(Value.integer)
        case .double: return value.double.map(Value.float)
        case .bool: return value.bool.map(Value.boolean)
        case .date:
            return value.date.map { .date(String(format: "%04d-%02d-%02d", $0.year, $0.month, $0.day)) }
        case .time:
            return value.time.map { .date(String(format: "%02d:%02d:%02d", $0.hour, $0.minute, $0.second)) }
        case .dateTime:
            return value.dateTime.map { dateTime in
                let date = dateTime.date
                let time = dateTime.time
                var text = String(
                    format: "%04d-%02d-%02dT%02d:%02d:%02d", date.year, date.month, date.day, time.hour, time.minute,
                    time.second)
                if let offset = dateTime.offset?.offset {
                    text +=
                        offset == 0
                        ? "Z"
                        : String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 60, abs(offset) % 60)
                }
                return .date(text)
            }
        case .array:
            guard let array = value.array else { return nil }
            return .array(array.compactMap { convert($0) })
        case .table:
            return nil
        }
    }

    /// The line of each `key = value`, by a scan of table headers and keys (dotted keys included).
    static func keyLines(_ text: String) -> [String: Int] {
        var lines: [String: Int] = [:]
        var table = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw).trimming(" \t\r")
            if line.hasPrefix("[") && !line.hasPrefix("[[") {
                if let close = line.firstIndex(of: "]") {
                    table = unquote(String(line[line.index(after: line.startIndex)..<close]))
                }
                continue
            }
            guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
            let key = unquote(String(line[..<equals]))
            guard !key.isEmpty, !key.contains(" ") else { continue }
            let full = table.isEmpty ? key : "\(table).\(key)"
            if lines[full] == nil { lines[full] = index + 1 }
        }
        return lines
    }

    static func unquote(_ key: String) -> String {
        key.split(separator: ".").map { String($0).trimming(" \t\"'") }.joined(separator: ".")
    }
}
