import DubanCore
@testable import DubanLedger
import Foundation
import Testing

/// Issue 13, "a ledger that cannot quietly lie": the findings of one read,
/// through the real reader, so that each points at the cell to fix.
@Suite struct LedgerAnomalyTests {
    static let header = "序号,任务编号,整改措施,责任部门,责任人,整改时限,完成情况,完成日期,验收日期,佐证材料\n"
    let today = date("2026-07-06")

    /// The snapshot of `rows` (under `header`), read from a real file.
    static func read(_ rows: String, header: String = header, people: PeopleDirectory = PeopleDirectory(), at url: URL? = nil) throws -> LedgerSnapshot {
        let file = try url ?? temporaryFile("ledger.csv", Data())
        try Data((header + rows).utf8).write(to: file)
        return LedgerLoader(feedbackDate: feedback).load([file], people: people)
    }

    func findings(_ rows: String, header: String = header, requireEvidence: Bool = false) throws -> [LedgerAnomaly] {
        LedgerAudit.inspect(try Self.read(rows, header: header), today: today, requireEvidence: requireEvidence)
    }

    @Test func aBlankOfficerIsAnErrorAtItsCellAndTheTaskStillCounts() throws {
        let snapshot = try Self.read("1,T1,措施,办公室,,2026-09-30,整改中,,,\n")
        let found = LedgerAudit.inspect(snapshot, today: today, requireEvidence: false)
        #expect(snapshot.tasks.count == 1 && snapshot.tasks[0].officer == nil)
        try #require(found.map(\.kind) == [.blankOfficer], "\(found)")
        #expect(found[0].severity == .error)
        #expect(found[0].diagnostic.description.hasSuffix("ledger.csv:2:5: error: task T1: 责任人 is blank; expected the name of the responsible officer. The task still counts, and its mail goes to the office"))
    }

    /// Near-miss: a ledger with no 责任人 column at all gets the file-level
    /// warning it always had, not one error per row.
    @Test func noOfficerColumnIsNotABlankOfficerOnEveryRow() throws {
        let found = try findings("1,T1,措施,办公室,2026-09-30,整改中\n", header: "序号,任务编号,整改措施,责任部门,整改时限,完成情况\n")
        #expect(!found.contains { $0.kind == .blankOfficer })
    }

    @Test(arguments: ["张伟、王芳", "张伟/王芳", "张伟 王芳", "张伟，王芳", "张伟,王芳", "张伟；王芳", "张伟;王芳", "张伟　王芳", " 张伟 、 王芳 "])
    func severalPeopleInOneCellAreTheOfficerAndCopies(cell: String) throws {
        let quoted = cell.contains(",") ? "\"\(cell)\"" : cell
        let people = PeopleDirectory([
            Person(name: "张伟", department: "办公室", email: "zhang.wei@example.org", source: SourceLocation(file: "p")),
            Person(name: "王芳", department: "办公室", email: "wang.fang@example.org", source: SourceLocation(file: "p")),
        ])
        let snapshot = try Self.read("1,T1,措施,办公室,\(quoted),2026-09-30,整改中,,,\n", people: people)
        let task = try #require(snapshot.tasks.first)
        #expect(task.officer == Contact(name: "张伟", email: "zhang.wei@example.org"))
        #expect(task.coOfficers == [Contact(name: "王芳", email: "wang.fang@example.org")])
        // Each name is looked up on its own: nobody is unknown.
        #expect(!snapshot.diagnostics.contains { $0.message.contains("not in the people directory") }, "\(snapshot.diagnostics)")
        let found = LedgerAudit.inspect(snapshot, today: today, requireEvidence: false)
        try #require(found.map(\.kind) == [.severalOfficers], "\(found)")
        #expect(found[0].severity == .warning && found[0].location.column == 5)
        #expect(found[0].message.contains("张伟 is taken as the officer and 王芳 is copied"))
    }

    /// A copied name nobody knows is said truly: that person is not copied,
    /// and the officer's mail still goes to the officer (not to the office).
    @Test func anUnknownCopiedPersonIsNotCopiedAndTheOfficerStillGetsTheMail() throws {
        let people = PeopleDirectory([Person(name: "张伟", department: "办公室", email: "zhang.wei@example.org", source: SourceLocation(file: "p"))])
        let snapshot = try Self.read("1,T1,措施,办公室,张伟、赵六,2026-09-30,整改中,,,\n", people: people)
        let warning = try #require(snapshot.diagnostics.first { $0.message.contains("赵六") }, "\(snapshot.diagnostics)")
        #expect(warning.message.contains("责任人 (抄送) 赵六 is not in the people directory"), "\(warning.message)")
        #expect(warning.message.contains("is not copied") && warning.message.contains("the officer still gets the mail"), "\(warning.message)")
        #expect(!warning.message.contains("goes to the office"), "\(warning.message)")
    }

    /// Names with the other dots officials type (• U+2022, ・ U+30FB) and
    /// ideographs beyond the basic block still split at a space.
    @Test(arguments: [("阿卜杜•热合曼 张伟", ["阿卜杜•热合曼", "张伟"]), ("阿卜杜・热合曼 张伟", ["阿卜杜・热合曼", "张伟"]), ("𠀋伟 张伟", ["𠀋伟", "张伟"])])
    func otherNameDotsAndIdeographsStillSplit(cell: String, names: [String]) {
        #expect(NameList.split(cell) == names)
    }

    /// Near-misses: one person each, kept whole.
    @Test(arguments: ["张 伟", "John Smith", "欧阳修", "阿卜杜·热合曼", "张伟 "])
    func oneNameWithASpaceOrADotIsStillOnePerson(cell: String) throws {
        let snapshot = try Self.read("1,T1,措施,办公室,\(cell),2026-09-30,整改中,,,\n")
        let task = try #require(snapshot.tasks.first)
        #expect(task.officer?.name == cell.trimmingCharacters(in: .whitespaces))
        #expect(task.coOfficers.isEmpty)
        #expect(!LedgerAudit.inspect(snapshot, today: today, requireEvidence: false).contains { $0.kind == .severalOfficers })
    }

    @Test func closedWithNeitherAcceptanceNorCompletionDate() throws {
        let found = try findings("1,T1,措施,办公室,张伟,2026-06-30,已销号,,,文件\n")
        try #require(found.map(\.kind) == [.closedWithoutDates], "\(found)")
        #expect(found[0].location.column == 9)  // 验收日期
        #expect(found[0].message.contains("已销号 but neither 验收日期 nor 完成日期"))
        // Near-misses: either date is enough.
        #expect(try findings("1,T1,措施,办公室,张伟,2026-06-30,已销号,2026-06-20,,文件\n").isEmpty)
        #expect(try findings("1,T1,措施,办公室,张伟,2026-06-30,已销号,,2026-06-25,文件\n").isEmpty)
    }

    /// 已销号 taken from a 销号情况 cell (no 完成情况 word): the finding points there.
    @Test func closedByTheClosingColumnPointsAtIt() throws {
        let found = try findings("1,T1,措施,办公室,张伟,2026-06-30,已销号,文件\n", header: "序号,任务编号,整改措施,责任部门,责任人,整改时限,销号情况,佐证材料\n")
        try #require(found.map(\.kind) == [.closedWithoutDates], "\(found)")
        #expect(found[0].location.column == 7, "\(found[0].location)")
    }

    @Test(arguments: ["整改中", "未整改"])
    func anOpenStatusWithACompletionDateStaysOpen(status: String) throws {
        let snapshot = try Self.read("1,T1,措施,办公室,张伟,2026-06-30,\(status),2026-06-20,,\n")
        #expect(!snapshot.tasks[0].status.isDone)  // the word wins
        let found = LedgerAudit.inspect(snapshot, today: today, requireEvidence: false)
        try #require(found.map(\.kind) == [.openWithCompletionDate], "\(found)")
        #expect(found[0].location.column == 8)
        #expect(found[0].message.contains("完成情况 says \(status) but 完成日期 is 2026-06-20; Duban believes the 完成情况"))
    }

    /// Near-miss: no status word, a 完成日期: the task is completed, nothing contradicts.
    @Test func aCompletionDateWithoutAStatusWordIsNotAContradiction() throws {
        let found = try findings("1,T1,措施,办公室,张伟,2026-06-30,,2026-06-20,,报告\n")
        #expect(found.isEmpty, "\(found)")
    }

    @Test(arguments: [false, true])
    func doneWithoutEvidence(requireEvidence: Bool) throws {
        let found = try findings("1,T1,措施,办公室,张伟,2026-06-30,已完成,2026-06-20,,\n2,T2,措施,办公室,张伟,2026-06-30,已验收,2026-06-20,2026-06-25,\n",
                                 requireEvidence: requireEvidence)
        try #require(found.map(\.kind) == [.doneWithoutEvidence, .doneWithoutEvidence], "\(found)")
        #expect(found.allSatisfy { $0.severity == (requireEvidence ? .error : .warning) && $0.location.column == 10 })
        #expect(found.map(\.location.row) == [2, 3])
        // Near-misses: evidence given, or the task still open.
        #expect(try findings("1,T1,措施,办公室,张伟,2026-06-30,已完成,2026-06-20,,会议纪要\n3,T3,措施,办公室,张伟,2026-09-30,整改中,,,\n",
                             requireEvidence: requireEvidence).isEmpty)
    }

    /// Without a 佐证材料 column: one finding for the file, not one per done task.
    @Test func noEvidenceColumnIsOneFindingForTheFile() throws {
        let found = try findings("1,T1,措施,办公室,张伟,2026-06-30,已完成,2026-06-20\n2,T2,措施,办公室,张伟,2026-06-30,已完成,2026-06-21\n",
                                 header: "序号,任务编号,整改措施,责任部门,责任人,整改时限,完成情况,完成日期\n")
        try #require(found.count == 1, "\(found)")
        #expect(found[0].kind == .doneWithoutEvidence && found[0].task == nil)
        #expect(found[0].message.contains("no 佐证材料 column: 2 task(s) marked done (first: T1)"))
    }

    @Test func aCompletionDateInTheFutureIsAnError() throws {
        let found = try findings("1,T1,措施,办公室,张伟,2026-09-30,已完成,2026-07-07,,报告\n")
        try #require(found.map(\.kind) == [.completionInFuture], "\(found)")
        #expect(found[0].severity == .error && found[0].location.column == 8)
        #expect(found[0].message.contains("完成日期 2026-07-07 is after today (2026-07-06)"))
        // Near-miss: today itself is not the future.
        #expect(try findings("1,T1,措施,办公室,张伟,2026-09-30,已完成,2026-07-06,,报告\n").isEmpty)
    }
}
