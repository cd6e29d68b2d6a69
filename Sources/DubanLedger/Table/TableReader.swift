public import DubanCore
public import Foundation

/// Reads one table (a CSV file, or one sheet of a workbook) row by row.
///
/// The seam between file formats and the ledger's meaning: the interpreter
/// never knows whether a cell came from Excel or from CSV.
public protocol TableReader: Sendable {
    /// Calls `body` for every row in order and returns diagnostics about the
    /// file itself (encoding, structure). Throws `TableReadError` when the file
    /// cannot be read at all.
    func read(_ url: URL, sheet: String?, _ body: (TableRow) throws -> Void) throws -> [Diagnostic]
}

/// A file that cannot be read at all. Always reported with the file's name;
/// the rest of the ledger still loads.
public struct TableReadError: Error, Hashable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// Picks the reader for a file by its extension.
public enum TableFormat: String, Sendable {
    case csv
    case xlsx

    /// Throws a clear error for formats Duban cannot read, with what to do instead.
    public init(for url: URL) throws(TableReadError) {
        let location = SourceLocation(file: url.path)
        switch url.pathExtension.lowercased() {
        case "csv", "txt": self = .csv
        case "xlsx", "xlsm": self = .xlsx
        case "xls":
            throw TableReadError(location, "this is an old Excel 97–2003 .xls workbook, which Duban cannot read; open it in Excel or WPS and save it as .xlsx (Excel 工作簿)")
        case "et", "ods", "numbers":
            throw TableReadError(location, "unsupported spreadsheet format .\(url.pathExtension); save the ledger as .xlsx or .csv")
        default:
            throw TableReadError(location, "unknown ledger format '.\(url.pathExtension)'; expected .xlsx or .csv")
        }
    }

    public var reader: any TableReader { reader(maxBytes: LedgerFile.defaultMaxBytes) }

    /// The reader, refusing files larger than `maxBytes`.
    public func reader(maxBytes: Int) -> any TableReader {
        switch self {
        case .csv: return CSVReader(maxBytes: maxBytes)
        case .xlsx: return XLSXReader(maxBytes: maxBytes)
        }
    }
}
