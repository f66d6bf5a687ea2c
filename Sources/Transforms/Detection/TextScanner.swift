/// One pass of ``PersonalDataDetector`` over a text's UTF-8 bytes.
///
/// Candidates start only where a token starts (not inside a word or a longer number) and end
/// where it ends; each kind's parser is tried there in order of specificity (card, SSN, IPv4,
/// phone; IBAN and IPv6 at letters), and a match resumes the scan after itself.
struct TextScanner {
    let p: UnsafePointer<UInt8>
    let n: Int
    let mask: UInt8
    /// How many ASCII digits the text holds.
    let digits: Int

    @inline(__always) func has(_ kind: PersonalDataKind) -> Bool { mask & kind.bit != 0 }

    // MARK: - Characters

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }
    @inline(__always) static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) &- 97 < 26 }
    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }
    @inline(__always) static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20) &- 97 < 6 }
    @inline(__always) static func isWord(_ c: UInt8) -> Bool { isAlnum(c) || c == 95 }

    /// The byte at `index`, or 0 outside the text.
    @inline(__always) func at(_ index: Int) -> UInt8 { index >= 0 && index < n ? p[index] : 0 }

    /// Whether a token can start at `index`: not after a letter, digit or `_`, and not after a
    /// `.`, `-`, `/`, `,` or space that follows a digit (the middle of a longer number: a
    /// tracking number in groups, a price with spaced thousands).
    @inline(__always) func startsToken(_ index: Int) -> Bool {
        guard index > 0 else { return true }
        let c = p[index - 1]
        if Self.isWord(c) { return false }
        if c == 46 || c == 45 || c == 47 || c == 44 || c == 32 { return !(index >= 2 && Self.isDigit(p[index - 2])) }
        return true
    }

    /// Whether a token can end at `index` (exclusive): not before a letter, digit or `_`, and
    /// not before a `.`, `-`, `/` or `,` followed by a digit.
    @inline(__always) func endsToken(_ index: Int) -> Bool {
        guard index < n else { return true }
        let c = p[index]
        if Self.isWord(c) { return false }
        if c == 46 || c == 45 || c == 47 || c == 44 { return !(index + 1 < n && Self.isDigit(p[index + 1])) }
        return true
    }

    /// Whether one of `words` (ASCII ones compared without case) ends within `window` bytes
    /// before `index`: the context that lets a bare run of digits count.
    func context(before index: Int, window: Int = 28, _ words: [[UInt8]]) -> Bool {
        let start = max(0, index - window)
        guard index > start else { return false }
        for word in words where word.count <= index - start {
            var position = start
            while position + word.count <= index {
                // A whole word: "tel", not the middle of "Bestellung".
                if position > 0, Self.isAlpha(p[position - 1]) {
                    position += 1
                    continue
                }
                var equal = true
                for k in 0..<word.count {
                    let c = p[position + k]
                    let lowered = c &- 65 < 26 ? c | 0x20 : c
                    if lowered != word[k] {
                        equal = false
                        break
                    }
                }
                if equal { return true }
                position += 1
            }
        }
        return false
    }

    // MARK: - The pass

    /// Finds phones, cards, SSNs, IBANs and IP addresses, skipping the emails already found at
    /// `matches[emailsFrom...]`.
    func tokens(into matches: inout [PersonalDataMatch], emailsFrom first: Int, numbers: Bool, ipv6: Bool) {
        let emailsEnd = matches.count
        var email = first
        var index = 0
        while index < n {
            // Nothing may overlap an email: jump over it, and stop candidates before the next one.
            if email < emailsEnd, index >= matches[email].range.lowerBound {
                index = max(index, matches[email].range.upperBound)
                email += 1
                continue
            }
            let limit = email < emailsEnd ? matches[email].range.lowerBound : n
            let c = p[index]
            if Self.isDigit(c) || c == 43 || c == 40 {
                if startsToken(index) {
                    if numbers, worthTrying(at: index), let found = numeric(at: index), found.end <= limit {
                        matches.append(PersonalDataMatch(range: index..<found.end, kind: found.kind))
                        index = found.end
                        continue
                    }
                    if ipv6, Self.isHex(c), let end = ipv6Address(at: index), end <= limit {
                        matches.append(PersonalDataMatch(range: index..<end, kind: .ipAddress))
                        index = end
                        continue
                    }
                }
                index += 1
                if Self.isDigit(c) {
                    while index < n, Self.isWord(p[index]) { index += 1 }
                }
                continue
            }
            if Self.isAlpha(c) {
                if startsToken(index) {
                    if numbers, digits >= 10, has(.iban), let end = iban(at: index), end <= limit {
                        matches.append(PersonalDataMatch(range: index..<end, kind: .iban))
                        index = end
                        continue
                    }
                    if ipv6, Self.isHex(c), let end = ipv6Address(at: index), end <= limit {
                        matches.append(PersonalDataMatch(range: index..<end, kind: .ipAddress))
                        index = end
                        continue
                    }
                }
                index += 1
                while index < n, Self.isWord(p[index]) { index += 1 }
                continue
            }
            if c == 58, ipv6, at(index + 1) == 58, startsToken(index), let end = ipv6Address(at: index), end <= limit {
                matches.append(PersonalDataMatch(range: index..<end, kind: .ipAddress))
                index = end
                continue
            }
            index += 1
        }
    }

    /// Whether a number starting at `index` has digits enough to be anything: seven (a phone
    /// number has more), or four with a dot (an IPv4 address). Most ids and dates stop here.
    @inline(__always) func worthTrying(at index: Int) -> Bool {
        var position = index
        var count = 0
        var dots = false
        while position < n, position - index < 48 {
            let c = p[position]
            if Self.isDigit(c) {
                count += 1
                if count >= 7 { return true }
            } else if c == 46 {
                dots = true
            } else if !(c == 32 || c == 45 || c == 47 || c == 40 || c == 41 || c == 43) {
                break
            }
            position += 1
        }
        return dots && count >= 4
    }

    /// The most specific numeric kind that starts at `index`.
    func numeric(at index: Int) -> (end: Int, kind: PersonalDataKind)? {
        let c = p[index]
        if Self.isDigit(c) {
            if has(.paymentCard), digits >= 13, let end = paymentCard(at: index) { return (end, .paymentCard) }
            if has(.usSSN), digits >= 9, let end = socialSecurityNumber(at: index) { return (end, .usSSN) }
            if has(.ipAddress), let end = ipv4Address(at: index) { return (end, .ipAddress) }
        }
        if has(.phone), digits >= 7, let end = phone(at: index) { return (end, .phone) }
        return nil
    }
}
