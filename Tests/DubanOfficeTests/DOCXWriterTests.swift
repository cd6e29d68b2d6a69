import DubanCore
@testable import DubanOffice
import DubanTesting
import Foundation
import Testing

@Suite struct DOCXWriterTests {
    let document = ReportDocument(title: "整改情况报告", blocks: [
        .heading(level: 1, "一、总体情况"),
        .text("共涉及反馈问题3个。"),
        .heading(level: 2, "（一）问题1：<script>alert('x')</script> & 其他"),
        .labelled("整改进展：", "第一行\n第二行\u{07}"),
        .table(header: ["问题", "措施"], rows: [["1", "制定计划"], ["2", "清退 & 整改"]]),
        .heading(level: 1, "二、下一步打算"),
    ])

    /// Every part is well-formed XML, and LibreOffice reads the text back,
    /// hostile characters included, as text.
    @Test func libreOfficeReadsTheText() throws {
        let url = try temporaryFile("report.docx")
        try DOCXWriter.write(document, to: url)
        #expect(try malformedXMLParts(url) == [])
        let text = try String(contentsOf: try convertWithLibreOffice(url, to: "txt:Text"), encoding: .utf8)
        let lines = text.replacingOccurrences(of: "\u{FEFF}", with: "").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.first == "整改情况报告")
        for expected in ["一、总体情况", "共涉及反馈问题3个。", "（一）问题1：<script>alert('x')</script> & 其他", "整改进展：第一行",
                         "第二行\u{2407}", "制定计划", "清退 & 整改", "二、下一步打算"] {
            #expect(lines.contains(expected), "\(expected) missing from \(lines)")
        }
    }

    /// Headings are Word headings, not big bold text: LibreOffice turns
    /// them into h1/h2 when it converts the document to HTML, and the table
    /// into a table.
    @Test func headingsAreHeadings() throws {
        let url = try temporaryFile("report.docx")
        try DOCXWriter.write(document, to: url)
        let html = try String(contentsOf: try convertWithLibreOffice(url, to: "html"), encoding: .utf8)
        func texts(_ tag: String) -> [String] {
            html.components(separatedBy: "<\(tag)").dropFirst().map { piece in
                let inner = piece.drop(while: { $0 != ">" }).dropFirst()
                let content = inner.components(separatedBy: "</\(tag)>")[0]
                // LibreOffice wraps long lines; in HTML a line break is a space.
                return content.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
                    .replacingOccurrences(of: "\\s*\n\\s*", with: " ", options: .regularExpression)
                    .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                    .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&quot;", with: "\"")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        #expect(texts("h1") == ["一、总体情况", "二、下一步打算"])
        #expect(texts("h2") == ["（一）问题1：<script>alert('x')</script> & 其他"])
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("<table"))
    }

    /// The HTML rendering of the same document: balanced, script-free, the
    /// hostile heading shown as text.
    @Test func htmlIsBalancedAndEscaped() throws {
        let html = ReportHTML.render(document)
        #expect(try htmlProblems(html) == [])
        #expect(html.contains("<h3>（一）问题1：&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 其他</h3>"))
        #expect(html.contains("<p><b>整改进展：</b>第一行<br>第二行\u{2407}</p>"))
        #expect(html.contains("<td>清退 &amp; 整改</td>"))
    }
}
