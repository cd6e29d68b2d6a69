import DubanConfig
import DubanCore
import DubanDaemon
import DubanMail
import DubanStore
import DubanTesting
import Foundation
import Testing

/// Issue 12 end to end: real CSV ledgers edited between passes, the real
/// state database, real SMTP delivery to aiosmtpd, and the envelope
/// recipients the server saw.
@Suite(.serialized) struct LoopEndToEndTests {
    static let header = "序号,问题描述,任务编号,整改措施,责任部门,责任人,责任人邮箱,分管领导,分管领导邮箱,整改时限,完成情况,完成日期,销号日期,整改进展"

    /// One ledger edit: T1's status, dates and deadline; T2 stays overdue, its officer without an address.
    static func ledger(status: String, completed: String = "", closed: String = "", deadline: String = "2026-06-30") -> String {
        [header,
         "1,会议记录不规范,T1,规范会议记录,办公室,周敏,zhou.min@example.org,钱进,qian.jin@example.org,\(deadline),\(status),\(completed),\(closed),已整改",
         "2,台账不全,T2,补齐台账,财务处,孙丽,,吴刚,wu.gang@example.org,2026-06-26,整改中,,,正在推进"].joined(separator: "\n") + "\n"
    }

    struct Run {
        let environment: Environment
        let database: DubanDatabase
        let server: SMTPTestServer
        let ledger: URL
        var seen = 0

        /// Writes the ledger as edited, plans at `at`, delivers to aiosmtpd,
        /// and returns what arrived: (subject, envelope recipients, text).
        mutating func pass(_ text: String, at: String) async throws -> [(subject: String, rcpt: Set<String>, text: String)] {
            try text.write(to: ledger, atomically: true, encoding: .utf8)
            let now = environment.clock.parse(at)!
            try await PlanStage(environment: environment, archivesDigests: false).run(environment.loadLedger(), database: database, now: now)
            let transport = SMTPTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, security: .plain, timeoutSeconds: 5))
            _ = try await DeliverStage(transport: transport, delivery: environment.configuration.delivery).run(database: database, now: now)
            let files = Array(server.received.dropFirst(seen))
            seen += files.count
            let parsed = try files.isEmpty ? [] : parseWithPython(files)
            return zip(files, parsed).map { file, mail in (mail.subject, Set(server.recipients(of: file)), mail.text ?? "") }
                .filter { !$0.subject.contains("周报") }
        }
    }

    func start(discipline: Contact? = nil) throws -> Run {
        var configuration = try Configuration.load(from: repository.appendingPathComponent("config/duban.toml"))
        configuration.chain.discipline = discipline
        let folder = try temporaryFolder("loop-e2e")
        configuration.state.path = folder.appendingPathComponent("duban.sqlite")
        let ledger = folder.appendingPathComponent("ledger.csv")
        configuration.ledger.paths = [ledger]
        configuration.ledger.sheet = nil
        let environment = try Environment.load(configuration)
        return Run(environment: environment, database: try DubanDatabase.open(at: configuration.state.path, delivering: true),
                   server: try SMTPTestServer(), ledger: ledger)
    }

    @Test func aTaskClosedReopenedAndReclosedIsChasedOnceEachTime() async throws {
        var run = try start()
        defer { run.server.stop() }
        let office = "zgb@example.org", principal = "principal@example.org"

        // 07-01: T1 completed 06-10, unaccepted since 06-25: the acceptance notice to the office.
        // T2 is overdue (06-26): level 1 to its leader; its officer 孙丽 has no address, so the
        // office is really among the recipients (Cc), and the text names her.
        let first = try await run.pass(Self.ledger(status: "已完成", completed: "2026-06-10"), at: "2026-07-01T09:00")
        let acceptance = try #require(first.first { $0.subject.hasPrefix("【验收提醒】") })
        #expect(acceptance.rcpt == [office])
        let level1 = try #require(first.first { $0.subject.hasPrefix("【督办】") })
        #expect(level1.rcpt == ["wu.gang@example.org", office])
        #expect(level1.text.contains("责任人 孙丽"))

        // 07-02: closed. Nothing more about T1.
        let closed = try await run.pass(Self.ledger(status: "已销号", completed: "2026-06-10", closed: "2026-07-02"), at: "2026-07-02T09:00")
        #expect(closed.allSatisfy { !$0.text.contains("T1") })

        // 07-03: open again, with a new deadline: a rebound to the office, cc the principal and the leader,
        // naming when it was closed and what changed.
        let reopened = try await run.pass(Self.ledger(status: "整改中", deadline: "2026-07-31"), at: "2026-07-03T09:00")
        let rebound = try #require(reopened.first { $0.subject.hasPrefix("【反弹】") })
        #expect(rebound.rcpt == [office, principal, "qian.jin@example.org"])
        #expect(rebound.text.contains("T1") && rebound.text.contains("2026-07-02") && rebound.text.contains("已销号"))
        // The digest lists it under 反弹, never as 时限调整.
        let stage = DigestStage(environment: run.environment, archives: false)
        let now = run.environment.clock.parse("2026-07-03T10:00")!
        let digest = try await stage.produce(week: ISOWeek(containing: LocalDate("2026-07-03")!), snapshot: run.environment.loadLedger(),
                                             database: run.database, now: now, send: false).digest
        #expect(digest.rebounds.map(\.task.id) == ["T1"])
        #expect(digest.changes?.deadlinesMoved.contains { $0.task == "T1" } != true)
        let text = run.environment.composer.renderDigest(digest, audience: nil).text
        #expect(text.contains("反弹：【T1】"))

        // 07-06: closed again — no second rebound for the same reopening.
        let reclosed = try await run.pass(Self.ledger(status: "已销号", completed: "2026-07-05", closed: "2026-07-06", deadline: "2026-07-31"),
                                          at: "2026-07-06T09:00")
        #expect(!reclosed.contains { $0.subject.hasPrefix("【反弹】") })
        // 07-08: reopened a second time: a second rebound, once.
        let again = try await run.pass(Self.ledger(status: "整改中", deadline: "2026-07-31"), at: "2026-07-08T09:00")
        #expect(again.filter { $0.subject.hasPrefix("【反弹】") }.count == 1)
        #expect(again.first { $0.subject.hasPrefix("【反弹】") }?.text.contains("2026-07-06") == true)
        let later = try await run.pass(Self.ledger(status: "整改中", deadline: "2026-07-31"), at: "2026-07-09T09:00")
        #expect(!later.contains { $0.subject.hasPrefix("【反弹】") })
    }

    /// The ladder run day by day to its end: the 约谈 notice goes to the
    /// principal, cc the office and 纪检, and carries the dossier — every
    /// notice the log shows as sent (date, kind, recipients), the deadline
    /// history, the progress as last read, days overdue — and the digest
    /// lists the task under 拟约谈.
    @Test func theLadderEndsInAnInterviewWithTheDossier() async throws {
        var run = try start(discipline: Contact(name: "纪委办公室", email: "jiwei@example.org"))
        defer { run.server.stop() }
        let clock = run.environment.clock
        var mails: [(subject: String, rcpt: Set<String>, text: String)] = []
        // T2 (due 06-26) is first read with a wrong deadline, corrected the next day.
        mails += try await run.pass(Self.ledger(status: "已完成", completed: "2026-06-10").replacingOccurrences(of: "2026-06-26", with: "2026-06-20"),
                                    at: "2026-06-17T09:00")
        var now = clock.parse("2026-06-18T09:00")!
        while now <= clock.parse("2026-08-07T09:00")! {
            mails += try await run.pass(Self.ledger(status: "已完成", completed: "2026-06-10"), at: clock.iso(now))
            now = now.addingTimeInterval(86_400)
        }
        // The deadline notices only (not acceptance notices or the weekly personal lists).
        let ladder = mails.filter { mail in mail.text.contains("T2") && ["【整改提醒】", "【督办】", "【督办·升级】", "【拟约谈】"].contains { mail.subject.hasPrefix($0) } }
        // Two reminders (one for each deadline read), level 1, level 2 and its 4 repeats, then the 约谈 notice on 08-07.
        #expect(ladder.count == 9, "\(ladder.map(\.subject))")
        let interview = try #require(ladder.last)
        #expect(interview.subject.hasPrefix("【拟约谈】"))
        #expect(interview.rcpt == ["principal@example.org", "zgb@example.org", "jiwei@example.org"])
        // The dossier: each notice that went out, with its day and addressees.
        for line in ["2026-06-17 到期前7天提醒　收件：zgb@example.org", "2026-06-18 到期前7天提醒　收件：zgb@example.org", "2026-06-29 报分管领导督办　收件：wu.gang@example.org　抄送：zgb@example.org",
                     "2026-07-03 报主要负责人督办　收件：principal@example.org", "2026-07-31 再次督办（第4次）"] {
            #expect(interview.text.contains(line), "\(line) missing from:\n\(interview.text)")
        }
        #expect(interview.text.contains("共6次督办"))
        #expect(interview.text.contains("时限变更记录：2026-06-20（2026-06-17起） → 2026-06-26（2026-06-18起）"))
        #expect(interview.text.contains("当前进展（台账最新）：正在推进"))
        #expect(interview.text.contains("已逾期42天"))
        let digest = try await DigestStage(environment: run.environment, archives: false)
            .produce(week: ISOWeek(containing: LocalDate("2026-08-07")!), snapshot: run.environment.loadLedger(), database: run.database,
                     now: clock.parse("2026-08-07T10:00")!, send: false).digest
        #expect(digest.interviewsProposed.map(\.id) == ["T2"])
    }

    /// A catch-up that skipped steps says so once, and the level-2 mail says
    /// the leader was not notified (never "经分管领导督办"); the digest counts
    /// the one notice sent, not the step number.
    @Test func aCatchUpTellsTheTruth() async throws {
        var run = try start()
        defer { run.server.stop() }
        // First start on 08-03, T2 overdue since 06-26: only the highest step goes out.
        let mails = try await run.pass(Self.ledger(status: "整改中"), at: "2026-08-03T09:00")
        let upgraded = try #require(mails.first { $0.subject.hasPrefix("【督办·升级】") || $0.subject.hasPrefix("【拟约谈】") })
        #expect(!upgraded.text.contains("经分管领导督办"))
        #expect(upgraded.text.contains("分管领导此前未收到督办通知"))
        // Said once, naming what was skipped.
        #expect(upgraded.text.components(separatedBy: "现不再补发，只发送本通知").count == 2)
        #expect(upgraded.text.contains("【T2】到期前7天提醒、报分管领导督办、报主要负责人督办、再次督办（第1次）"))
        let counts = try await run.database.sentCounts(of: .escalation)
        let stage = DigestStage(environment: run.environment, archives: false)
        let digest = try await stage.produce(week: ISOWeek(containing: LocalDate("2026-08-03")!), snapshot: run.environment.loadLedger(),
                                             database: run.database, now: run.environment.clock.parse("2026-08-03T10:00")!, send: false).digest
        let text = run.environment.composer.renderDigest(digest, audience: nil).text
        #expect(!text.contains("再督办"))
        if let sent = counts[TaskID("T2")] { #expect(text.contains("已督办\(sent)次")) }
    }
}
