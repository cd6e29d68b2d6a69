import DubanConfig
import DubanCore
@testable import DubanDaemon
import DubanStore
import DubanTesting
import Foundation
import Testing

/// `duban run` as systemd runs it: a real notify socket, real signals, the
/// real clock. systemd is not PID 1 here, so the protocol is tested, not the manager.
@Suite(.serialized) struct DaemonTests {
    /// A configuration where every moment of this year and next is inside
    /// the sending window: the calendar makes every day a working day and
    /// the window spans the whole day.
    struct Setup {
        var folder: URL
        var config: String
        var ledger: URL
        var mail: URL
    }

    static func today() -> (Int, Int, Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return (c.year!, c.month!, c.day!)
    }

    static func date(daysFromToday days: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let day = calendar.date(byAdding: .day, value: days, to: Date())!
        let c = calendar.dateComponents([.year, .month, .day], from: day)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    static func ledger(_ rows: [(id: String, officer: String, email: String, deadline: String)]) -> String {
        "序号,任务编号,整改措施,责任部门,责任人,责任人邮箱,分管领导,整改时限,完成情况\n"
            + rows.map { "1,\($0.id),措施\($0.id),办公室,\($0.officer),\($0.email),李强,\($0.deadline),整改中" }.joined(separator: "\n") + "\n"
    }

    static func setup(smtpPort: Int? = nil, ledger: String) throws -> Setup {
        let folder = try temporaryFolder("daemon")
        let calendars = folder.appendingPathComponent("calendars")
        try FileManager.default.createDirectory(at: calendars, withIntermediateDirectories: true)
        let (year, _, _) = today()
        for y in [year, year + 1] {
            var weekends: [String] = []
            var d = DateComponents(calendar: Calendar(identifier: .gregorian), year: y, month: 1, day: 1).date!
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            while calendar.component(.year, from: d) == y {
                let weekday = calendar.component(.weekday, from: d)
                if weekday == 1 || weekday == 7 {
                    let c = calendar.dateComponents([.month, .day], from: d)
                    weekends.append(String(format: "%04d-%02d-%02d", y, c.month!, c.day!))
                }
                d = calendar.date(byAdding: .day, value: 1, to: d)!
            }
            try "year = \(y)\n[workdays]\n\"测试\" = [\(weekends.joined(separator: ", "))]\n"
                .write(to: calendars.appendingPathComponent("\(y).toml"), atomically: true, encoding: .utf8)
        }
        let ledgerURL = folder.appendingPathComponent("ledger/ledger.csv")
        try FileManager.default.createDirectory(at: ledgerURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try ledger.write(to: ledgerURL, atomically: true, encoding: .utf8)
        let mail = smtpPort.map { "transport = \"smtp\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = \($0)\nsecurity = \"plain\"\ntimeout_seconds = 5" }
            ?? "transport = \"files\""
        let config = """
            [organization]
            name = "测试单位"
            [programme]
            name = "测试整改"
            [ledger]
            paths = ["\(ledgerURL.path)"]
            [schedule]
            send_time = "00:00"
            quiet_from = "23:59"
            calendars = "\(calendars.path)"
            [chain]
            office = { name = "整改办", email = "zgb@example.org" }
            [state]
            path = "\(folder.path)/state/duban.sqlite"
            [delivery]
            retry_initial_seconds = 1
            retry_max_seconds = 2
            [mail]
            templates = ["\(repository.path)/config/templates"]
            folder = "\(folder.path)/mail"
            \(mail)
            """
        let path = folder.appendingPathComponent("duban.toml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return Setup(folder: folder, config: path, ledger: ledgerURL, mail: folder.appendingPathComponent("mail"))
    }

    /// Starts `duban run` in the background.
    static func start(_ setup: Setup, notify: NotifySocket? = nil, watchdogMicroseconds: Int? = nil) throws -> Process {
        let process = Process()
        process.executableURL = DubanProcess.binary
        process.arguments = ["run", "--config", setup.config]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify?.path
        environment["WATCHDOG_USEC"] = watchdogMicroseconds.map(String.init)
        environment.removeValue(forKey: "JOURNAL_STREAM")
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits for READY, then for the STATUS line the first pass ends with; returns that line.
    static func firstPass(_ socket: NotifySocket, seen: inout [String]) -> String? {
        guard socket.wait(for: { $0.contains("READY=1") }, timeout: 20, seen: &seen) != nil else { return nil }
        return socket.wait(for: { $0.hasPrefix("STATUS=") && $0.contains(" tasks · ") }, timeout: 30, seen: &seen)
    }

    static func waitForExit(_ process: Process, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        return !process.isRunning
    }

    static func eventually(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    @Test func notifyProtocolReadyStatusReloadWatchdogStop() throws {
        let setup = try Self.setup(ledger: Self.ledger([("A", "张伟", "zhang@example.org", Self.date(daysFromToday: 30))]))
        let socket = try NotifySocket()
        let process = try Self.start(setup, notify: socket, watchdogMicroseconds: 2_000_000)
        defer { if process.isRunning { process.terminate() } }
        var seen: [String] = []

        // READY once the configuration and the ledger are loaded (DESIGN.md):
        // STATUS says the ledger is being read before it, and READY carries
        // what was read; then the first pass plans.
        let ready = socket.wait(for: { $0.contains("READY=1") }, timeout: 20, seen: &seen)
        #expect(ready?.contains("STATUS=Loaded 1 tasks; planning") == true, "\(seen)")
        #expect(seen.dropLast().contains("STATUS=Reading the ledger"), "\(seen)")
        let status = socket.wait(for: { $0.hasPrefix("STATUS=1 tasks") }, timeout: 10, seen: &seen)
        #expect(status?.contains("outbox 0 pending, 0 failed") == true, "\(seen)")
        // The watchdog is pinged at half of WATCHDOG_USEC.
        #expect(socket.wait(for: { $0 == "WATCHDOG=1" }, timeout: 5, seen: &seen) != nil, "\(seen)")

        kill(process.processIdentifier, SIGHUP)
        let reloading = socket.wait(for: { $0.contains("RELOADING=1") }, timeout: 10, seen: &seen)
        #expect(reloading?.contains("MONOTONIC_USEC=") == true, "\(seen)")
        #expect(socket.wait(for: { $0.contains("READY=1") }, timeout: 10, seen: &seen) != nil, "\(seen)")

        kill(process.processIdentifier, SIGTERM)
        #expect(socket.wait(for: { $0.contains("STOPPING=1") }, timeout: 10, seen: &seen) != nil, "\(seen)")
        #expect(Self.waitForExit(process, timeout: 10))
        #expect(process.terminationStatus == 0)
    }

    @Test func aBrokenReloadKeepsTheOldConfigurationRunning() throws {
        let setup = try Self.setup(ledger: Self.ledger([("A", "张伟", "zhang@example.org", Self.date(daysFromToday: 30))]))
        let socket = try NotifySocket()
        let process = try Self.start(setup, notify: socket)
        defer { if process.isRunning { process.terminate() } }
        var seen: [String] = []
        #expect(socket.wait(for: { $0.contains("READY=1") }, timeout: 20, seen: &seen) != nil)
        let good = try String(contentsOfFile: setup.config, encoding: .utf8)
        try (good + "\n[nonsense]\nkey = 1\n").write(toFile: setup.config, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        let status = socket.wait(for: { $0.contains("reload refused") }, timeout: 10, seen: &seen)
        #expect(status?.contains("nonsense") == true, "\(seen)")
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGTERM)
        #expect(Self.waitForExit(process, timeout: 10) && process.terminationStatus == 0)
    }

    @Test func aBadConfigurationExitsBeforeReadyWithOneLine() throws {
        let socket = try NotifySocket()
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = socket.path
        let result = try runProcess(DubanProcess.binary, ["run", "--config", "/nonexistent/duban.toml"], environment: environment)
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/duban.toml"))
        #expect(socket.receive(timeout: 0.5) == nil)   // never READY
    }

    /// Reminders received so far (the weekly digest goes out too; it is not what these tests count).
    static func reminders(_ server: SMTPTestServer) -> [ParsedMail] {
        ((try? parseWithPython(server.received)) ?? []).filter { $0.subject.hasPrefix("【整改提醒】") }
    }

    @Test func endToEndMailArrivesOnceSurvivesRestartAndFollowsTheLedger() throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let setup = try Self.setup(smtpPort: server.port, ledger: Self.ledger([("A", "张伟", "zhang@example.org", Self.date(daysFromToday: 7))]))
        var process = try Self.start(setup)
        #expect(Self.eventually(20) { Self.reminders(server).count == 1 })
        let total = server.received.count

        // Restart: the reminder is in the log and does not go again.
        process.terminate()
        #expect(Self.waitForExit(process, timeout: 10))
        let socket = try NotifySocket()
        process = try Self.start(setup, notify: socket)
        defer { if process.isRunning { process.terminate() } }
        var seen: [String] = []
        // The first STATUS line after READY is sent when the first pass is over.
        #expect(Self.firstPass(socket, seen: &seen)?.contains("outbox 0 pending") == true, "\(seen)")
        #expect(server.received.count == total)   // nothing at all again, digest included

        // The ledger is saved (atomic rename) with a second task due: re-planned without a restart.
        let updated = Self.ledger([("A", "张伟", "zhang@example.org", Self.date(daysFromToday: 7)),
                                   ("B", "王芳", "wang@example.org", Self.date(daysFromToday: 7))])
        try updated.write(to: setup.ledger, atomically: true, encoding: .utf8)
        #expect(Self.eventually(15) { Self.reminders(server).count == 2 })
        #expect(Self.reminders(server).last?.to == "王芳 <wang@example.org>")
        process.terminate()
        #expect(Self.waitForExit(process, timeout: 10) && process.terminationStatus == 0)
    }

    /// SIGTERM while a pass is delivering: STOPPING=1 at once, the pass
    /// finishes (every message it took on is sent and marked), exit 0, and a
    /// restart finds nothing left to send.
    /// The first start of a release with content-derived task ids on a
    /// database an older release kept under position ids (`1-1`): the daemon
    /// carries the history over before anything replaces the ledger copy the
    /// upgrade matches against, so what was sent is not sent again and a
    /// pending 延期 request keeps the day it was first read (issue 10 item 8).
    @Test func theFirstStartAfterTheTaskIDUpgradeSendsNothingAgain() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        // No 任务编号: ids are derived. A reminder due, an overdue task at level 1, a pending 延期.
        let header = "序号,整改措施,责任部门,责任人,责任人邮箱,分管领导,整改时限,完成情况\n"
        let rows = [("提醒", "张伟", "zhang@example.org", Self.date(daysFromToday: 5), "整改中"),
                    ("逾期", "王芳", "wang@example.org", Self.date(daysFromToday: -4), "整改中"),
                    ("延期", "赵敏", "zhao@example.org", Self.date(daysFromToday: -4), "申请延期")]
        let ledger = header + rows.map { "1,措施\($0.0),办公室,\($0.1),\($0.2),李强,\($0.3),\($0.4)" }.joined(separator: "\n") + "\n"
        let setup = try Self.setup(smtpPort: server.port, ledger: ledger)
        let environment = try Environment.load(configPath: setup.config)
        let new = environment.loadLedger()
        #expect(new.tasks.count == 3 && new.tasks.allSatisfy { !$0.idIsExplicit })
        var old = new
        for index in old.tasks.indices { old.tasks[index].id = TaskID("1-\(index + 1)") }

        // The older release, two days ago: its pass queued the reminder, the
        // level-1 notice and the rest, and it kept its last good ledger.
        let then = Date().addingTimeInterval(-2 * 86_400)
        let queued: Int
        do {
            let state = environment.configuration.state.path
            try FileManager.default.createDirectory(at: state.deletingLastPathComponent(), withIntermediateDirectories: true)
            let database = try DubanDatabase.open(at: state)
            let plan = try await PlanStage(environment: environment, archivesDigests: false).run(old, database: database, now: then)
            #expect(plan.messages.contains { $0.kind == .reminder } && plan.messages.contains { $0.kind == .escalation })
            try await database.saveLastGood(old, at: then)
            queued = try await database.outboxCounts().pending
        }

        let socket = try NotifySocket()
        let process = try Self.start(setup, notify: socket)
        defer { if process.isRunning { process.terminate() } }
        var seen: [String] = []
        #expect(Self.firstPass(socket, seen: &seen)?.contains("outbox 0 pending, 0 failed") == true, "\(seen)")
        kill(process.processIdentifier, SIGTERM)
        #expect(Self.waitForExit(process, timeout: 10) && process.terminationStatus == 0)
        // What the older release queued goes out, and nothing more. The clock is
        // the wall clock: when a new week has begun since `then` (a Monday or
        // Tuesday run), that week's digest and personal lists are due as well;
        // they are new mail, not mail sent again.
        let subjects = ((try? parseWithPython(server.received)) ?? []).map(\.subject)
        let thisWeek = ISOWeek(containing: environment.clock.date(of: Date()))
        let newWeek = thisWeek != ISOWeek(containing: environment.clock.date(of: then))
        let ofTheNewWeek = subjects.filter { newWeek && $0.contains(thisWeek.description) }
        #expect(subjects.count - ofTheNewWeek.count == queued, "\(subjects)")
        #expect(subjects.filter { $0.hasPrefix("【整改提醒】") }.count == 1, "\(subjects)")

        let database = try DubanDatabase.open(at: environment.configuration.state.path)
        let today = environment.clock.date(of: Date())
        let pending = try #require(new.tasks.first { $0.measure == "措施延期" })
        #expect(try await database.extensionFacts(new, today: today).pendingSince[pending.id] == environment.clock.date(of: then))
    }

    @Test func sigtermMidPassLetsThePassFinish() throws {
        let server = try SMTPTestServer(["--slow", "1"])
        defer { server.stop() }
        let rows = (1...3).map { ("T\($0)", "干部\($0)", "t\($0)@example.org", Self.date(daysFromToday: 7)) }
        let setup = try Self.setup(smtpPort: server.port, ledger: Self.ledger(rows))
        let socket = try NotifySocket()
        var process = try Self.start(setup, notify: socket)
        defer { if process.isRunning { process.terminate() } }
        var seen: [String] = []
        #expect(socket.wait(for: { $0.contains("READY=1") }, timeout: 20, seen: &seen) != nil, "\(seen)")
        #expect(Self.eventually(20) { !Self.reminders(server).isEmpty })
        let before = server.received.count
        kill(process.processIdentifier, SIGTERM)
        #expect(socket.wait(for: { $0.contains("STOPPING=1") }, timeout: 10, seen: &seen) != nil, "\(seen)")
        #expect(Self.waitForExit(process, timeout: 30) && process.terminationStatus == 0)
        let ids = Self.reminders(server).map(\.message_id)
        #expect(ids.count == 3 && Set(ids).count == 3, "\(ids); \(before) received before SIGTERM")

        let again = try NotifySocket()
        process = try Self.start(setup, notify: again)
        var restarted: [String] = []
        #expect(Self.firstPass(again, seen: &restarted)?.contains("outbox 0 pending, 0 failed") == true, "\(restarted)")
        #expect(Self.reminders(server).count == 3)
        kill(process.processIdentifier, SIGTERM)
        #expect(Self.waitForExit(process, timeout: 10) && process.terminationStatus == 0)
    }

    @Test func sigkillMidBatchLosesNothing() throws {
        // A slow server: each message takes a second, so a kill lands mid-batch.
        let server = try SMTPTestServer(["--slow", "1"])
        defer { server.stop() }
        let rows = (1...5).map { ("K\($0)", "干部\($0)", "k\($0)@example.org", Self.date(daysFromToday: 7)) }
        let setup = try Self.setup(smtpPort: server.port, ledger: Self.ledger(rows))
        let victim = try Self.start(setup)
        #expect(Self.eventually(20) { !Self.reminders(server).isEmpty })
        kill(victim.processIdentifier, SIGKILL)
        #expect(Self.waitForExit(victim, timeout: 5))
        let afterKill = server.received.count
        let process = try Self.start(setup)
        defer { if process.isRunning { process.terminate() } }
        #expect(Self.eventually(40) { Set(Self.reminders(server).map(\.to)).count == 5 })
        let ids = Self.reminders(server).map(\.message_id)
        // Every message arrived; a duplicate is possible only for the one in flight at the kill.
        #expect(Set(ids).count == 5)
        #expect(ids.count <= 6, "received \(ids.count) after \(afterKill) before the kill")
        process.terminate()
        _ = Self.waitForExit(process, timeout: 10)
    }
}
