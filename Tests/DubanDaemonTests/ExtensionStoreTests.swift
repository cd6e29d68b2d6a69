import DubanConfig
import DubanCore
@testable import DubanDaemon
import DubanMail
import DubanStore
import DubanTesting
import Foundation
import Testing

/// Issue 13, 延期, through the real state database and a real aiosmtpd: the
/// first read of a request is recorded (`v4-ext`), so the pause lapses 10
/// working days later across restarts; approved and unapproved deadline
/// changes are told apart; the office's notice arrives by SMTP.
@Suite(.serialized) struct ExtensionStoreTests {
    /// T1-1 of the example ledger (due 2026-06-30, officer 张伟, leader 李强), alone, as `edit` makes it.
    func ledger(_ environment: Environment, _ edit: (inout RectificationTask) -> Void = { _ in }) -> LedgerSnapshot {
        var snapshot = environment.loadLedger()
        snapshot.tasks = snapshot.tasks.filter { $0.id.rawValue == "T1-1" }
        edit(&snapshot.tasks[0])
        return snapshot
    }

    func requested(_ task: inout RectificationTask) {
        task.statusText = "申请延期"
        task.deadlineExtension = DeadlineExtension(requested: true, newDeadline: LocalDate("2026-09-30"), reason: "设备未到货，需等待供货")
    }

    @Test func thePauseCountsFromTheFirstReadAcrossRestartsAndLapses() async throws {
        let (environment, path) = try exampleEnvironment()
        let stage = PlanStage(environment: environment, archivesDigests: false)
        let clock = environment.clock
        // 07-01: the first read showing the request. Level 1 goes as usual; the office is told.
        let first = try await stage.run(ledger(environment, requested), database: try DubanDatabase.open(at: path), now: clock.parse("2026-07-01T09:00")!)
        #expect(first.messages.filter { ![.digest, .personal].contains($0.kind) }.map(\.kind) == [.escalation, .extension])
        // 07-07 (level 2's day), after a restart: paused, because the request was first read on 07-01.
        let paused = try await stage.run(ledger(environment, requested), database: try DubanDatabase.open(at: path), now: clock.parse("2026-07-07T09:00")!)
        #expect(paused.messages.filter { $0.kind == .escalation }.isEmpty)
        // 07-15, the 10th working day after 07-01: still pending, so the pause lapses and level 2 resumes.
        let resumed = try await stage.run(ledger(environment, requested), database: try DubanDatabase.open(at: path), now: clock.parse("2026-07-15T09:00")!)
        let escalation = try #require(resumed.messages.first { $0.kind == .escalation })
        #expect(escalation.level == 2)
        #expect(resumed.warnings.contains { $0.contains("T1-1") && $0.contains("escalation has resumed") })
    }

    @Test func approvedAndUnapprovedDeadlineChangesAreToldApart() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        let stage = PlanStage(environment: environment, archivesDigests: false)
        let clock = environment.clock
        try await stage.run(ledger(environment, requested), database: database, now: clock.parse("2026-07-01T09:00")!)
        // 07-16: granted (延期至 09-30, 延期批准人 王书记): a change with its approver.
        try await stage.run(ledger(environment) { task in
            task.deadlineExtension = DeadlineExtension(newDeadline: LocalDate("2026-09-30"), approver: "王书记", reason: "设备未到货")
        }, database: database, now: clock.parse("2026-07-16T09:00")!)
        // 07-17: someone types 2026-10-31 into 整改时限 and clears the extension: nobody approved that.
        let edited = ledger(environment) { task in task.deadline = .by(LocalDate("2026-10-31")!) }
        try await stage.run(edited, database: database, now: clock.parse("2026-07-17T09:00")!)

        let changes = try await database.deadlineChanges(seenSince: LocalDate("2026-07-01")!)
        #expect(changes == [
            Digest.DeadlineChange(task: "T1-1", from: LocalDate("2026-06-30")!, to: LocalDate("2026-09-30")!, seenOn: LocalDate("2026-07-16")!, approver: "王书记"),
            Digest.DeadlineChange(task: "T1-1", from: LocalDate("2026-09-30")!, to: LocalDate("2026-10-31")!, seenOn: LocalDate("2026-07-17")!, approver: nil),
        ])
        // The digest names the unapproved one for 台账异常; the pending request is gone.
        let digest = try await DigestStage(environment: environment, archives: false)
            .produce(week: ISOWeek(containing: LocalDate("2026-07-17")!), snapshot: edited, database: database,
                     now: clock.parse("2026-07-17T09:30")!, send: false).digest
        #expect(digest.unapprovedDeadlineChanges.map { "\($0.task) \($0.from) → \($0.to)" } == ["T1-1 2026-09-30 → 2026-10-31"])
        // … among the 台账异常, at the task's 整改时限 cell.
        let anomaly = try #require(digest.quality.ledgerAnomalies.first { $0.kind == .unapprovedDeadlineChange })
        #expect(anomaly.task == TaskID("T1-1") && anomaly.message.contains("from 2026-09-30 to 2026-10-31"))
        #expect(anomaly.location.column == 9)
        #expect(digest.pendingExtensions.isEmpty)
        // `check`'s read-only view of the same: nothing left to flag once the change is recorded.
        #expect(try await database.unapprovedDueDateChanges(edited, dueDates: environment.planner.dueDates(edited)).isEmpty)
    }

    /// End to end: the request in the ledger → plan → outbox → SMTP → aiosmtpd; the office
    /// receives one mail naming the task, the date asked for and the reason.
    @Test func theOfficesNoticeArrivesBySMTP() async throws {
        let (environment, path) = try exampleEnvironment()
        let server = try SMTPTestServer()
        defer { server.stop() }
        let database = try DubanDatabase.open(at: path, delivering: true)
        let now = environment.clock.parse("2026-07-01T09:00")!
        try await PlanStage(environment: environment, archivesDigests: false).run(ledger(environment, requested), database: database, now: now)
        let transport = SMTPTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, security: .plain, timeoutSeconds: 5))
        let delivery = Configuration.Delivery(retryInitialSeconds: 60, retryMaxSeconds: 600, giveUpAfterHours: 48, batchSize: 10)
        _ = try await DeliverStage(transport: transport, delivery: delivery).run(database: database, now: now)
        let mails = try parseWithPython(server.received)
        let notice = try #require(mails.first { $0.subject.hasPrefix("【延期申请】") })
        #expect(notice.subject == "【延期申请】1项整改任务申请延期，待审批")
        #expect(notice.to.contains("zgb@example.org"))
        let text = try #require(notice.text)
        #expect(text.contains("【T1-1】制定年度理论学习计划"))
        #expect(text.contains("申请延期至2026-09-30"))
        #expect(text.contains("延期原因：设备未到货，需等待供货"))
        #expect(notice.html?.contains("设备未到货，需等待供货") == true)
        #expect(notice.defects.isEmpty)
        // The office decides: nobody else is on it.
        #expect(server.recipients(of: server.received[mails.firstIndex { $0.subject.hasPrefix("【延期申请】") }!]) == ["zgb@example.org"])
    }
}
