// The sheet writer as it was before it appended bytes in place: strings
// built per cell and row. Kept as the slow reference that
// `XLSXWriterEquivalenceTests` compares the writer with, file byte for byte.
import DubanCore
@testable import DubanOffice
import Foundation

final class ReferenceXLSXWriter {
    /// Excel's limits: 1,048,576 rows, and 32,767 characters in a cell.
    static let maximumRows = 1_048_576
    static let maximumCellLength = 32_767
    /// Style indices in `styles.xml`'s cellXfs.
    private enum Style: Int { case plain = 0, header = 1, date = 2, dateTime = 3 }

    private let zip: ZipWriter
    private let path: String
    private let columns: [XLSXWriter.Column]
    /// "A", "B" … per column, worked out once rather than for every cell.
    private let columnNames: [String]
    private var sharedStrings: [String] = []
    private var stringIndex: [ByteKey: Int] = [:]
    private var stringReferences = 0
    private var rowXML = ""
    private var finished = false
    /// Rows written so far, the header included.
    private(set) var rowCount = 0
    /// Cells cut to Excel's 32,767-character limit (each ends in "…").
    private(set) var truncatedCells = 0
    static let flushSize = 64 * 1024

    /// Creates the file and writes the header row.
    init(creating url: URL, sheet: String, columns: [XLSXWriter.Column]) throws(OfficeError) {
        path = url.path
        let forbidden = Set("[]:*?/\\")
        guard !sheet.isEmpty, sheet.count <= 31, !sheet.contains(where: forbidden.contains), !sheet.hasPrefix("'") else {
            throw OfficeError(.invalidInput, "\(url.path): \"\(sheet)\" cannot name an Excel sheet (1–31 characters, none of [ ] : * ? / \\)")
        }
        guard !columns.isEmpty, columns.count <= 16_384 else {
            throw OfficeError(.invalidInput, "\(url.path): a sheet needs 1–16384 columns, not \(columns.count)")
        }
        self.columns = columns
        columnNames = columns.indices.map(Self.columnName)
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
        rowXML = head
        try appendRow(columns.map { .text($0.heading) }, style: .header)
    }

    /// Appends one data row; missing trailing cells are empty, extra cells
    /// beyond the columns are an error.
    func append(_ cells: [XLSXCell]) throws(OfficeError) {
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
        rowXML += #"<row r="\#(row)">"#
        for (index, cell) in cells.enumerated() {
            let reference = columnNames[index] + String(row)
            switch cell {
            case .empty:
                continue
            case .text(let text):
                let id = sharedString(text)
                let styleAttribute = style == .header ? #" s="1""# : ""
                rowXML += #"<c r="\#(reference)"\#(styleAttribute) t="s"><v>\#(id)</v></c>"#
            case .number(let value):
                if value.isFinite {
                    rowXML += #"<c r="\#(reference)"><v>\#(Self.format(value))</v></c>"#
                } else {
                    // Excel has no NaN or infinity; write what it was as text.
                    rowXML += #"<c r="\#(reference)" t="s"><v>\#(sharedString(String(value)))</v></c>"#
                }
            case .date(let date):
                if let serial = ExcelSerial.serial(date) {
                    rowXML += #"<c r="\#(reference)" s="\#(Style.date.rawValue)"><v>\#(serial)</v></c>"#
                } else {
                    rowXML += #"<c r="\#(reference)" t="s"><v>\#(sharedString(date.description))</v></c>"#
                }
            case .dateTime(let date, let seconds):
                let clamped = min(max(seconds, 0), 86_399)
                if let serial = ExcelSerial.serial(date) {
                    let value = Double(serial) + Double(clamped) / 86_400
                    rowXML += #"<c r="\#(reference)" s="\#(Style.dateTime.rawValue)"><v>\#(Self.format(value))</v></c>"#
                } else {
                    rowXML += #"<c r="\#(reference)" t="s"><v>\#(sharedString(date.description))</v></c>"#
                }
            }
        }
        rowXML += "</row>"
        if rowXML.utf8.count >= Self.flushSize { try flushRows() }
    }

    /// Ends the sheet and writes the shared strings and the zip directory.
    func finish() throws(OfficeError) {
        guard !finished else { return }
        finished = true
        rowXML += "</sheetData></worksheet>"
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
        rowXML = ""
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
