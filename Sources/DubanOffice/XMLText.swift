/// Text made safe for XML 1.0 parts (workbook cells, Word runs).
///
/// Escaping `& < > "` is not enough: XML 1.0 forbids most C0 control
/// characters outright, and a ledger cell pasted from another system can
/// carry them (a stray U+0007, a form feed). A part containing one is not
/// well-formed, and Word or Excel then refuses the whole file. They are
/// replaced by their visible Control Pictures (U+0007 → ␇), so the reader
/// sees that something was there. Tab, LF and CR are allowed; CR is written
/// as `&#13;` because a parser would otherwise turn it into LF.
public enum XMLText {
    public static func escape(_ text: String) -> String {
        // Most cells need nothing: return them without copying.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0xEF }) {
            return text
        }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x26: result.append(contentsOf: "&amp;".unicodeScalars)
            case 0x3C: result.append(contentsOf: "&lt;".unicodeScalars)
            case 0x3E: result.append(contentsOf: "&gt;".unicodeScalars)
            case 0x22: result.append(contentsOf: "&quot;".unicodeScalars)
            case 0x0D: result.append(contentsOf: "&#13;".unicodeScalars)
            case 0x09, 0x0A: result.append(scalar)
            case 0x00..<0x20: result.append(Unicode.Scalar(0x2400 + scalar.value)!)
            // Noncharacters that XML 1.0 also excludes.
            case 0xFFFE, 0xFFFF: result.append(Unicode.Scalar(0xFFFD)!)
            default: result.append(scalar)
            }
        }
        return String(result)
    }
}
