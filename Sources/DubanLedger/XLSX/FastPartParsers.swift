/// `WorksheetParser` and `SharedStringsParser` over `FastXMLScanner`: the same
/// rows, merges, problems and strings, without a `String` per element name,
/// attribute or number.
///
/// Each returns nil when the part needs the general readers: XML they do not
/// cover (see `FastXMLScanner`), or rows out of ascending order (Excel never
/// writes them; `WorksheetParser` sorts and joins them). The caller then reads
/// the part with those, so answers and errors stay what they were.
/// `XLSXFastPathTests` compares both on random parts.
enum FastPartParsers {
    struct Sheet {
        /// In ascending row order, each row's cells as `WorksheetParser` has them.
        var rows: [TableRow] = []
        var merges: [CellRange] = []
        var problems: [(CellReference?, String)] = []
    }

    static func worksheet(_ bytes: UnsafeBufferPointer<UInt8>, _ slow: WorksheetParser) -> Sheet? {
        var state = WorksheetState(bytes, slow)
        return try? state.run()
    }

    /// Sheets from this size on are read in two halves, one per core.
    static let halvesAbove = 8 << 20

    /// `worksheet`, reading the second half of a large sheet on another thread.
    /// The halves meet at a `<row` tag; the joined answer is used only when the
    /// first half ends there in the state the second began in (outside any
    /// cell, row or text, the elements still open being the ones the second
    /// half closes), the second half's first row has its own number, and its
    /// rows come after the first half's. Otherwise the sheet is read in one go.
    static func worksheetInHalves(_ bytes: UnsafeBufferPointer<UInt8>, _ slow: WorksheetParser, above: Int = halvesAbove) -> Sheet? {
        guard bytes.count >= above, let split = rowTag(in: bytes, from: bytes.count / 2) else { return worksheet(bytes, slow) }
        return halves(bytes, slow, at: split) ?? worksheet(bytes, slow)
    }

    /// The two halves joined, or nil when they do not join as one read would.
    static func halves(_ bytes: UnsafeBufferPointer<UInt8>, _ slow: WorksheetParser, at split: Int) -> Sheet? {
        let shared = UncheckedBuffer(bytes: bytes)
        let second = OneShot.start(concurrently: true) { () -> SecondHalf? in
            var state = WorksheetState(shared.bytes, slow, from: split)
            guard let sheet = try? state.run() else { return nil }
            return SecondHalf(sheet: sheet, closedFromBefore: state.scanner.closedFromBefore,
                              firstRowNumbered: state.firstRowNumbered, lowestRowBeforeFirstStored: state.lowestRowBeforeFirstStored)
        }
        var first = WorksheetState(bytes, slow, stop: split)
        let firstSheet = try? first.run()
        let secondSheet = second()   // always waited for: it reads the caller's bytes
        guard var sheet = firstSheet, let tail = secondSheet else { return nil }
        let stillOpen = first.scanner.open
        let stateless: Set<String> = ["c", "row", "v", "t", "is", "rPh"]
        guard !first.capturing, !first.inInline, first.phoneticDepth == 0, tail.firstRowNumbered == true,
              tail.lowestRowBeforeFirstStored > first.lastStored,
              tail.closedFromBefore.count == stillOpen.count,
              zip(tail.closedFromBefore, stillOpen.reversed()).allSatisfy({ first.scanner.same($0, $1) && !stateless.contains(first.scanner.string($0)) })
        else { return nil }
        sheet.rows += tail.sheet.rows
        sheet.merges += tail.sheet.merges
        sheet.problems += tail.sheet.problems
        return sheet
    }

    private struct SecondHalf: Sendable {
        var sheet: Sheet
        var closedFromBefore: [Range<Int>]
        var firstRowNumbered: Bool?
        var lowestRowBeforeFirstStored: Int
    }

    /// The sheet's bytes, read by both halves while the caller holds them.
    private struct UncheckedBuffer: @unchecked Sendable {
        let bytes: UnsafeBufferPointer<UInt8>
    }

    /// The first `<row` tag (unprefixed) at or after `start`.
    static func rowTag(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var k = start
        while k + 5 <= bytes.count {
            if bytes[k] == UInt8(ascii: "<"), bytes[k + 1] == UInt8(ascii: "r"), bytes[k + 2] == UInt8(ascii: "o"), bytes[k + 3] == UInt8(ascii: "w") {
                let next = bytes[k + 4]
                if next == 0x20 || next == UInt8(ascii: ">") || next == UInt8(ascii: "/") || next == 0x09 || next == 0x0A || next == 0x0D { return k }
            }
            k += 1
        }
        return nil
    }

    /// The reading state as a struct with mutating methods: local functions
    /// capturing local variables made Swift check exclusive access at run
    /// time on every cell (a fifth of the parse).
    private struct WorksheetState {
        let slow: WorksheetParser
        let strings: [String]
        var scanner: FastXMLScanner
        var result = Sheet()
        var rowNumber = 0, column = -1, lastStored = 0
        var cells: [Cell] = []
        var cellType: Range<Int>?, cellStyle = 0
        var text = TextCollector()
        var capturing = false, inInline = false, phoneticDepth = 0

        /// `dateStyles` as a table for the usual style numbers: a Set lookup hashed every number.
        let dateStyleTable: [Bool]

        /// For a second half: whether its first row had a valid number of its
        /// own (nil before it), and the lowest row number begun before it stored one.
        var firstRowNumbered: Bool?
        var lowestRowBeforeFirstStored = Int.max

        init(_ bytes: UnsafeBufferPointer<UInt8>, _ slow: WorksheetParser, from start: Int = 0, stop: Int = Int.max) {
            self.slow = slow
            dateStyleTable = (0..<256).map { slow.context.dateStyles.contains($0) }
            strings = slow.context.sharedStrings
            scanner = FastXMLScanner(bytes, from: start, stop: stop)
            cells.reserveCapacity(32)
        }

        func typeName(_ range: Range<Int>?) -> String? {
            guard let range else { return nil }
            if scanner.equals(range, "n") { return "n" }
            if scanner.equals(range, "str") { return "str" }
            if scanner.equals(range, "inlineStr") { return "inlineStr" }
            return scanner.string(range)
        }

        func makeCell() -> Cell {
            // Shared strings, nearly every text cell, without a String for the index.
            if let type = cellType, scanner.equals(type, "s"), text.pieces == 1,
               let index = text.bytes.withUnsafeBufferPointer(FastXMLScanner.digits),
               index < strings.count {
                return strings[index].isEmpty ? .empty : .text(strings[index])
            }
            // Whole numbers (序号, date serials) without a String and a Double parse:
            // Double of the digits' value is what `Double(text)` reads.
            if cellType.map({ scanner.equals($0, "n") }) ?? true, text.pieces == 1, text.bytes.count <= 15,
               let whole = text.bytes.withUnsafeBufferPointer(FastXMLScanner.digits) {
                if !isDateStyle(cellStyle) { return .number(Double(whole)) }
                if let date = slow.context.dateSystem.date(fromSerial: Double(whole)) { return .date(date) }
            }
            return slow.makeCell(type: typeName(cellType), style: cellStyle, text: text.string)
        }

        func isDateStyle(_ style: Int) -> Bool {
            style >= 0 && style < dateStyleTable.count ? dateStyleTable[style] : slow.context.dateStyles.contains(style)
        }

        mutating func finishCell() {
            guard column >= 0, column < 16_384 else {
                result.problems.append((CellReference(column: 0, row: rowNumber), "a cell beyond Excel's last column (XFD) is ignored"))
                return
            }
            let value = makeCell()
            if case .empty = value { return }
            if cells.count <= column { cells.append(contentsOf: repeatElement(.empty, count: column + 1 - cells.count)) }
            cells[column] = value
        }

        func integer(_ range: Range<Int>) -> Int? {
            scanner.digits(range) ?? Int(scanner.string(range))
        }

        mutating func run() throws(FastXMLScanner.Unsupported) -> Sheet {
            let bytes = scanner.bytes
            while let token = try scanner.next() {
                switch token {
                case .start(let name, let selfClosing):
                    switch name.count {
                    case 1 where scanner.equals(name, "c"):
                        if let r = scanner.attribute("r") {
                            if let ref = CellReference(utf8: UnsafeBufferPointer(rebasing: bytes[r])) {
                                column = ref.column
                            } else {
                                result.problems.append((CellReference(column: max(column + 1, 0), row: rowNumber), "cell reference '\(scanner.string(r))' is not a valid address"))
                                column += 1
                            }
                        } else {
                            column += 1
                        }
                        cellType = scanner.attribute("t")
                        cellStyle = scanner.attribute("s").flatMap(integer) ?? 0
                        text.reset()
                        if selfClosing { finishCell() }
                    case 1 where scanner.equals(name, "v"):
                        text.reset(); capturing = !selfClosing
                    case 1 where scanner.equals(name, "t"):
                        capturing = inInline && phoneticDepth == 0 && !selfClosing
                    case 3 where scanner.equals(name, "row"):
                        if let r = scanner.attribute("r"), let n = integer(r), n >= 1, n <= 1_048_576 {
                            rowNumber = n
                            if firstRowNumbered == nil { firstRowNumbered = true }
                        } else {
                            rowNumber += 1
                            if firstRowNumbered == nil { firstRowNumbered = false }
                        }
                        if lastStored == 0 { lowestRowBeforeFirstStored = min(lowestRowBeforeFirstStored, rowNumber) }
                        column = -1
                        // WorksheetParser would continue or insert a row read before.
                        guard rowNumber > lastStored else { throw FastXMLScanner.Unsupported() }
                        cells.removeAll(keepingCapacity: true)
                    case 2 where scanner.equals(name, "is"):
                        inInline = !selfClosing; text.reset()
                    case 3 where scanner.equals(name, "rPh"):
                        if !selfClosing { phoneticDepth += 1 }
                    case 9 where scanner.equals(name, "mergeCell"):
                        if let ref = scanner.attribute("ref"), let range = CellRange(utf8: UnsafeBufferPointer(rebasing: bytes[ref])) {
                            result.merges.append(range)
                        }
                    default:
                        break
                    }
                case .end(let name):
                    switch name.count {
                    case 1 where scanner.equals(name, "v") || scanner.equals(name, "t"): capturing = false
                    case 1 where scanner.equals(name, "c"): finishCell()
                    case 2 where scanner.equals(name, "is"): inInline = false
                    case 3 where scanner.equals(name, "rPh"): phoneticDepth -= 1
                    case 3 where scanner.equals(name, "row"):
                        if !cells.isEmpty {
                            guard rowNumber > lastStored else { throw FastXMLScanner.Unsupported() }
                            result.rows.append(TableRow(number: rowNumber, cells: Array(cells)))
                            lastStored = rowNumber
                        }
                        cells.removeAll(keepingCapacity: true)
                    default: break
                    }
                case .text(let range):
                    if capturing { try text.append(range, from: scanner) }
                }
            }
            return result
        }
    }

    static func sharedStrings(_ bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
        try? parseSharedStrings(bytes)
    }

    private static func parseSharedStrings(_ bytes: UnsafeBufferPointer<UInt8>) throws(FastXMLScanner.Unsupported) -> [String] {
        var scanner = FastXMLScanner(bytes)
        var strings: [String] = []
        var current = TextCollector()
        var inItem = false, inText = false
        var phoneticDepth = 0
        while let token = try scanner.next() {
            switch token {
            case .start(let name, let selfClosing):
                if scanner.equals(name, "si") {
                    inItem = true; current.reset(); if selfClosing { strings.append(""); inItem = false }
                } else if scanner.equals(name, "rPh") {
                    if !selfClosing { phoneticDepth += 1 }
                } else if scanner.equals(name, "t") {
                    inText = inItem && phoneticDepth == 0 && !selfClosing
                } else if strings.isEmpty, scanner.equals(name, "sst"), let count = scanner.attribute("uniqueCount").flatMap(scanner.digits) {
                    strings.reserveCapacity(min(count, bytes.count / 8))
                }
            case .end(let name):
                if scanner.equals(name, "si") { strings.append(current.string); inItem = false }
                else if scanner.equals(name, "rPh") { phoneticDepth -= 1 }
                else if scanner.equals(name, "t") { inText = false }
            case .text(let range):
                if inText { try current.append(range, from: scanner) }
            }
        }
        return strings
    }
}
