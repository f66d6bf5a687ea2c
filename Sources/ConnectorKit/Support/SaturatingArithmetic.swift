extension Int64 {
    /// The largest magnitude a saturating conversion or a ``Timestamp`` computation yields:
    /// 2^62, half of `Int64.max`, so a further step (a day's seconds, a rounding) cannot overflow.
    package static let saturationLimit: Int64 = 1 << 62

    /// `value` rounded towards zero, clamped to ±``saturationLimit`` (NaN reads as 0): a
    /// conversion of a user's or a vendor's number that cannot trap.
    ///
    /// - Parameter value: Any double.
    package init(saturating value: Double) {
        guard !value.isNaN else {
            self = 0
            return
        }
        let limit = Double(Int64.saturationLimit)
        self = Int64(Swift.min(Swift.max(value, -limit), limit))
    }

    /// `self * other + addend`, clamped to ±``saturationLimit``.
    package func saturatingMultiplied(by other: Int64, adding addend: Int64 = 0) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        let signNegative = (self < 0) != (other < 0)
        guard !overflow else { return signNegative ? -Int64.saturationLimit : Int64.saturationLimit }
        let (sum, overflowed) = product.addingReportingOverflow(addend)
        guard !overflowed else { return addend < 0 ? -Int64.saturationLimit : Int64.saturationLimit }
        return Swift.min(Swift.max(sum, -Int64.saturationLimit), Int64.saturationLimit)
    }
}

extension Int32 {
    /// `value` rounded towards zero and clamped to `Int32`'s range (NaN reads as 0).
    package init(saturating value: Double) {
        guard !value.isNaN else {
            self = 0
            return
        }
        self = Int32(Swift.min(Swift.max(value, Double(Int32.min)), Double(Int32.max)))
    }
}
