import DubanCore
@testable import DubanStore
import Foundation
import Testing

/// Another process holding the database (Tests/Support/hold_sqlite.py): a
/// real SQLite connection in a real process, not a mock.
final class SQLiteHolder {
    let process = Process()
    let input = Pipe()

    init(_ url: URL, _ mode: String) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/hold_sqlite.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script.path, url.path, mode]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.readData(ofLength: 6), as: UTF8.self)
        guard line.hasPrefix("READY") else { throw StoreError(.query, "hold_sqlite.py did not start: \(line)") }
    }

    func release() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { release() } }
}

@Suite(.serialized) struct StateSharingTests {
    let now = Date(timeIntervalSince1970: 1_782_000_000)
    let fixtures = DubanDatabaseTests()

    func fileURL() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-sharing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("duban.sqlite")
    }

    /// Issue 10 item 1: a second deliverer is refused with the holder's pid;
    /// the lock goes with its holder.
    @Test func onlyOneProcessDeliversFromADatabase() async throws {
        let url = try fileURL()
        var first: DubanDatabase? = try DubanDatabase.open(at: url, delivering: true)
        #expect(first?.holdsDeliveryLock == true)
        #expect(try String(contentsOf: DeliveryLock.url(for: url), encoding: .utf8) == "\(getpid())\n")
        #expect { try DubanDatabase.open(at: url, delivering: true) } throws: { error in
            let error = error as? StoreError
            return error?.code == .heldElsewhere && error?.message.contains("pid \(getpid())") == true
        }
        // A command that would deliver waits briefly, then only queues.
        guard case .queueOnly(let queuer, let holder) = try await DubanDatabase.openToDeliver(at: url, patience: .milliseconds(300)) else {
            Issue.record("a second deliverer was let in")
            return
        }
        #expect(holder.code == .heldElsewhere)
        #expect(!queuer.holdsDeliveryLock)
        await #expect(throws: StoreError.self) { _ = try await queuer.claimDue(now: self.now, after: 0, limit: 10) }
        // The holder goes (as a process that dies: the descriptor closes): the next one gets it.
        first = nil
        #expect(try DubanDatabase.open(at: url, delivering: true).holdsDeliveryLock)
    }

    /// Rows are claimed before they are sent; a new holder releases the
    /// claims of the previous (dead) one.
    @Test func claimsAreExclusiveAndReleasedByTheNextHolder() async throws {
        let url = try fileURL()
        var deliverer: DubanDatabase? = try DubanDatabase.open(at: url, delivering: true)
        try await deliverer!.queue([fixtures.mail(fixtures.message(["A"]), "a"), fixtures.mail(fixtures.message(["B"]), "b")], skipped: [], at: now)
        let claimed = try await deliverer!.claimDue(now: now, after: 0, limit: 1)
        #expect(claimed.count == 1 && claimed[0].claimedBy == Int64(getpid()))
        // Claimed rows are not handed out again.
        let rest = try await deliverer!.claimDue(now: now, after: 0, limit: 10)
        #expect(rest.map(\.subject) == ["b"])
        deliverer = nil
        let next = try DubanDatabase.open(at: url, delivering: true)
        #expect(try await next.claimDue(now: now, after: 0, limit: 10).count == 2)
    }

    /// Issue 11: WAL. A long reader (another process in a read transaction)
    /// does not stop the writer, and a writer holding the lock does not stop
    /// a reader. In the old rollback-journal mode the first write failed
    /// with SQLITE_BUSY after the busy timeout.
    @Test func aLongReaderAndAWriterOverlap() async throws {
        let url = try fileURL()
        let database = try DubanDatabase.open(at: url, delivering: true, busyTimeout: 1)
        let a = fixtures.message(["A"])
        try await database.queue([fixtures.mail(a, "a")], skipped: [], at: now)
        let reader = try SQLiteHolder(url, "read")
        // With the reader's transaction open, the write succeeds: in rollback-journal
        // mode it throws SQLITE_BUSY once the 1 s busy timeout runs out. (No wall-clock
        // bound here: on a loaded machine a successful write can itself take a second.)
        try await database.markSent(messageID: a.id, at: now)
        reader.release()

        let writer = try SQLiteHolder(url, "write")
        let status = try #require(try DubanDatabase.openReadOnly(at: url))
        #expect(try await status.outboxCounts() == .init(pending: 0, sent: 1, failed: 0))
        // …while a write waits, then fails as transient, with a clear message.
        await #expect { try await database.setMeta("x", "y") } throws: { error in
            let error = error as? StoreError
            return error?.isTransient == true && error?.message.contains("locked by another process") == true
        }
        writer.release()
    }

    /// Issue 10 item 7: a damaged file is found before planning, with one
    /// clear message, not a raw SQLite error at every pass.
    @Test func aDamagedFileIsRefusedClearly() async throws {
        let url = try fileURL()
        try Data(repeating: 0x41, count: 8192).write(to: url)
        #expect { try DubanDatabase.open(at: url) } throws: { error in
            let error = error as? StoreError
            return error?.code == .corrupt && error?.message.contains(url.path) == true && error?.message.contains("backup") == true
        }
    }

    /// Issue 10 item 7: a log that lost pages made every pass fail on a raw
    /// UNIQUE error: the planner, not finding the notices in the log, plans
    /// them again, and the outbox (or an index) still has them.
    @Test func aLogThatLostPagesIsNamedWithWhatToDo() async throws {
        let url = try fileURL()
        let database = try DubanDatabase.open(at: url)
        let a = fixtures.message(["A"])
        try await database.queue([fixtures.mail(a, "a")], skipped: [], at: now)
        // What lost pages leave: the outbox still has the message, the log has forgotten it.
        let script = """
            import sqlite3, sys
            sqlite3.connect(sys.argv[1], isolation_level=None).execute("DELETE FROM notificationLog")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, url.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let reopened = try DubanDatabase.open(at: url)
        #expect(try await reopened.loggedIdentities().isEmpty)  // what the planner now believes
        await #expect { try await reopened.queue([fixtures.mail(fixtures.message(["A"]), "a again")], skipped: [], at: now) } throws: { error in
            let error = error as? StoreError
            return error?.code == .logDamaged && error?.message.contains("restore") == true && error?.message.contains("integrity_check") == true
        }
    }

    /// Issue 11: migrations are append-only; a database written by the
    /// first release (v1 schema, with its rows) opens and upgrades.
    @Test func aDatabaseOfTheFirstReleaseOpensAndUpgrades() async throws {
        let url = try fileURL()
        let old = try DubanDatabase.legacy(at: url, upTo: DubanDatabase.firstMigration)
        try await old.execute("""
            INSERT INTO outbox (messageID, kind, slot, recipients, subject, sender, envelopeRecipients, mime, payload, state, attempts, createdAt)
            VALUES ('m1@duban', 'reminder', '2026-06-23 01:00:00.000', '{"cc":[],"to":["a@example.org"]}', '旧提醒', 'zgb@example.org',
                    '["a@example.org"]', x'41', x'7b7d', 'pending', 0, '2026-06-23 01:00:00.000');
            INSERT INTO notificationLog (key, taskID, kind, step, about, state, messageID, recordedAt)
            VALUES ('T1/reminder/7/2026-06-30', 'T1', 'reminder', 7, '2026-06-30', 'queued', 'm1@duban', '2026-06-23 01:00:00.000');
            """)
        let upgraded = try DubanDatabase.open(at: url, delivering: true)
        #expect(try await upgraded.loggedIdentities().map(\.key) == ["T1/reminder/7/2026-06-30"])
        let pending = try await upgraded.claimDue(now: now, after: 0, limit: 10)
        #expect(pending.map(\.subject) == ["旧提醒"] && pending[0].state == .pending && pending[0].deliveredAt == nil)
        try await upgraded.markSent(messageID: "m1@duban", at: now, refused: ["b@example.org": "550 no such user"])
        #expect(try await upgraded.refusedRecipientCount() == 1)
    }

    /// Issue 11: retention keeps every log row and every message's headers,
    /// drops the bodies of messages sent long ago, and digest snapshots no
    /// digest reads again; once a day.
    @Test func retentionDropsOldBodiesAndKeepsTheAuditTrail() async throws {
        let database = try DubanDatabase.inMemory()
        let old = fixtures.message(["OLD"]), recent = fixtures.message(["NEW"]), waiting = fixtures.message(["WAIT"])
        try await database.queue([fixtures.mail(old, "old"), fixtures.mail(recent, "recent"), fixtures.mail(waiting, "waiting")], skipped: [], at: now)
        try await database.markSent(messageID: old.id, at: now)
        let later = now.addingTimeInterval(100 * 86400)
        try await database.markSent(messageID: recent.id, at: later.addingTimeInterval(-86400))
        for (week, day) in [("2026-W10", 0.0), ("2026-W11", 7.0), ("2026-W40", 99.0)] {
            try await database.saveSnapshot(LedgerSnapshot(), for: .digest(ISOWeek(week)!), at: now.addingTimeInterval(day * 86400))
        }

        #expect(try await database.maintenanceDue(now: later))
        let done = try await database.maintain(now: later, keepBodiesDays: 90)
        #expect(done == .init(bodiesDropped: 1, snapshotsDropped: 2))
        let rows = try await database.outbox()
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.messageID, $0) })
        #expect(byID[old.id]?.mime.isEmpty == true && byID[old.id]?.subject == "old" && byID[old.id]?.bodyDroppedAt == later)
        #expect(byID[recent.id]?.mime.isEmpty == false)
        #expect(byID[waiting.id]?.mime.isEmpty == false)  // never dropped before it is sent
        #expect(try await database.loggedIdentities().count == 3)
        #expect(try await database.latestDigestSnapshot()?.week == ISOWeek("2026-W40"))
        // Once a day.
        #expect(try await !database.maintenanceDue(now: later.addingTimeInterval(3600)))
        #expect(try await database.maintenanceDue(now: later.addingTimeInterval(86400)))
    }
}
