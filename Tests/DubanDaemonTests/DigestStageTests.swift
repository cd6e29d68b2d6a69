import DubanConfig
import DubanLedger
import DubanCore
import DubanDaemon
import DubanMail
import DubanStore
import DubanTesting
import Foundation
import Testing

@Suite struct DigestStageTests {
    @Test func theDigestMailIsEscapedWellFormedAndItsPartsAgree() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        var snapshot = environment.loadLedger()
        snapshot.tasks[0].measure = "<script>alert('x')</script> & <b>粗体</b> {{org}}"
        snapshot.tasks[0].department = "党委办公室\"><img src=x>"
        let now = environment.clock.parse("2026-07-06T09:00")!
        let produced = try await DigestStage(environment: environment).produce(week: ISOWeek("2026-W28")!, snapshot: snapshot, database: database, now: now, send: true)
        let archived = try DigestStage(environment: environment).archive(produced.digest)
        #expect(archived.map(\.lastPathComponent) == ["2026-W28.html", "2026-W28.txt", "2026-W28.json"])

        let mail = try #require(produced.mails.first)
        let parsed = try parseWithPython(mail.mime)
        #expect(parsed.defects.isEmpty)
        #expect(parsed.subject == "【整改周报】2026年巡察反馈问题整改 2026-W28：完成率50.0%，逾期1项")
        let html = try #require(parsed.html)
        #expect(!html.contains("<script>") && !html.contains("<img"))
        #expect(html.contains("&lt;script&gt;"))
        let htmlFile = try temporaryFolder("digest").appendingPathComponent("d.html")
        try html.write(to: htmlFile, atomically: true, encoding: .utf8)
        #expect(try runProgram("/usr/bin/python3", [repository.appendingPathComponent("Tests/Support/check_html.py").path, htmlFile.path]) == "\n")

        // The text part carries the same numbers as the HTML.
        let text = try #require(parsed.text)
        for figure in ["整改任务7项", "整改完成率50.0%", "逾期1项", "红灯（逾期）1项", "蓝灯（已完成）3项"] { #expect(text.contains(figure), "\(figure)") }
        for figure in ["<b>7</b> 项", "50.0%", ">1</div><div>红灯·逾期", ">3</div><div>蓝灯·已完成"] { #expect(html.contains(figure), "\(figure)") }
        #expect(text.contains("<script>alert('x')</script>"))  // text is not HTML: kept as written

        // The task list is an .xlsx workbook (read back in `theAttachmentIsAWorkbookThatReadsBack`).
        let workbook = try #require(parsed.attachments.first)
        #expect(workbook.filename == "tasks-2026-W28.xlsx" && workbook.type == DigestWorkbook.contentType)

        // The archive is never overwritten silently.
        let again = try DigestStage(environment: environment).archive(produced.digest)
        #expect(again.map(\.lastPathComponent) == ["2026-W28-2.html", "2026-W28-2.txt", "2026-W28-2.json"])
        let json = try JSONDecoder().decode(Digest.self, from: Data(contentsOf: archived[2]))
        #expect(json.counts == produced.digest.counts)
    }

    @Test func departmentDigestsGoToEachHead() async throws {
        var configuration = try Configuration.load(from: repository.appendingPathComponent("config/duban.toml"))
        configuration.state.path = try temporaryFolder("digest-dept").appendingPathComponent("duban.sqlite")
        configuration.digest.departments = ["财务处": Contact(name: "财务处长", email: "cw@example.org")]
        let environment = try Environment.load(configuration)
        let database = try DubanDatabase.open(at: configuration.state.path)
        let produced = try await DigestStage(environment: environment).produce(
            week: ISOWeek("2026-W28")!, snapshot: environment.loadLedger(), database: database,
            now: environment.clock.parse("2026-07-06T09:00")!, send: true)
        #expect(produced.mails.map(\.recipients) == [["principal@example.org", "zgb@example.org"], ["cw@example.org"]])
        let department = try parseWithPython(produced.mails[1].mime)
        #expect(department.subject.hasSuffix("（财务处）"))
        #expect(department.text?.contains("整改任务2项") == true)
    }

    /// `due` (preview) no longer composes the mails: its messages and
    /// subjects must still be those the pass queues, departments included.
    @Test func previewShowsTheMessagesAndSubjectsThePassQueues() async throws {
        var configuration = try Configuration.load(from: repository.appendingPathComponent("config/duban.toml"))
        configuration.state.path = try temporaryFolder("digest-due").appendingPathComponent("duban.sqlite")
        configuration.digest.departments = ["财务处": Contact(name: "财务处长", email: "cw@example.org"),
                                            "党委办公室": Contact(name: "办公室主任", email: "bgs@example.org")]
        let environment = try Environment.load(configuration)
        let database = try DubanDatabase.open(at: configuration.state.path)
        let snapshot = environment.loadLedger(), now = environment.clock.parse("2026-07-06T09:00")!
        let stage = DigestStage(environment: environment)
        let due = try await stage.due(snapshot, database: database, now: now, log: [])
        let ran = try await stage.run(snapshot, database: database, now: now, log: [])
        #expect(ran.mails.count == 3)
        #expect(due.due.map(\.message.id) == ran.mails.map(\.message.id))
        #expect(due.due.map(\.subject) == ran.mails.map(\.subject))
        #expect(due.due.map { $0.message.to } == ran.mails.map { $0.message.to })
        #expect(due.due.map { Optional($0.digest) } == ran.mails.map { ran.carried[$0.message.id] })
    }

    /// Issue 10 item 6: `digests` is a regular file (or the disk is full).
    /// The archive used to be written first and abort the pass: nothing was
    /// queued, every 60 s. Now everything is queued, then the archive fails
    /// alone, named in the plan's warnings (STATUS, log), leaving no file.
    @Test func aBlockedArchiveDoesNotHoldBackNotifications() async throws {
        let (environment, path) = try exampleEnvironment()
        let digests = path.deletingLastPathComponent().appendingPathComponent("digests")
        try Data("not a folder".utf8).write(to: digests)
        let database = try DubanDatabase.open(at: path)
        let now = environment.clock.parse("2026-07-07T09:00")!
        let plan = try await PlanStage(environment: environment).run(environment.loadLedger(), database: database, now: now)
        // Escalation, acceptance, look-back, closure, the standing measure's Q2 notice to its leader,
        // the digest and two personal lists (Monday's, caught up on Tuesday).
        #expect(plan.messages.count == 8 && plan.messages.contains { $0.kind == .digest })
        #expect(try await database.outboxCounts().pending == 8)
        let warning = try #require(plan.warnings.first { $0.hasPrefix(DigestStage.archiveWarningPrefix) })
        #expect(warning.contains(digests.path) && warning.contains("2026-W28"))
        #expect(try String(contentsOf: digests, encoding: .utf8) == "not a folder")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: path.deletingLastPathComponent().path)
        #expect(leftovers.allSatisfy { !$0.hasSuffix(".tmp") })
    }

    /// A set whose name is partly taken (here by a folder) is written whole
    /// under the next name; no temporary file and no empty file remain.
    @Test func anArchiveIsWrittenWholeUnderAFreeName() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.inMemory()
        let produced = try await DigestStage(environment: environment).produce(
            week: ISOWeek("2026-W28")!, snapshot: environment.loadLedger(), database: database,
            now: environment.clock.parse("2026-07-06T09:00")!, send: false)
        let folder = path.deletingLastPathComponent().appendingPathComponent("archive")
        let stage = DigestStage(environment: environment)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("2026-W28.json/x"), withIntermediateDirectories: true)
        let placed = try? stage.archive(produced.digest, folder: folder)
        // The .json name is taken, so the set is written as -2 instead: whole.
        #expect(placed?.map(\.lastPathComponent) == ["2026-W28-2.html", "2026-W28-2.txt", "2026-W28-2.json"])
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["2026-W28-2.html", "2026-W28-2.json", "2026-W28-2.txt", "2026-W28.json"])
        for name in names where name.hasPrefix("2026-W28-2") {
            #expect(try Data(contentsOf: folder.appendingPathComponent(name)).count > 0)
        }
    }

    /// The attachment of a sent digest, saved to a file by Python's email package.
    func attachment(of mime: [UInt8], to url: URL) throws {
        let eml = url.deletingPathExtension().appendingPathExtension("eml")
        try Data(mime).write(to: eml)
        let script = """
            import sys, email, email.policy
            m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
            parts = list(m.iter_attachments())
            assert len(parts) == 1, len(parts)
            open(sys.argv[2], 'wb').write(parts[0].get_content())
            """
        _ = try runProgram("/usr/bin/python3", ["-c", script, eml.path, url.path])
    }

    /// The task list attachment is a real workbook: openpyxl reads a bold
    /// header frozen in place, dates as dates, every part deflated; Duban's
    /// own ledger reader reads it back as the same tasks.
    @Test func theAttachmentIsAWorkbookThatReadsBack() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        let snapshot = environment.loadLedger()
        let produced = try await DigestStage(environment: environment).produce(
            week: ISOWeek("2026-W28")!, snapshot: snapshot, database: database, now: environment.clock.parse("2026-07-06T09:00")!, send: true)
        let file = path.deletingLastPathComponent().appendingPathComponent("tasks.xlsx")
        try attachment(of: try #require(produced.mails.first).mime, to: file)

        let book = try readWithOpenpyxl(file)
        #expect(book.crc_error == nil && book.freeze == "A2" && book.title == "整改任务")
        #expect(book.parts.values.allSatisfy { $0 == 8 }, "\(book.parts)")
        #expect(book.header_bold.allSatisfy { $0 })
        let header = book.rows[0]
        for heading in ["序号", "任务编号", "整改措施", "责任部门", "责任人", "分管领导", "整改时限", "中期检查点", "验收标准", "整改进展",
                        "完成情况", "完成日期", "验收日期", "销号日期", "佐证材料", "备注", "灯", "剩余天数", "最高督办", "已发通知", "最近通知"] {
            #expect(header.contains(.text(heading)), "\(heading)")
        }
        #expect(book.rows.count == 1 + snapshot.tasks.count)
        let deadline = header.firstIndex(of: .text("整改时限"))!, id = header.firstIndex(of: .text("任务编号"))!
        let progress = header.firstIndex(of: .text("整改进展"))!
        #expect(snapshot.tasks.contains { $0.deadline.kind == .dated } && snapshot.tasks.contains { $0.deadline.kind != .dated })
        for (row, task) in zip(book.rows.dropFirst(), snapshot.tasks) {
            #expect(row[id] == .text(task.id.rawValue))
            // A plain date as a date; 立行立改 or a date then 长期坚持 as written.
            if task.deadline.kind == .dated, let due = environment.planner.dueDate(task) { #expect(row[deadline] == .date("\(due)T00:00:00"), "\(task.id)") }
            else { #expect(row[deadline] == (task.deadlineText.isEmpty ? .empty : .text(task.deadlineText)), "\(task.id)") }
            #expect(row[progress] == (task.progress.isEmpty ? .empty : .text(task.progress)), "\(task.id)")
        }

        // Duban's own reader: the same tasks, statuses and due dates, without errors.
        let back = LedgerLoader(feedbackDate: environment.configuration.programme.feedbackDate).load(file)
        #expect(back.diagnostics.errorCount == 0, "\(back.diagnostics)")
        #expect(back.tasks.map(\.id) == snapshot.tasks.map(\.id))
        #expect(back.tasks.map(\.status) == snapshot.tasks.map(\.status))
        #expect(back.tasks.map(\.measure) == snapshot.tasks.map(\.measure))
        #expect(back.tasks.map { environment.planner.dueDate($0) } == snapshot.tasks.map { environment.planner.dueDate($0) })
        #expect(back.tasks.map(\.progress) == snapshot.tasks.map(\.progress))
    }

    /// The trend covers every archived week, and progress text unchanged
    /// over the last `stale_weeks` digests' ledgers makes a task yellow.
    @Test func trendAndStaleProgressComeFromArchivedWeeks() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        let stage = DigestStage(environment: environment)
        var snapshot = environment.loadLedger()
        for (week, monday) in [("2026-W25", "2026-06-15"), ("2026-W26", "2026-06-22"), ("2026-W27", "2026-06-29")] {
            _ = try await stage.produce(week: ISOWeek(week)!, snapshot: snapshot, database: database,
                                        now: environment.clock.parse("\(monday)T09:00")!, send: true)
        }
        // One open task reports new progress this week; the others are as they were three weeks running.
        let open = snapshot.tasks.indices.filter { !snapshot.tasks[$0].status.isDone && snapshot.tasks[$0].status != .ongoing
                                                   && snapshot.tasks[$0].deadline.kind != .ongoing }
        #expect(open.count >= 2)
        snapshot.tasks[open[0]].progress += "；本周已完成初稿"
        let digest = try await stage.produce(week: ISOWeek("2026-W28")!, snapshot: snapshot, database: database,
                                             now: environment.clock.parse("2026-07-06T09:00")!, send: false).digest
        #expect(digest.trend.map(\.week.description) == ["2026-W25", "2026-W26", "2026-W27", "2026-W28"])
        // An archived week's point is what that week's digest counted.
        let w25 = DigestBuilder(planner: environment.planner).build(week: ISOWeek("2026-W25")!, today: LocalDate("2026-06-15")!, .init(snapshot: environment.loadLedger()))
        #expect(digest.trend[0] == Digest.TrendPoint(week: ISOWeek("2026-W25")!, completionRate: w25.counts.completionRate, overdue: w25.counts.overdue))
        let stale = Set(digest.tasks.filter { $0.yellowReasons.contains(.progressStale) }.map(\.id))
        let expected = Set(open.dropFirst().map { snapshot.tasks[$0].id.rawValue }).subtracting(digest.overdue.map(\.id))
        #expect(stale == expected && !stale.isEmpty)
        #expect(!stale.contains(snapshot.tasks[open[0]].id.rawValue))
        #expect(Set(digest.yellow.map(\.id)).isSuperset(of: stale))
    }

    /// The overdue list shows the notices the log records as sent, not the
    /// ones only queued.
    @Test func theOverdueListShowsTheNoticesSent() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        let snapshot = environment.loadLedger()
        let sentAt = environment.clock.parse("2026-07-01T09:00")!
        let first = try await PlanStage(environment: environment, archivesDigests: false).run(snapshot, database: database, now: sentAt)
        let escalation = try #require(first.messages.first { $0.kind == .escalation })
        try await database.markSent(messageID: escalation.id, at: sentAt)
        let late = try #require(escalation.items.first?.identity.task)
        let digest = try await DigestStage(environment: environment).produce(
            week: ISOWeek("2026-W28")!, snapshot: snapshot, database: database, now: environment.clock.parse("2026-07-06T09:00")!, send: false).digest
        let row = try #require(digest.overdue.first { $0.id == late.rawValue })
        #expect(row.notices == [Digest.Notice(kind: .escalation, step: escalation.level ?? 1, on: LocalDate("2026-07-01")!)])
        #expect(row.noticesSent == 1 && row.lastNotice == LocalDate("2026-07-01"))
        // Messages of that pass only queued (not sent) are not counted.
        let queuedOnly = Set(first.messages.filter { $0.id != escalation.id }.flatMap(\.items).map(\.identity.task.rawValue))
        for task in digest.tasks where queuedOnly.contains(task.id) && task.id != late.rawValue { #expect(task.noticesSent == 0, "\(task.id)") }
    }

    /// A sent week's trend figures are kept beside its snapshot: a later
    /// digest takes them from there instead of decoding the whole ledger
    /// again, except for the weeks whose progress texts it needs.
    @Test func sentWeeksKeepTheirTrendFigures() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        let stage = DigestStage(environment: environment)
        let snapshot = environment.loadLedger()
        let mondays = ["2026-W23": "2026-06-01", "2026-W24": "2026-06-08", "2026-W25": "2026-06-15", "2026-W26": "2026-06-22", "2026-W27": "2026-06-29"]
        for (week, monday) in mondays.sorted(by: { $0.key < $1.key }) {
            _ = try await stage.produce(week: ISOWeek(week)!, snapshot: snapshot, database: database, now: environment.clock.parse("\(monday)T09:00")!, send: true)
        }
        let now = environment.clock.parse("2026-07-06T09:00")!
        let plain = try await stage.produce(week: ISOWeek("2026-W28")!, snapshot: snapshot, database: database, now: now, send: false).digest
        // Each kept week's point is what a build from its snapshot gives.
        for point in plain.trend.dropLast() {
            let day = LocalDate(mondays[point.week.description]!)!
            #expect(point == DigestBuilder(planner: environment.planner).trendPoint(week: point.week, snapshot: snapshot, today: day))
        }
        // The recorded figures are what is read for an older week (W23, W24); the last three are decoded for their progress.
        try await database.setMeta("digest-trend:2026-W23", #"{"point":{"week":{"year":2026,"week":23},"completionRate":12.5,"overdue":9},"departments":{}}"#)
        try await database.setMeta("digest-trend:2026-W25", #"{"point":{"week":{"year":2026,"week":25},"completionRate":99,"overdue":99},"departments":{}}"#)
        let recorded = try await stage.produce(week: ISOWeek("2026-W28")!, snapshot: snapshot, database: database, now: now, send: false).digest
        #expect(recorded.trend[0] == Digest.TrendPoint(week: ISOWeek("2026-W23")!, completionRate: 12.5, overdue: 9))
        #expect(recorded.trend[1] == plain.trend[1] && recorded.trend[2] == plain.trend[2])   // W25 is recent: decoded
        #expect(recorded.trend.count == 6)
    }

    /// Maintenance drops digest ledgers older than keep_bodies_days (but the
    /// newest); the weeks they belonged to keep their place in the trend,
    /// from the figures recorded when each was sent.
    @Test func theTrendKeepsWeeksWhoseLedgerWasDropped() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        let stage = DigestStage(environment: environment)
        let snapshot = environment.loadLedger()
        let mondays = [("2026-W24", "2026-06-08"), ("2026-W25", "2026-06-15"), ("2026-W26", "2026-06-22"), ("2026-W27", "2026-06-29")]
        for (week, monday) in mondays {
            _ = try await stage.produce(week: ISOWeek(week)!, snapshot: snapshot, database: database, now: environment.clock.parse("\(monday)T09:00")!, send: true)
        }
        let before = try await stage.produce(week: ISOWeek("2026-W28")!, snapshot: snapshot, database: database,
                                             now: environment.clock.parse("2026-07-06T09:00")!, send: false).digest
        let dropped = try await database.maintain(now: environment.clock.parse("2026-10-05T09:00")!, keepBodiesDays: 90)
        #expect(dropped.snapshotsDropped == 3)
        #expect(try await database.digestSnapshotWeeks(before: ISOWeek("2026-W28")!) == [ISOWeek("2026-W27")!])
        let after = try await stage.produce(week: ISOWeek("2026-W28")!, snapshot: snapshot, database: database,
                                            now: environment.clock.parse("2026-07-06T09:00")!, send: false).digest
        #expect(after.trend.map(\.week.description) == ["2026-W24", "2026-W25", "2026-W26", "2026-W27", "2026-W28"])
        #expect(after.trend == before.trend)
    }

    /// A past week rebuilt from its ledger is the digest that was sent:
    /// an escalation queued after it, and mail that failed after it, are
    /// not part of it.
    @Test func aPastWeekIsRebuiltAsItWasSent() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        let stage = DigestStage(environment: environment)
        let snapshot = environment.loadLedger()
        let sentAt = environment.clock.parse("2026-06-29T09:00")!
        // As the daemon does: the ledger read is kept as the last good one before the pass plans.
        try await database.replaceSnapshot(snapshot, for: .lastGood, at: sentAt)
        let produced = try await stage.produce(week: ISOWeek("2026-W27")!, snapshot: snapshot, database: database, now: sentAt, send: true)
        try await database.queue(produced.mails, skipped: [], at: sentAt)
        // Two days later a pass escalates an overdue task.
        let later = try await PlanStage(environment: environment, archivesDigests: false).run(snapshot, database: database, now: environment.clock.parse("2026-07-01T09:00")!)
        #expect(later.messages.contains { $0.kind == .escalation })
        let rebuilt = try #require(try await stage.rebuild(week: ISOWeek("2026-W27")!, database: database))
        #expect(rebuilt.tasks.map(\.highestEscalationStep) == produced.digest.tasks.map(\.highestEscalationStep))
        #expect(rebuilt == produced.digest)
    }

    /// 整改时限 in the workbook is the deadline as written: 立行立改 and
    /// "X前完成并长期坚持" read back as what they were, not as plain dates.
    @Test func theWorkbookKeepsDeadlinesAsWritten() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        var snapshot = environment.loadLedger()
        let open = snapshot.tasks.indices.filter { !snapshot.tasks[$0].status.isDone }
        #expect(open.count >= 2)
        snapshot.tasks[open[0]].deadline = .immediate(nil)
        snapshot.tasks[open[0]].deadlineText = "立行立改"
        snapshot.tasks[open[1]].deadline = .byThenOngoing(LocalDate("2026-09-30")!)
        snapshot.tasks[open[1]].deadlineText = "2026年9月底前，并长期坚持"
        let produced = try await DigestStage(environment: environment).produce(
            week: ISOWeek("2026-W28")!, snapshot: snapshot, database: database, now: environment.clock.parse("2026-07-06T09:00")!, send: true)
        let file = path.deletingLastPathComponent().appendingPathComponent("kinds.xlsx")
        try attachment(of: try #require(produced.mails.first).mime, to: file)
        let back = LedgerLoader(feedbackDate: environment.configuration.programme.feedbackDate).load(file)
        #expect(back.diagnostics.errorCount == 0, "\(back.diagnostics)")
        #expect(back.tasks.map(\.deadline.kind) == snapshot.tasks.map(\.deadline.kind))
        #expect(back.tasks.map { environment.planner.dueDate($0) } == snapshot.tasks.map { environment.planner.dueDate($0) })
    }
}
