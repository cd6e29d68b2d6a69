import DubanCore
public import Foundation

/// Writes a one-sheet .xlsx workbook (Office Open XML SpreadsheetML,
/// ECMA-376) row by row: a bold header row, frozen below the header, column
/// widths, text as shared strings, dates as dates, every part deflated.
///
/// Rows are serialised and deflated as they are appended: only the shared
/// string table (each distinct text once) and one buffer of row XML are held
/// in memory, so 100k rows cost megabytes, not the sheet's size. The file is
/// unreadable until `finish()` writes the zip directory.
public final class XLSXWriter {
    public struct Column: Sendable, Hashable {
        public var heading: String
        /// In Excel's units (characters of the default font); a CJK
        /// character is about two.
        public var width: Double

        public init(_ heading: String, width: Double) {
            self.heading = heading
            self.width = width
        }
    }

    /// Excel's limits: 1,048,576 rows, and 32,767 characters in a cell.
    static let maximumRows = 1_048_576
    static let maximumCellLength = 32_767
    /// Style indices in `styles.xml`'s cellXfs.
    private enum Style: Int { case plain = 0, header = 1, date = 2, dateTime = 3 }

    private let zip: ZipWriter
    private let path: String
    private let columns: [Column]
    /// "A", "B" … per column as bytes, worked out once rather than for every cell.
    private let columnNames: [[UInt8]]
    private var sharedStrings: [String] = []
    private var stringIndex: [ByteKey: Int] = [:]
    private var stringReferences = 0
    /// Sheet XML not yet handed to the deflater.
    private var rowXML: [UInt8] = []
    private var finished = false
    /// Rows written so far, the header included.
    public private(set) var rowCount = 0
    /// Cells cut to Excel's 32,767-character limit (each ends in "…").
    public private(set) var truncatedCells = 0
    static let flushSize = 64 * 1024

    /// Creates the file and writes the header row.
    public init(creating url: URL, sheet: String, columns: [Column]) throws(OfficeError) {
        path = url.path
        let forbidden = Set("[]:*?/\\")
        guard !sheet.isEmpty, sheet.count <= 31, !sheet.contains(where: forbidden.contains), !sheet.hasPrefix("'") else {
            throw OfficeError(.invalidInput, "\(url.path): \"\(sheet)\" cannot name an Excel sheet (1–31 characters, none of [ ] : * ? / \\)")
        }
        guard !columns.isEmpty, columns.count <= 16_384 else {
            throw OfficeError(.invalidInput, "\(url.path): a sheet needs 1–16384 columns, not \(columns.count)")
        }
        self.columns = columns
        columnNames = columns.indices.map { Array(Self.columnName($0).utf8) }
        zip = try ZipWriter(creating: url)
        try writeFixedParts(sheet: sheet)
        try zip.begin("xl/worksheets/sheet1.xml")
        var head = Self.xmlDeclaration
        head += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
        // The header stays in view while scrolling: a pane frozen below row 1.
        head += #"<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>"#
        head += #"<sheetFormatPr defaultRowHeight="15"/><cols>"#
        for (index, column) in columns.enumerated() {
            let width = String(format: "%.2f", min(max(column.width, 1), 255))
            head += #"<col min="\#(index + 1)" max="\#(index + 1)" width="\#(width)" customWidth="1"/>"#
        }
        head += "</cols><sheetData>"
        rowXML = Array(head.utf8)
        rowXML.reserveCapacity(Self.flushSize + 4096)
        try appendRow(columns.map { .text($0.heading) }, style: .header)
    }

    /// Appends one data row; missing trailing cells are empty, extra cells
    /// beyond the columns are an error.
    public func append(_ cells: [XLSXCell]) throws(OfficeError) {
        guard cells.count <= columns.count else {
            throw OfficeError(.invalidInput, "\(path): row \(rowCount + 1) has \(cells.count) cells for \(columns.count) columns")
        }
        try appendRow(cells, style: .plain)
    }

    private func appendRow(_ cells: [XLSXCell], style: Style) throws(OfficeError) {
        guard !finished else { throw OfficeError(.invalidInput, "\(path): row appended after finish()") }
        guard rowCount < Self.maximumRows else {
            throw OfficeError(.tooLarge, "\(path): more than \(Self.maximumRows) rows, Excel's limit for one sheet")
        }
        rowCount += 1
        let row = rowCount
        // Bytes appended in place: no String per cell reference or element
        // (a 100k-task workbook has two million cells).
        rowXML.append(contentsOf: #"<row r=""#.utf8)
        Self.appendDecimal(row, to: &rowXML)
        rowXML.append(contentsOf: #"">"#.utf8)
        for (index, cell) in cells.enumerated() {
            switch cell {
            case .empty:
                continue
            case .text(let text):
                let id = sharedString(text)
                openCell(index, row: row)
                rowXML.append(contentsOf: (style == .header ? #"" s="1" t="s"><v>"# : #"" t="s"><v>"#).utf8)
                Self.appendDecimal(id, to: &rowXML)
            case .number(let value):
                openCell(index, row: row)
                if value.isFinite {
                    rowXML.append(contentsOf: #""><v>"#.utf8)
                    appendNumber(value)
                } else {
                    // Excel has no NaN or infinity; write what it was as text.
                    rowXML.append(contentsOf: #"" t="s"><v>"#.utf8)
                    Self.appendDecimal(sharedString(String(value)), to: &rowXML)
                }
            case .date(let date):
                openCell(index, row: row)
                if let serial = ExcelSerial.serial(date) {
                    rowXML.append(contentsOf: #"" s="2"><v>"#.utf8)
                    Self.appendDecimal(serial, to: &rowXML)
                } else {
                    rowXML.append(contentsOf: #"" t="s"><v>"#.utf8)
                    Self.appendDecimal(sharedString(date.description), to: &rowXML)
                }
            case .dateTime(let date, let seconds):
                let clamped = min(max(seconds, 0), 86_399)
                openCell(index, row: row)
                if let serial = ExcelSerial.serial(date) {
                    rowXML.append(contentsOf: #"" s="3"><v>"#.utf8)
                    appendNumber(Double(serial) + Double(clamped) / 86_400)
                } else {
                    rowXML.append(contentsOf: #"" t="s"><v>"#.utf8)
                    Self.appendDecimal(sharedString(date.description), to: &rowXML)
                }
            }
            rowXML.append(contentsOf: "</v></c>".utf8)
        }
        rowXML.append(contentsOf: "</row>".utf8)
        if rowXML.count >= Self.flushSize { try flushRows() }
    }

    /// `<c r="B12`: a cell's start up to the end of its reference.
    private func openCell(_ column: Int, row: Int) {
        rowXML.append(contentsOf: #"<c r=""#.utf8)
        rowXML.append(contentsOf: columnNames[column])
        Self.appendDecimal(row, to: &rowXML)
    }

    /// What `format` writes, without a String for the integral values every
    /// count and date serial is.
    private func appendNumber(_ value: Double) {
        if value == value.rounded(), abs(value) < 1e15 {
            Self.appendDecimal(Int64(value), to: &rowXML)
        } else {
            rowXML.append(contentsOf: Self.format(value).utf8)
        }
    }

    /// The decimal digits of `value`, as `String(value)` writes them.
    static func appendDecimal<Integer: BinaryInteger>(_ value: Integer, to bytes: inout [UInt8]) {
        guard value != 0 else { bytes.append(UInt8(ascii: "0")); return }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }

    /// Ends the sheet and writes the shared strings and the zip directory.
    public func finish() throws(OfficeError) {
        guard !finished else { return }
        finished = true
        rowXML.append(contentsOf: "</sheetData></worksheet>".utf8)
        try flushRows()
        try zip.end()
        try zip.begin("xl/sharedStrings.xml")
        var xml = Self.xmlDeclaration
            + #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(stringReferences)" uniqueCount="\#(sharedStrings.count)">"#
        for string in sharedStrings {
            xml += #"<si><t xml:space="preserve">"# + XMLText.escape(string) + "</t></si>"
            if xml.utf8.count >= Self.flushSize {
                try zip.write(xml)
                xml = ""
            }
        }
        xml += "</sst>"
        try zip.write(xml)
        try zip.end()
        try zip.finish()
    }

    private func flushRows() throws(OfficeError) {
        try zip.write(rowXML)
        rowXML.removeAll(keepingCapacity: true)
    }

    private func sharedString(_ text: String) -> Int {
        var text = text
        // The UTF-8 length is stored and never shorter than the UTF-16 one,
        // which is counted only when it could be too long.
        if text.utf8.count > Self.maximumCellLength, text.utf16.count > Self.maximumCellLength {
            // Excel refuses a workbook with a longer cell ("repair"): cut it, visibly.
            var kept = String.UnicodeScalarView(), units = 0
            for scalar in text.unicodeScalars {
                units += scalar.utf16.count
                if units > Self.maximumCellLength - 1 { break }
                kept.append(scalar)
            }
            text = String(kept) + "…"
            truncatedCells += 1
        }
        stringReferences += 1
        let key = ByteKey(text)
        if let known = stringIndex[key] { return known }
        stringIndex[key] = sharedStrings.count
        sharedStrings.append(text)
        return sharedStrings.count - 1
    }

    /// `A`, `B` … `Z`, `AA` …: the column letters of a 0-based index.
    static func columnName(_ index: Int) -> String {
        var n = index + 1, letters: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            letters.append(Character(Unicode.Scalar(UInt8(65 + r))))
            n = (n - 1) / 26
        }
        return String(letters.reversed())
    }

    /// Integral values without a fraction; others with enough digits to round-trip.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static let xmlDeclaration = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"

    private func writeFixedParts(sheet: String) throws(OfficeError) {
        try zip.add("[Content_Types].xml", Self.xmlDeclaration + """
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
            </Types>
            """)
        try zip.add("_rels/.rels", Self.xmlDeclaration + """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """)
        try zip.add("xl/workbook.xml", Self.xmlDeclaration + """
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <bookViews><workbookView/></bookViews>\
            <sheets><sheet name="\(XMLText.escape(sheet))" sheetId="1" r:id="rId1"/></sheets>\
            </workbook>
            """)
        try zip.add("xl/_rels/workbook.xml.rels", Self.xmlDeclaration + """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
            <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
            <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>\
            </Relationships>
            """)
        // cellXfs: 0 plain, 1 bold header, 2 date, 3 date and time (see `Style`).
        try zip.add("xl/styles.xml", Self.xmlDeclaration + """
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
            <numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>\
            <fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>\
            <font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>\
            <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
            <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
            <cellXfs count="4">\
            <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
            <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
            <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            </cellXfs>\
            <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
            </styleSheet>
            """)
    }
}
