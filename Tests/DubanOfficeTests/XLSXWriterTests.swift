import DubanCore
import DubanLedger
@testable import DubanOffice
import DubanTesting
import Foundation
import Testing

@Suite struct XLSXWriterTests {
    /// openpyxl sees the header in bold, the pane frozen below it, the
    /// column widths, dates as dates with a date format, numbers as numbers,
    /// and hostile text exactly (markup, quotes, formulas as text) or, for
    /// characters XML forbids, as visible Control Pictures.
    @Test func openpyxlReadsTheWorkbook() throws {
        let url = try temporaryFile("t.xlsx")
        let writer = try XLSXWriter(creating: url, sheet: "督办记录",
                                    columns: [.init("任务", width: 12), .init("日期", width: 14), .init("时间", width: 20), .init("数", width: 8), .init("文本", width: 40)])
        try writer.append([.text("T1-1"), .date(LocalDate("2026-06-30")!), .dateTime(LocalDate("2026-07-01")!, secondsIntoDay: 9 * 3600 + 30 * 60 + 5),
                           .number(3), .text("<script>alert(1)</script> & \"引号\"")])
        try writer.append([.text("T1-2"), .empty, .empty, .number(2.5), .text("=1+1")])
        try writer.append([.text("T1-3"), .date(LocalDate("1900-01-15")!), .empty, .empty, .text("bell\u{07}  两端空格  \n第二行")])
        try writer.append([.text("T1-1")])
        try writer.finish()

        let book = try readWithOpenpyxl(url)
        #expect(book.crc_error == nil)
        #expect(book.sheets == ["督办记录"])
        #expect(book.freeze == "A2")
        #expect(book.widths["A"] == 12 && book.widths["E"] == 40)
        #expect(book.header_bold == [true, true, true, true, true])
        #expect(book.parts.values.allSatisfy { $0 == 8 }, "every part deflated: \(book.parts)")
        #expect(Set(book.parts.keys).isSuperset(of: ["xl/sharedStrings.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"]))
        #expect(book.rows.count == 5)
        #expect(book.rows[0] == [.text("任务"), .text("日期"), .text("时间"), .text("数"), .text("文本")])
        #expect(book.rows[1] == [.text("T1-1"), .date("2026-06-30T00:00:00"), .date("2026-07-01T09:30:05"), .number(3),
                                 .text("<script>alert(1)</script> & \"引号\"")])
        #expect(book.formats[1][1] == "yyyy-mm-dd")
        #expect(book.formats[1][2] == "yyyy-mm-dd hh:mm:ss")
        // A formula-looking text stays text: shared strings are never evaluated.
        #expect(book.rows[2] == [.text("T1-2"), .empty, .empty, .number(2.5), .text("=1+1")])
        // Before 1900-03-01 Excel's serials are off by a day: such a date is written as text, not as a wrong date.
        #expect(book.rows[3] == [.text("T1-3"), .text("1900-01-15"), .empty, .empty, .text("bell\u{2407}  两端空格  \n第二行")])
        #expect(book.rows[4].first == .text("T1-1"))
    }

    /// A workbook with ledger headings, written by XLSXWriter, loads through
    /// Duban's own ledger reader as exactly the tasks the same ledger gives as
    /// CSV (an independent reader of the same content).
    @Test func duban_reads_a_written_ledger_as_the_same_tasks() throws {
        let headings = ["序号", "问题描述", "任务编号", "整改措施", "责任部门", "责任人", "责任人邮箱", "分管领导", "整改时限", "整改进展", "完成情况", "完成日期", "佐证材料"]
        // Deadlines as real dates, and as the words offices write.
        let rows: [[XLSXCell]] = [
            [.text("1"), .text("学习流于形式"), .text("T1-1"), .text("制定计划"), .text("党委办公室"), .text("张伟"), .text("zhang@example.org"),
             .text("李强"), .date(LocalDate("2026-06-30")!), .text("已起草，\"待审\""), .text("整改中"), .empty, .empty],
            [.text("1"), .text("学习流于形式"), .text("T1-2"), .text("建立台账,逐次记录"), .text("党委办公室"), .text("王芳"), .text("wang@example.org"),
             .text("李强"), .text("2026年底前，并长期坚持"), .text("已建立\n每月更新"), .text("已完成"), .date(LocalDate("2026-05-20")!), .text("台账.pdf")],
            [.text("2"), .text("接待超标"), .text("T2-1"), .text("清退费用"), .text("财务处"), .text("陈静"), .text("chen@example.org"),
             .text("赵敏"), .text("立行立改"), .empty, .text("已销号"), .date(LocalDate("2026-03-25")!), .empty],
            [.text("3"), .text("档案不一致"), .text("T3-1"), .text("专项审核"), .text("组织部"), .text("刘洋"), .text("liu@example.org"),
             .text("赵敏"), .text("长期坚持"), .text("正在审核"), .text("长期坚持"), .empty, .empty],
        ]
        let folder = try temporaryFolder("ledger")
        let xlsx = folder.appendingPathComponent("ledger.xlsx")
        let writer = try XLSXWriter(creating: xlsx, sheet: "整改台账", columns: headings.map { .init($0, width: 12) })
        for row in rows { try writer.append(row) }
        try writer.finish()

        func csvField(_ cell: XLSXCell) -> String {
            let text: String
            switch cell {
            case .text(let t): text = t
            case .date(let d): text = d.description
            default: text = ""
            }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let csv = folder.appendingPathComponent("ledger.csv")
        try (([headings.map { csvField(.text($0)) }] + rows.map { $0.map(csvField) }).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n")
            .write(to: csv, atomically: true, encoding: .utf8)

        let loader = LedgerLoader(feedbackDate: LocalDate("2026-03-15"))
        // Only the file differs, and the row: a CSV row is numbered by its
        // physical line, so a cell with a line break shifts the rows after it.
        func normalised(_ snapshot: LedgerSnapshot) -> (tasks: [RectificationTask], problems: [Problem]) {
            let tasks = snapshot.tasks.map { task -> RectificationTask in
                var task = task
                task.source = SourceLocation(file: "ledger")
                return task
            }
            let problems = snapshot.problems.map { problem -> Problem in
                var problem = problem
                problem.source = SourceLocation(file: "ledger")
                return problem
            }
            return (tasks, problems)
        }
        let fromXLSX = loader.load(xlsx), fromCSV = loader.load(csv)
        #expect(fromXLSX.diagnostics.errorCount == 0, "\(fromXLSX.diagnostics)")
        #expect(fromCSV.diagnostics.errorCount == 0, "\(fromCSV.diagnostics)")
        #expect(fromXLSX.tasks.count == 4)
        #expect(normalised(fromXLSX).tasks == normalised(fromCSV).tasks)
        #expect(normalised(fromXLSX).problems == normalised(fromCSV).problems)
        // And what it read is what was written, not merely the same mistake twice.
        let first = try #require(fromXLSX.tasks.first)
        #expect(first.deadline == .by(LocalDate("2026-06-30")!))
        #expect(first.progress == "已起草，\"待审\"")
        #expect(fromXLSX.tasks[1].deadline == .byThenOngoing(LocalDate("2026-12-31")!))
        #expect(fromXLSX.tasks[1].completedOn == LocalDate("2026-05-20"))
        #expect(fromXLSX.tasks[1].measure == "建立台账,逐次记录")
        #expect(fromXLSX.tasks.map(\.status) == [.inProgress, .completed, .closed, .ongoing])
    }

    /// 100k rows: the file stays a few MB (strings shared, parts deflated)
    /// and Duban's reader gets every row back.
    @Test func hundredThousandRowsStaySmall() throws {
        let url = try temporaryFile("big.xlsx")
        let departments = ["党委办公室", "宣传部", "财务处", "组织部", "纪检监察室"]
        let writer = try XLSXWriter(creating: url, sheet: "tasks",
                                    columns: [.init("id", width: 10), .init("department", width: 14), .init("deadline", width: 12), .init("measure", width: 40)])
        for i in 0..<100_000 {
            try writer.append([.text("T\(i)"), .text(departments[i % 5]), .date(LocalDate("2026-06-30")!.adding(days: i % 200)),
                               .text("按期完成第\(i % 1000)项整改措施并报送佐证材料")])
        }
        try writer.finish()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        #expect(size < 4_000_000, "\(size) bytes")
        var count = 0
        var last: [Cell] = []
        let diagnostics = try XLSXReader().read(url, sheet: nil) { row in
            count += 1
            last = row.cells
        }
        #expect(diagnostics.isEmpty)
        #expect(count == 100_001)
        #expect(last == [.text("T99999"), .text("纪检监察室"), .date(LocalDate("2026-06-30")!.adding(days: 99_999 % 200)), .text("按期完成第999项整改措施并报送佐证材料")])
    }

    @Test func badSheetNamesAndRowsAreClearErrors() throws {
        let file = try temporaryFile("a.xlsx")
        do {
            _ = try XLSXWriter(creating: file, sheet: "a/b", columns: [.init("x", width: 5)])
            Issue.record("accepted a sheet name with /")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("a/b"))
        }
        let writer = try XLSXWriter(creating: try temporaryFile("b.xlsx"), sheet: "s", columns: [.init("x", width: 5)])
        do {
            try writer.append([.text("1"), .text("2")])
            Issue.record("accepted a row wider than the columns")
        } catch {
            #expect(error.message.contains("2 cells for 1 columns"))
        }
    }

    @Test(arguments: [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (16_383, "XFD")])
    func columnNames(index: Int, name: String) {
        #expect(XLSXWriter.columnName(index) == name)
    }
}

/// The writer appends sheet XML as bytes in place; before, it built a
/// String per cell reference and element. On random rows of every kind of
/// cell (texts repeated and not, markup, numbers integral and not, NaN,
/// dates before and after 1900-03-01, times out of range, empty and short
/// rows) both write the same file, byte for byte, across many flushes.
@Suite struct XLSXWriterEquivalenceTests {
    static func randomCell(_ rng: inout SeededRandom) -> XLSXCell {
        let words = ["整改", "T1-1", "<b>&amp;\"'", "", " 两端 ", "=1+1", "党委办公室", "bell\u{07}", "长文本" + String(repeating: "字", count: 40)]
        switch rng.next() % 9 {
        case 0: return .empty
        case 1, 2: return .text(words[Int(rng.next() % UInt64(words.count))])
        case 3: return .text("任务\(rng.next() % 100_000)")
        case 4: return .number(Double(Int(rng.next() % 20_000) - 10_000))
        case 5: return [.number(2.5), .number(-0.1), .number(1e16), .number(.nan), .number(-.infinity), .number(0)][Int(rng.next() % 6)]
        case 6: return .date(LocalDate("1899-12-01")!.adding(days: Int(rng.next() % 60_000)))
        case 7: return .dateTime(LocalDate("1900-01-01")!.adding(days: Int(rng.next() % 60_000)), secondsIntoDay: Int(rng.next() % 100_000) - 5_000)
        default: return .text(String(rng.next() % 1000))
        }
    }

    @Test(arguments: [1, 2, 3])
    func sameFileAsBuildingStrings(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed))
        let columns: [XLSXWriter.Column] = (0..<30).map { .init("列\($0)", width: Double($0 % 7) * 5) }
        let rows = (0..<3000).map { _ in (0..<Int(rng.next() % 31)).map { _ in Self.randomCell(&rng) } }
        let fast = try temporaryFile("fast.xlsx"), slow = try temporaryFile("slow.xlsx")
        let writer = try XLSXWriter(creating: fast, sheet: "整改任务", columns: columns)
        let reference = try ReferenceXLSXWriter(creating: slow, sheet: "整改任务", columns: columns)
        for row in rows {
            try writer.append(row)
            try reference.append(row)
        }
        try writer.finish()
        try reference.finish()
        let written = try Data(contentsOf: fast), expected = try Data(contentsOf: slow)
        #expect(written.count > 100_000)
        // Where they part, not a diff of two large byte strings (which Testing would try to compute).
        let firstDifference = zip(written, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(written.count == expected.count && firstDifference == nil,
                "\(written.count) bytes written, \(expected.count) expected, first difference at \(firstDifference.map(String.init) ?? "the end")")
    }

    @Test(arguments: [0, 7, 10, 99, 100, 12_345, -1, -10, Int.max, Int.min + 1])
    func decimalsAreWhatStringWrites(value: Int) {
        var bytes: [UInt8] = []
        XLSXWriter.appendDecimal(value, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == String(value))
    }
}
