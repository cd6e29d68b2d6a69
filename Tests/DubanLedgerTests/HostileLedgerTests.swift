import DubanCore
@testable import DubanLedger
import Foundation
import Testing
import ZIPFoundation

/// Ledgers written to hurt: every one gets a clear diagnostic or is read
/// as plain text, and nothing crashes.
@Suite struct HostileLedgerTests {
    let loader = LedgerLoader(feedbackDate: feedback)

    func csv(_ text: String) throws -> URL { try temporaryFile("hostile.csv", Data(text.utf8)) }

    @Test func controlCharactersAndMarkupStayInsideTheirCells() throws {
        let url = try csv("序号,任务编号,整改措施,责任人,责任人邮箱,整改时限\n"
            + "1,H-1,\"<script>alert(1)</script>{{org}}\r\nBcc: evil@example.org\",\"张\u{0}伟\nBcc: x@y.z\",\"a@b.org\r\nBcc: evil@example.org\",2026-06-30\n")
        let snapshot = loader.load(url)
        let task = try #require(snapshot.tasks.first)
        // Kept verbatim as data (escaping is the mail's job); the bad address is refused.
        #expect(task.measure.contains("<script>") && task.measure.contains("\r\nBcc:"))
        #expect(task.officer?.email == nil)
        #expect(snapshot.diagnostics.contains { $0.message.contains("not a valid email address") && $0.location.column == 5 })
    }

    @Test(arguments: ["99999-01-01", "0000-00-00", "2026-13-45", "1900年2月29日", "2026-02-29", "９９９９年９月９日", "-1", "1e308"])
    func absurdDatesAreReportedNotGuessed(text: String) throws {
        let snapshot = loader.load(try csv("序号,整改措施,整改时限\n1,措施,\(text)\n"))
        #expect(snapshot.tasks.count == 1)
        #expect(snapshot.tasks[0].deadline == .unparsed(text))
        #expect(snapshot.diagnostics.contains { $0.severity == .error && $0.location.row == 2 && $0.location.column == 3 })
    }

    @Test func aHundredThousandCharacterCellAndTenThousandColumns() throws {
        let huge = String(repeating: "整", count: 100_000)
        let wide = (0..<10_000).map { "c\($0)" }.joined(separator: ",")
        let url = try csv("序号,整改措施,整改时限," + wide + "\n1,\(huge),2026-06-30," + wide + "\n")
        let snapshot = loader.load(url)
        #expect(snapshot.tasks.first?.measure.count == 100_000)
        #expect(snapshot.diagnostics.errorCount == 0)
    }

    @Test func formulasAreReadAsTheirCachedValue() throws {
        let url = try makeWorkbook(sheet: """
            <row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c><c r="B1" t="inlineStr"><is><t>整改措施</t></is></c><c r="C1" t="inlineStr"><is><t>整改时限</t></is></c></row>
            <row r="2"><c r="A2"><f>1+0</f><v>1</v></c><c r="B2" t="str"><f>HYPERLINK("http://x","y")</f><v>=cmd|'/c calc'!A1</v></c><c r="C2" t="str"><f>TEXT(46203,"yyyy-mm-dd")</f><v>2026-06-30</v></c></row>
            """)
        let snapshot = loader.load(url)
        #expect(snapshot.tasks.first?.measure == "=cmd|'/c calc'!A1")   // text, never evaluated
        #expect(snapshot.tasks.first?.deadline == .by(date("2026-06-30")))
    }

    @Test func aDoctypeOrEntityBombIsRefused() throws {
        let url = try makeWorkbook(sheet: "", prefix: "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>")
        let snapshot = loader.load(url)
        #expect(snapshot.tasks.isEmpty)
        #expect(snapshot.diagnostics.contains { $0.message.contains("DOCTYPE") })
    }

    @Test func aTruncatedSheetKeepsItsGoodRowsAndSaysWhere() throws {
        let url = try makeWorkbook(sheet: """
            <row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c><c r="B1" t="inlineStr"><is><t>整改措施</t></is></c><c r="C1" t="inlineStr"><is><t>整改时限</t></is></c></row>
            <row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>好的</t></is></c><c r="C2" t="inlineStr"><is><t>2026-06-30</t></is></c></row>
            <row r="3"><c r="A3"><v>2</v></c><c r="B3" t="inlineStr"><is><t>断了
            """, close: false)
        let snapshot = loader.load(url)
        #expect(snapshot.tasks.map(\.measure).first == "好的")
        #expect(snapshot.diagnostics.contains { $0.severity == .error && $0.message.contains("damaged") && $0.message.contains("line") })
    }

    /// A minimal workbook around the given sheet XML.
    func makeWorkbook(sheet: String, prefix: String = "", close: Bool = true) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).xlsx")
        let archive = try Archive(url: url, accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("xl/workbook.xml", #"<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#)
        try add("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#)
        try add("xl/worksheets/sheet1.xml", prefix + "<worksheet><sheetData>" + sheet + (close ? "</sheetData></worksheet>" : ""))
        return url
    }
}
