extension String {
    /// Folds what Chinese input methods type into ASCII where it matters for
    /// parsing: full-width digits, letters and punctuation (２０２６／６／３０),
    /// the ideographic space, and the assorted dashes people type between date
    /// parts. CJK characters are untouched.
    func foldingFullWidth() -> String {
        var scalars = String.UnicodeScalarView()
        var changed = false
        for scalar in unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E:
                scalars.append(Unicode.Scalar(scalar.value - 0xFEE0)!); changed = true
            case 0x3000:
                scalars.append(" "); changed = true
            case 0x2010...0x2015, 0x2212:
                scalars.append("-"); changed = true
            default:
                scalars.append(scalar)
            }
        }
        return changed ? String(scalars) : self
    }
}
