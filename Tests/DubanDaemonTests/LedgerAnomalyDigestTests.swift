import DubanConfig
import DubanCore
import DubanDaemon
import DubanStore
import DubanTesting
import Foundation
import Testing

/// Issue 13: the digest's 台账异常 section, filled by the builder from the
/// ledger now and the reads kept in the state database.
@Suite struct LedgerAnomalyDigestTests {
    @Test func storedReadsBringBackDatedAndDeletedRowsIntoTheDigest() async throws {
        var configuration = try Configuration.load(from: repository.appendingPathComponent("config/duban.toml"))
        configuration.state.path = try temporaryFolder("digest-anomalies").appendingPathComponent("duban.sqlite")
        configuration.digest.departments = ["财务处": Contact(name: "财务处长", email: "cw@example.org")]
        let environment = try Environment.load(configuration)
        let database = try DubanDatabase.open(at: configuration.state.path)
        let current = environment.loadLedger()

        // Four weeks ago the office's own task T1-2 was still 整改中 (it now says
        // 已完成 on 2026-05-20, before that read), and a 党委办公室 row T1-9 existed.
        var earlier = current
        let index = try #require(earlier.tasks.firstIndex { $0.id == TaskID("T1-2") })
        earlier.tasks[index].status = .inProgress
        earlier.tasks[index].completedOn = nil
        var gone = earlier.tasks[index]
        gone.id = TaskID("T1-9")
        gone.measure = "已删除的措施"
        earlier.tasks.append(gone)
        try await database.saveSnapshot(earlier, for: .digest(ISOWeek("2026-W24")!), at: environment.clock.parse("2026-06-08T09:00")!)

        let now = environment.clock.parse("2026-07-06T09:00")!
        let produced = try await DigestStage(environment: environment).produce(week: ISOWeek("2026-W28")!, snapshot: current, database: database, now: now, send: true)
        let anomalies = produced.digest.quality.ledgerAnomalies
        let backDated = try #require(anomalies.first { $0.kind == .backDated })
        #expect(backDated.task == TaskID("T1-2") && backDated.message.contains("earlier than the read of 2026-06-08"))
        #expect(anomalies.contains { $0.kind == .disappeared && $0.task == TaskID("T1-9") })

        // The mail shows them under 台账异常, with the cell to look at.
        let text = try #require(try parseWithPython(produced.mails[0].mime).text)
        let section = try #require(text.components(separatedBy: "七、台账异常").last)
        #expect(section.contains("完成日期倒填【T1-2】建立学习台账，逐次记录（ledger.xlsx:"), "\(section)")
        #expect(section.contains("任务行被删除【T1-9】已删除的措施"), "\(section)")
        // How far back the history goes: the digest snapshots kept are pruned after keep_bodies_days.
        #expect(section.contains("历史比对覆盖 2026-06-08 以来的读取"), "\(section)")
        #expect(produced.digest.quality.historySince == LocalDate(year: 2026, month: 6, day: 8))

        // A department's digest has its own rows only: 党委办公室's are neither its anomalies nor "gone" from it.
        let department = try #require(try parseWithPython(produced.mails[1].mime).text)
        let departmentSection = try #require(department.components(separatedBy: "七、台账异常").last)
        #expect(!departmentSection.contains("T1-2") && !departmentSection.contains("T1-9"), "\(departmentSection)")
    }

    /// A task that moved from 财务处 to another department: 财务处's digest
    /// does not call it deleted, and its new department's digest keeps its
    /// history (the back-dated completion the earlier read shows).
    @Test func aDepartmentDigestHasItsShareOfTheWholeLedgersFindings() async throws {
        var configuration = try Configuration.load(from: repository.appendingPathComponent("config/duban.toml"))
        configuration.state.path = try temporaryFolder("digest-departments").appendingPathComponent("duban.sqlite")
        let current = try Environment.load(configuration).loadLedger()
        let index = try #require(current.tasks.firstIndex { $0.id == TaskID("T1-2") })
        let owner = current.tasks[index].department
        try #require(owner != "财务处")
        configuration.digest.departments = ["财务处": Contact(name: "财务处长", email: "cw@example.org"),
                                            owner: Contact(name: "主任", email: "owner@example.org")]
        let environment = try Environment.load(configuration)
        let database = try DubanDatabase.open(at: configuration.state.path)

        var earlier = current
        earlier.tasks[index].status = .inProgress
        earlier.tasks[index].completedOn = nil
        earlier.tasks[index].department = "财务处"
        try await database.saveSnapshot(earlier, for: .digest(ISOWeek("2026-W24")!), at: environment.clock.parse("2026-06-08T09:00")!)

        let produced = try await DigestStage(environment: environment).produce(
            week: ISOWeek("2026-W28")!, snapshot: current, database: database, now: environment.clock.parse("2026-07-06T09:00")!, send: true)
        #expect(produced.digest.quality.ledgerAnomalies.contains { $0.kind == .backDated && $0.task == TaskID("T1-2") })
        #expect(!produced.digest.quality.ledgerAnomalies.contains { $0.kind == .disappeared }, "\(produced.digest.quality.ledgerAnomalies)")
        func section(_ email: String) throws -> String {
            let mail = try #require(produced.mails.first { $0.recipients == [email] })
            let text = try #require(try parseWithPython(mail.mime).text)
            return try #require(text.components(separatedBy: "七、台账异常").last)
        }
        let finance = try section("cw@example.org")
        #expect(!finance.contains("T1-2"), "\(finance)")
        let own = try section("owner@example.org")
        #expect(own.contains("完成日期倒填【T1-2】"), "\(own)")
    }

    /// Near-miss: without stored reads, only this read's findings (the example
    /// ledger has no 佐证材料 column: one finding for the file).
    @Test func aFirstDigestHasOnlyThisReadsFindings() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        let produced = try await DigestStage(environment: environment).produce(
            week: ISOWeek("2026-W28")!, snapshot: environment.loadLedger(), database: database,
            now: environment.clock.parse("2026-07-06T09:00")!, send: false)
        #expect(produced.digest.quality.ledgerAnomalies.map(\.kind) == [.doneWithoutEvidence])
    }
}
