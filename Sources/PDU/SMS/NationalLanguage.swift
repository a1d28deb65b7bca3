/// National language identifiers of 3GPP TS 23.038 §6.2.1.2.4 and their shift tables (Annex A).
/// A message selects them in its user data header: IEI 0x25 a locking shift table (it replaces the
/// basic table), IEI 0x24 a single shift table (it replaces the extension table reached by ESC).
///
/// mmsctl carries the tables of the Latin-script languages (Turkish, Spanish, Portuguese). For the
/// others the default alphabet is used, which is what 23.038 asks of a receiver without the table,
/// and the decoder says so (`GSM7.Tables.unsupported`).
public enum NationalLanguage: UInt8, Hashable, Sendable, CaseIterable, Codable {
    case turkish = 1, spanish, portuguese, bengali, gujarati, hindi, kannada, malayalam, oriya, punjabi, tamil
    case telugu, urdu

    public var name: String {
        switch self {
        case .turkish: return "Turkish"
        case .spanish: return "Spanish"
        case .portuguese: return "Portuguese"
        case .bengali: return "Bengali"
        case .gujarati: return "Gujarati"
        case .hindi: return "Hindi"
        case .kannada: return "Kannada"
        case .malayalam: return "Malayalam"
        case .oriya: return "Oriya"
        case .punjabi: return "Punjabi"
        case .tamil: return "Tamil"
        case .telugu: return "Telugu"
        case .urdu: return "Urdu"
        }
    }

    /// The locking shift table (septet → character), where 23.038 defines one and mmsctl has it.
    /// Spanish has none: a Spanish locking shift means the default alphabet.
    var lockingTable: [Character]? { NationalTables.locking[self] }

    /// The single shift table (septet after ESC → character), where mmsctl has it.
    var singleShiftTable: [UInt8: Character]? { NationalTables.single[self] }

    /// Whether 23.038 defines a locking shift table for this language (all but Spanish).
    var definesLockingTable: Bool { self != .spanish }
}

/// The tables of 23.038 Annex A, written out like `GSM7.basic`: a 128-character string per locking
/// table (index = septet; 0x1B is ESC), a dictionary per single shift table; both ways, each
/// reversed once.
enum NationalTables {
    static let locking: [NationalLanguage: [Character]] = [.turkish: turkishLocking, .portuguese: portugueseLocking]
    static let single: [NationalLanguage: [UInt8: Character]] = [
        .turkish: turkishSingle, .spanish: spanishSingle, .portuguese: portugueseSingle,
    ]
    static let lockingReverse = locking.mapValues(GSM7.reverse)
    static let singleReverse = single.mapValues(GSM7.reverse)

    /// A.3.1 Turkish locking shift: the default table with €, ı, Ğ, ğ, Ş, ş, İ and ç in place of
    /// è, ì, Ø, ø, Æ, æ, ¡ and ¿.
    static let turkishLocking: [Character] = Array(
        "@£$¥€éùıòÇ\nĞğ\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1B}ŞşßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "İABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§çabcdefghijklmnopqrstuvwxyzäöñüà")

    /// A.3.3 Portuguese locking shift.
    static let portugueseLocking: [Character] = Array(
        "@£$¥êéúíóç\nÔô\rÁáΔ_ªÇÀ∞^\\€Ó|\u{1B}ÂâÊÉ !\"#º%&'()*+,-./0123456789:;<=>?"
            + "ÍABCDEFGHIJKLMNOPQRSTUVWXYZÃÕÚÜ§~abcdefghijklmnopqrstuvwxyzãõ`üà")

    /// The entries every single shift table shares with the default extension table (form feed and
    /// the ESC ESC reservation aside).
    private static let common: [UInt8: Character] = [
        0x0A: "\u{0C}", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]",
        0x40: "|", 0x65: "€",
    ]

    /// A.2.1 Turkish single shift.
    static let turkishSingle: [UInt8: Character] = common.merging(
        [0x47: "Ğ", 0x49: "İ", 0x53: "Ş", 0x63: "ç", 0x67: "ğ", 0x69: "ı", 0x73: "ş"]
    ) { $1 }

    /// A.2.2 Spanish single shift.
    static let spanishSingle: [UInt8: Character] = common.merging(
        [0x09: "ç", 0x41: "Á", 0x49: "Í", 0x4F: "Ó", 0x55: "Ú", 0x61: "á", 0x69: "í", 0x6F: "ó", 0x75: "ú"]
    ) { $1 }

    /// A.2.3 Portuguese single shift.
    static let portugueseSingle: [UInt8: Character] = common.merging(
        [
            0x05: "ê", 0x09: "ç", 0x0B: "Ô", 0x0C: "ô", 0x0E: "Á", 0x0F: "á", 0x12: "Φ", 0x13: "Γ", 0x15: "Ω",
            0x16: "Π", 0x17: "Ψ", 0x18: "Σ", 0x19: "Θ", 0x1F: "Ê", 0x41: "À", 0x49: "Í", 0x4F: "Ó", 0x55: "Ú",
            0x5B: "Ã", 0x5C: "Õ", 0x61: "Â", 0x69: "í", 0x6F: "ó", 0x75: "ú", 0x7B: "ã", 0x7C: "õ", 0x7F: "â",
        ]
    ) { $1 }
}
