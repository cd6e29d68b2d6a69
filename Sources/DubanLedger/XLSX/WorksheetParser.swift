import DubanCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads one worksheet part into rows of typed cells, plus its merged ranges.
///
/// Cells are typed by their `t` attribute and, for numbers, by their style:
/// a number in a date-formatted cell is a date.
final class WorksheetParser: NSObject, XMLParserDelegate {
    struct Context {
        var sharedStrings: [String]
        var dateStyles: Set<Int>
        var dateSystem: ExcelDateSystem
    }

    private let context: Context
    private(set) var rows: [Int: [Cell]] = [:]
    private(set) var merges: [CellRange] = []
    private(set) var problems: [(CellReference?, String)] = []

    private var rowNumber = 0
    private var column = -1
    private var cells: [Cell] = []
    private var cellType: String?
    private var cellStyle = 0
    private var text = ""
    private var capturing = false
    private var inInline = false
    private var phoneticDepth = 0

    init(context: Context) {
        self.context = context
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes: [String: String] = [:]) {
        switch localName(elementName) {
        case "row":
            // Rows and cells may omit `r`: they then follow the previous one.
            if let r = attributes["r"], let n = Int(r), n >= 1, n <= 1_048_576 { rowNumber = n } else { rowNumber += 1 }
            column = -1
            cells = rows[rowNumber] ?? []
        case "c":
            if let r = attributes["r"] {
                if let ref = CellReference(r) {
                    column = ref.column
                } else {
                    problems.append((CellReference(column: max(column + 1, 0), row: rowNumber), "cell reference '\(r)' is not a valid address"))
                    column += 1
                }
            } else {
                column += 1
            }
            cellType = attributes["t"]
            cellStyle = attributes["s"].flatMap { Int($0) } ?? 0
            text = ""
        case "v":
            text = ""; capturing = true
        case "is":
            inInline = true; text = ""
        case "rPh":
            phoneticDepth += 1
        case "t":
            capturing = inInline && phoneticDepth == 0
        case "mergeCell":
            if let ref = attributes["ref"], let range = CellRange(ref) { merges.append(range) }
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        switch localName(elementName) {
        case "v", "t": capturing = false
        case "is": inInline = false
        case "rPh": phoneticDepth -= 1
        case "c":
            guard column >= 0, column < 16_384 else { return }
            let value = makeCell()
            if value != .empty {
                if cells.count <= column { cells.append(contentsOf: repeatElement(.empty, count: column + 1 - cells.count)) }
                cells[column] = value
            }
        case "row":
            if !cells.isEmpty { rows[rowNumber] = cells }
            cells = []
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if capturing { text += string }
    }

    private func makeCell() -> Cell {
        switch cellType {
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
            if context.dateStyles.contains(cellStyle) {
                if let date = context.dateSystem.date(fromSerial: number) { return .date(date) }
                return .invalid("date serial \(trimmed) is not a real date")
            }
            return .number(number)
        }
    }
}
