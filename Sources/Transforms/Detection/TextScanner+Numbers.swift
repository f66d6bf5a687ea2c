extension TextScanner {
    /// A payment card number at `index`: 13 to 19 digits, bare or in groups of 3 to 6 joined by one
    /// kind of separator (space or dash), Luhn-valid, with an issuer prefix that uses that
    /// length. When a longer run fails, the longest valid run of whole groups counts
    /// (`4111 1111 1111 1111 12/27`).
    func paymentCard(at index: Int) -> Int? {
        var position = index
        var count = 0
        var group = 0
        var separator: UInt8 = 0
        var best: Int?
        while position < n {
            let c = p[position]
            if Self.isDigit(c) {
                count += 1
                group += 1
                position += 1
                if count > 19 { break }
                continue
            }
            let joins = (c == 32 || c == 45) && Self.isDigit(at(position + 1)) && (separator == 0 || separator == c)
            guard joins, (3...6).contains(group) else { break }
            if (13...19).contains(count), cardIsValid(index..<position, count: count) { best = position }
            separator = c
            group = 0
            position += 1
        }
        if count <= 19, (13...19).contains(count), separator == 0 || (1...6).contains(group), endsToken(position),
            cardIsValid(index..<position, count: count)
        {
            return position
        }
        return best
    }

    private func cardIsValid(_ range: Range<Int>, count: Int) -> Bool {
        var sum = 0
        var double = false
        var prefix = 0
        var taken = 0
        var k = range.upperBound - 1
        while k >= range.lowerBound {
            let c = p[k]
            if Self.isDigit(c) {
                var digit = Int(c &- 48)
                if double {
                    digit *= 2
                    if digit > 9 { digit -= 9 }
                }
                sum += digit
                double.toggle()
            }
            k -= 1
        }
        guard sum % 10 == 0 else { return false }
        for k in range where taken < 6 && Self.isDigit(p[k]) {
            prefix = prefix * 10 + Int(p[k] &- 48)
            taken += 1
        }
        return DetectionTables.issuerUses(prefix: prefix, length: count)
    }

    /// Words after which nine bare digits are a Social Security number.
    static let socialSecurityWords: [[UInt8]] = ["ssn", "social security", "soc sec", "ss#", "ss #"].map { Array($0.utf8) }

    /// `AAA-GG-SSSS` or `AAA GG SSSS` at `index` (nine bare digits after an SSN word): an area
    /// from 001 to 899 but 666, a group and a serial that are not zero.
    func socialSecurityNumber(at index: Int) -> Int? {
        guard index + 9 <= n, Self.isDigit(p[index + 1]), Self.isDigit(p[index + 2]) else { return nil }
        let separator = p[index + 3]
        let spaced = (separator == 45 || separator == 32) && at(index + 6) == separator
        // Offsets of the nine digits.
        let offsets: (Int, Int, Int) = spaced ? (4, 7, 11) : (3, 5, 9)
        let end = index + offsets.2
        guard end <= n else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for k in from..<(from + count) {
                guard Self.isDigit(p[index + k]) else { return nil }
                value = value * 10 + Int(p[index + k] &- 48)
            }
            return value
        }
        guard let area = number(0, 3), let group = number(offsets.0, 2), let serial = number(offsets.0 + (spaced ? 3 : 2), 4) else {
            return nil
        }
        guard endsToken(end), area > 0, area != 666, area < 900, group > 0, serial > 0 else { return nil }
        return spaced || context(before: index, Self.socialSecurityWords) ? end : nil
    }

    /// An IBAN at `index`: a known country, its length, mod 97 = 1; bare, or in groups of four
    /// separated by single spaces.
    func iban(at index: Int) -> Int? {
        guard index + 4 < n, Self.isAlpha(p[index]), Self.isAlpha(p[index + 1]), Self.isDigit(p[index + 2]), Self.isDigit(p[index + 3])
        else { return nil }
        guard let length = DetectionTables.ibanLength(p[index] & 0xDF, p[index + 1] & 0xDF) else { return nil }
        let spaced = p[index + 4] == 32
        var position = index
        var taken = 0
        var group = 0
        var remainder = 0
        @inline(__always) func add(_ c: UInt8, to remainder: inout Int) {
            if Self.isDigit(c) {
                remainder = (remainder * 10 + Int(c &- 48)) % 97
            } else {
                remainder = (remainder * 100 + Int((c & 0xDF) &- 55)) % 97
            }
        }
        while taken < length {
            guard position < n else { return nil }
            let c = p[position]
            if c == 32 {
                guard spaced, group == 4, Self.isAlnum(at(position + 1)) else { return nil }
                group = 0
                position += 1
                continue
            }
            guard Self.isAlnum(c), !(spaced && group == 4) else { return nil }
            // The country and check digits count last.
            if taken >= 4 { add(c, to: &remainder) }
            taken += 1
            group += 1
            position += 1
        }
        guard endsToken(position) else { return nil }
        for k in 0..<4 { add(p[index + k], to: &remainder) }
        return remainder == 1 ? position : nil
    }
}
