import DubanCore
import Foundation

/// Reads one worksheet part into rows of typed cells, plus its merged ranges.
///
/// Cells are typed by their `t` attribute and, for numbers, by their style:
/// a number in a date-formatted cell is a date.
struct WorksheetParser {
    struct Context {
        var sharedStrings: [String]
        var dateStyles: Set<Int>
        var dateSystem: ExcelDateSystem
    }

    struct Result {
        var rows: [Int: [Cell]] = [:]
        var merges: [CellRange] = []
        /// Cells the file itself got wrong, by address.
        var problems: [(CellReference?, String)] = []
        /// Set when the XML broke off; the rows before it are kept.
        var failure: XMLScanner.Failure?
    }

    let context: Context

    func parse(_ data: Data) -> Result { parse([UInt8](data)) }

    func parse(_ bytes: [UInt8]) -> Result {
        var result = Result()
        var scanner = XMLScanner(bytes)
        var rowNumber = 0, column = -1
        var cells: [Cell] = []
        var cellType: String?, cellStyle = 0
        var text = "", capturing = false, inInline = false, phoneticDepth = 0

        func finishCell() {
            guard column >= 0, column < 16_384 else {
                result.problems.append((CellReference(column: 0, row: rowNumber), "a cell beyond Excel's last column (XFD) is ignored"))
                return
            }
            let value = makeCell(type: cellType, style: cellStyle, text: text)
            if value != .empty {
                if cells.count <= column { cells.append(contentsOf: repeatElement(.empty, count: column + 1 - cells.count)) }
                cells[column] = value
            }
        }

        do {
            while let token = try scanner.next() {
                switch token {
                case .start(let name, let attributes, let selfClosing):
                    switch name {
                    case "row":
                        // Rows and cells may omit `r`: they then follow the previous one.
                        if let r = attributes[attribute: "r"], let n = Int(r), n >= 1, n <= 1_048_576 { rowNumber = n } else { rowNumber += 1 }
                        column = -1
                        cells = result.rows[rowNumber] ?? []
                        if selfClosing { cells = [] }
                    case "c":
                        if let r = attributes[attribute: "r"] {
                            if let ref = CellReference(r) {
                                column = ref.column
                            } else {
                                result.problems.append((CellReference(column: max(column + 1, 0), row: rowNumber), "cell reference '\(r)' is not a valid address"))
                                column += 1
                            }
                        } else {
                            column += 1
                        }
                        cellType = attributes[attribute: "t"]
                        cellStyle = attributes[attribute: "s"].flatMap { Int($0) } ?? 0
                        text = ""
                        if selfClosing { finishCell() }
                    case "v":
                        text = ""; capturing = !selfClosing
                    case "is":
                        inInline = !selfClosing; text = ""
                    case "rPh":
                        if !selfClosing { phoneticDepth += 1 }
                    case "t":
                        capturing = inInline && phoneticDepth == 0 && !selfClosing
                    case "mergeCell":
                        if let ref = attributes[attribute: "ref"], let range = CellRange(ref) { result.merges.append(range) }
                    default:
                        break
                    }
                case .end(let name):
                    switch name {
                    case "v", "t": capturing = false
                    case "is": inInline = false
                    case "rPh": phoneticDepth -= 1
                    case "c": finishCell()
                    case "row":
                        if !cells.isEmpty { result.rows[rowNumber] = cells }
                        cells = []
                    default: break
                    }
                case .text(let range):
                    if capturing { text += try scanner.text(range) }
                }
            }
        } catch {
            if !cells.isEmpty { result.rows[rowNumber] = cells }
            result.failure = error
        }
        return result
    }

    /// Also the fast path's answer for every cell but a shared string.
    func makeCell(type: String?, style: Int, text: String) -> Cell {
        switch type {
        case "s":
            guard let index = Int(text.trimmingWhitespace()) else { return text.isEmpty ? .empty : .invalid("shared-string index '\(text)' is not a number") }
            guard index >= 0, index < context.sharedStrings.count else {
                return .invalid("shared-string index \(index) points past the end of the workbook's \(context.sharedStrings.count) strings (damaged workbook)")
            }
            return context.sharedStrings[index].isEmpty ? .empty : .text(context.sharedStrings[index])
        case "inlineStr", "str":
            return text.isEmpty ? .empty : .text(text)
        case "b":
            return .bool(text.trimmingWhitespace() == "1")
        case "e":
            return .excelError(text)
        case "d":
            // Strict OOXML writes dates as ISO text.
            if let date = LocalDate(String(text.prefix(10))) { return .date(date) }
            return .invalid("date '\(text)' is not YYYY-MM-DD")
        default:
            let trimmed = text.trimmingWhitespace()
            if trimmed.isEmpty { return .empty }
            guard let number = Double(trimmed) else { return .invalid("number '\(trimmed)' is not a number") }
            if context.dateStyles.contains(style) {
                if let date = context.dateSystem.date(fromSerial: number) { return .date(date) }
                return .invalid("date serial \(trimmed) is not a real date")
            }
            return .number(number)
        }
    }
}
