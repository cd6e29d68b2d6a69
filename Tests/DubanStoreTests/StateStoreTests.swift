import DubanCore
import DubanPostgres
@testable import DubanStore
import DubanTesting
import Foundation
import Testing

/// The store a shared test runs against: the SQLite file, or a fresh schema
/// in the tests' own PostgreSQL cluster (`PostgresCluster`).
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgresql

    var testDescription: String { rawValue }

    /// A new, empty store. With `delivering` it may deliver: it holds the
    /// delivery lock, or the lease (waiting out its fence). Only the claims
    /// need it: the lease's timing is the failover tests' subject, and on a
    /// loaded machine a test that does not need it should not wait for it.
    func open(delivering: Bool = false) async throws -> any StateStore {
        switch self {
        case .sqlite:
            let folder = try temporaryFolder("store")
            return try DubanDatabase.open(at: folder.appendingPathComponent("duban.sqlite"), delivering: true)
        case .postgresql:
            // A delivering store holds the lease for a fence (a third of failover) past each renewal.
            // 6 s (a 2 s fence) lapsed in a clean-clone CI run: the full suite starves the
            // cooperative pool the renewals run on. 60 s: a 20 s wait to acquire, and room.
            let settings = try await Self.settings(schema: PostgresCluster.started().freshSchema(), failover: .seconds(delivering ? 60 : 6))
            let store = try await PostgresStore.open(settings, leading: delivering)
            if delivering { try #require(await store.lease?.acquireForCommand() == true) }
            return store
        }
    }

    /// Settings for a schema of the shared cluster; a short failover keeps the fence (a third) short,
    /// and long enough for a renewal on a loaded machine. The connection wait is long: in the full
    /// suite other tests' blocking work starves the cooperative pool that measures it (every
    /// PostgreSQL case failed "no connection within 10 s" at once with the production wait).
    static func settings(schema: String, failover: Duration = .seconds(6)) async throws -> PostgresSettings {
        let cluster = try await PostgresCluster.started()
        return PostgresSettings(endpoint: .socket(folder: cluster.socketFolder, port: cluster.port), username: cluster.username,
                                password: try String(contentsOf: cluster.passwordFile, encoding: .utf8).trimmingCharacters(in: .newlines),
                                database: cluster.database, schema: schema, security: .plain,
                                display: "postgresql://\(cluster.username)@/\(cluster.database)", failover: failover,
                                connectionWait: .seconds(120))
    }
}

/// The store's contract, run against both stores: what the pipeline relies
/// on must hold whichever database is behind `StateStore`.
@Suite struct StateStoreTests {
    let now = Date(timeIntervalSince1970: 1_782_000_000)
    let fixtures = DubanDatabaseTests()

    func identity(_ task: String, _ kind: NotificationKind = .reminder, step: Int = 7, about: String = "2026-06-30") -> NotificationIdentity {
        NotificationIdentity(task: TaskID(task), kind: kind, step: step, about: LocalDate(about)!)
    }

    @Test(arguments: Backend.allCases)
    func queueingWritesLogAndOutboxTogether(_ backend: Backend) async throws {
        let store = try await backend.open()
        let skip = SkippedNotification(identity: identity("B", about: "2026-06-01"), reason: .deadlinePassed)
        try await store.queue([fixtures.mail(fixtures.message(["A1", "A2"]), "【整改提醒】")], skipped: [skip], at: now)
        #expect(try await store.loggedIdentities().map(\.key).sorted() == ["A1/reminder/7/2026-06-30", "A2/reminder/7/2026-06-30", "B/reminder/7/2026-06-01"])
        let pending = try await store.deliverable(now: now)
        #expect(pending.count == 1)
        #expect(pending[0].subject == "【整改提醒】")
        #expect(pending[0].recipientList == ["zhang.wei@example.org"])
        #expect(String(decoding: pending[0].mime, as: UTF8.self).hasPrefix("Subject: 【整改提醒】"))
        #expect(try pending[0].message().items.map(\.identity.task.rawValue) == ["A1", "A2"])
        #expect(pending[0].slot == now && pending[0].createdAt == now && pending[0].state == .pending && pending[0].attempts == 0)
        #expect(try await store.logState(of: skip.identity) == .skipped)
        #expect(try await store.logState(of: identity("A1")) == .queued)
        #expect(try await store.recordedAt(identity("A1")) == now)
        #expect(try await store.recordedAt(skip.identity) == nil)
    }

    @Test(arguments: Backend.allCases)
    func queueingAnIdentityTwiceFailsWholeAndChangesNothing(_ backend: Backend) async throws {
        let store = try await backend.open()
        try await store.queue([fixtures.mail(fixtures.message(["A"]), "s")], skipped: [], at: now)
        await #expect { try await store.queue([self.fixtures.mail(self.fixtures.message(["B", "A"]), "s2")], skipped: [], at: self.now) } throws: { error in
            (error as? StoreError)?.code == .alreadyRecorded
        }
        #expect(try await store.loggedIdentities().map(\.key) == ["A/reminder/7/2026-06-30"])
        #expect(try await store.outboxCounts() == .init(pending: 1, sent: 0, failed: 0))
    }

    @Test(arguments: Backend.allCases)
    func sentPartlyDeliveredAndFailedAreRecorded(_ backend: Backend) async throws {
        let store = try await backend.open()
        let a = fixtures.message(["A"]), b = fixtures.message(["B"]), c = fixtures.message(["C"])
        try await store.queue([fixtures.mail(a, "a"), fixtures.mail(b, "b"), fixtures.mail(c, "c")], skipped: [], at: now)
        try await store.markSent(messageID: a.id, at: now, refused: ["x@example.org": "550 no such user"])
        try await store.recordFailure(messageID: b.id, error: "421 try later", retryAt: now.addingTimeInterval(60))
        try await store.markPartlyDelivered(messageID: c.id, at: now, waiting: ["w@example.org"], refused: [:], error: "451 later",
                                            retryAt: now.addingTimeInterval(120))
        #expect(try await store.deliverable(now: now).isEmpty)
        #expect(try await store.deliverable(now: now.addingTimeInterval(61)).map(\.messageID) == [b.id])
        #expect(try await store.nextRetry() == now.addingTimeInterval(60))
        let partly = try #require(try await store.outbox(state: .pending).first { $0.messageID == c.id })
        #expect(partly.recipientList == ["w@example.org"] && partly.deliveredAt == now && partly.lastError == "451 later")
        try await store.recordFailure(messageID: b.id, error: "550 no such user", retryAt: nil)
        #expect(try await store.outboxCounts() == .init(pending: 1, sent: 1, failed: 1))
        let failed = try await store.outbox(state: .failed)
        #expect(failed.first?.lastError == "550 no such user" && failed.first?.attempts == 2)
        #expect(try await store.logState(of: a.items[0].identity) == .sent)
        #expect(try await store.logState(of: b.items[0].identity) == .queued)
        #expect(try await store.logState(of: c.items[0].identity) == .sent)
        #expect(try await store.refusedRecipients().map(\.address) == ["x@example.org"])
        #expect(try await store.refusedRecipientCount() == 1)
        #expect(try await store.outbox(state: nil, limit: 2, newestFirst: true).map(\.messageID) == [c.id, b.id])
    }

    @Test(arguments: Backend.allCases)
    func claimsAreExclusiveInQueueOrderAndReleased(_ backend: Backend) async throws {
        let store = try await backend.open(delivering: true)
        try await store.queue([fixtures.mail(fixtures.message(["A"]), "a"), fixtures.mail(fixtures.message(["B"]), "b"),
                               fixtures.mail(fixtures.message(["C"]), "c")], skipped: [], at: now)
        let first = try await store.claimDue(now: now, after: 0, limit: 2)
        #expect(first.map(\.subject) == ["a", "b"] && first.allSatisfy { $0.claimedBy == Int64(getpid()) })
        // Claimed rows are not handed out again; paging by id.
        #expect(try await store.claimDue(now: now, after: 0, limit: 10).map(\.subject) == ["c"])
        #expect(try await store.claimDue(now: now, after: first[1].id!, limit: 10).isEmpty)
        try await store.releaseClaims()
        #expect(try await store.claimDue(now: now, after: 0, limit: 10).count == 3)
    }

    @Test(arguments: Backend.allCases)
    func firstSeenCompletionIsRememberedAndForgotten(_ backend: Backend) async throws {
        let store = try await backend.open()
        var task = RectificationTask(id: TaskID("A"), idIsExplicit: true, problemNumber: "1", status: .completed, source: SourceLocation(file: "l.csv"))
        let d1 = LocalDate("2026-06-01")!, d2 = LocalDate("2026-06-05")!
        #expect(try await store.observeCompletions(LedgerSnapshot(tasks: [task]), today: d1) == [TaskID("A"): d1])
        #expect(try await store.observeCompletions(LedgerSnapshot(tasks: [task]), today: d2) == [TaskID("A"): d1])
        #expect(try await store.completions(LedgerSnapshot(tasks: [task]), today: d2) == [TaskID("A"): d1])
        task.status = .inProgress
        #expect(try await store.observeCompletions(LedgerSnapshot(tasks: [task]), today: d2).isEmpty)
        task.status = .completed
        #expect(try await store.observeCompletions(LedgerSnapshot(tasks: [task]), today: d2) == [TaskID("A"): d2])
    }

    @Test(arguments: Backend.allCases)
    func deadlineChangesAreSeenOnceFirstObservationIsNotAChange(_ backend: Backend) async throws {
        let store = try await backend.open()
        let d1 = LocalDate("2026-06-01")!, d2 = LocalDate("2026-06-02")!
        #expect(try await store.observeDeadlines([TaskID("A"): LocalDate("2026-06-30")!], today: d1).isEmpty)
        #expect(try await store.deadlineChanges([TaskID("A"): LocalDate("2026-06-20")!], today: d2) == [TaskID("A"): d2])
        #expect(try await store.observeDeadlines([TaskID("A"): LocalDate("2026-06-20")!], today: d2) == [TaskID("A"): d2])
        #expect(try await store.observeDeadlines([TaskID("A"): LocalDate("2026-06-20")!], today: LocalDate("2026-06-09")!) == [TaskID("A"): d2])
    }

    /// 延期 (`v4-ext`) as one task A lives it: asked for on 07-01, granted
    /// on 07-16 (09-30, 王书记), its date typed over on 07-17 without approval.
    enum ExtensionHistory {
        static let a = TaskID("A")
        static let july1 = LocalDate("2026-07-01")!, july10 = LocalDate("2026-07-10")!
        static let july16 = LocalDate("2026-07-16")!, july17 = LocalDate("2026-07-17")!
        static let june30 = LocalDate("2026-06-30")!, september30 = LocalDate("2026-09-30")!, october31 = LocalDate("2026-10-31")!

        static func ledger(_ deadlineExtension: DeadlineExtension?, done: Bool = false) -> LedgerSnapshot {
            var task = RectificationTask(id: a, idIsExplicit: true, problemNumber: "1", status: done ? .completed : .inProgress,
                                         source: SourceLocation(file: "l.csv"))
            task.deadlineExtension = deadlineExtension
            return LedgerSnapshot(tasks: [task])
        }
        static let requested = ledger(DeadlineExtension(requested: true, newDeadline: september30, reason: "设备未到货"))
        static let granted = ledger(DeadlineExtension(newDeadline: september30, approver: "王书记"))
        static let edited = ledger(nil)

        static func change(_ from: LocalDate, _ to: LocalDate, _ on: LocalDate, _ approver: String?) -> Digest.DeadlineChange {
            Digest.DeadlineChange(task: "A", from: from, to: to, seenOn: on, approver: approver)
        }

        static func moved(_ store: any StateStore, _ ledger: LedgerSnapshot, to due: LocalDate) async throws -> [String] {
            try await store.unapprovedDueDateChanges(ledger, dueDates: [a: due]).map { "\($0.task.id) \($0.from) → \($0.to)" }
        }
    }

    @Test(arguments: Backend.allCases)
    func extensionRequestsCountFromTheirFirstReadAndDeadlineChangesKeepTheirApprover(_ backend: Backend) async throws {
        typealias H = ExtensionHistory
        let store = try await backend.open()
        // Not yet recorded: a request counts from the day asked about, and reading records nothing.
        #expect(try await store.extensionFacts(H.requested, today: H.july1).pendingSince == [H.a: H.july1])
        #expect(try await store.extensionFacts(H.requested, today: H.july10).pendingSince == [H.a: H.july10])
        #expect(try await store.observeExtensions(H.requested, dueDates: [H.a: H.june30], today: H.july1).pendingSince == [H.a: H.july1])
        #expect(try await store.observeExtensions(H.requested, dueDates: [H.a: H.june30], today: H.july10).pendingSince == [H.a: H.july1])
        #expect(try await store.extensionFacts(H.requested, today: H.july16).pendingSince == [H.a: H.july1])
        // A finished task's request is nobody's business any more.
        #expect(try await store.extensionFacts(H.ledger(DeadlineExtension(requested: true), done: true), today: H.july16).pendingSince.isEmpty)

        // Granted: the request is forgotten, the change has its approver; `check` has nothing to say about it.
        #expect(try await H.moved(store, H.granted, to: H.september30).isEmpty)
        #expect(try await store.observeExtensions(H.granted, dueDates: [H.a: H.september30], today: H.july16).pendingSince.isEmpty)
        #expect(try await store.extensionFacts(H.requested, today: H.july17).pendingSince == [H.a: H.july17])
        // Typed over: `check` sees it before the pass records it, not after.
        #expect(try await H.moved(store, H.edited, to: H.october31) == ["A 2026-09-30 → 2026-10-31"])
        #expect(try await store.observeExtensions(H.edited, dueDates: [H.a: H.october31], today: H.july17).pendingSince.isEmpty)
        #expect(try await H.moved(store, H.edited, to: H.october31).isEmpty)
        // The same date read again is no change.
        _ = try await store.observeExtensions(H.edited, dueDates: [H.a: H.october31], today: LocalDate("2026-07-20")!)

        #expect(try await store.deadlineChanges(seenSince: H.july1) == [
            H.change(H.june30, H.september30, H.july16, "王书记"),
            H.change(H.september30, H.october31, H.july17, nil),
        ])
        #expect(try await store.deadlineChanges(seenSince: H.july17) == [H.change(H.september30, H.october31, H.july17, nil)])
        #expect(try await store.deadlineChanges(seenSince: LocalDate("2026-07-18")!).isEmpty)
    }

    /// `migrate-state` carries 延期's history: the pause still counts from
    /// the first read, the digest still lists the changes, and new changes
    /// take ids after the copied ones.
    @Test func migrateStateCarriesTheExtensionHistory() async throws {
        typealias H = ExtensionHistory
        let file = try temporaryFolder("store").appendingPathComponent("duban.sqlite")
        let sqlite = try DubanDatabase.open(at: file, delivering: true)
        _ = try await sqlite.observeExtensions(H.requested, dueDates: [H.a: H.june30], today: H.july1)
        var second = H.requested
        second.tasks[0].id = TaskID("B")
        _ = try await sqlite.observeExtensions(second, dueDates: [TaskID("B"): H.june30], today: H.july1)
        _ = try await sqlite.observeExtensions(H.granted, dueDates: [H.a: H.september30], today: H.july16)

        let postgres = try await PostgresStore.open(try await Backend.settings(schema: PostgresCluster.started().freshSchema()))
        try await postgres.load(try await sqlite.dump())
        #expect(try await postgres.extensionFacts(second, today: H.july17).pendingSince == [TaskID("B"): H.july1])
        #expect(try await postgres.deadlineChanges(seenSince: H.july1) == [H.change(H.june30, H.september30, H.july16, "王书记")])
        #expect(try await H.moved(postgres, H.edited, to: H.october31) == ["A 2026-09-30 → 2026-10-31"])
        _ = try await postgres.observeExtensions(H.edited, dueDates: [H.a: H.october31], today: H.july17)
        #expect(try await postgres.deadlineChanges(seenSince: H.july1) == [
            H.change(H.june30, H.september30, H.july16, "王书记"),
            H.change(H.september30, H.october31, H.july17, nil),
        ])
    }

    @Test(arguments: Backend.allCases)
    func snapshotsAreKeptNotOverwrittenAndTheLastGoodIsReplaced(_ backend: Backend) async throws {
        let store = try await backend.open()
        let one = LedgerSnapshot(tasks: [RectificationTask(id: TaskID("A"), idIsExplicit: true, problemNumber: "1",
                                                           deadline: .byThenOngoing(LocalDate("2026-12-31")!), source: SourceLocation(file: "l.csv"))])
        #expect(try await store.saveSnapshot(one, for: .digest(ISOWeek("2026-W26")!), at: now))
        #expect(try await !store.saveSnapshot(LedgerSnapshot(), for: .digest(ISOWeek("2026-W26")!), at: now))
        try await store.saveSnapshot(LedgerSnapshot(), for: .digest(ISOWeek("2026-W27")!), at: now)
        let previous = try #require(try await store.latestDigestSnapshot(before: ISOWeek("2026-W27")!))
        #expect(previous.week == ISOWeek("2026-W26"))
        #expect(previous.snapshot.tasks.first?.deadline == .byThenOngoing(LocalDate("2026-12-31")!))
        #expect(try await store.latestDigestSnapshot()?.week == ISOWeek("2026-W27"))
        #expect(try await store.lastGoodSnapshot() == nil)
        try await store.replaceSnapshot(LedgerSnapshot(), for: .lastGood, at: now)
        try await store.replaceSnapshot(one, for: .lastGood, at: now)
        #expect(try await store.lastGoodSnapshot()?.tasks.map(\.id) == [TaskID("A")])
    }

    /// A store holding what an earlier release left: each snapshot's payload
    /// replaced by the bytes given (the SQLite file as it was; in PostgreSQL as
    /// `migrate-state` carries it, bytes unchanged).
    func storeWithPayloads(_ backend: Backend, _ rows: [(purpose: SnapshotPurpose, at: Date, payload: Data)]) async throws -> any StateStore {
        let sqlite = try DubanDatabase.open(at: try temporaryFolder("store").appendingPathComponent("duban.sqlite"), delivering: true)
        for row in rows {
            try await sqlite.replaceSnapshot(LedgerSnapshot(), for: row.purpose, at: row.at)
            try await sqlite.execute("UPDATE ledgerSnapshot SET payload = x'\(row.payload.map { String(format: "%02x", $0) }.joined())' WHERE key = '\(row.purpose.key)'")
        }
        switch backend {
        case .sqlite: return sqlite
        case .postgresql:
            let postgres = try await PostgresStore.open(try await Backend.settings(schema: PostgresCluster.started().freshSchema()))
            try await postgres.load(try await sqlite.dump())
            return postgres
        }
    }

    /// Issue 17: snapshots are stored in `SnapshotCodec`'s binary form, and
    /// the JSON ones earlier releases stored still read through every read; a
    /// damaged one is a `.corrupt` error naming it, or counted in the 台账异常 history.
    @Test(arguments: Backend.allCases)
    func snapshotsStoredAsJSONByEarlierReleasesStillRead(_ backend: Backend) async throws {
        var random = SeededRandom(seed: 11)
        let older = RandomSnapshot.make(tasks: 20, using: &random)
        var old = RandomSnapshot.make(tasks: 20, using: &random)
        old.tasks[0].id = TaskID("T-old")  // random ids may hold U+0000, which PostgreSQL's text refuses
        let json = SnapshotCodecTests.json
        let t0 = now.addingTimeInterval(-30 * 86_400)
        let store = try await storeWithPayloads(backend, [
            (.digest(ISOWeek("2026-W20")!), t0, try json(older)),
            (.lastGood, t0.addingTimeInterval(2 * 86_400), try json(old)),
        ])
        #expect(try await store.lastGoodSnapshot().map(json) == json(old))
        #expect(try await store.latestDigestSnapshot().map { try json($0.snapshot) } == json(older))
        #expect(try await store.digestSnapshot(of: ISOWeek("2026-W20")!).map { try json($0.snapshot) } == json(older))
        #expect(try await store.digestHistory(before: ISOWeek("2026-W30")!, only: nil) { _, _, snapshot in try json(snapshot) } == [json(older)])
        #expect(try await store.consoleSnapshots().map { try json($0.snapshot) } == [json(older), json(old)])
        let start = LocalDate(year: 2026, month: 5, day: 1)!
        let trail = try await store.ledgerTrail(upTo: now, today: start.adding(days: 60), day: { _ in start })
        #expect(trail.reads == 2 && trail.undecodable == 0)
        // Task ids carried over rewrite the old JSON snapshots, in the binary form.
        try await store.adoptTaskIDs([TaskID("T-old"): TaskID("T-new")], scheme: "test")
        var expected = old
        expected.tasks[0].id = TaskID("T-new")
        #expect(try await store.lastGoodSnapshot().map(json) == json(expected))
        // What is stored now is the binary form.
        try await store.saveSnapshot(older, for: .digest(ISOWeek("2026-W22")!), at: now)
        #expect(try await store.digestSnapshot(of: ISOWeek("2026-W22")!).map { try json($0.snapshot) } == json(older))
        if let sqlite = store as? DubanDatabase {
            let stored = try await sqlite.dump().snapshots
            #expect(stored.map { SnapshotCodec.kind(of: $0.payload) } == [.json, .binary, .binary], "\(stored.map(\.key))")
        }
    }

    /// Maintenance leaves an earlier release's JSON snapshots as they are
    /// (rewriting them whole inside one transaction could outlast the
    /// watchdog on a large ledger); they read the same after it.
    @Test(arguments: Backend.allCases)
    func maintenanceLeavesJSONSnapshotsReadable(_ backend: Backend) async throws {
        var random = SeededRandom(seed: 5)
        let older = RandomSnapshot.make(tasks: 10, using: &random), old = RandomSnapshot.make(tasks: 10, using: &random)
        let json = SnapshotCodecTests.json
        let store = try await storeWithPayloads(backend, [
            (.digest(ISOWeek("2026-W20")!), now.addingTimeInterval(-86_400), try json(older)),
            (.digest(ISOWeek("2026-W21")!), now.addingTimeInterval(-3_600), Data("{damaged".utf8)),
            (.lastGood, now, try json(old)),
        ])
        try await store.maintain(now: now, keepBodiesDays: 90)
        #expect(try await store.lastGoodSnapshot().map(json) == json(old))
        #expect(try await store.digestSnapshot(of: ISOWeek("2026-W20")!).map { try json($0.snapshot) } == json(older))
        let trail = try await store.ledgerTrail(upTo: now, today: LocalDate("2026-07-01")!, day: { _ in LocalDate("2026-06-20")! })
        #expect(trail.reads == 2 && trail.undecodable == 1)
        if let sqlite = store as? DubanDatabase {
            #expect(try await sqlite.dump().snapshots.map { SnapshotCodec.kind(of: $0.payload) } == [.json, .json, .json])
        }
    }

    @Test(arguments: Backend.allCases)
    func aDamagedStoredSnapshotIsACorruptErrorOrCounted(_ backend: Backend) async throws {
        let good = LedgerSnapshot(tasks: [RectificationTask(id: TaskID("A"), idIsExplicit: true, problemNumber: "1", source: SourceLocation(file: "l.csv", row: 2))])
        let t0 = now.addingTimeInterval(-30 * 86_400)
        let store = try await storeWithPayloads(backend, [
            (.digest(ISOWeek("2026-W20")!), t0, SnapshotCodec.encode(good)),
            (.digest(ISOWeek("2026-W21")!), t0.addingTimeInterval(86_400), SnapshotCodec.encode(good).dropLast(3)),
            (.lastGood, t0.addingTimeInterval(2 * 86_400), Data("PK\u{3}\u{4}".utf8)),
        ])
        for read in ["digest", "latest", "lastGood"] {
            do {
                switch read {
                case "digest": _ = try await store.digestSnapshot(of: ISOWeek("2026-W21")!)
                case "latest": _ = try await store.latestDigestSnapshot()
                default: _ = try await store.lastGoodSnapshot()
                }
                Issue.record("a damaged snapshot decoded (\(read))")
            } catch {
                let named = read == "lastGood" ? "the last good ledger (4 bytes) is neither Duban's binary form nor JSON" : "the digest snapshot of 2026-W21 ("
                #expect(error.code == .corrupt && error.message.contains(named), "\(error)")
                #expect(read == "lastGood" || error.message.contains("cut short"), "\(error)")
            }
        }
        await #expect(throws: StoreError.self) { try await store.consoleSnapshots() }
        let start = LocalDate(year: 2026, month: 5, day: 1)!
        let trail = try await store.ledgerTrail(upTo: now, today: start.adding(days: 60), day: { _ in start })
        #expect(trail.reads == 1 && trail.undecodable == 2)
    }

    /// From lint (issue 13): the stored reads behind 台账异常, oldest first, up to a moment.
    @Test(arguments: Backend.allCases)
    func theLedgerTrailReadsTheKeptSnapshotsUpToNow(_ backend: Backend) async throws {
        let store = try await backend.open()
        let reads = StoredReadsTests()
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        try await store.saveSnapshot(reads.snapshot("W2"), for: .digest(ISOWeek("2026-W24")!), at: t0.addingTimeInterval(7 * 86_400))
        try await store.saveSnapshot(reads.snapshot("W1"), for: .digest(ISOWeek("2026-W23")!), at: t0)
        try await store.replaceSnapshot(reads.snapshot("L"), for: .lastGood, at: t0.addingTimeInterval(8 * 86_400))
        try await store.saveSnapshot(reads.snapshot("LATER"), for: .digest(ISOWeek("2026-W26")!), at: t0.addingTimeInterval(21 * 86_400))
        let start = LocalDate(year: 2026, month: 6, day: 1)!
        let day: @Sendable (Date) -> LocalDate = { start.adding(days: Int($0.timeIntervalSince(t0) / 86_400)) }
        let trail = try await store.ledgerTrail(upTo: t0.addingTimeInterval(10 * 86_400), today: start.adding(days: 10), day: day)
        #expect(trail.reads == 3 && trail.since == start && trail.undecodable == 0)
        let now = LedgerSnapshot(tasks: [reads.snapshot("L").tasks[0]])
        #expect(LedgerHistory.compare(trail, current: now).map(\.task) == [TaskID("W2"), TaskID("W1")])
    }

    /// From digest (issue 14): what the weekly digest reads, in both stores.
    @Test(arguments: Backend.allCases)
    func theDigestsReads(_ backend: Backend) async throws {
        let store = try await backend.open()
        let a = fixtures.message(["A"]), b = fixtures.message(["B"])
        try await store.queue([fixtures.mail(a, "a"), fixtures.mail(b, "b")], skipped: [], at: now)
        try await store.markSent(messageID: a.id, at: now)
        let sent = try await store.sentNotices()
        #expect(sent[TaskID("A")]?.map(\.kind) == [.reminder] && sent[TaskID("A")]?.first?.at == now && sent[TaskID("B")] == nil)
        #expect(try await store.outboxSubject(messageID: b.id) == "b")
        #expect(try await store.outboxSubject(messageID: "nope") == nil)
        try await store.setMeta("trend:2026-W10", "1")
        try await store.setMeta("trend:2026-W11", "2")
        try await store.setMeta("other", "3")
        #expect(try await store.metaValues(prefix: "trend:") == ["trend:2026-W10": "1", "trend:2026-W11": "2"])
        let one = LedgerSnapshot(tasks: [RectificationTask(id: TaskID("X"), idIsExplicit: true, problemNumber: "1", source: SourceLocation(file: "l.csv"))])
        for week in ["2026-W11", "2026-W10", "2026-W12"] {
            try await store.saveSnapshot(one, for: .digest(ISOWeek(week)!), at: now)
        }
        #expect(try await store.digestSnapshotWeeks(before: ISOWeek("2026-W12")!) == [ISOWeek("2026-W10")!, ISOWeek("2026-W11")!])
        let history = try await store.digestHistory(before: ISOWeek("2026-W12")!, only: [ISOWeek("2026-W11")!]) { week, _, snapshot in
            "\(week) \(snapshot.tasks.count)"
        }
        #expect(history == ["2026-W11 1"])
        #expect(try await store.digestSnapshot(of: ISOWeek("2026-W10")!)?.takenAt == now)
        #expect(try await store.digestSnapshot(of: ISOWeek("2026-W40")!) == nil)
    }

    @Test(arguments: Backend.allCases)
    func escalationsAndEarlierNoticesAreReadPerTask(_ backend: Backend) async throws {
        let store = try await backend.open()
        let reminder = fixtures.message(["A"])
        let escalation = fixtures.message(["A"], kind: .escalation)
        try await store.queue([fixtures.mail(reminder, "r")], skipped: [], at: now)
        try await store.queue([fixtures.mail(escalation, "e")], skipped: [], at: now.addingTimeInterval(60))
        #expect(try await store.highestEscalations() == [TaskID("A"): 7])
        let earlier = try await store.earlierNotices(for: [TaskID("A"), TaskID("Z")])
        #expect(earlier[TaskID("A")]?.map(\.identity.kind) == [.reminder, .escalation])
        #expect(earlier[TaskID("Z")] == nil)
    }

    @Test(arguments: Backend.allCases)
    func newTaskIDsCarryTheHistoryOver(_ backend: Backend) async throws {
        let store = try await backend.open()
        try await store.queue([fixtures.mail(fixtures.message(["老"]), "r")], skipped: [], at: now)
        try await store.saveSnapshot(LedgerSnapshot(tasks: [RectificationTask(id: TaskID("老"), idIsExplicit: false, problemNumber: "1",
                                                                               source: SourceLocation(file: "l.csv"))]),
                                     for: .digest(ISOWeek("2026-W26")!), at: now)
        // 延期 (v4-ext) and the loop (v4-loop) under the old id: a request first read on July 1, a granted
        // change on July 16; the task seen in progress, then accepted on July 10.
        typealias H = ExtensionHistory
        func renamed(_ ledger: LedgerSnapshot, _ id: String) -> LedgerSnapshot {
            var ledger = ledger
            ledger.tasks[0].id = TaskID(id)
            return ledger
        }
        _ = try await store.observeExtensions(renamed(H.requested, "甲"), dueDates: [TaskID("甲"): H.june30], today: H.july1)
        _ = try await store.observeExtensions(renamed(H.granted, "甲"), dueDates: [TaskID("甲"): H.september30], today: H.july16)
        _ = try await store.observeExtensions(renamed(H.requested, "乙"), dueDates: [TaskID("乙"): H.june30], today: H.july1)
        var seen = renamed(H.edited, "甲")
        _ = try await store.observeLoop(seen, dueDates: [TaskID("甲"): H.june30], today: H.july1)
        seen.tasks[0].status = .accepted
        _ = try await store.observeLoop(seen, dueDates: [TaskID("甲"): H.september30], today: H.july10)

        try await store.adoptTaskIDs([TaskID("老"): TaskID("新"), TaskID("甲"): TaskID("丙"), TaskID("乙"): TaskID("丁")], scheme: "v2")
        #expect(try await store.loggedIdentities().map(\.key) == ["新/reminder/7/2026-06-30"])
        #expect(try await store.latestDigestSnapshot()?.snapshot.tasks.map(\.id) == [TaskID("新")])
        #expect(try await store.meta("task_id_scheme") == "v2")
        // The pause still counts from July 1, the change keeps its approver, the loop its days.
        #expect(try await store.extensionFacts(renamed(H.requested, "丁"), today: H.july17).pendingSince == [TaskID("丁"): H.july1])
        #expect(try await store.deadlineChanges(seenSince: H.july1).map(\.task) == ["丙"])
        #expect(try await store.unapprovedDueDateChanges(renamed(H.granted, "丙"), dueDates: [TaskID("丙"): H.september30]).isEmpty)
        let loop = try await store.loopFacts(renamed(seen, "丙"), dueDates: [TaskID("丙"): H.september30], today: H.july17)
        #expect(loop.firstSeenAccepted == [TaskID("丙"): H.july10])
        #expect(try await store.deadlineHistory(for: [TaskID("丙")])[TaskID("丙")]?.map(\.deadline) == ["2026-06-30", "2026-09-30"])
        #expect(try await store.deadlineHistory(for: [TaskID("甲")]).isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func retentionDropsOldBodiesAndKeepsTheAuditTrail(_ backend: Backend) async throws {
        let store = try await backend.open()
        let old = fixtures.message(["OLD"]), recent = fixtures.message(["NEW"]), waiting = fixtures.message(["WAIT"])
        try await store.queue([fixtures.mail(old, "old"), fixtures.mail(recent, "recent"), fixtures.mail(waiting, "waiting")], skipped: [], at: now)
        try await store.markSent(messageID: old.id, at: now)
        let later = now.addingTimeInterval(100 * 86400)
        try await store.markSent(messageID: recent.id, at: later.addingTimeInterval(-86400))
        for (week, day) in [("2026-W10", 0.0), ("2026-W11", 7.0), ("2026-W40", 99.0)] {
            try await store.saveSnapshot(LedgerSnapshot(), for: .digest(ISOWeek(week)!), at: now.addingTimeInterval(day * 86400))
        }
        #expect(try await store.maintenanceDue(now: later))
        #expect(try await store.maintain(now: later, keepBodiesDays: 90) == .init(bodiesDropped: 1, snapshotsDropped: 2))
        let byID = Dictionary(uniqueKeysWithValues: try await store.outbox().map { ($0.messageID, $0) })
        #expect(byID[old.id]?.mime.isEmpty == true && byID[old.id]?.subject == "old" && byID[old.id]?.bodyDroppedAt == later)
        #expect(byID[recent.id]?.mime.isEmpty == false)
        #expect(byID[waiting.id]?.mime.isEmpty == false)
        #expect(try await store.loggedIdentities().count == 3)
        #expect(try await store.latestDigestSnapshot()?.week == ISOWeek("2026-W40"))
        #expect(try await !store.maintenanceDue(now: later.addingTimeInterval(3600)))
        #expect(try await store.maintenanceDue(now: later.addingTimeInterval(86400)))
        #expect(try await store.size() > 0)
    }

    @Test(arguments: Backend.allCases)
    func retriesAClockStepPushedOutArePulledIn(_ backend: Backend) async throws {
        let store = try await backend.open()
        let a = fixtures.message(["A"])
        try await store.queue([fixtures.mail(a, "a")], skipped: [], at: now)
        try await store.recordFailure(messageID: a.id, error: "421", retryAt: now.addingTimeInterval(86400))
        #expect(try await store.rebaseRetries(now: now, retryMaxSeconds: 3600) == 1)
        #expect(try await store.nextRetry() == now)
        #expect(try await store.rebaseRetries(now: now, retryMaxSeconds: 3600) == 0)
    }

    @Test(arguments: Backend.allCases)
    func metaAndPreflight(_ backend: Backend) async throws {
        let store = try await backend.open()
        #expect(try await store.meta("next_wake") == nil)
        try await store.setMeta("next_wake", "a")
        try await store.setMeta("next_wake", "b")
        #expect(try await store.meta("next_wake") == "b")
        try await store.preflight(now: now)
        #expect(try await store.meta("preflight") != nil)
    }

    /// The web console's, /metrics' and `export`'s reads (issue 16: they take
    /// any store): the same answers from both.
    @Test(arguments: Backend.allCases)
    func theConsolesAndExportsReads(_ backend: Backend) async throws {
        let store = try await backend.open()
        let sent = fixtures.message(["A"]), failed = fixtures.message(["B"]), waiting = fixtures.message(["C", "A2"])
        let escalation = PlannedMessage(kind: .escalation, level: 1, slot: now, to: [Contact(name: "李强", email: "li.qiang@example.org")],
                                        cc: [Contact(name: "张伟", email: "zhang.wei@example.org")],
                                        items: [PlannedItem(identity: identity("A", .escalation, step: 3), task: sent.items[0].task,
                                                            dueDay: LocalDate("2026-07-01")!)], unreachable: [])
        let skip = SkippedNotification(identity: identity("D", about: "2026-06-01"), reason: .deadlinePassed)
        try await store.queue([fixtures.mail(sent, "sent"), fixtures.mail(failed, "failed")], skipped: [skip], at: now)
        let later = now.addingTimeInterval(3600)
        try await store.queue([fixtures.mail(waiting, "waiting"), fixtures.mail(escalation, "escalation")], skipped: [], at: later)
        try await store.markSent(messageID: sent.id, at: now.addingTimeInterval(10))
        try await store.markSent(messageID: escalation.id, at: later.addingTimeInterval(10))
        try await store.recordFailure(messageID: failed.id, error: "550 no such user", retryAt: nil)
        try await store.recordFailure(messageID: waiting.id, error: "421 later", retryAt: later.addingTimeInterval(60))
        var done = RectificationTask(id: TaskID("E"), idIsExplicit: true, problemNumber: "5", status: .completed, source: SourceLocation(file: "l.csv"))
        done.department = "党委办公室"
        _ = try await store.observeCompletions(LedgerSnapshot(tasks: [done]), today: LocalDate("2026-06-20")!)
        try await store.replaceSnapshot(LedgerSnapshot(tasks: [done]), for: .lastGood, at: later)
        try await store.saveSnapshot(LedgerSnapshot(), for: .digest(ISOWeek("2026-W26")!), at: now)

        let facts = try await store.consoleFacts()
        #expect(facts.logged.map(\.key).sorted() == ["A/escalation/3/2026-06-30", "A/reminder/7/2026-06-30", "A2/reminder/7/2026-06-30",
                                                      "B/reminder/7/2026-06-30", "C/reminder/7/2026-06-30", "D/reminder/7/2026-06-01"])
        #expect(facts.completedFirstSeen == [TaskID("E"): LocalDate("2026-06-20")!])
        #expect(facts.highestEscalation == [TaskID("A"): 3])
        #expect(facts.outbox == .init(pending: 1, sent: 2, failed: 1))
        #expect(facts.lastDigestSent == nil && facts.lastGoodLedgerAt == later)

        // Failed first, then pending, then the most recently sent.
        let messages = try await store.consoleMessages()
        #expect(messages.map(\.subject) == ["failed", "waiting", "escalation", "sent"])
        #expect(messages[1].tasks == [TaskID("A2"), TaskID("C")] && messages[1].attempts == 1 && messages[1].lastError == "421 later")
        #expect(messages[1].nextAttemptAt == later.addingTimeInterval(60))
        #expect(messages[2].level == 1 && messages[2].to == ["li.qiang@example.org"] && messages[2].cc == ["zhang.wei@example.org"])
        #expect(messages[2].sentAt == later.addingTimeInterval(10) && messages[2].createdAt == later && messages[2].slot == now)
        #expect(try await store.consoleMessages(sentLimit: 1).map(\.subject) == ["failed", "waiting", "escalation"])

        let ofA = try await store.consoleNotices(task: TaskID("A"))
        #expect(ofA.map(\.identity.kind) == [.reminder, .escalation] && ofA.map(\.state) == ["sent", "sent"])
        #expect(ofA[1].message?.subject == "escalation" && ofA[0].sentAt == now.addingTimeInterval(10))
        let newest = try await store.consoleNotices(limit: 3)
        #expect(newest.count == 3 && newest[0].recordedAt == later)
        let skipped = try #require(try await store.consoleNotices(task: TaskID("D")).first)
        #expect(skipped.state == "skipped" && skipped.reason == SkipReason.deadlinePassed.rawValue && skipped.message == nil)

        #expect(try await store.consoleSnapshots().map(\.purpose) == ["digest", "last-good"])
        #expect(try await store.consoleSnapshots().last?.snapshot.tasks.first?.department == "党委办公室")

        let all = try await store.notices(.init())
        #expect(all.map(\.key) == ["A/reminder/7/2026-06-30", "B/reminder/7/2026-06-30", "D/reminder/7/2026-06-01",
                                    "A/escalation/3/2026-06-30", "A2/reminder/7/2026-06-30", "C/reminder/7/2026-06-30"])
        let a = try #require(all.first)
        #expect(a.subject == "sent" && a.delivery == "sent" && a.attempts == 1 && a.deliveredAt == now.addingTimeInterval(10))
        #expect(a.to == ["zhang.wei@example.org"] && a.problem == "1" && a.step == 7)
        #expect(all[1].delivery == "failed" && all[1].lastError == "550 no such user")
        #expect(all[2].state == "skipped" && all[2].messageID == nil && all[2].problem == nil)
        #expect(try await store.notices(.init(from: later)).count == 3)
        #expect(try await store.notices(.init(until: later)).count == 3)
        #expect(try await store.notices(.init(task: "A")).map(\.kind) == ["reminder", "escalation"])
    }

    /// The same migrations, under the same names, in both dialects.
    @Test func bothStoresHaveTheSameMigrations() async throws {
        let store = try await PostgresStore.open(try await Backend.settings(schema: PostgresCluster.started().freshSchema()))
        #expect(try await store.appliedMigrations() == DubanDatabase.migrationNames)
        // Opening again migrates nothing and fails nothing.
        let again = try await PostgresStore.open(try await Backend.settings(schema: store.settingsSchema))
        #expect(try await again.appliedMigrations() == DubanDatabase.migrationNames)
    }
}
