public import DubanCore
public import Foundation

/// Reads one sheet of an .xlsx workbook (Office Open XML, ECMA-376):
/// workbook → relationships → shared strings and styles → the sheet.
///
/// Merged cells are filled from their top-left cell into every cell of the
/// range: ledgers merge 序号, 问题描述 and 分管领导 over all of a problem's
/// task rows, and each task row needs those values.
public struct XLSXReader: TableReader {
    /// Files larger than this are refused before reading (`[ledger] max_bytes`).
    public var maxBytes: Int

    public init(maxBytes: Int = LedgerFile.defaultMaxBytes) {
        self.maxBytes = maxBytes
    }

    public func read(_ url: URL, sheet: String?, _ body: (TableRow) throws -> Void) throws -> [Diagnostic] {
        let package = try XLSXPackage(url: url, maxBytes: maxBytes)
        let file = package.file
        let at = SourceLocation(file: file)
        func damaged(_ what: String) -> TableReadError { TableReadError(at, "damaged workbook: \(what)") }

        guard package.contains("xl/workbook.xml") || package.contains("[Content_Types].xml") else {
            throw TableReadError(at, "not an Excel workbook (no xl/workbook.xml inside the zip)")
        }
        let workbookPath = "xl/workbook.xml"
        let workbook: [ElementCollector.Element]
        do { workbook = try ElementCollector.collect(try package.data(workbookPath), wanted: ["sheet", "workbookPr"]) }
        catch let error as XMLScanner.Failure { throw damaged("\(workbookPath): \(error)") }
        let dateSystem: ExcelDateSystem =
            workbook.first { $0.name == "workbookPr" }.map { ["1", "true"].contains($0.attributes["date1904"] ?? "") } == true
            ? .from1904 : .from1900

        let relsPath = "xl/_rels/workbook.xml.rels"
        var targets: [String: String] = [:]      // relationship id → part path
        var typedTargets: [String: String] = [:] // "sharedStrings"/"styles" → part path
        if package.contains(relsPath) {
            let rels: [ElementCollector.Element]
            do { rels = try ElementCollector.collect(try package.data(relsPath), wanted: ["Relationship"]) }
            catch let error as XMLScanner.Failure { throw damaged("\(relsPath): \(error)") }
            for rel in rels {
                guard let id = rel.attributes["Id"], let target = rel.attributes["Target"] else { continue }
                let path = XLSXPackage.resolve(target: target, relativeTo: "xl")
                targets[id] = path
                if let type = rel.attributes["Type"]?.split(separator: "/").last { typedTargets[String(type)] = path }
            }
        }

        // Choose the sheet: by name when configured, else the first visible one.
        let sheets = workbook.filter { $0.name == "sheet" }
        guard !sheets.isEmpty else { throw TableReadError(at, "the workbook has no sheets") }
        let names = sheets.compactMap { $0.attributes["name"] }
        let chosen: ElementCollector.Element
        if let sheet {
            guard let match = sheets.first(where: { $0.attributes["name"] == sheet }) else {
                throw TableReadError(at, "no sheet named \"\(sheet)\"; the workbook has: \(names.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
            chosen = match
        } else {
            chosen = sheets.first { ($0.attributes["state"] ?? "visible") == "visible" } ?? sheets[0]
        }
        let sheetName = chosen.attributes["name"] ?? "?"
        guard let relID = chosen.attributes["id"], let sheetPath = targets[relID] else {
            throw damaged("sheet \"\(sheetName)\" has no relationship to its part")
        }

        var sharedStrings: [String] = []
        let sharedStringsPath = typedTargets["sharedStrings"] ?? "xl/sharedStrings.xml"
        if package.contains(sharedStringsPath) {
            do { sharedStrings = try SharedStringsParser.parse(try package.data(sharedStringsPath)) }
            catch let error as XMLScanner.Failure { throw damaged("\(sharedStringsPath): \(error)") }
        }

        var dateStyles = Set<Int>()
        let stylesPath = typedTargets["styles"] ?? "xl/styles.xml"
        if package.contains(stylesPath) {
            do { dateStyles = Self.dateStyleIndices(try ElementCollector.collect(try package.data(stylesPath), wanted: ["numFmt", "cellXfs", "xf", "cellStyleXfs"])) }
            catch let error as XMLScanner.Failure { throw damaged("\(stylesPath): \(error)") }
        }

        let parser = WorksheetParser(context: .init(sharedStrings: sharedStrings, dateStyles: dateStyles, dateSystem: dateSystem))
        let sheetResult = parser.parse(try package.data(sheetPath))
        var diagnostics: [Diagnostic] = []
        if let failure = sheetResult.failure {
            // Keep what was read before the break: the rows already seen are
            // good, and the error names the line of the XML where it stopped.
            diagnostics.append(.error(at, "sheet \"\(sheetName)\" is damaged (\(failure)); rows after that point are missing"))
        }
        for (ref, message) in sheetResult.problems {
            diagnostics.append(.error(SourceLocation(file: file, row: ref?.row, column: ref.map { $0.column + 1 }), message))
        }

        var rows = sheetResult.rows
        Self.fillMerges(sheetResult.merges, into: &rows)
        for number in rows.keys.sorted() {
            try body(TableRow(number: number, cells: rows[number]!))
        }
        return diagnostics
    }

    /// Style indices (positions in `cellXfs`) whose number format is a date.
    static func dateStyleIndices(_ elements: [ElementCollector.Element]) -> Set<Int> {
        var customDate = Set<Int>()
        for element in elements where element.name == "numFmt" {
            if let id = element.attributes["numFmtId"].flatMap({ Int($0) }),
               let code = element.attributes["formatCode"], NumberFormats.isDateFormat(code) {
                customDate.insert(id)
            }
        }
        // `xf` appears under both cellStyleXfs and cellXfs; cells index the latter.
        guard let start = elements.firstIndex(where: { $0.name == "cellXfs" }) else { return [] }
        let depth = elements[start].depth + 1
        var result = Set<Int>(), index = 0
        for element in elements[(start + 1)...] {
            if element.name != "xf" || element.depth < depth { if element.depth < depth { break } else { continue } }
            guard element.depth == depth else { continue }
            let id = element.attributes["numFmtId"].flatMap { Int($0) } ?? 0
            if NumberFormats.isBuiltInDate(id) || customDate.contains(id) { result.insert(index) }
            index += 1
        }
        return result
    }

    static func fillMerges(_ merges: [CellRange], into rows: inout [Int: [Cell]]) {
        // A hostile file can merge the whole 1M × 16k grid: fill only within
        // the rows and columns that actually hold cells.
        guard let maxRow = rows.keys.max() else { return }
        let maxColumn = rows.values.map(\.count).max()! - 1
        for range in merges {
            let value = rows[range.topLeft.row].flatMap { range.topLeft.column < $0.count ? $0[range.topLeft.column] : nil } ?? .empty
            if value == .empty { continue }
            let lastRow = min(range.bottomRight.row, maxRow)
            let lastColumn = min(range.bottomRight.column, maxColumn)
            guard range.topLeft.row <= lastRow, range.topLeft.column <= lastColumn else { continue }
            for r in range.topLeft.row...lastRow {
                var cells = rows[r] ?? []
                if cells.count <= lastColumn {
                    cells.append(contentsOf: repeatElement(.empty, count: lastColumn + 1 - cells.count))
                }
                for c in range.topLeft.column...lastColumn { cells[c] = value }
                rows[r] = cells
            }
        }
    }
}
