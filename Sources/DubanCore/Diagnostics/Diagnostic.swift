/// Where a value came from: a file, and when known the 1-based row and column
/// as a spreadsheet program shows them. Ops teams fix ledgers in Excel, so
/// every problem Duban reports points at a cell they can click on.
public struct SourceLocation: Hashable, Sendable, Codable {
    public var file: String
    public var row: Int?
    public var column: Int?

    public init(file: String, row: Int? = nil, column: Int? = nil) {
        self.file = file
        self.row = row
        self.column = column
    }

    /// Excel's name for the column: 1 → A, 27 → AA.
    public var columnLetter: String? {
        guard var n = column, n > 0 else { return nil }
        var letters: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            letters.append(Character(Unicode.Scalar(UInt8(65 + r))))
            n = (n - 1) / 26
        }
        return String(letters.reversed())
    }
}

extension SourceLocation: CustomStringConvertible {
    /// `file:row:column`, the form editors and CI annotate.
    public var description: String {
        var text = file
        if let row { text += ":\(row)" }
        if let column, row != nil { text += ":\(column)" }
        return text
    }
}

/// One finding about the input: what is wrong, where, and how bad.
///
/// An `.error` means data was not understood (a task without a usable
/// deadline, a row that could not be read); the data is kept and reported,
/// never dropped. A `.warning` means Duban made an assumption the ops team
/// should confirm.
public struct Diagnostic: Hashable, Sendable, Codable {
    public enum Severity: String, Hashable, Sendable, Codable, Comparable {
        case warning
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs == .warning && rhs == .error
        }
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String

    public init(_ severity: Severity, _ location: SourceLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    public static func error(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.error, location, message)
    }

    public static func warning(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.warning, location, message)
    }
}

extension Diagnostic: CustomStringConvertible {
    /// `file:row:column: error: message`, one line: cells may hold line
    /// breaks, and a diagnostic must stay one line for grep and the journal.
    public var description: String {
        "\(location): \(severity.rawValue): \(Self.oneLine(message))"
    }

    /// `text` on one line: its lines joined with ⏎, blank lines dropped.
    /// Splitting walks the text character by character (grapheme breaking
    /// of Chinese text), a tenth of `check` on a million tasks whose
    /// messages, nearly all, hold no line break: those are returned as they are.
    static func oneLine(_ text: String) -> String {
        guard containsNewline(text) else { return text }
        return text.split(whereSeparator: \.isNewline).joined(separator: "⏎")
    }

    /// Whether `text` has a character `Character.isNewline` accepts: U+000A
    /// to U+000D, U+0085 (C2 85 in UTF-8), U+2028 or U+2029 (E2 80 A8/A9).
    /// Each is a grapheme of its own (or CR LF), so a text without those
    /// bytes has no newline character.
    static func containsNewline(_ text: String) -> Bool {
        var before: (UInt8, UInt8) = (0, 0)
        for byte in text.utf8 {
            switch byte {
            case 0x0A...0x0D: return true
            case 0x85 where before.1 == 0xC2: return true
            case 0xA8...0xA9 where before == (0xE2, 0x80): return true
            default: break
            }
            before = (before.1, byte)
        }
        return false
    }
}

extension Array where Element == Diagnostic {
    public var errorCount: Int { count(where: { $0.severity == .error }) }
    public var warningCount: Int { count(where: { $0.severity == .warning }) }
}
