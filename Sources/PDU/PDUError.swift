/// The one error type of the `PDU` module: what went wrong, at which byte, while reading which field.
///
/// Every decoder in this module throws only this type. Offsets are absolute positions in the
/// buffer handed to the outermost decoder, so a message can point at the exact octet.
public struct PDUError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Hashable, Sendable {
        /// The data ended while `needed` more octets were required.
        case truncated(needed: Int)
        /// A length field announced more octets than the enclosing value holds.
        case lengthOverrun(declared: Int, available: Int)
        /// An octet or value that the field's grammar does not allow.
        case invalid(String)
        /// Nested structures deeper than the decoder accepts (multipart bombs).
        case tooDeep(limit: Int)
        /// A number or count larger than the decoder accepts.
        case tooLarge(String)
        /// The input is not a PDU of the expected kind at all.
        case notThisKind(String)
        /// A well-formed feature this codec does not implement (e.g. compressed SMS).
        case unsupported(String)
    }

    public var reason: Reason
    /// Absolute byte offset in the decoded buffer.
    public var offset: Int
    /// The protocol field being read, in the spec's words (e.g. "X-Mms-Expiry", "TP-UDL").
    public var field: String

    public init(_ reason: Reason, at offset: Int, field: String) {
        self.reason = reason
        self.offset = offset
        self.field = field
    }

    public var description: String {
        let what: String
        switch reason {
        case .truncated(let needed): what = "data ends \(needed) octet\(needed == 1 ? "" : "s") too early"
        case .lengthOverrun(let declared, let available):
            what = "length \(declared) exceeds the \(available) octets available"
        case .invalid(let text): what = text
        case .tooDeep(let limit): what = "nested deeper than \(limit) levels"
        case .tooLarge(let text): what = text
        case .notThisKind(let text): what = text
        case .unsupported(let text): what = "unsupported: \(text)"
        }
        return "\(field) at byte \(offset): \(what)"
    }
}
