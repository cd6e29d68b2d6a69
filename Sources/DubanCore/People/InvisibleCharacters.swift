/// Control and format characters: NUL, ESC, line breaks, and the invisible
/// Unicode formatting marks (right-to-left override U+202E, zero-width
/// spaces, byte-order marks). In a name they change how the name *looks* in
/// a mail client or terminal (U+202E turns "张伟" + "gpj.exe" around) or cut
/// a header; in an address they have no business at all.
public enum InvisibleCharacters {
    /// True for scalars of the Unicode general categories Cc (control), Cf
    /// (format), Zl and Zp (line and paragraph separators).
    public static func contains(_ scalar: Unicode.Scalar) -> Bool {
        // Fast paths for printable ASCII and CJK ideographs, nearly all of a
        // ledger: the property lookup below is what a large digest's CSV pays for.
        if (0x20..<0x7F).contains(scalar.value) || (0x4E00...0x9FFF).contains(scalar.value) { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// `text` without control and format characters, and the ones removed
    /// (empty when the text was clean, which is the common case and costs no copy).
    public static func stripped(_ text: String) -> (text: String, removed: [Unicode.Scalar]) {
        guard text.unicodeScalars.contains(where: contains) else { return (text, []) }
        var kept = String.UnicodeScalarView()
        var removed: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            if contains(scalar) { removed.append(scalar) } else { kept.append(scalar) }
        }
        return (String(kept), removed)
    }

    /// "U+202E, U+0000": how removed characters are named in a diagnostic.
    public static func describe(_ scalars: [Unicode.Scalar]) -> String {
        var seen = Set<UInt32>()
        return scalars.filter { seen.insert($0.value).inserted }.map(code).joined(separator: ", ")
    }

    /// `U+202E`: at least four upper-case hex digits, as Unicode writes it.
    public static func code(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
