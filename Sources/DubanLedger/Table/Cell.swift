public import DubanCore

/// One cell of a ledger table, typed as the file stored it.
///
/// CSV only ever yields `.text`; .xlsx also yields numbers, dates (numbers in
/// a date-formatted cell), booleans, and Excel's error values.
public enum Cell: Hashable, Sendable {
    case empty
    case text(String)
    case number(Double)
    case date(LocalDate)
    case bool(Bool)
    /// An Excel error value such as `#N/A` or `#REF!`.
    case excelError(String)
    /// The file itself is inconsistent here (a shared-string index past the
    /// end, an impossible date). The reason is reported if the cell is used.
    case invalid(String)

    /// The cell as a person would read it on screen, trimmed.
    public var text: String {
        switch self {
        case .empty: return ""
        case .text(let s): return s.trimmingWhitespace()
        case .number(let n): return Cell.format(n)
        case .date(let d): return d.description
        case .bool(let b): return b ? "TRUE" : "FALSE"
        case .excelError(let e): return e
        case .invalid: return ""
        }
    }

    public var isBlank: Bool {
        switch self {
        case .empty: return true
        case .text(let s):
            // Nearly every cell starts with a printable ASCII byte or a CJK
            // character; decide those from the first byte.
            guard let first = s.utf8.first else { return true }
            if first > 0x20 && first < 0x80 || first >= 0xE4 && first <= 0xE9 { return false }
            return s.unicodeScalars.allSatisfy(\.isSpace)
        default: return false
        }
    }

    /// Integral numbers print without a fraction: a 序号 of 1 is "1", not "1.0".
    static func format(_ n: Double) -> String {
        if n.isFinite, n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        return String(n)
    }
}

/// One row as read from the file: its 1-based number as the spreadsheet shows
/// it, and its cells from column A (index 0) on.
public struct TableRow: Sendable {
    public var number: Int
    public var cells: [Cell]

    public init(number: Int, cells: [Cell]) {
        self.number = number
        self.cells = cells
    }

    public subscript(column: Int) -> Cell {
        column < cells.count ? cells[column] : .empty
    }

    public var isBlank: Bool { cells.allSatisfy(\.isBlank) }
}

extension StringProtocol {
    /// Trims Unicode whitespace including the ideographic space (U+3000) that
    /// Chinese ledgers use for indentation. Looks at scalars, not Characters:
    /// this runs on every cell of a million-row ledger, and grapheme breaking
    /// would dominate the read.
    func trimmingWhitespace() -> String {
        // Most cells begin and end with printable ASCII or a CJK ideograph,
        // told from their UTF-8 bytes without decoding the last scalar.
        if utf8.withContiguousStorageIfAvailable({ Self.endsCannotBeSpace($0) }) == true { return String(self) }
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return "" }
        if !first.isSpace && !last.isSpace { return String(self) }
        guard let start = scalars.firstIndex(where: { !$0.isSpace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.isSpace })!
        return String(String.UnicodeScalarView(scalars[start...end]))
    }

    /// Whether the first and the last scalar of valid UTF-8 `bytes` are surely
    /// not whitespace: printable ASCII, or a scalar of U+4000–U+9FFF (lead
    /// byte E4–E9 and two continuation bytes), where Unicode has no space.
    /// False means "look closer", not "is a space".
    static func endsCannotBeSpace(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return false }
        guard (0x21...0x7E).contains(first) || (0xE4...0xE9).contains(first) else { return false }
        if (0x21...0x7E).contains(last) { return true }
        let n = bytes.count
        return n >= 3 && (0xE4...0xE9).contains(bytes[n - 3]) && (0x80...0xBF).contains(bytes[n - 2]) && (0x80...0xBF).contains(last)
    }
}

extension Unicode.Scalar {
    /// Unicode's White_Space property, spelled out: the property lookup is a
    /// table search, and this is asked for every cell's first and last scalar.
    var isSpace: Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}
