import DubanCore
import DubanStore
import Foundation
import Testing

@Suite struct DubanDatabaseTests {
    let now = Date(timeIntervalSince1970: 1_782_000_000)

    func message(_ ids: [String], kind: NotificationKind = .reminder) -> PlannedMessage {
        let items = ids.map { id in
            PlannedItem(identity: NotificationIdentity(task: TaskID(id), kind: kind, step: 7, about: LocalDate("2026-06-30")!),
                        task: RectificationTask(id: TaskID(id), idIsExplicit: true, problemNumber: "1", source: SourceLocation(file: "l.csv", row: 2)),
                        dueDay: LocalDate("2026-06-23")!)
        }
        return PlannedMessage(kind: kind, level: nil, slot: now, to: [Contact(name: "张伟", email: "zhang.wei@example.org")],
                              cc: [], items: items, unreachable: [])
    }

    func mail(_ message: PlannedMessage, _ subject: String) -> OutgoingMail {
        OutgoingMail(message: message, subject: subject, sender: "duban@example.org", recipients: ["zhang.wei@example.org"],
                     mime: Array("Subject: \(subject)\r\n\r\nbody\r\n".utf8))
    }

    /// A real SQLite file in a fresh folder.
    func fileDatabase() throws -> (DubanDatabase, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("duban.sqlite")
        return (try DubanDatabase.open(at: url), url)
    }

    @Test func queueingWritesLogAndOutboxTogetherAndSurvivesReopening() async throws {
        let (database, url) = try fileDatabase()
        let skip = SkippedNotification(identity: NotificationIdentity(task: TaskID("B"), kind: .reminder, step: 7, about: LocalDate("2026-06-01")!),
                                       reason: .deadlinePassed)
        try await database.queue([mail(message(["A1", "A2"]), "【整改提醒】")], skipped: [skip], at: now)

        // Reopen the file, as after a restart: the log and the outbox are both there.
        let reopened = try DubanDatabase.open(at: url)
        #expect(try await reopened.loggedIdentities().map(\.key).sorted() == ["A1/reminder/7/2026-06-30", "A2/reminder/7/2026-06-30", "B/reminder/7/2026-06-01"])
        let pending = try await reopened.deliverable(now: now)
        #expect(pending.count == 1)
        #expect(pending[0].subject == "【整改提醒】")
        #expect(pending[0].recipientList == ["zhang.wei@example.org"])
        #expect(String(decoding: pending[0].mime, as: UTF8.self).hasPrefix("Subject: 【整改提醒】"))
        #expect(try pending[0].message().items.map(\.identity.task.rawValue) == ["A1", "A2"])
        #expect(try await reopened.logState(of: skip.identity) == .skipped)
    }

    @Test func queueingTheSameIdentityTwiceFailsWholeAndChangesNothing() async throws {
        let database = try DubanDatabase.inMemory()
        try await database.queue([mail(message(["A"]), "s")], skipped: [], at: now)
        // A second message containing A (and a new B) must not half-commit.
        await #expect(throws: StoreError.self) { try await database.queue([self.mail(self.message(["B", "A"]), "s2")], skipped: [], at: self.now) }
        #expect(try await database.loggedIdentities().map(\.key) == ["A/reminder/7/2026-06-30"])
        #expect(try await database.outboxCounts() == .init(pending: 1, sent: 0, failed: 0))
    }

    @Test func sentAndFailedAreRecordedAndNeverDeleted() async throws {
        let database = try DubanDatabase.inMemory()
        let a = message(["A"]), b = message(["B"])
        try await database.queue([mail(a, "a"), mail(b, "b")], skipped: [], at: now)
        try await database.markSent(messageID: a.id, at: now)
        try await database.recordFailure(messageID: b.id, error: "421 try later", retryAt: now.addingTimeInterval(60))
        #expect(try await database.deliverable(now: now).isEmpty)                       // b waits for its retry time
        #expect(try await database.deliverable(now: now.addingTimeInterval(61)).map(\.messageID) == [b.id])
        try await database.recordFailure(messageID: b.id, error: "550 no such user", retryAt: nil)
        #expect(try await database.outboxCounts() == .init(pending: 0, sent: 1, failed: 1))
        let failed = try await database.outbox(state: .failed)
        #expect(failed.first?.lastError == "550 no such user" && failed.first?.attempts == 2)
        #expect(try await database.logState(of: a.items[0].identity) == .sent)
        #expect(try await database.logState(of: b.items[0].identity) == .queued)
    }

    @Test func firstSeenCompletionIsRememberedAndForgotten() async throws {
        let database = try DubanDatabase.inMemory()
        var task = RectificationTask(id: TaskID("A"), idIsExplicit: true, problemNumber: "1", status: .completed, source: SourceLocation(file: "l.csv"))
        let d1 = LocalDate("2026-06-01")!, d2 = LocalDate("2026-06-05")!
        #expect(try await database.observeCompletions(LedgerSnapshot(tasks: [task]), today: d1) == [TaskID("A"): d1])
        #expect(try await database.observeCompletions(LedgerSnapshot(tasks: [task]), today: d2) == [TaskID("A"): d1])
        task.status = .inProgress
        #expect(try await database.observeCompletions(LedgerSnapshot(tasks: [task]), today: d2).isEmpty)
        task.status = .completed
        #expect(try await database.observeCompletions(LedgerSnapshot(tasks: [task]), today: d2) == [TaskID("A"): d2])
    }

    @Test func snapshotsAreKeptNotOverwritten() async throws {
        let database = try DubanDatabase.inMemory()
        let one = LedgerSnapshot(tasks: [RectificationTask(id: TaskID("A"), idIsExplicit: true, problemNumber: "1", deadline: .byThenOngoing(LocalDate("2026-12-31")!), source: SourceLocation(file: "l.csv"))])
        #expect(try await database.saveSnapshot(one, for: .digest(ISOWeek("2026-W26")!), at: now))
        #expect(try await !database.saveSnapshot(LedgerSnapshot(), for: .digest(ISOWeek("2026-W26")!), at: now))
        try await database.saveSnapshot(LedgerSnapshot(), for: .digest(ISOWeek("2026-W27")!), at: now)
        let previous = try #require(try await database.latestDigestSnapshot(before: ISOWeek("2026-W27")!))
        #expect(previous.week == ISOWeek("2026-W26"))
        #expect(previous.snapshot.tasks.first?.deadline == .byThenOngoing(LocalDate("2026-12-31")!))
    }

    /// An in-memory database encodes an unchanged snapshot once and decodes
    /// an unchanged payload once (`simulate`); a changed one is stored and
    /// read back changed, whatever came before it.
    @Test func anInMemoryDatabaseStoresEachSnapshotAsGivenWhenOneRepeats() async throws {
        let database = try DubanDatabase.inMemory()
        func snapshot(_ deadline: String) -> LedgerSnapshot {
            LedgerSnapshot(tasks: [RectificationTask(id: TaskID("A"), idIsExplicit: true, problemNumber: "1", deadline: .by(LocalDate(deadline)!),
                                                     source: SourceLocation(file: "l.csv", row: 2))])
        }
        let weeks = ["2026-W26", "2026-W27", "2026-W28", "2026-W29"].map { ISOWeek($0)! }
        let stored = [snapshot("2026-07-01"), snapshot("2026-07-01"), snapshot("2026-08-01"), snapshot("2026-07-01")]
        for (week, value) in zip(weeks, stored) {
            try await database.saveSnapshot(value, for: .digest(week), at: now)
            #expect(try await database.latestDigestSnapshot()?.snapshot == value)
        }
        for (index, week) in weeks.enumerated().dropFirst() {
            #expect(try await database.latestDigestSnapshot(before: week)?.snapshot == stored[index - 1])
        }
        #expect(try await database.digestHistory(before: ISOWeek("2026-W30")!) { _, _, snapshot in snapshot } == stored)
        try await database.replaceSnapshot(snapshot("2026-09-01"), for: .lastGood, at: now)
        #expect(try await database.lastGoodSnapshot() == snapshot("2026-09-01"))
    }

    @Test func readOnlyOpenOfAMissingDatabaseIsEmptyNotAnError() async throws {
        #expect(try DubanDatabase.openReadOnly(at: URL(fileURLWithPath: "/nonexistent/duban.sqlite")) == nil)
        let (database, url) = try fileDatabase()
        try await database.setMeta("next_wake", "2026-06-23T09:00:00+08:00")
        let readOnly = try #require(try DubanDatabase.openReadOnly(at: url))
        #expect(try await readOnly.meta("next_wake") == "2026-06-23T09:00:00+08:00")
        await #expect(throws: StoreError.self) { try await readOnly.setMeta("x", "y") }
    }

    @Test func anUnwritablePathIsAClearError() async {
        #expect { try DubanDatabase.open(at: URL(fileURLWithPath: "/nonexistent/dir/duban.sqlite")) } throws: { error in
            "\(error)".contains("/nonexistent/dir/duban.sqlite")
        }
    }
}
