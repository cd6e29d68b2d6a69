import DubanConfig
import DubanCore
@testable import DubanDaemon
import DubanStore
import DubanTesting
import Foundation
import Testing

/// The shipped example configuration, with its state database moved to a fresh folder.
func exampleEnvironment() throws -> (Environment, URL) {
    var configuration = try Configuration.load(from: repository.appendingPathComponent("config/duban.toml"))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-daemon-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    configuration.state.path = folder.appendingPathComponent("duban.sqlite")
    return (try Environment.load(configuration), configuration.state.path)
}

@Suite struct ShippedCalendarTests {
    @Test func calendarFilesMatchTheStateCouncilAnnouncements() throws {
        let (calendar, diagnostics) = CalendarLoader.load(folder: repository.appendingPathComponent("config/calendars"))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let expected: [Int: (off: [String], worked: [String])] = [
            2025: (["01-01", "01-28", "01-29", "01-30", "01-31", "02-03", "02-04", "04-04", "05-01", "05-02", "05-05", "06-02",
                    "10-01", "10-02", "10-03", "10-06", "10-07", "10-08"],
                   ["01-26", "02-08", "04-27", "09-28", "10-11"]),
            2026: (["01-01", "01-02", "02-16", "02-17", "02-18", "02-19", "02-20", "02-23", "04-06", "05-01", "05-04", "05-05",
                    "06-19", "09-25", "10-01", "10-02", "10-05", "10-06", "10-07"],
                   ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"]),
        ]
        for (year, days) in expected {
            let known = try #require(calendar.years[year])
            #expect(known.holidays.keys.map(\.description).sorted() == days.off.map { "\(year)-\($0)" })
            #expect(known.workdays.keys.map(\.description).sorted() == days.worked.map { "\(year)-\($0)" })
        }
        // 261 weekdays, minus 18 (2025) / 19 (2026) holidays, plus 5 / 6 worked weekend days.
        for year in [2025, 2026] {
            var count = 0
            var d = LocalDate(year: year, month: 1, day: 1)!
            while d.year == year { if calendar.isWorkingDay(d) { count += 1 }; d = d.adding(days: 1) }
            #expect(count == 248, "\(year)")
        }
    }

    @Test func aBrokenCalendarFileIsReportedWithItsLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-cal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "year = 2027\n[holidays]\n\"元旦\" = [2027-01-01, \"soon\"]\n[workdays]\n\"春节\" = [2027-02-08]\n"
            .write(to: folder.appendingPathComponent("2027.toml"), atomically: true, encoding: .utf8)
        let (calendar, diagnostics) = CalendarLoader.load(folder: folder)
        #expect(calendar.isKnown(year: 2027))
        #expect(diagnostics.contains { $0.severity == .error && $0.location.row == 3 && $0.message.contains("expected dates") })
        #expect(diagnostics.contains { $0.severity == .warning && $0.message.contains("2027-02-08 (春节) is a weekday") })
    }
}

@Suite struct PlanStageTests {
    @Test func aRestartNeverQueuesTheSameNotificationTwice() async throws {
        let (environment, path) = try exampleEnvironment()
        let snapshot = environment.loadLedger()
        let now = environment.clock.parse("2026-06-23T09:00")!
        let first = try await PlanStage(environment: environment).run(snapshot, database: try DubanDatabase.open(at: path), now: now)
        // The reminder for T1-1, the acceptance notice T1-2 has been owed since 06-03,
        // and this week's digest (Monday's slot has passed).
        #expect(first.messages.map(\.kind) == [.reminder, .acceptance, .digest])

        // A new process, the same file, the same moment and a re-read ledger: nothing new.
        let restarted = try DubanDatabase.open(at: path)
        let second = try await PlanStage(environment: environment).run(environment.loadLedger(), database: restarted, now: now.addingTimeInterval(60))
        #expect(second.messages.isEmpty)
        #expect(try await restarted.outboxCounts().pending == 3)
        let entry = try #require(try await restarted.deliverable(now: now).first { $0.kind == "reminder" })
        #expect(entry.subject == "【整改提醒】您有1项整改任务将于2026-06-30到期")
        #expect(entry.recipients.contains("zhang.wei@example.org"))
    }

    @Test func simulationOfTheExampleLedger() async throws {
        let (environment, _) = try exampleEnvironment()
        let clock = environment.clock
        let result = try await Simulation(environment: environment).run(environment.loadLedger(), from: clock.parse("2026-06-01")!, to: clock.parse("2026-07-31T23:59")!)
        let lines = result.entries.filter { $0.message.kind != .digest }.map { "\(clock.date(of: $0.at)) \($0.message.kind.rawValue)\($0.message.level.map { " L\($0)" } ?? "") \($0.message.items.map(\.identity.task.rawValue))" }
        #expect(lines == [
            "2026-06-03 acceptance [\"T1-2\"]",       // completed 05-20 + 10 working days
            "2026-06-23 reminder [\"T1-1\"]",         // 7 days before 06-30
            "2026-06-30 lookback [\"T2-1\"]",         // closed 03-31 + 3 months
            "2026-07-01 escalation L1 [\"T1-1\"]",    // first working day after 06-30
            "2026-07-07 escalation L2 [\"T1-1\"]",    // 5th working day after
            "2026-07-14 escalation L2 [\"T1-1\"]",    // repeats every 5 working days
            "2026-07-21 escalation L2 [\"T1-1\"]",
            "2026-07-28 escalation L2 [\"T1-1\"]",
        ])
    }

    @Test func downtimeIsCaughtUpOnceNotReplayed() async throws {
        let (environment, _) = try exampleEnvironment()
        let clock = environment.clock
        // Down from 06-20 to 07-09 10:00: the reminder and L1 for T1-1 are never sent; L2 goes once.
        let result = try await Simulation(environment: environment).run(
            environment.loadLedger(), from: clock.parse("2026-06-15")!, to: clock.parse("2026-07-10T23:59")!,
            downtime: [clock.parse("2026-06-20T00:00")!..<clock.parse("2026-07-09T10:00")!])
        let sent = result.entries.filter { $0.message.kind != .digest }.map { "\(clock.iso($0.at)) \($0.message.items.map(\.identity.key).joined())" }
        #expect(sent == [
            "2026-06-15T09:00:00+08:00 T1-2/acceptance/1/2026-05-20",     // owed since 06-03: caught up at the first slot
            "2026-07-09T10:00:00+08:00 T1-1/escalation/2/2026-06-30",     // back at 10:00, inside the window: at once
            "2026-07-09T10:00:00+08:00 T2-1/lookback/1/2026-03-31",
        ])
        let skipped = result.skipped.filter { $0.skip.identity.kind != .digest }.map { "\($0.skip.identity.key) \($0.skip.reason.rawValue)" }.sorted()
        // Two digest weeks were missed during the outage: the older is skipped, only the latest goes.
        #expect(result.skipped.filter { $0.skip.identity.kind == .digest }.map(\.skip.reason) == [.supersededByLaterDigest, .supersededByLaterDigest])
        #expect(skipped == [
            "T1-1/checkpoint/7/2026-04-30 deadline_passed",
            "T1-1/checkpoint/7/2026-05-31 deadline_passed",
            "T1-1/escalation/1/2026-06-30 superseded_by_higher_escalation",
            "T1-1/reminder/7/2026-06-30 deadline_passed",
        ])
    }
}

@Suite struct LedgerShrinkTests {
    @Test(arguments: [
        // (before, after, held back?) — a save that loses a tenth of the ledger waits for confirmation
        (200, 100, true), (200, 181, false), (200, 179, true), (10, 8, true), (3, 2, false), (1, 0, false), (0, 0, false),
    ])
    func sharpShrinksWaitForConfirmation(before: Int, after: Int, held: Bool) {
        #expect(Daemon.shrankSharply(from: before, to: after) == held)
    }
}
