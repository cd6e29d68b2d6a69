import DubanCore
@testable import DubanLedger
import Foundation
import Testing

/// Issue 13: the 台账异常 only the stored snapshots show. Each read is the
/// same real file rewritten, as an office edits its ledger week by week.
@Suite struct LedgerHistoryTests {
    static let header = "序号,任务编号,整改措施,责任部门,责任人,整改时限,完成情况,完成日期,佐证材料\n"

    /// Reads of one ledger file: `(day, rows)` in order; the last is the current read.
    func compare(_ reads: [(String, String)], header: String = header) throws -> [LedgerAnomaly] {
        let file = try temporaryFile("ledger.csv", Data())
        var trail = LedgerTrail(upTo: date(reads.last!.0))
        for (day, rows) in reads.dropLast() {
            trail.add(day: date(day), try LedgerAnomalyTests.read(rows, header: header, at: file))
        }
        let current = try LedgerAnomalyTests.read(reads.last!.1, header: header, at: file)
        return LedgerHistory.compare(trail, current: current)
    }

    @Test func aCompletionDateBeforeAReadThatShowedTheTaskOpenIsBackDated() throws {
        let found = try compare([
            ("2026-06-01", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-06-15", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-06-22", "1,T1,措施,办公室,张伟,2026-06-30,已完成,2026-06-10,报告\n"),
        ])
        try #require(found.map(\.kind) == [.backDated], "\(found)")
        #expect(found[0].location.row == 2 && found[0].location.column == 8)
        #expect(found[0].message.contains("完成日期 2026-06-10 is earlier than the read of 2026-06-15, when the task was still 整改中"))
    }

    /// Near-misses: completed after the last open read, or on the very day of it
    /// (the read came first that morning).
    @Test(arguments: ["2026-06-16", "2026-06-15"])
    func aCompletionOnOrAfterTheLastOpenReadIsNotBackDated(completed: String) throws {
        let found = try compare([
            ("2026-06-15", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-06-22", "1,T1,措施,办公室,张伟,2026-06-30,已完成,\(completed),报告\n"),
        ])
        #expect(found.isEmpty, "\(found)")
    }

    @Test func aDoneTaskOpenAgainIsReopened() throws {
        let found = try compare([
            ("2026-06-01", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-06-08", "1,T1,措施,办公室,张伟,2026-06-30,已完成,2026-06-05,报告\n"),
            ("2026-06-15", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
        ])
        try #require(found.map(\.kind) == [.reopened], "\(found)")
        #expect(found[0].location.column == 7)
        #expect(found[0].message.contains("was 已完成 in the read of 2026-06-08 and is 整改中 again now"))
    }

    /// Near-misses: done moving on (已完成 → 已验收 → 已销号), and an open task staying open.
    @Test func movingForwardOrStayingOpenIsNotReopening() throws {
        let found = try compare([
            ("2026-06-01", "1,T1,措施,办公室,张伟,2026-06-30,已完成,2026-05-30,报告\n2,T2,措施,办公室,张伟,2026-06-30,未整改,,\n"),
            ("2026-06-08", "1,T1,措施,办公室,张伟,2026-06-30,已验收,2026-05-30,报告\n2,T2,措施,办公室,张伟,2026-06-30,整改中,,\n"),
        ])
        #expect(found.isEmpty, "\(found)")
    }

    @Test func aRowThatDisappearedIsNamedWhereItWas() throws {
        let found = try compare([
            ("2026-06-01", "1,T1,措施一,办公室,张伟,2026-06-30,整改中,,\n1,T2,措施二,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-06-08", "1,T1,措施一,办公室,张伟,2026-06-30,整改中,,\n"),
        ])
        try #require(found.map(\.kind) == [.disappeared], "\(found)")
        #expect(found[0].task == TaskID("T2") && found[0].location.row == 3 && found[0].location.column == 2)
        #expect(found[0].message.contains("the row (措施二) was in the ledger at the read of 2026-06-01 and is gone now"))
    }

    /// Two reads on one day put different ids at the same row. Gone rows that
    /// tie on day and row are listed by id, not in the order of a dictionary
    /// (which follows the process's random hash seed).
    @Test func rowsGoneFromTheSameDayAndRowAreListedByID() throws {
        let ids = (10..<40).map { "T\($0)" }
        let reads = ids.map { ("2026-06-01", "1,\($0),措施\($0),办公室,张伟,2026-06-30,整改中,,\n") }
        let found = try compare(reads + [("2026-06-08", "1,T00,措施,办公室,张伟,2026-06-30,整改中,,\n")])
        try #require(found.count == ids.count && found.allSatisfy { $0.kind == .disappeared }, "\(found)")
        #expect(found.map { $0.task?.rawValue ?? "" } == ids)
    }

    /// Near-miss: without a 任务编号, editing a measure gives the task a new
    /// derived id; that is an edit (check reports it as one), not a deleted row.
    @Test func anEditedTaskWithADerivedIDHasNotDisappeared() throws {
        let header = "序号,问题描述,整改措施,责任部门,责任人,整改时限,完成情况\n"
        let found = try compare([
            ("2026-06-01", "1,问题,措施一,办公室,张伟,2026-06-30,整改中\n"),
            ("2026-06-08", "1,问题,措施一（修订）,办公室,张伟,2026-06-30,整改中\n"),
        ], header: header)
        #expect(found.isEmpty, "\(found)")
    }

    /// The daemon replaces its last good read on every re-read: by the next
    /// digest the edited task's new id is already in history, and the old id
    /// is only in last week's digest read. Still an edit, not a deleted row.
    @Test func anEditSeenByTheLastGoodReadIsStillNotADeletedRow() throws {
        let header = "序号,问题描述,整改措施,责任部门,责任人,整改时限,完成情况\n"
        let found = try compare([
            ("2026-06-01", "1,问题,措施一,办公室,张伟,2026-06-30,整改中\n"),
            ("2026-06-03", "1,问题,措施一（修订）,办公室,张伟,2026-06-30,整改中\n"),
            ("2026-06-08", "1,问题,措施一（修订）,办公室,张伟,2026-06-30,整改中\n"),
        ], header: header)
        #expect(found.isEmpty, "\(found)")
    }

    /// One new task is the edit of one old task: of two gone tasks of the same
    /// problem and officer, the other one was deleted.
    @Test func oneEditedTaskAccountsForOneGoneTaskOnly() throws {
        let header = "序号,问题描述,整改措施,责任部门,责任人,整改时限,完成情况\n"
        let found = try compare([
            ("2026-06-01", "1,问题,措施一,办公室,张伟,2026-06-30,整改中\n1,问题,措施二,办公室,张伟,2026-06-30,整改中\n"),
            ("2026-06-08", "1,问题,措施三,办公室,张伟,2026-06-30,整改中\n"),
        ], header: header)
        #expect(found.map(\.kind) == [.disappeared], "\(found)")
    }

    /// Two tasks with a blank 责任人 are not the same person's task: with a
    /// different measure, the old one was deleted, not edited.
    @Test func aBlankOfficerIsNoSameOfficer() throws {
        let header = "序号,问题描述,整改措施,责任部门,责任人,整改时限,完成情况\n"
        let found = try compare([
            ("2026-06-01", "1,问题,措施一,办公室,,2026-06-30,整改中\n"),
            ("2026-06-08", "1,问题,措施二,办公室,,2026-06-30,整改中\n"),
        ], header: header)
        #expect(found.map(\.kind) == [.disappeared], "\(found)")
    }

    /// A readable file whose rows are all gone is one finding for the file,
    /// not one per row.
    @Test func aFileWhoseRowsAllVanishedIsOneFinding() throws {
        let found = try compare([
            ("2026-06-01", "1,T1,措施一,办公室,张伟,2026-06-30,整改中,,\n1,T2,措施二,办公室,张伟,2026-06-30,整改中,,\n1,T3,措施三,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-06-08", ""),
        ])
        try #require(found.count == 1, "\(found)")
        #expect(found[0].kind == .disappeared && found[0].task == nil)
        #expect(found[0].message.contains("all 3 rows"), "\(found[0].message)")
    }

    /// A deadline mistyped for a week and then fixed has not moved at all.
    @Test func aDeadlineTypoLaterFixedIsNoMove() throws {
        let found = try compare([
            ("2026-05-01", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-05-08", "1,T1,措施,办公室,张伟,2026-06-3O,整改中,,\n"),
            ("2026-05-15", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-05-22", "1,T1,措施,办公室,张伟,,整改中,,\n"),
            ("2026-06-01", "1,T1,措施,办公室,张伟,2026-07-31,整改中,,\n"),
        ])
        #expect(found.isEmpty, "\(found)")
    }

    /// Near-miss: a file that could not be read this time has not lost its rows.
    @Test func anUnreadableFileHasNotLostItsRows() throws {
        let file = try temporaryFile("ledger.csv", Data())
        let before = try LedgerAnomalyTests.read("1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n", at: file)
        try FileManager.default.removeItem(at: file)
        let now = LedgerLoader(feedbackDate: feedback).load([file], people: PeopleDirectory())
        #expect(now.tasks.isEmpty && now.diagnostics.errorCount == 1)
        var trail = LedgerTrail(upTo: date("2026-06-08"))
        trail.add(day: date("2026-06-01"), before)
        #expect(LedgerHistory.compare(trail, current: now).isEmpty)
    }

    @Test func aDeadlineMovedTwiceIsListedWithEachStep() throws {
        let found = try compare([
            ("2026-05-01", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-05-08", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-06-01", "1,T1,措施,办公室,张伟,2026-07-31,整改中,,\n"),
            ("2026-07-01", "1,T1,措施,办公室,张伟,2026-09-30,整改中,,\n"),
        ])
        try #require(found.map(\.kind) == [.deadlineMovedAgain], "\(found)")
        #expect(found[0].location.column == 6)
        #expect(found[0].message.contains("整改时限 has changed 2 times: 2026-06-30 (read 2026-05-01) → 2026-07-31 (read 2026-06-01) → 2026-09-30 (now)"))
    }

    /// Near-misses: moved once; and the same date written another way is no move.
    @Test func aDeadlineMovedOnceOrRewordedIsNotMovedAgain() throws {
        let found = try compare([
            ("2026-05-01", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-06-01", "1,T1,措施,办公室,张伟,2026年6月30日,整改中,,\n"),
            ("2026-07-01", "1,T1,措施,办公室,张伟,2026-09-30,整改中,,\n"),
        ])
        #expect(found.isEmpty, "\(found)")
    }

    /// A read dated after today (a preview replayed at an earlier date) is not history.
    @Test func aReadAfterTodayIsIgnored() throws {
        let found = try compare([
            ("2026-06-20", "1,T1,措施,办公室,张伟,2026-06-30,整改中,,\n"),
            ("2026-06-10", "1,T1,措施,办公室,张伟,2026-06-30,已完成,2026-06-05,报告\n"),
        ])
        #expect(found.isEmpty, "\(found)")
    }
}
