import DubanCore
@testable import DubanLedger
import Foundation

/// A committed fixture file (see Fixtures/make_fixtures.py).
func fixture(_ name: String) -> URL {
    Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
}

/// Reads every row of a table through its reader.
func readRows(_ url: URL, sheet: String? = nil) throws -> (rows: [TableRow], diagnostics: [Diagnostic]) {
    var rows: [TableRow] = []
    let diagnostics = try TableFormat(for: url).reader.read(url, sheet: sheet) { rows.append($0) }
    return (rows, diagnostics)
}

func parseCSV(_ text: String) throws -> (rows: [[String]], diagnostics: [Diagnostic]) {
    var rows: [[String]] = []
    var diagnostics: [Diagnostic] = []
    try CSVReader.parse(Array(text.utf8), file: "t.csv", diagnostics: &diagnostics) { row in
        rows.append(row.cells.map(\.text))
    }
    return (rows, diagnostics)
}

let feedback = LocalDate(year: 2026, month: 3, day: 15)!

func date(_ text: String) -> LocalDate { LocalDate(text)! }

/// A temporary file with the given bytes, removed at process exit by the OS's tmp cleaning.
func temporaryFile(_ name: String, _ data: Data) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try data.write(to: url)
    return url
}
