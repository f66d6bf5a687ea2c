/// Finds personal data in text: email addresses, phone numbers, payment cards, IBANs, US Social
/// Security numbers and IP addresses (see ``PersonalDataKind`` for what each catches).
///
/// Built for precision as much as recall: every candidate must stand alone (not inside a longer
/// word or number) and pass the checks its kind has, a Luhn checksum and an issuer prefix for a
/// card, mod 97 for an IBAN, a known top-level domain for an email, a valid country calling code
/// for an international number, so order numbers, dates, prices, versions and tracking numbers
/// stay as they are. Works on UTF-8 bytes in one pass per text after a quick look that skips
/// texts that cannot hold anything (no `@`, too few digits).
public struct PersonalDataDetector: Sendable {
    /// The kinds it looks for.
    public let kinds: Set<PersonalDataKind>
    let mask: UInt8

    /// Creates a detector.
    ///
    /// - Parameter kinds: The kinds to look for; all by default.
    public init(kinds: Set<PersonalDataKind> = Set(PersonalDataKind.allCases)) {
        self.kinds = kinds
        mask = kinds.reduce(0) { $0 | $1.bit }
    }

    /// Appends the occurrences in `text` to `matches`, in order, none overlapping.
    ///
    /// - Parameters:
    ///   - text: UTF-8 text.
    ///   - matches: Where occurrences go (offsets into `text`).
    public func matches(in text: UnsafeBufferPointer<UInt8>, into matches: inout [PersonalDataMatch]) {
        guard text.count >= 6, let base = text.baseAddress else { return }
        // The quick look, eight bytes at a time: how many digits, any `@`, any `:`.
        var digits = 0
        var at = false
        var colon = false
        var index = 0
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        while index &+ 8 <= text.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            // A byte is a digit when it is ASCII, at least 0x30 and below 0x3A (no carries: bit 7 is cleared first).
            let low = word & ~high
            digits &+= ((low &+ ones &* 0x50) & ~(low &+ ones &* 0x46) & ~word & high).nonzeroBitCount
            let atSigns = word ^ (ones &* 0x40)
            let colons = word ^ (ones &* 0x3A)
            if (atSigns &- ones) & ~atSigns & high != 0 { at = true }
            if (colons &- ones) & ~colons & high != 0 { colon = true }
            index &+= 8
        }
        while index < text.count {
            let c = base[index]
            if c &- 48 < 10 {
                digits &+= 1
            } else if c == 64 {
                at = true
            } else if c == 58 {
                colon = true
            }
            index &+= 1
        }
        let numbers = digits >= 4 && mask & ~(PersonalDataKind.email.bit) != 0
        let emails = at && mask & PersonalDataKind.email.bit != 0
        let ipv6 = colon && mask & PersonalDataKind.ipAddress.bit != 0
        guard numbers || emails || ipv6 else { return }
        let scanner = TextScanner(p: base, n: text.count, mask: mask, digits: digits)
        let first = matches.count
        if emails { scanner.emails(into: &matches) }
        if numbers || ipv6 { scanner.tokens(into: &matches, emailsFrom: first, numbers: numbers, ipv6: ipv6) }
        if matches.count - first > 1 { matches[first...].sort { $0.range.lowerBound < $1.range.lowerBound } }
    }

    /// The occurrences in `text`.
    ///
    /// - Parameter text: A text.
    /// - Returns: Occurrences, in order, with UTF-8 offsets.
    public func matches(in text: String) -> [PersonalDataMatch] {
        var found: [PersonalDataMatch] = []
        var text = text
        text.withUTF8 { matches(in: $0, into: &found) }
        return found
    }

    /// `text` with every occurrence replaced by `[REDACTED:<kind>]`.
    ///
    /// - Parameter text: A text.
    /// - Returns: The redacted text.
    public func redact(_ text: String) -> String {
        let found = matches(in: text)
        guard !found.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var position = 0
        for match in found {
            out += bytes[position..<match.range.lowerBound]
            out += Array(match.kind.replacement.utf8)
            position = match.range.upperBound
        }
        out += bytes[position...]
        return String(decoding: out, as: UTF8.self)
    }
}
