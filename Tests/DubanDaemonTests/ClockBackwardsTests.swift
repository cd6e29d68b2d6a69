import DubanConfig
import DubanCore
@testable import DubanDaemon
import DubanStore
import DubanSystemd
import DubanTesting
import Foundation
import Logging
import Synchronization
import Testing

/// The wall clock stepped back (an NTP step, a VM restored from a snapshot,
/// `run --once --at` in the past after a later pass): the real pipeline on a
/// real state database, with only the clock under the test's control.
@Suite struct ClockBackwardsTests {
    @Test func noDigestGoesOutForAWeekOlderThanTheNewestSent() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path)
        let snapshot = environment.loadLedger()
        let stage = PlanStage(environment: environment, archivesDigests: false)
        let clock = environment.clock

        // Week 29's digest goes out at its slot.
        let week29 = try await stage.run(snapshot, database: database, now: #require(clock.parse("2026-07-13T09:00")))
        #expect(week29.messages.filter { $0.kind == .digest }.count == 1 + environment.configuration.digest.departments.count)

        // The clock is back in week 27, at its slot: nothing for week 27, and
        // the next digest is week 30's.
        let week27 = try await stage.run(snapshot, database: database, now: #require(clock.parse("2026-06-29T09:00")))
        #expect(week27.messages.filter { $0.kind == .digest }.isEmpty, "\(week27.messages.map(\.id))")
        #expect(try await database.loggedIdentities().filter { $0.kind == .digest && $0.about < LocalDate(year: 2026, month: 7, day: 6)! }.isEmpty)
        #expect(week27.next.map { clock.iso($0) <= "2026-07-20T09:00:00+08:00" } ?? false)
    }

    /// A retry scheduled before the clock went back a day would wait a day;
    /// the daemon's next pass pulls it in and tries again at once.
    @Test func retriesArePulledInAfterTheClockWentBack() async throws {
        var (environment, path) = try exampleEnvironment()
        // A local MTA that is always busy: every message waits for a retry.
        let folder = try temporaryFolder("tempfail")
        let sendmail = folder.appendingPathComponent("sendmail")
        try "#!/bin/sh\ncat >/dev/null\necho 'try later' >&2\nexit 75\n".write(to: sendmail, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sendmail.path)
        environment.configuration.mail.transport = .sendmail
        environment.configuration.mail.sendmail = sendmail.path
        let retryMax = environment.configuration.delivery.retryMaxSeconds

        let start = try #require(environment.clock.parse("2026-06-23T09:00"))
        let clock = SteppedClock(start)
        let daemon = try await Daemon(configPath: "", environment: environment, notifier: SilentNotifier(),
                                logger: Logger(label: "test"), now: { clock.now })
        _ = await daemon.pass(reason: "test")
        let database = try DubanDatabase.open(at: path)
        let pending = try await database.outbox(state: .pending)
        #expect(!pending.isEmpty)
        #expect(pending.allSatisfy { ($0.nextAttemptAt ?? .distantFuture) > start && $0.attempts == 1 })

        clock.now = start.addingTimeInterval(-86_400)
        _ = await daemon.pass(reason: "test")
        for entry in try await database.outbox(state: .pending) {
            // Tried again at the stepped-back time, and due again within the longest backoff.
            #expect(entry.attempts == 2, "\(entry.messageID)")
            let next = try #require(entry.nextAttemptAt)
            #expect(next <= clock.now.addingTimeInterval(TimeInterval(retryMax)), "\(entry.messageID) waits until \(next)")
        }
    }
}

/// The only test double: a wall clock the test sets.
final class SteppedClock: Sendable {
    private let value: Mutex<Date>
    init(_ start: Date) { value = Mutex(start) }
    var now: Date {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
