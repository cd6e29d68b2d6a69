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

        // Shared strings inflate and parse on a second thread while this one
        // inflates the sheet: they are the two large parts of a big workbook.
        // Errors are thrown in the order the parts were read before.
        let sharedStringsPath = typedTargets["sharedStrings"] ?? "xl/sharedStrings.xml"
        let sharedStrings: () -> Result<[String], TableReadError>
        if package.contains(sharedStringsPath) {
            sharedStrings = OneShot.start(concurrently: package.uncompressedSize(sharedStringsPath) >= Self.concurrentAbove) {
                Self.sharedStrings(package, sharedStringsPath)
            }
        } else {
            sharedStrings = { .success([]) }
        }

        var dateStyles = Set<Int>()
        let stylesPath = typedTargets["styles"] ?? "xl/styles.xml"
        let styles: Result<Set<Int>, TableReadError>
        if package.contains(stylesPath) {
            do { styles = .success(Self.dateStyleIndices(try ElementCollector.collect(try package.data(stylesPath), wanted: ["numFmt", "cellXfs", "xf", "cellStyleXfs"]))) }
            catch let error as XMLScanner.Failure { styles = .failure(damaged("\(stylesPath): \(error)")) }
            catch { styles = .failure(error as! TableReadError) }
        } else {
            styles = .success([])
        }
        var sheetBytes = Result { () throws(TableReadError) -> [UInt8] in try package.bytes(sheetPath) }
        let strings = try sharedStrings().get()
        dateStyles = try styles.get()

        let parser = WorksheetParser(context: .init(sharedStrings: strings, dateStyles: dateStyles, dateSystem: dateSystem))
        var sheetResult = Self.sheetRows(try sheetBytes.get(), parser)
        sheetBytes = .success([])   // the sheet's XML (400 MB at 1M rows) is not needed while the rows are interpreted
        var diagnostics: [Diagnostic] = []
        if let failure = sheetResult.failure {
            // Keep what was read before the break: the rows already seen are
            // good, and the error names the line of the XML where it stopped.
            diagnostics.append(.error(at, "sheet \"\(sheetName)\" is damaged (\(failure)); rows after that point are missing"))
        }
        for (ref, message) in sheetResult.problems {
            diagnostics.append(.error(SourceLocation(file: file, row: ref?.row, column: ref.map { $0.column + 1 }), message))
        }
        // Each row's cells are let go once interpreted, so the rows shrink
        // while the tasks grow.
        for index in sheetResult.rows.indices {
            let row = sheetResult.rows[index]
            sheetResult.rows[index].cells = []
            try body(row)
        }
        return diagnostics
    }

    /// Parts from this size on are read on a thread of their own.
    static let concurrentAbove = 1 << 20

    static func sharedStrings(_ package: XLSXPackage, _ path: String) -> Result<[String], TableReadError> {
        let bytes: [UInt8]
        do { bytes = try package.bytes(path) } catch { return .failure(error) }
        if let strings = bytes.withUnsafeBufferPointer(FastPartParsers.sharedStrings) { return .success(strings) }
        do { return .success(try SharedStringsParser.parse(bytes)) }
        catch { return .failure(TableReadError(SourceLocation(file: package.file), "damaged workbook: \(path): \(error)")) }
    }

    /// A sheet's rows in order with merged cells filled, the cells the file
    /// got wrong, and where its XML broke off, if it did.
    struct SheetRows {
        var rows: [TableRow]
        var problems: [(CellReference?, String)]
        var failure: XMLScanner.Failure?
    }

    /// The fast parser's rows, or `WorksheetParser`'s when the fast one
    /// declines (`fast: false` always takes the latter: the reference in tests).
    static func sheetRows(_ bytes: [UInt8], _ parser: WorksheetParser, fast: Bool = true, halvesAbove: Int = FastPartParsers.halvesAbove) -> SheetRows {
        if fast, var sheet = bytes.withUnsafeBufferPointer({ FastPartParsers.worksheetInHalves($0, parser, above: halvesAbove) }) {
            fillMerges(sheet.merges, into: &sheet.rows)
            return SheetRows(rows: sheet.rows, problems: sheet.problems, failure: nil)
        }
        let result = parser.parse(bytes)
        var rows = result.rows
        fillMerges(result.merges, into: &rows)
        return SheetRows(rows: rows.keys.sorted().map { TableRow(number: $0, cells: rows[$0]!) }, problems: result.problems, failure: result.failure)
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

    /// `fillMerges` over rows in ascending order, as the fast path holds them:
    /// the same cells, with rows a merge creates put in their place.
    static func fillMerges(_ merges: [CellRange], into rows: inout [TableRow]) {
        guard let maxRow = rows.last?.number else { return }
        let maxColumn = rows.map(\.cells.count).max()! - 1
        var created: [Int: [Cell]] = [:]
        /// The index of the first row numbered `number` or later.
        func firstIndex(from number: Int) -> Int {
            var low = 0, high = rows.count
            while low < high {
                let mid = (low + high) / 2
                if rows[mid].number < number { low = mid + 1 } else { high = mid }
            }
            return low
        }
        func fill(_ cells: inout [Cell], _ range: CellRange, _ lastColumn: Int, _ value: Cell) {
            if cells.count <= lastColumn {
                cells.append(contentsOf: repeatElement(.empty, count: lastColumn + 1 - cells.count))
            }
            for c in range.topLeft.column...lastColumn { cells[c] = value }
        }
        for range in merges {
            let top = range.topLeft
            var index = firstIndex(from: top.row)
            // Read in place: a copy of the row's cells would make the fill below copy them again.
            let value = index < rows.count && rows[index].number == top.row
                ? rows[index][top.column]
                : created[top.row].flatMap { top.column < $0.count ? $0[top.column] : nil } ?? .empty
            if value == .empty { continue }
            let lastRow = min(range.bottomRight.row, maxRow)
            let lastColumn = min(range.bottomRight.column, maxColumn)
            guard top.row <= lastRow, top.column <= lastColumn else { continue }
            for r in top.row...lastRow {
                if index < rows.count, rows[index].number == r {
                    fill(&rows[index].cells, range, lastColumn, value)
                    index += 1
                } else {
                    fill(&created[r, default: []], range, lastColumn, value)
                }
            }
        }
        guard !created.isEmpty else { return }
        rows += created.map { TableRow(number: $0.key, cells: $0.value) }
        rows.sort { $0.number < $1.number }
    }
}

/// A value worked out on a thread of its own (or, below the size where that
/// pays, right away); `start` returns the function that waits for it.
final class OneShot<Value: Sendable>: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var value: Value?

    static func start(concurrently: Bool, _ work: @escaping @Sendable () -> Value) -> () -> Value {
        guard concurrently else {
            let value = work()
            return { value }
        }
        let box = OneShot()
        let thread = Thread {
            let value = work()
            box.condition.lock()
            box.value = value
            box.condition.broadcast()
            box.condition.unlock()
        }
        thread.stackSize = 1 << 20
        thread.start()
        return {
            box.condition.lock()
            defer { box.condition.unlock() }
            while box.value == nil { box.condition.wait() }
            return box.value!
        }
    }
}
