@testable import DubanLedger
import Foundation
import Testing

@Suite struct XMLScannerTests {
    func tokens(_ xml: String) throws -> [String] {
        var scanner = XMLScanner(Array(xml.utf8))
        var out: [String] = []
        while let token = try scanner.next() {
            switch token {
            case .start(let name, let attributes, let selfClosing):
                out.append("<\(name)\(attributes.map { " \($0.name)=\($0.value)" }.joined())\(selfClosing ? "/" : "")>")
            case .end(let name): out.append("</\(name)>")
            case .text(let range):
                let text = try scanner.text(range)
                if !text.allSatisfy(\.isWhitespace) { out.append(text) }
            }
        }
        return out
    }

    @Test func prefixesEntitiesCDATAAndComments() throws {
        let xml = """
            <?xml version="1.0"?><!-- a comment --><x:sst xmlns:x="urn"><x:si a='1' r:id="r&amp;2"><x:t>&lt;b&gt; &#x4E2D;&#25991; &quot;</x:t></x:si><e/><![CDATA[<raw>]]></x:sst>
            """
        #expect(try tokens(xml) == ["<sst x=urn>", "<si a=1 id=r&2>", "<t>", "<b> 中文 \"", "</t>", "</si>", "<e/>", "<raw>", "</sst>"])
    }

    @Test(arguments: [
        ("<!DOCTYPE x [<!ENTITY a \"b\">]><x/>", "DOCTYPE"),
        ("<a><b></a>", "does not match"),
        ("<a>", "ends inside <a>"),
        ("<a>&bogus;</a>", "unknown entity"),
        ("<a b=c/>", "not quoted"),
        ("<a", "unterminated"),
    ])
    func malformedInputIsAnErrorWithALine(xml: String, expected: String) {
        #expect { try tokens(xml) } throws: { error in
            "\(error)".contains(expected) && "\(error)".contains("line 1")
        }
    }

    @Test func aSheetThatBreaksOffKeepsTheRowsBeforeIt() {
        let xml = """
            <worksheet><sheetData>
            <row r="1"><c r="A1" t="inlineStr"><is><t>ok</t></is></c></row>
            <row r="2"><c r="A2" t="inlineStr"><is><t>cut
            """
        let result = WorksheetParser(context: .init(sharedStrings: [], dateStyles: [], dateSystem: .from1900)).parse(Data(xml.utf8))
        #expect(result.rows[1] == [.text("ok")])
        #expect(result.failure?.line == 3)
    }
}
