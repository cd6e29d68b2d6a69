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
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: "⏎")
        return "\(location): \(severity.rawValue): \(oneLine)"
    }
}

extension Array where Element == Diagnostic {
    public var errorCount: Int { count(where: { $0.severity == .error }) }
    public var warningCount: Int { count(where: { $0.severity == .warning }) }
}
