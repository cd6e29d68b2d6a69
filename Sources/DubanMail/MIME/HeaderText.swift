/// Header-safe text: ledger cells are untrusted, and a CR or LF that reached
/// a header would let a cell add headers (`Bcc:`) or a body of its own.
enum HeaderText {
    /// Replaces every control character (CR, LF, NUL, TAB, DEL …) with a
    /// space, drops format characters (bidi overrides, zero-width
    /// characters: a display name must look like what it is) and collapses
    /// runs of whitespace.
    static func sanitize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .format { continue }
            let isControl = scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029
            let isSpace = isControl || scalar == " "
            if isSpace {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(scalar)
                lastWasSpace = false
            }
        }
        return String(out).trimmingCharacters(in: " ")
    }

    /// RFC 2047 "B" encoded-words for non-ASCII text, each at most 75
    /// characters, split only between whole characters (a Chinese character
    /// is never cut in half), joined with folding whitespace.
    ///
    static func encodedWords(_ text: String) -> [String] {
        let prefix = "=?UTF-8?B?", suffix = "?="
        // 39 bytes → 52 base64 characters → 64-character words: short enough that
        // "Subject: " or "Cc: " plus a word stays within 78 columns (RFC 5322 §2.1.1),
        // and well under RFC 2047's 75-character limit.
        let maxBytes = 39
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > maxBytes, !chunk.isEmpty {
                words.append(prefix + Base64.encode(chunk) + suffix)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(prefix + Base64.encode(chunk) + suffix) }
        return words
    }

    static func needsEncoding(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value > 0x7E || $0.value < 0x20 }
    }

    /// An unstructured header value (Subject): plain when it is printable
    /// ASCII, else encoded-words. Folded at 78 columns.
    static func unstructured(name: String, _ raw: String) -> String {
        let value = sanitize(raw)
        if !needsEncoding(value) { return fold(name: name, tokens: value.split(separator: " ").map(String.init)) }
        return fold(name: name, tokens: encodedWords(value))
    }

    /// A mailbox: `"Display Name" <addr>` with the name encoded or quoted as needed.
    static func mailbox(name: String?, address: String) -> String {
        let name = sanitize(name ?? "")
        guard !name.isEmpty else { return "<\(address)>" }
        if needsEncoding(name) { return encodedWords(name).joined(separator: " ") + " <\(address)>" }
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\" <\(address)>"
    }

    /// `Name: token token …`, folded before a token that would pass column 78.
    static func fold(name: String, tokens: [String]) -> String {
        var lines: [String] = []
        var line = name + ":"
        for token in tokens {
            if line.utf8.count + 1 + token.utf8.count > 78, line != name + ":" {
                lines.append(line)
                line = " " + token
            } else {
                line += " " + token
            }
        }
        lines.append(line)
        return lines.joined(separator: "\r\n")
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
