import Foundation
import PDU

/// A TOML reader for mmsctl's configuration: tables (`[modem]`), dotted keys, strings (basic and
/// literal), integers, floats, booleans and arrays of those, comments. Errors name the line.
public enum TOML {
    public enum Value: Hashable, Sendable, CustomStringConvertible {
        case string(String)
        case integer(Int)
        case float(Double)
        case boolean(Bool)
        case array([Value])

        public var description: String {
            switch self {
            case .string(let text): return text
            case .integer(let number): return String(number)
            case .float(let number): return String(number)
            case .boolean(let flag): return flag ? "true" : "false"
            case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
            }
        }
    }

    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Flattens the document to dotted keys: `[modem] device = "x"` → `modem.device`.
    public static func parse(_ text: String) throws(ParseError) -> [String: Value] {
        var result: [String: Value] = [:]
        var table = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = stripComment(String(rawLine)).trimming(" \t\r")
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else {
                    throw ParseError(line: number, message: "a table header is written [name]")
                }
                table = String(line.dropFirst().dropLast()).trimming(" ")
                guard isKey(table) else { throw ParseError(line: number, message: "invalid table name \(table)") }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ParseError(line: number, message: "expected key = value")
            }
            let key = String(line[..<equals]).trimming(" \t").replacingQuotes()
            guard isKey(key) else { throw ParseError(line: number, message: "invalid key \(key)") }
            var rest = Substring(line[line.index(after: equals)...]).drop { $0 == " " || $0 == "\t" }
            let value = try parseValue(&rest, line: number)
            guard String(rest).trimming(" \t").isEmpty else {
                throw ParseError(line: number, message: "unexpected text after the value: \(rest)")
            }
            let full = table.isEmpty ? key : "\(table).\(key)"
            guard result[full] == nil else { throw ParseError(line: number, message: "\(full) is set twice") }
            result[full] = value
        }
        return result
    }

    static func isKey(_ key: String) -> Bool {
        !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || "_-.".contains($0) }
    }

    static func stripComment(_ line: String) -> String {
        var quote: Character?
        var result = ""
        var escaped = false
        for char in line {
            if let open = quote {
                if char == open && !(open == "\"" && escaped) { quote = nil }
                escaped = char == "\\" && !escaped
            } else if char == "\"" || char == "'" {
                quote = char
            } else if char == "#" {
                break
            }
            result.append(char)
        }
        return result
    }

    static func parseValue(_ text: inout Substring, line: Int) throws(ParseError) -> Value {
        guard let first = text.first else { throw ParseError(line: line, message: "missing value") }
        if first == "\"" || first == "'" {
            text.removeFirst()
            var value = ""
            var escaped = false
            while let char = text.first {
                text.removeFirst()
                if first == "\"" && escaped {
                    switch char {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    case "\"", "\\": value.append(char)
                    default: throw ParseError(line: line, message: "unknown escape \\\(char)")
                    }
                    escaped = false
                } else if first == "\"" && char == "\\" {
                    escaped = true
                } else if char == first {
                    return .string(value)
                } else {
                    value.append(char)
                }
            }
            throw ParseError(line: line, message: "unterminated string")
        }
        if first == "[" {
            text.removeFirst()
            var values: [Value] = []
            while true {
                text = text.drop { $0 == " " || $0 == "\t" }
                if text.first == "]" {
                    text.removeFirst()
                    return .array(values)
                }
                values.append(try parseValue(&text, line: line))
                text = text.drop { $0 == " " || $0 == "\t" }
                if text.first == "," {
                    text.removeFirst()
                } else if text.first != "]" {
                    throw ParseError(line: line, message: "expected , or ] in an array")
                }
            }
        }
        let token = String(text.prefix { !" \t,]".contains($0) })
        text = text.dropFirst(token.count)
        if token == "true" { return .boolean(true) }
        if token == "false" { return .boolean(false) }
        let digits = token.replacingOccurrences(of: "_", with: "")
        if let number = Int(digits) { return .integer(number) }
        if let number = Double(digits) { return .float(number) }
        throw ParseError(line: line, message: "cannot read the value \(token) (strings need quotes)")
    }
}

extension String {
    func replacingQuotes() -> String {
        if (hasPrefix("\"") && hasSuffix("\"")) || (hasPrefix("'") && hasSuffix("'")), count >= 2 {
            return String(dropFirst().dropLast())
        }
        return self
    }

}
