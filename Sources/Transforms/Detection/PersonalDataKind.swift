/// A kind of personal data that `redact` finds in text.
public enum PersonalDataKind: String, Sendable, Hashable, CaseIterable {
    /// An email address with a known top-level domain (`jane.doe+tag@example.co.uk`).
    case email
    /// A telephone number: international (`+44 20 7946 0958`, `0044 …`), North American
    /// (`(415) 555-2671`, `415-555-2671`), or national with a trunk zero (`020 7946 0958`,
    /// `06 12 34 56 78`); a bare run of digits only after a word like "phone" or "call".
    case phone
    /// A payment card number: 13 to 19 digits, grouped by spaces or dashes or not, Luhn-valid,
    /// with a known issuer prefix and a length that issuer uses.
    case paymentCard = "payment_card"
    /// An IBAN with a known country, that country's length and a valid mod-97 checksum, grouped
    /// by fours or not.
    case iban
    /// A US Social Security number written `123-45-6789` or `123 45 6789` (an area the SSA
    /// assigns, no zero group or serial); nine bare digits only after "SSN" or "social security".
    case usSSN = "us_ssn"
    /// An IPv4 address (not after "version" or "build") or an IPv6 address (full or compressed).
    case ipAddress = "ip_address"

    /// What replaces an occurrence: `[REDACTED:<kind>]`.
    public var replacement: String { "[REDACTED:\(rawValue)]" }

    var bit: UInt8 {
        switch self {
        case .email: 1
        case .phone: 2
        case .paymentCard: 4
        case .iban: 8
        case .usSSN: 16
        case .ipAddress: 32
        }
    }
}

/// One occurrence of personal data in a text: where (UTF-8 offsets) and what kind.
public struct PersonalDataMatch: Sendable, Hashable {
    /// The UTF-8 byte offsets of the occurrence.
    public var range: Range<Int>
    /// What it is.
    public var kind: PersonalDataKind

    /// Creates a match.
    ///
    /// - Parameters:
    ///   - range: The UTF-8 byte offsets.
    ///   - kind: The kind.
    public init(range: Range<Int>, kind: PersonalDataKind) {
        self.range = range
        self.kind = kind
    }
}
