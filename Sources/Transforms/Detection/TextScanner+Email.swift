extension TextScanner {
    /// Finds email addresses: around each `@`, a local part of `A-Z a-z 0-9 . _ % + - '` (1 to
    /// 64 bytes, no leading, trailing or double dot) and a domain of at least two labels whose
    /// last is a known top-level domain.
    func emails(into matches: inout [PersonalDataMatch]) {
        var index = 0
        while index < n {
            guard p[index] == 64 else {
                index += 1
                continue
            }
            if let range = email(around: index) {
                matches.append(PersonalDataMatch(range: range, kind: .email))
                index = range.upperBound
            } else {
                index += 1
            }
        }
    }

    @inline(__always) static func isLocal(_ c: UInt8) -> Bool {
        isAlnum(c) || c == 46 || c == 95 || c == 37 || c == 43 || c == 45 || c == 39
    }

    private func email(around sign: Int) -> Range<Int>? {
        var start = sign
        while start > 0, sign - start < 256 {
            if Self.isLocal(p[start - 1]) {
                start -= 1
            } else if let length = latinLetter(endingAt: start) {
                start -= length
            } else {
                break
            }
        }
        if start > 0, Self.isLocal(p[start - 1]) || p[start - 1] == 64 { return nil }
        // Quotes and dots around a local part belong to the sentence.
        while start < sign, p[start] == 46 || p[start] == 39 { start += 1 }
        guard start < sign, sign - start <= 64, p[sign - 1] != 46 else { return nil }
        for k in start..<(sign - 1) where p[k] == 46 && p[k + 1] == 46 { return nil }
        // Labels of letters, digits and inner hyphens, joined by dots.
        var end = sign + 1
        var labels = 0
        var lastLabel = end..<end
        while end < n {
            let labelStart = end
            while end < n {
                if Self.isAlnum(p[end]) || p[end] == 45 {
                    end += 1
                } else if let length = latinLetter(startingAt: end) {
                    end += length
                } else {
                    break
                }
            }
            let length = end - labelStart
            guard length > 0, length <= 63, p[labelStart] != 45, p[end - 1] != 45 else { return nil }
            labels += 1
            lastLabel = labelStart..<end
            if end + 1 < n, p[end] == 46, Self.isAlnum(p[end + 1]) {
                end += 1
                continue
            }
            break
        }
        guard labels >= 2, end - sign <= 254, end >= n || !(Self.isWord(p[end]) || p[end] == 64) else { return nil }
        guard lastLabel.count >= 2, lastLabel.count <= 24 else { return nil }
        var tld: [UInt8] = []
        tld.reserveCapacity(lastLabel.count)
        for k in lastLabel {
            guard Self.isAlpha(p[k]) else { return nil }
            tld.append(p[k] | 0x20)
        }
        guard DetectionTables.topLevelDomains.contains(tld) else { return nil }
        return start..<end
    }

    /// The length of a Latin letter with a diacritic (U+00C0 to U+024F, not × or ÷) encoded at
    /// `index`, or nil: such letters belong to a word (`josé@`, `@münchen.de`); other scripts,
    /// which often touch an address without a space, do not.
    private func latinLetter(startingAt index: Int) -> Int? {
        guard index + 1 < n else { return nil }
        let lead = p[index]
        guard lead >= 0xC3, lead <= 0xC9, p[index + 1] & 0xC0 == 0x80 else { return nil }
        let scalar = (UInt32(lead & 0x1F) << 6) | UInt32(p[index + 1] & 0x3F)
        return scalar >= 0xC0 && scalar != 0xD7 && scalar != 0xF7 ? 2 : nil
    }

    /// The length of a Latin letter with a diacritic whose encoding ends just before `index`.
    private func latinLetter(endingAt index: Int) -> Int? {
        guard index >= 2 else { return nil }
        return latinLetter(startingAt: index - 2) == 2 ? 2 : nil
    }
}
