import DubanCore
@testable import DubanLedger
import Foundation
import Testing

@Suite struct XLSXReaderTests {
    @Test func sampleWorkbookFillsMergesAndTypesDates() throws {
        let (rows, diagnostics) = try readRows(fixture("sample.xlsx"))
        #expect(diagnostics.isEmpty)
        let byNumber = Dictionary(uniqueKeysWithValues: rows.map { ($0.number, $0) })
        // Title merged across the sheet, header on row 3.
        #expect(byNumber[1]?[0].text == "XX单位巡察反馈问题整改台账")
        #expect(byNumber[3]?[0].text == "序号")
        // Problem 1 spans rows 4–6: 序号, 问题描述 and 分管领导 are filled down.
        for row in 4...6 {
            #expect(byNumber[row]?[0] == .number(1))
            #expect(byNumber[row]?[2].text == "理论学习中心组学习流于形式，学用脱节")
            #expect(byNumber[row]?[7].text == "李强")
        }
        // A date cell with a custom Chinese format, and one with built-in id 14.
        #expect(byNumber[4]?[8] == .date(date("2026-06-30")))
        #expect(byNumber[5]?[13] == .date(date("2026-05-20")))
        // Rich text runs are joined.
        #expect(byNumber[11]?[2].text == "干部档案审核不严，部分档案信息不一致")
        // The blank row between problems 2 and 3 is absent, not invented.
        #expect(byNumber[9] == nil)
    }

    @Test func handMadePartsEveryWriterProduces() throws {
        let (rows, diagnostics) = try readRows(fixture("handmade.xlsx"))
        #expect(diagnostics.isEmpty)
        #expect(rows.map(\.number) == [1, 2, 3])
        // The hidden first sheet is skipped; cells without `r` follow each other.
        #expect(rows[0].cells.map(\.text) == ["序号", "整改措施", "责任人", "整改时限", "中期检查点", "备注"])
        // Rich runs joined; a phonetic guide is not part of the value.
        #expect(rows[1][1].text == "落实“三重一大” & 制度")
        #expect(rows[1][2].text == "张伟")
        // Built-in format 31 and a custom [$-804] Chinese format are dates.
        #expect(rows[1][3] == .date(date("2026-06-30")))
        #expect(rows[1][4] == .date(date("2026-05-31")))
        #expect(rows[1][5] == .text("ab"))          // t="str": a formula's cached text
        #expect(rows[2][0] == .number(2))            // style 3 is a number format, not a date
        #expect(rows[2][1] == .text("检查公式"))
        #expect(rows[2][2] == .bool(true))
        #expect(rows[2][3] == .excelError("#N/A"))
        #expect(rows[2][5].text == "备注<b>")
    }

    @Test func chosenSheetByNameAndAClearErrorForAMissingOne() throws {
        let (rows, _) = try readRows(fixture("handmade.xlsx"), sheet: "隐藏")
        #expect(rows.first?[0].text == "hidden sheet")
        #expect { try readRows(fixture("sample.xlsx"), sheet: "台账2") } throws: { error in
            let message = (error as? TableReadError)?.message ?? ""
            return message.contains("台账2") && message.contains("\"整改台账\"") && message.contains("\"说明\"")
        }
    }

    @Test func date1904System() throws {
        let (rows, _) = try readRows(fixture("dates1904.xlsx"))
        #expect(rows[1][3] == .date(date("2026-06-30")))
    }

    @Test(arguments: [
        // (serial, system, expected) — Excel's own answers.
        (1.0, ExcelDateSystem.from1900, "1900-01-01"),
        (59.0, .from1900, "1900-02-28"),
        (61.0, .from1900, "1900-03-01"),
        (46203.75, .from1900, "2026-06-30"),   // a time of day is dropped
        (0.0, .from1904, "1904-01-01"),
        (44741.0, .from1904, "2026-06-30"),
    ])
    func serials(serial: Double, system: ExcelDateSystem, expected: String) {
        #expect(system.date(fromSerial: serial) == date(expected))
    }

    @Test func phantomLeapDayAndAbsurdSerialsAreNotDates() {
        #expect(ExcelDateSystem.from1900.date(fromSerial: 60) == nil)
        #expect(ExcelDateSystem.from1900.date(fromSerial: -1) == nil)
        #expect(ExcelDateSystem.from1900.date(fromSerial: 1e12) == nil)
        #expect(ExcelDateSystem.from1900.date(fromSerial: .nan) == nil)
    }

    @Test func dateFormatDetection() {
        #expect(NumberFormats.isDateFormat("yyyy-mm-dd"))
        #expect(NumberFormats.isDateFormat("yyyy\"年\"m\"月\"d\"日\""))
        #expect(NumberFormats.isDateFormat("[$-804]yyyy\"年\"m\"月\";@"))
        #expect(!NumberFormats.isDateFormat("h:mm"))
        #expect(!NumberFormats.isDateFormat("0.00;[Red]-0.00"))
        #expect(!NumberFormats.isDateFormat("\"day\" 0"))
        #expect(!NumberFormats.isDateFormat("General"))
        #expect(NumberFormats.isBuiltInDate(14) && NumberFormats.isBuiltInDate(31) && NumberFormats.isBuiltInDate(57))
        #expect(!NumberFormats.isBuiltInDate(2) && !NumberFormats.isBuiltInDate(45))
    }

    @Test func sharedStringIndexPastTheEndIsACellError() throws {
        let (rows, _) = try readRows(fixture("bad-index.xlsx"))
        guard case .invalid(let reason) = rows[1][2] else { Issue.record("expected an invalid cell, got \(rows[1][2])"); return }
        #expect(reason.contains("99") && reason.contains("3 strings"))
    }

    @Test(arguments: [
        ("truncated.xlsx", "truncated or damaged"),
        ("old.xls", "save it as .xlsx"),
        ("bomb.xlsx", "limit"),
    ])
    func unreadableFilesSayWhy(name: String, expected: String) {
        #expect { try readRows(fixture(name)) } throws: { error in
            let error = error as? TableReadError
            return error?.message.contains(expected) == true && error?.location.file.hasSuffix(name) == true
        }
    }

    @Test func mergeAcrossTheWholeGridStaysBounded() {
        var rows: [Int: [Cell]] = [1: [.text("标题")], 2: [.text("a"), .text("b")]]
        XLSXReader.fillMerges([CellRange("A1:XFD1048576")!], into: &rows)
        #expect(rows.count == 2)
        #expect(rows[2] == [.text("标题"), .text("标题")])
    }

    @Test func cellReferences() {
        #expect(CellReference("A1") == CellReference(column: 0, row: 1))
        #expect(CellReference("$AB$12") == CellReference(column: 27, row: 12))
        #expect(CellReference("XFE1") == nil)
        #expect(CellReference("A0") == nil)
        #expect(CellReference("1A") == nil)
    }
}
