import DubanCore
@testable import DubanLedger
import Testing

@Suite struct CheckpointParserTests {
    let parser = CheckpointParser(reference: feedback)

    @Test func severalPairsInOneCell() {
        let parsed = parser.parse("2026-12-15 方案完成；2027-01-15 试运行评估")
        #expect(parsed.problems.isEmpty)
        #expect(parsed.checkpoints == [
            Checkpoint(date: date("2026-12-15"), label: "方案完成"),
            Checkpoint(date: date("2027-01-15"), label: "试运行评估"),
        ])
    }

    @Test func labelFirstAndLineBreaksAndColons() {
        let parsed = parser.parse("方案完成：2026年10月15日\n2026年11月底前 完成复核")
        #expect(parsed.checkpoints == [
            Checkpoint(date: date("2026-10-15"), label: "方案完成"),
            Checkpoint(date: date("2026-11-30"), label: "完成复核"),
        ])
    }

    @Test func badItemIsReportedAndGoodOnesKept() {
        let parsed = parser.parse("2026-07-15 方案；某天 试点")
        #expect(parsed.checkpoints == [Checkpoint(date: date("2026-07-15"), label: "方案")])
        #expect(parsed.problems.count == 1)
        #expect(parsed.problems[0].contains("某天 试点"))
    }
}
