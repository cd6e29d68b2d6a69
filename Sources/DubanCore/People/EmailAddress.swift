/// A deliberately plain address check: one `@`, a dot in the domain, no
/// spaces, quotes, angle brackets, control or format characters. Ledger cells
/// are untrusted and anything that could break a mail header, or make an
/// address look like another (a right-to-left override, a zero-width space),
/// is refused here.
public enum EmailAddress {
    public static func isValid(_ text: String) -> Bool {
        guard text.utf8.count <= 254 else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
        for scalar in text.unicodeScalars {
            if scalar.value < 0x21 || scalar.value == 0x7F { return false }
            if "<>()[]\\,;:\"".unicodeScalars.contains(scalar) { return false }
            if InvisibleCharacters.contains(scalar) || scalar.properties.generalCategory == .spaceSeparator { return false }
        }
        return true
    }
}
