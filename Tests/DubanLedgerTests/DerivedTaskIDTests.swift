import DubanCore
@testable import DubanLedger
import Foundation
import Testing

/// Ids of tasks in a ledger without 任务编号: tied to content, not position.
@Suite struct DerivedTaskIDTests {
    let loader = LedgerLoader(feedbackDate: feedback)
    let header = "序号,问题描述,整改措施,责任人,整改时限\n"

    func load(_ rows: String) throws -> LedgerSnapshot {
        loader.load(try temporaryFile("derived.csv", Data((header + rows).utf8)))
    }

    /// The fault: a task inserted above others took over the id (and so the
    /// reminder history) of the task that used to be there.
    @Test func insertingARowMovesNoTaskOntoAnother() throws {
        let before = try load("""
            1,学习不深入,制定学习计划,张伟,2026-06-30
            1,学习不深入,建立学习台账,王芳,2026-05-31
            2,接待超标,清退费用,陈静,2026-04-30

            """)
        let after = try load("""
            1,学习不深入,开展专题研讨,刘洋,2026-07-31
            1,学习不深入,制定学习计划,张伟,2026-06-30
            1,学习不深入,建立学习台账,王芳,2026-05-31
            2,接待超标,清退费用,陈静,2026-04-30

            """)
        let owner = { (snapshot: LedgerSnapshot) in Dictionary(uniqueKeysWithValues: snapshot.tasks.map { ($0.id, $0.officer?.name ?? "") }) }
        let old = owner(before), new = owner(after)
        // Every task that existed keeps its id, with the same officer; the new one has an id of its own.
        for (id, officer) in old { #expect(new[id] == officer, "\(id)") }
        #expect(Set(new.keys).subtracting(old.keys).map { new[$0] } == ["刘洋"])
        #expect(after.tasks.allSatisfy { !$0.idIsExplicit && $0.id.rawValue.hasPrefix("P\($0.problemNumber)-") })
        #expect(after.tasks[1].id.rawValue.count == "P1-".count + 8)
    }

    @Test func deletingARowMovesNoTaskOntoAnother() throws {
        let before = try load("1,学习不深入,甲,张伟,2026-06-30\n1,学习不深入,乙,王芳,2026-05-31\n1,学习不深入,丙,刘洋,2026-05-31\n")
        let after = try load("1,学习不深入,乙,王芳,2026-05-31\n1,学习不深入,丙,刘洋,2026-05-31\n")
        #expect(Array(before.tasks.map(\.id).dropFirst()) == after.tasks.map(\.id))
    }

    @Test func identicalRowsAreKeptApartAndReported() throws {
        let snapshot = try load("1,学习不深入,制定学习计划,张伟,2026-06-30\n1,学习不深入,制定学习计划,张伟,2026-06-30\n")
        #expect(snapshot.tasks.count == 2)
        let first = snapshot.tasks[0].id.rawValue
        #expect(snapshot.tasks[1].id.rawValue == first + "-2")
        #expect(snapshot.diagnostics.contains { $0.severity == .warning && $0.location.row == 3
            && $0.message.contains("repeats the problem, 整改措施 and 责任人 of row 2") })
    }

    @Test func anEditedTaskIsReportedAsStartingOver() throws {
        let before = try load("1,学习不深入,制定学习计划,张伟,2026-06-30\n1,学习不深入,建立学习台账,王芳,2026-05-31\n")
        let after = try load("1,学习不深入,制定学习计划,赵敏,2026-06-30\n1,学习不深入,建立学习台账,王芳,2026-05-31\n")
        let found = DerivedTaskID.changes(from: before, to: after)
        #expect(found.count == 1)
        #expect(found.first?.location.row == 2)
        #expect(found.first?.message.contains("looks like task \(before.tasks[0].id)") == true)
        #expect(found.first?.message.contains("责任人 (张伟 → 赵敏) edited") == true)
        #expect(found.first?.message.contains("start over") == true)
        // Nothing changed: nothing to report.
        #expect(DerivedTaskID.changes(from: before, to: before).isEmpty)
    }

    /// A second name added to the 责任人 cell is an edit of the 责任人, not of the problem.
    @Test func aCoOfficerAddedIsNamedAsA责任人Edit() throws {
        let before = try load("1,学习不深入,制定学习计划,张伟,2026-06-30\n")
        let after = try load("1,学习不深入,制定学习计划,张伟、王芳,2026-06-30\n")
        let found = DerivedTaskID.changes(from: before, to: after)
        try #require(found.count == 1, "\(found)")
        #expect(found[0].message.contains("责任人 (张伟 → 张伟、王芳) edited"), "\(found[0].message)")
    }

    @Test func theSameContentGivesTheSameIdInEveryRun() {
        // FNV-1a over fixed text: this value must never change between releases,
        // or every task of every ledger without 任务编号 would start over.
        let id = DerivedTaskID.make(problem: "3", content: .init(problem: "档案不一致", measure: "专项审核", officer: "孙丽"))
        #expect(id == DerivedTaskID.make(problem: "3", content: .init(problem: " 档案不一致", measure: "专项审核 ", officer: "孙丽")))
        #expect(id != DerivedTaskID.make(problem: "3", content: .init(problem: "档案不一致", measure: "专项审核", officer: "孙")))
        #expect(id.rawValue.hasPrefix("P3-"))
    }
}
