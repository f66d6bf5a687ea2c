extension TextScanner {
    /// Words after which a dotted quad is a version or a section number, not an address.
    static let versionWords: [[UInt8]] = [
        "version", "ver.", "build", "release", "firmware", "update", "section", "chapter", "article", "clause", "§",
    ]
    .map { Array($0.utf8) }

    /// Four decimal octets (0 to 255, no leading zero) joined by dots, standing alone and not
    /// after a version or section word.
    func ipv4Address(at index: Int) -> Int? {
        var position = index
        for octet in 0..<4 {
            let start = position
            var value = 0
            while position < n, Self.isDigit(p[position]), position - start < 4 {
                value = value * 10 + Int(p[position] &- 48)
                position += 1
            }
            let length = position - start
            guard length >= 1, length <= 3, value <= 255, length == 1 || p[start] != 48 else { return nil }
            if octet < 3 {
                guard at(position) == 46 else { return nil }
                position += 1
            }
        }
        guard endsToken(position), !context(before: index, window: 16, Self.versionWords) else { return nil }
        return position
    }

    /// An IPv6 address: eight groups of one to four hex digits joined by colons, or fewer with
    /// one `::`, the last two groups possibly a dotted quad. A compressed address needs at least
    /// two groups and four hex digits (so `a::b` in code is left alone).
    func ipv6Address(at index: Int) -> Int? {
        var position = index
        var groups = 0
        var hexDigits = 0
        var compressed = false
        if p[position] == 58 {
            guard at(position + 1) == 58 else { return nil }
            compressed = true
            position += 2
        }
        var end = position
        while position < n {
            let start = position
            while position < n, Self.isHex(p[position]), position - start < 5 { position += 1 }
            let length = position - start
            if length == 0 { break }
            guard length <= 4 else { return nil }
            if at(position) == 46, Self.isDigit(at(position + 1)), (start..<position).allSatisfy({ Self.isDigit(p[$0]) }) {
                // An embedded IPv4 address ends the address.
                guard let v4 = ipv4Address(at: start) else { return nil }
                groups += 2
                hexDigits += 4
                end = v4
                break
            }
            groups += 1
            hexDigits += length
            end = position
            guard at(position) == 58 else { break }
            if at(position + 1) == 58 {
                guard !compressed else { return nil }
                compressed = true
                position += 2
                end = position
                guard Self.isHex(at(position)) else { break }
                continue
            }
            guard Self.isHex(at(position + 1)) else { break }
            position += 1
        }
        guard compressed ? (groups >= 2 && groups <= 7 && hexDigits >= 4) : groups == 8 else { return nil }
        guard end >= n || !(Self.isWord(p[end]) || (p[end] == 58 && Self.isHex(at(end + 1)))) else { return nil }
        return end
    }
}
