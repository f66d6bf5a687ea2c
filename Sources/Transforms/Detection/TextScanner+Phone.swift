extension TextScanner {
    /// Words after which a bare run of digits is a phone number.
    static let phoneWords: [[UInt8]] = [
        "phone", "tel", "call", "mobile", "cell", "whatsapp", "sms", "text me", "fax", "reach me", "my number", "contact", "telefon",
        "teléfono", "téléphone", "portable", "handy", "电话", "手机",
    ].map { Array($0.utf8) }

    /// A phone number starting at `index` (a digit, `+` or `(`): its end.
    func phone(at index: Int) -> Int? {
        let c = p[index]
        if c == 43 { return international(at: index + 1, prefixLength: 1) }
        if c == 40 { return parenthesized(at: index) }
        if c == 48, at(index + 1) == 48, Self.isDigit(at(index + 2)), at(index + 2) != 48 {
            return international(at: index + 2, prefixLength: 2)
        }
        if let end = northAmerican(at: index) { return end }
        if c == 48, Self.isDigit(at(index + 1)), at(index + 1) != 48, let end = trunk(at: index, digitsBefore: 0) { return end }
        return bare(at: index)
    }

    /// `+CC …` or `00CC …`: a valid country calling code and 8 to 15 digits in all, separated by
    /// single spaces, dashes, dots or slashes, with groups in parentheses (a `(0)` trunk prefix
    /// does not count). After `00` a separator is required.
    private func international(at start: Int, prefixLength: Int) -> Int? {
        var index = start
        if prefixLength == 1, at(index) == 32 { index += 1 }
        guard Self.isDigit(at(index)), at(index) != 48 else { return nil }
        var count = 0
        var code = 0
        var separated = false
        var end = index
        while index < n {
            let c = p[index]
            if Self.isDigit(c) {
                if count < 3 { code = code * 10 + Int(c &- 48) }
                count += 1
                index += 1
                end = index
                continue
            }
            if c == 40 {
                // `(0)`, `(20)`: digits in parentheses, then maybe a space.
                var close = index + 1
                var inside = 0
                var value = 0
                while close < n, Self.isDigit(p[close]), inside < 5 {
                    value = value * 10 + Int(p[close] &- 48)
                    inside += 1
                    close += 1
                }
                guard inside > 0, at(close) == 41 else { break }
                if !(inside == 1 && value == 0) {
                    for k in (index + 1)..<close where count < 3 { code = code * 10 + Int(p[k] &- 48) }
                    count += inside
                }
                index = close + 1
                end = index
                separated = true
                if at(index) == 32, Self.isDigit(at(index + 1)) { index += 1 }
                continue
            }
            if c == 32 || c == 45 || c == 46 || c == 47, Self.isDigit(at(index + 1)) || at(index + 1) == 40, index > start {
                separated = true
                index += 1
                continue
            }
            break
        }
        guard count >= 8, count <= 15, endsToken(end), !(prefixLength == 2 && !separated) else { return nil }
        guard DetectionTables.isCountryCallingCode(code, digits: min(count, 3)) else { return nil }
        return end
    }

    /// `(415) 555-2671`, `(415)555-2671`, or a national area code in parentheses:
    /// `(020) 7946 0958`, `(030) 1234567`.
    private func parenthesized(at index: Int) -> Int? {
        var close = index + 1
        while close < n, Self.isDigit(p[close]), close - index <= 6 { close += 1 }
        let area = close - index - 1
        guard area >= 2, area <= 5, at(close) == 41 else { return nil }
        if p[index + 1] == 48 {
            var next = close + 1
            if at(next) == 32 { next += 1 }
            guard Self.isDigit(at(next)) else { return nil }
            return trunk(at: next, digitsBefore: area)
        }
        guard area == 3, p[index + 1] >= 50 else { return nil }
        var next = close + 1
        if at(next) == 32 { next += 1 }
        return exchangeAndLine(at: next)
    }

    /// `NXX-NXX-XXXX` with spaces, dashes or dots, optionally after `1 ` or `1-`.
    private func northAmerican(at index: Int) -> Int? {
        var start = index
        if p[index] == 49, Self.isSeparator(at(index + 1)), Self.isDigit(at(index + 2)) { start = index + 2 }
        guard start + 12 <= n, p[start] >= 50, Self.isDigit(p[start]), Self.isDigit(p[start + 1]), Self.isDigit(p[start + 2]),
            Self.isSeparator(p[start + 3])
        else { return nil }
        return exchangeAndLine(at: start + 4)
    }

    /// `NXX-XXXX` (the exchange and line of a North American number): its end.
    private func exchangeAndLine(at index: Int) -> Int? {
        guard index + 8 <= n, p[index] >= 50, Self.isDigit(p[index]), Self.isDigit(p[index + 1]), Self.isDigit(p[index + 2]),
            Self.isSeparator(p[index + 3])
        else { return nil }
        for k in (index + 4)..<(index + 8) where !Self.isDigit(p[k]) { return nil }
        return endsToken(index + 8) ? index + 8 : nil
    }

    @inline(__always) static func isSeparator(_ c: UInt8) -> Bool { c == 32 || c == 45 || c == 46 }

    /// A national number with a trunk zero: groups (the first 2 to 5 digits, the others 2 to 8)
    /// joined by one kind of separator (space, dash, dot or slash), 9 to 12 digits in all with
    /// `digitsBefore` (an area code in parentheses). Without separators, only after a phone word.
    private func trunk(at index: Int, digitsBefore: Int) -> Int? {
        var position = index
        var count = digitsBefore
        var groups = digitsBefore > 0 ? 1 : 0
        var separator: UInt8 = 0
        while true {
            let groupStart = position
            while position < n, Self.isDigit(p[position]) { position += 1 }
            let length = position - groupStart
            guard groups == 0 ? length >= 2 : (2...8).contains(length) else { return nil }
            count += length
            groups += 1
            guard count <= 12 else { return nil }
            let c = at(position)
            if c == 32 || c == 45 || c == 46 || c == 47, Self.isDigit(at(position + 1)), separator == 0 || separator == c {
                separator = c
                position += 1
                continue
            }
            break
        }
        guard endsToken(position) else { return nil }
        if groups == 1 { return (10...11).contains(count) && context(before: index, Self.phoneWords) ? position : nil }
        guard (9...12).contains(count) else { return nil }
        // A first group longer than 5 digits is no area code.
        if digitsBefore == 0 {
            var first = index
            while Self.isDigit(p[first]) { first += 1 }
            guard first - index <= 5 else { return nil }
        }
        return position
    }

    /// Ten or eleven bare digits that look like a phone number, after a phone word.
    private func bare(at index: Int) -> Int? {
        var end = index
        while end < n, Self.isDigit(p[end]), end - index < 12 { end += 1 }
        let length = end - index
        guard length == 10 || length == 11, endsToken(end) else { return nil }
        let first = p[index]
        let plausible: Bool
        if length == 10 {
            plausible = first >= 50 && p[index + 3] >= 50
        } else {
            plausible = first == 49
        }
        return plausible && context(before: index, Self.phoneWords) ? end : nil
    }
}
