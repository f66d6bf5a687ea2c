import Foundation

/// Numbers as a person reads them in a log line (the JSON log keeps them whole).
package enum Readable {
    /// `1 window`, `7 windows`, `2 batches`.
    package static func count(_ number: Int, _ noun: String) -> String {
        number == 1 ? "1 \(noun)" : "\(number) \(noun)" + (noun.hasSuffix("ch") || noun.hasSuffix("s") ? "es" : "s")
    }

    /// `512 bytes`, `221 kB`, `4.5 MB`, `1.2 GB` (powers of 1000).
    package static func bytes(_ count: Int) -> String {
        let units = [(1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (scale, unit) in units where Double(count) >= scale {
            return significant(Double(count) / scale) + " " + unit
        }
        return count == 1 ? "1 byte" : "\(count) bytes"
    }

    /// `81.3 ms`, `2.31 s`, `95.4 s`, `1234 s`: three significant digits, no exponent.
    package static func seconds(_ seconds: Double) -> String {
        abs(seconds) < 1 ? significant(seconds * 1000) + " ms" : significant(seconds) + " s"
    }

    /// Three significant digits, at most three decimals (whole numbers from 1000 on), without an exponent.
    package static func significant(_ value: Double) -> String {
        guard value.isFinite else { return String(value) }
        let magnitude = abs(value)
        if magnitude >= 999.5 || magnitude == 0 { return String(Int64(value.rounded())) }
        let decimals = max(0, min(3, 2 - Int(floor(log10(magnitude)))))
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
