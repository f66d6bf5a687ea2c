/// "Did you mean" suggestions by edit distance.
package enum Suggestion {
    /// The candidate closest to `word`, if it is close enough to be a likely typo.
    ///
    /// - Parameters:
    ///   - word: What the person wrote.
    ///   - candidates: What they could have meant.
    /// - Returns: The best candidate, or nil.
    package static func closest(to word: String, in candidates: [String]) -> String? {
        let lowered = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            let limit = max(1, min(3, candidate.count / 3))
            if distance <= limit, best.map({ distance < $0.1 }) ?? true { best = (candidate, distance) }
        }
        return best?.0
    }

    /// `; did you mean "candidate"?` for the closest candidate, or nothing: the tail of an
    /// "unknown …" message.
    ///
    /// - Parameters:
    ///   - word: What the person wrote.
    ///   - candidates: What they could have meant.
    ///   - quoted: Whether to quote the suggestion (not for `--options`).
    /// - Returns: The hint, or an empty string.
    package static func hint(for word: String, in candidates: [String], quoted: Bool = true) -> String {
        closest(to: word, in: candidates).map { quoted ? "; did you mean \"\($0)\"?" : "; did you mean \($0)?" } ?? ""
    }

    /// Levenshtein distance, treating an adjacent swap as one edit.
    package static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
