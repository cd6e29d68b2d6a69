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

@Suite struct PlanStageTests {
    @Test func aRestartNeverQueuesTheSameNotificationTwice() async throws {
        let (environment, path) = try exampleEnvironment()
        let snapshot = environment.loadLedger()
        let now = environment.clock.parse("2026-06-23T09:00")!
        let first = try await PlanStage(environment: environment).run(snapshot, database: try DubanDatabase.open(at: path), now: now)
        // The reminder for T1-1, the acceptance notice T1-2 has been owed since 06-03,
        // the standing measure T1-3 (每季度一次): its leader told that Q1 passed unrecorded
        // (caught up) and its officer asked for Q2, and this week's digest and personal lists
        // (Monday's slot has passed: caught up).
        #expect(first.messages.map(\.kind) == [.reminder, .acceptance, .standing, .standing, .digest, .personal, .personal])

        // A new process, the same file, the same moment and a re-read ledger: nothing new.
        let restarted = try DubanDatabase.open(at: path)
        let second = try await PlanStage(environment: environment).run(environment.loadLedger(), database: restarted, now: now.addingTimeInterval(60))
        #expect(second.messages.isEmpty)
        #expect(try await restarted.outboxCounts().pending == 7)
        let entry = try #require(try await restarted.deliverable(now: now).first { $0.kind == "reminder" })
        #expect(entry.subject == "【整改提醒】您有1项整改任务将于2026-06-30到期")
        #expect(entry.recipients.contains("zhang.wei@example.org"))
    }

    @Test func simulationOfTheExampleLedger() async throws {
        let (environment, _) = try exampleEnvironment()
        let clock = environment.clock
        let result = try await Simulation(environment: environment).run(environment.loadLedger(), from: clock.parse("2026-06-01")!, to: clock.parse("2026-07-31T23:59")!)
        let lines = result.entries.filter { ![.digest, .personal].contains($0.message.kind) }.map { "\(clock.date(of: $0.at)) \($0.message.kind.rawValue)\($0.message.level.map { " L\($0)" } ?? "") \($0.message.items.map(\.identity.task.rawValue))" }
        #expect(lines == [
            "2026-06-01 standing L2 [\"T1-3\"]",      // 每季度一次, nothing recorded in Q1: caught up at the first slot
            "2026-06-03 acceptance [\"T1-2\"]",       // completed 05-20 + 10 working days
            "2026-06-17 acceptance [\"T1-2\"]",       // still unaccepted: repeated every 10 working days
            "2026-06-23 reminder [\"T1-1\"]",         // 7 days before 06-30
            "2026-06-23 standing L1 [\"T1-3\"]",      // 7 days before Q2 ends: the officer is asked
            "2026-06-30 lookback [\"T2-1\"]",         // closed 03-31 + 3 months
            "2026-07-01 escalation L1 [\"T1-1\"]",    // first working day after 06-30
            "2026-07-01 standing L2 [\"T1-3\"]",      // Q2 passed unrecorded: the leader is told
            "2026-07-02 acceptance [\"T1-2\"]",       // repeat 2 (06-19 端午 does not count)
            "2026-07-03 closure [\"T2-2\"]",          // accepted 06-20, not closed 10 working days later
            "2026-07-07 escalation L2 [\"T1-1\"]",    // 5th working day after
            "2026-07-14 escalation L2 [\"T1-1\"]",    // repeats every 5 working days
            "2026-07-14 lookback [\"T2-1\"]",         // no 回头看日期 10 working days after: the follow-up
            "2026-07-16 acceptance [\"T1-2\"]",       // repeat 3, the last
            "2026-07-17 closure [\"T2-2\"]",
            "2026-07-21 escalation L2 [\"T1-1\"]",
            "2026-07-28 escalation L2 [\"T1-1\"]",
            "2026-07-31 closure [\"T2-2\"]",
        ])
        // Personal lists, every Monday: 张伟 while T1-1 is open; 李强 once it is due within 7 days or overdue.
        // 孙丽's tasks are open too, but she has no address.
        let personal = result.entries.filter { $0.message.kind == .personal }.map { "\(clock.date(of: $0.at)) \($0.message.to.compactMap(\.email).joined())" }
        let zhang = ["2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22"].map { "\($0) zhang.wei@example.org" }
        let both = ["2026-06-29", "2026-07-06", "2026-07-13", "2026-07-20", "2026-07-27"].flatMap { ["\($0) zhang.wei@example.org", "\($0) li.qiang@example.org"] }
        #expect(personal == zhang + both)
    }

    @Test func downtimeIsCaughtUpOnceNotReplayed() async throws {
        let (environment, _) = try exampleEnvironment()
        let clock = environment.clock
        // Down from 06-20 to 07-09 10:00: the reminder and L1 for T1-1 are never sent; L2 goes once.
        let result = try await Simulation(environment: environment).run(
            environment.loadLedger(), from: clock.parse("2026-06-15")!, to: clock.parse("2026-07-10T23:59")!,
            downtime: [clock.parse("2026-06-20T00:00")!..<clock.parse("2026-07-09T10:00")!])
        // Personal lists: the one of 06-15, before the outage; the week of 07-09's caught up when Duban is
        // back (张伟's and 李强's), the missed weeks before it not replayed.
        #expect(result.entries.filter { $0.message.kind == .personal }.map { clock.iso($0.at) }
                == ["2026-06-15T09:00:00+08:00", "2026-07-09T10:00:00+08:00", "2026-07-09T10:00:00+08:00"])
        #expect(result.entries.filter { $0.message.kind == .personal && $0.at > clock.parse("2026-07-01")! }
                    .allSatisfy { $0.message.extraIdentities.first?.about == LocalDate("2026-07-06") })
        let sent = result.entries.filter { ![.digest, .personal].contains($0.message.kind) }.map { "\(clock.iso($0.at)) \($0.message.items.map(\.identity.key).joined())" }
        #expect(sent == [
            "2026-06-15T09:00:00+08:00 T1-2/acceptance/1/2026-05-20",     // owed since 06-03: caught up at the first slot
            "2026-06-15T09:00:00+08:00 T1-3/standing/2/2026-03-31",       // Q1 of the standing measure passed unrecorded
            "2026-06-17T09:00:00+08:00 T1-2/acceptance/2/2026-05-20",     // its first repeat, on its day
            "2026-07-09T10:00:00+08:00 T1-1/escalation/2/2026-06-30",     // back at 10:00, inside the window: at once
            "2026-07-09T10:00:00+08:00 T1-2/acceptance/3/2026-05-20",
            "2026-07-09T10:00:00+08:00 T2-1/lookback/1/2026-03-31",
            "2026-07-09T10:00:00+08:00 T2-2/closure/1/2026-06-20",
            "2026-07-09T10:00:00+08:00 T1-3/standing/2/2026-06-30",       // Q2 too; its request (06-23) fell in the outage
        ])
        let skipped = result.skipped.filter { $0.skip.identity.kind != .digest }.map { "\($0.skip.identity.key) \($0.skip.reason.rawValue)" }.sorted()
        // Two digest weeks were missed during the outage: the older is skipped, only the latest goes.
        #expect(result.skipped.filter { $0.skip.identity.kind == .digest }.map(\.skip.reason) == [.supersededByLaterDigest, .supersededByLaterDigest])
        #expect(skipped == [
            "T1-1/checkpoint/7/2026-04-30 deadline_passed",
            "T1-1/checkpoint/7/2026-05-31 deadline_passed",
            "T1-1/escalation/1/2026-06-30 superseded_by_higher_escalation",
            "T1-1/reminder/7/2026-06-30 deadline_passed",
            "T1-3/standing/1/2026-03-31 period_ended",   // Q1's request was never due while Duban ran
            "T1-3/standing/1/2026-06-30 period_ended",   // Q2's fell in the outage
        ])
    }
}
