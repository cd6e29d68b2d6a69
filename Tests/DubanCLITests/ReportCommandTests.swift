import DubanTesting
import Foundation
import Testing

/// `duban report` on the example ledger. Figures worked out by hand from
/// config/examples/ledger.xlsx at 2026-07-08: 3 problems, of which problem 2
/// is rectified (T2-1 closed, T2-2 accepted); 7 tasks; done T1-2, T2-1,
/// T2-2; 长期坚持 T1-3; completion rate 3 ÷ 6; overdue T1-1 (due 06-30).
@Suite struct ReportCommandTests {
    @Test func draftsTheReportAsHTMLAndDOCX() throws {
        let (config, folder) = try isolatedExampleConfig()
        let out = folder.appendingPathComponent("reports")
        let result = try DubanProcess.run(["report", "--config", config, "--at", "2026-07-08T10:00", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("report 2026-07-08: 3 problems (1 rectified), 7 tasks, 3 done, completion rate 50.0%, 1 overdue"))
        let html = try String(contentsOf: out.appendingPathComponent("stage-report-2026-07-08.html"), encoding: .utf8)
        let docx = out.appendingPathComponent("stage-report-2026-07-08.docx")

        #expect(try htmlProblems(html) == [])
        let sections = ["一、总体情况", "二、问题整改情况", "三、长效机制建设", "四、下一步打算"]
        #expect(html.components(separatedBy: "<h2>").dropFirst().map { String($0.prefix { $0 != "<" }) } == sections)
        // The quote in problem 2's description is escaped in the HTML.
        #expect(html.contains("（二）问题2：公务接待超标准，&quot;陪餐&quot;人数超规定"))

        let text = try String(contentsOf: try convertWithLibreOffice(docx, to: "txt:Text"), encoding: .utf8)
        let lines = text.replacingOccurrences(of: "\u{FEFF}", with: "").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.first == "2026年巡察反馈问题整改情况报告")
        #expect(sections.map { lines.firstIndex(of: $0) ?? -1 } == sections.map { lines.firstIndex(of: $0) ?? -1 }.sorted())
        #expect(!sections.contains { !lines.contains($0) })
        #expect(text.contains("共涉及反馈问题3个，细化整改措施7项"))
        #expect(text.contains("整改完成率50.0%"))
        #expect(text.contains("其中逾期未完成1项"))
        #expect(lines.contains("（一）问题1：理论学习中心组学习流于形式，学用脱节"))
        #expect(lines.contains("责任部门：党委办公室；整改时限：2026-06-30；整改状态：整改中（逾期8天）"))
        #expect(lines.contains("整改成效：2026-03-25完成，2026-03-28通过验收，2026-03-31销号。"))
        // 下一步打算 lists the open items by date: T1-1 (06-30), T3-2 (09-30), T3-1 (12-31).
        let next = try #require(lines.firstIndex(of: "四、下一步打算"))
        let order = ["制定年度理论学习计划", "建立档案审核责任制，明确", "专项审核干部人事档案"].map { item in
            lines[next...].firstIndex { $0.hasPrefix(item) } ?? -1
        }
        #expect(order.allSatisfy { $0 > next } && order == order.sorted(), "\(order)")

        // Headings are Word headings: LibreOffice makes h1 of the sections and h2 of the problems.
        let converted = try String(contentsOf: try convertWithLibreOffice(docx, to: "html"), encoding: .utf8)
        #expect(converted.components(separatedBy: "<h1").count - 1 == 4)
        #expect(converted.components(separatedBy: "<h2").count - 1 == 3)

        // A second draft the same day never overwrites the first.
        let again = try DubanProcess.run(["report", "--config", config, "--at", "2026-07-08T11:00", "--out", out.path])
        #expect(again.status == 0)
        #expect(again.stdout.contains("stage-report-2026-07-08-2.docx"))
        #expect(try String(contentsOf: out.appendingPathComponent("stage-report-2026-07-08.html"), encoding: .utf8) == html)
    }
}
