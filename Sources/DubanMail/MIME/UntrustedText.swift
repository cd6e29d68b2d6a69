import DubanCore

/// Text from ledgers, people directories and configuration is untrusted: a
/// right-to-left override (U+202E) reverses what a reader sees ("fdp.exe"
/// shows as "exe.pdf"), a zero-width character hides a difference, NUL and
/// ESC confuse terminals, CSV readers and mail clients. Bodies show such
/// characters as `<U+202E>`, so nothing is hidden and nothing is lost;
/// headers drop them (`HeaderText.sanitize`); addresses with them are
/// refused (`MailAddress`).
enum UntrustedText {
    /// Control characters other than tab and line ends, format characters
    /// (bidi overrides and isolates, zero-width characters, the BOM) and the
    /// Unicode line and paragraph separators.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        // Bodies keep their tabs and line breaks; everything else invisible is shown.
        InvisibleCharacters.contains(scalar) && !(scalar == "\t" || scalar == "\n" || scalar == "\r")
    }

    /// `制定\u{202E}计划` → `制定<U+202E>计划`. Returns the text unchanged (no
    /// copy) when there is nothing to show, which is nearly always.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHidden) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isHidden(scalar) {
                out.append(contentsOf: notation(scalar).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// `<U+202E>`: how a hidden character shows in a body.
    static func notation(_ scalar: Unicode.Scalar) -> String {
        "<" + InvisibleCharacters.code(scalar) + ">"
    }
}

/// The mail layer's own check of an address, on top of `EmailAddress.isValid`
/// (which the ledger and configuration readers apply): an address whose
/// characters a reader cannot see is refused, never written into a header
/// and never given to a transport.
public enum MailAddress {
    /// Why `address` cannot be used, or nil when it can.
    public static func refusal(_ address: String) -> String? {
        if let hidden = address.unicodeScalars.first(where: { UntrustedText.isHidden($0) || $0.properties.generalCategory == .control }) {
            return "the address \(UntrustedText.visible(address)) contains the invisible character \(UntrustedText.notation(hidden))"
        }
        guard EmailAddress.isValid(address) else { return "\(address) is not a valid email address" }
        return nil
    }

    public static func isAcceptable(_ address: String) -> Bool { refusal(address) == nil }

    /// True when the address needs SMTPUTF8 (RFC 6531): a non-ASCII local part or domain.
    static func needsSMTPUTF8(_ address: String) -> Bool { address.utf8.contains { $0 >= 0x80 } }
}
