public import Foundation

/// Writes a `ReportDocument` as a .docx (Office Open XML WordprocessingML,
/// ECMA-376) that Word, WPS and LibreOffice open and edit.
///
/// Headings use Word's built-in heading styles (style ids `Heading1` and
/// `Heading2`, names "heading 1" and "heading 2", outline levels 0 and 1),
/// so the navigation pane, a table of contents and LibreOffice's conversion
/// all see them as headings rather than as big bold text. Fonts follow the
/// usual government document layout: 方正小标宋 title, 黑体 level-1 and 楷体
/// level-2 headings, 仿宋 body, falling back to whatever the machine has.
public enum DOCXWriter {
    public static func write(_ document: ReportDocument, to url: URL) throws(OfficeError) {
        let zip = try ZipWriter(creating: url)
        try zip.add("[Content_Types].xml", declaration + """
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>\
            <Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>\
            </Types>
            """)
        try zip.add("_rels/.rels", declaration + """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>\
            </Relationships>
            """)
        try zip.add("word/_rels/document.xml.rels", declaration + """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
            </Relationships>
            """)
        try zip.add("word/styles.xml", styles)
        try zip.begin("word/document.xml")
        try zip.write(declaration + #"<w:document xmlns:w="\#(namespace)"><w:body>"#)
        try zip.write(paragraph(style: "Title", [.init(document.title)]))
        for block in document.blocks {
            switch block {
            case .heading(let level, let text):
                try zip.write(paragraph(style: level <= 1 ? "Heading1" : "Heading2", [.init(text)]))
            case .paragraph(let runs):
                try zip.write(paragraph(style: nil, runs))
            case .table(let header, let rows):
                try zip.write(table(header: header, rows: rows))
            }
        }
        // A4 portrait with the margins of GB/T 9704 (37 mm top, 28 mm left, 26 mm right, 35 mm bottom).
        try zip.write(#"<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>"#)
        try zip.write("</w:body></w:document>")
        try zip.end()
        try zip.finish()
    }

    static let namespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    static let declaration = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"

    static func paragraph(style: String?, _ runs: [ReportDocument.Run]) -> String {
        var xml = "<w:p>"
        if let style { xml += #"<w:pPr><w:pStyle w:val="\#(style)"/></w:pPr>"# }
        for run in runs { xml += self.run(run) }
        return xml + "</w:p>"
    }

    /// One run; line breaks inside the text become `<w:br/>`, tabs `<w:tab/>`.
    static func run(_ run: ReportDocument.Run) -> String {
        var xml = "<w:r>" + (run.bold ? "<w:rPr><w:b/></w:rPr>" : "")
        let lines = run.text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if index > 0 { xml += "<w:br/>" }
            let pieces = line.split(separator: "\t", omittingEmptySubsequences: false)
            for (p, piece) in pieces.enumerated() {
                if p > 0 { xml += "<w:tab/>" }
                if !piece.isEmpty { xml += #"<w:t xml:space="preserve">"# + XMLText.escape(String(piece)) + "</w:t>" }
            }
        }
        return xml + "</w:r>"
    }

    static func table(header: [String], rows: [[String]]) -> String {
        let columns = max(header.count, rows.map(\.count).max() ?? 0, 1)
        let border = #"w:val="single" w:sz="4" w:space="0" w:color="000000""#
        var xml = "<w:tbl><w:tblPr>"
        xml += #"<w:tblW w:w="5000" w:type="pct"/>"#
        xml += "<w:tblBorders><w:top \(border)/><w:left \(border)/><w:bottom \(border)/><w:right \(border)/><w:insideH \(border)/><w:insideV \(border)/></w:tblBorders>"
        xml += #"<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>"#
        xml += "</w:tblPr><w:tblGrid>"
        let width = 9000 / columns
        for _ in 0..<columns { xml += #"<w:gridCol w:w="\#(width)"/>"# }
        xml += "</w:tblGrid>"
        func row(_ cells: [String], header: Bool) -> String {
            var xml = "<w:tr>" + (header ? "<w:trPr><w:tblHeader/></w:trPr>" : "")
            for index in 0..<columns {
                let text = index < cells.count ? cells[index] : ""
                // Every cell needs a paragraph, even an empty one.
                xml += #"<w:tc><w:tcPr><w:tcW w:w="\#(width)" w:type="dxa"/></w:tcPr>"#
                    + paragraph(style: "TableText", [.init(text, bold: header)]) + "</w:tc>"
            }
            return xml + "</w:tr>"
        }
        if !header.isEmpty { xml += row(header, header: true) }
        for cells in rows { xml += row(cells, header: false) }
        // Word merges two tables that touch; an empty paragraph keeps them apart.
        return xml + "</w:tbl><w:p/>"
    }

    static let styles = declaration + """
        <w:styles xmlns:w="\(namespace)">\
        <w:docDefaults><w:rPrDefault><w:rPr>\
        <w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="仿宋_GB2312" w:cs="Times New Roman"/>\
        <w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/>\
        </w:rPr></w:rPrDefault>\
        <w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="560" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults>\
        <w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>\
        <w:pPr><w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/></w:pPr></w:style>\
        <w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>\
        <w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/><w:spacing w:before="240" w:after="240" w:line="240" w:lineRule="auto"/></w:pPr>\
        <w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr></w:style>\
        <w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>\
        <w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr>\
        <w:rPr><w:rFonts w:eastAsia="黑体"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>\
        <w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>\
        <w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr>\
        <w:rPr><w:rFonts w:eastAsia="楷体_GB2312"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>\
        <w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:qFormat/>\
        <w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="left"/><w:spacing w:line="240" w:lineRule="auto"/></w:pPr>\
        <w:rPr><w:sz w:val="24"/><w:szCs w:val="24"/></w:rPr></w:style>\
        </w:styles>
        """
}
