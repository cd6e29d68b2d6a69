public import DubanCore

/// Finds the header row and maps its headings to fields.
///
/// Ledgers put a title (often merged across the sheet), a date line or blank
/// rows above the header, so the header is found by its headings, not by
/// position: the first row among the first `searchRows` that names at least
/// three known fields.
public struct HeaderMatcher: Sendable {
    public static let searchRows = 30

    /// Normalised heading → field.
    private var table: [String: LedgerField] = [:]

    /// `overrides` are `[ledger.columns]`: field → extra headings. They win over
    /// the built-in aliases.
    public init(overrides: [LedgerField: [String]] = [:]) {
        for field in LedgerField.allCases {
            for alias in field.aliases { table[Self.normalise(alias)] = field }
        }
        for (field, headings) in overrides {
            for heading in headings { table[Self.normalise(heading)] = field }
        }
    }

    /// Headings are compared without whitespace, line breaks, `*` required
    /// markers, or a parenthesised note: "整改时限\n（年月日）" is 整改时限.
    static func normalise(_ heading: String) -> String {
        var text = heading.foldingFullWidth()
        if let paren = text.firstIndex(where: { $0 == "(" }), paren != text.startIndex {
            text = String(text[..<paren])
        }
        return text.filter { !$0.isWhitespace && $0 != "*" && $0 != ":" }
    }

    public func field(for heading: String) -> LedgerField? {
        table[Self.normalise(heading)]
    }

    public struct Header: Sendable {
        public var row: Int
        /// Field → zero-based column.
        public var columns: [LedgerField: Int]
        /// The header row's cells as text, to recognise the header repeated below.
        public var texts: [String]
        public var diagnostics: [Diagnostic]
    }

    /// Matches one row; nil unless it looks like a header.
    public func match(_ row: TableRow, file: String) -> Header? {
        var columns: [LedgerField: Int] = [:]
        var diagnostics: [Diagnostic] = []
        var previousHeading = ""
        for (index, cell) in row.cells.enumerated() {
            let heading = cell.text
            defer { previousHeading = heading }
            guard !heading.isEmpty, let field = field(for: heading) else { continue }
            if let first = columns[field] {
                // A heading merged across two columns repeats itself; that is no conflict.
                if heading != previousHeading {
                    diagnostics.append(.warning(
                        SourceLocation(file: file, row: row.number, column: index + 1),
                        "heading \"\(heading)\" means \(field.heading) again; column \(first + 1) is used and this one is ignored"))
                }
                continue
            }
            columns[field] = index
        }
        guard columns.count >= 3 else { return nil }
        return Header(row: row.number, columns: columns, texts: row.cells.map(\.text), diagnostics: diagnostics)
    }
}
