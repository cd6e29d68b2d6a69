import DubanCore
import DubanLedger
import Foundation
import Testing

/// Deadlines as officials write them (issue 13): relative to the feedback date (2026-03-15),
/// in two stages, and with Chinese numerals.
@Suite struct OfficialDeadlineFormTests {
    let parser = DeadlineParser(reference: feedback)

    @Test(arguments: [
        ("3个月内", "2026-06-15"),       // the same day three months later
        ("三个月内", "2026-06-15"),
        ("3个月内完成", "2026-06-15"),
        ("半年内", "2026-09-15"),
        ("1年内", "2027-03-15"),
        ("30日内", "2026-04-14"),        // that many calendar days later
        ("90天内", "2026-06-13"),
        ("六月底前", "2026-06-30"),      // Chinese numerals in months …
        ("十二月底前", "2026-12-31"),
        ("十一月三十日前", "2026-11-30"),
        ("二〇二六年底前", "2026-12-31"), // … and years read digit by digit
        ("二〇二六年九月底前完成", "2026-09-30"),
    ])
    func relativeAndChineseNumerals(text: String, expected: String) {
        let parsed = parser.parse(text)
        #expect(parsed.deadline == .by(date(expected)), "\(text)")
        #expect(parsed.problem == nil)
    }

    @Test func twoStagesMakeACheckpointAndTheDeadline() {
        let parsed = parser.parse("2026年6月30日前完成初步整改，年底前全面完成")
        #expect(parsed.deadline == .by(date("2026-12-31")))
        #expect(parsed.stages == [Checkpoint(date: date("2026-06-30"), label: "初步整改")])
        #expect(parsed.problem == nil)
    }

    @Test func threeStagesWithRelativeDates() {
        let parsed = parser.parse("3个月内完成整改方案；半年内基本完成，2026年底前全面完成")
        #expect(parsed.deadline == .by(date("2026-12-31")))
        #expect(parsed.stages.map(\.date) == [date("2026-06-15"), date("2026-09-15")])
        #expect(parsed.stages.map(\.label) == ["整改方案", "基本完成"])
    }

    // Near misses stay errors: kept verbatim, with a reason, never half read.
    @Test(arguments: [
        "2026年6月30日前，2026年7月31日前",           // two dates, no stage named
        "2026年12月31日前全面完成，2026年6月30日前完成初步整改",  // stages out of order
        "三个月",                                    // a duration without 内 is not a deadline
        "0个月内",
        "15个月以后",
    ])
    func nearMisses(text: String) {
        let parsed = parser.parse(text)
        #expect(parsed.deadline == .unparsed(text))
        #expect(parsed.problem?.isEmpty == false)
        #expect(parsed.stages.isEmpty)
    }

    @Test func relativeNeedsTheFeedbackDate() {
        let parsed = DeadlineParser(reference: nil).parse("3个月内")
        #expect(parsed.deadline == .unparsed("3个月内"))
        #expect(parsed.problem?.contains("feedback_date") == true)
    }

    // A two-stage cell in a real CSV ledger: the first stage is a checkpoint of the task.
    @Test func stagesReachTheTaskCheckpoints() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-stages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("ledger.csv")
        try "序号,问题描述,整改措施,责任部门,责任人,整改时限,整改状态\n1,问题,措施,办公室,张伟,2026年6月30日前完成初步整改，年底前全面完成,整改中\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let snapshot = LedgerLoader(sheet: nil, columns: [:], feedbackDate: feedback).load([file], people: PeopleDirectory())
        let task = try #require(snapshot.tasks.first)
        #expect(task.deadline == .by(date("2026-12-31")))
        #expect(task.checkpoints == [Checkpoint(date: date("2026-06-30"), label: "初步整改")])
        #expect(snapshot.diagnostics.filter { $0.severity == .error }.isEmpty)
    }
}
