import DubanCore
import DubanPostgres
import DubanStore
import DubanTesting
import Foundation
import Testing

/// Issue 12: the store records each task's status and deadline per read
/// (migration `v4-loop`), and what the log shows as sent. Run against both
/// stores (issue 16), and carried by `migrate-state`.
@Suite struct LoopStoreTests {
    static let now = Date(timeIntervalSince1970: 1_782_000_000)

    static func task(_ status: TaskStatus, deadline: String = "2026-06-30", id: String = "A") -> RectificationTask {
        RectificationTask(id: TaskID(id), idIsExplicit: true, problemNumber: "1", deadline: .by(LocalDate(deadline)!),
                          deadlineText: deadline, status: status, source: SourceLocation(file: "l.csv", row: 2))
    }

    static func day(_ text: String) -> LocalDate { LocalDate(text)! }

    /// Where a store lives, so that it can be opened again as after a restart.
    enum Place {
        case file(URL)
        case schema(String)

        static func new(_ backend: Backend) async throws -> Place {
            switch backend {
            case .sqlite: .file(try temporaryFolder("loop").appendingPathComponent("duban.sqlite"))
            case .postgresql: .schema(try await PostgresCluster.started().freshSchema("loop"))
            }
        }

        /// A new connection (the history is in the database, not in memory).
        func open() async throws -> any StateStore {
            switch self {
            case .file(let url): try DubanDatabase.open(at: url)
            case .schema(let schema): try await PostgresStore.open(try await Backend.settings(schema: schema))
            }
        }
    }

    static func close(_ store: any StateStore) { (store as? PostgresStore)?.close() }

    @Test(arguments: Backend.allCases)
    func readsThatCloseReopenAndRecloseATaskAreRememberedAcrossRestarts(_ backend: Backend) async throws {
        let place = try await Place.new(backend)
        func observe(_ status: TaskStatus, _ today: String, deadline: String = "2026-06-30") async throws -> Planner.LoopFacts {
            let store = try await place.open()
            defer { Self.close(store) }
            let snapshot = LedgerSnapshot(tasks: [Self.task(status, deadline: deadline)])
            return try await store.observeLoop(snapshot, dueDates: [TaskID("A"): Self.day(deadline)], today: Self.day(today))
        }
        let d = Self.day
        #expect(try await observe(.inProgress, "2026-06-01") == Planner.LoopFacts())
        #expect(try await observe(.accepted, "2026-06-10").firstSeenAccepted == [TaskID("A"): d("2026-06-10")])
        // The same status on a later read changes nothing: the first day is kept.
        #expect(try await observe(.accepted, "2026-06-12").firstSeenAccepted == [TaskID("A"): d("2026-06-10")])
        _ = try await observe(.closed, "2026-06-20")
        let reopened = try await observe(.inProgress, "2026-07-01", deadline: "2026-07-31")
        #expect(reopened.reopened[TaskID("A")] == .init(on: d("2026-07-01"), from: .closed, since: d("2026-06-20")))
        // Re-closed: the reopening stays known (its notice is owed once, by its identity).
        #expect(try await observe(.closed, "2026-07-10", deadline: "2026-07-31").reopened[TaskID("A")]?.on == d("2026-07-01"))
        // Read-only (preview) gives the same answer without writing.
        let store = try await place.open()
        defer { Self.close(store) }
        let preview = try await store.loopFacts(LedgerSnapshot(tasks: [Self.task(.inProgress, deadline: "2026-08-31")]),
                                                dueDates: [TaskID("A"): d("2026-08-31")], today: d("2026-08-03"))
        #expect(preview.reopened[TaskID("A")]?.on == d("2026-08-03"))
        #expect(try await store.loopFacts(LedgerSnapshot(tasks: [Self.task(.closed, deadline: "2026-07-31")]),
                                          dueDates: [:], today: d("2026-08-03")).reopened[TaskID("A")]?.on == d("2026-07-01"))
        // The deadline history: one row per change, oldest first; a task never read has none.
        let history = try await store.deadlineHistory(for: [TaskID("A"), TaskID("Z")])
        #expect(history[TaskID("A")] == [.init(deadline: "2026-06-30", seenOn: d("2026-06-01")), .init(deadline: "2026-07-31", seenOn: d("2026-07-01"))])
        #expect(history[TaskID("Z")] == nil)
    }

    /// An escalation at step 6 sent (with its addressees), steps 1–5
    /// skipped as superseded, a reminder given up on: only step 6 went out.
    static func queueEscalation(_ store: any StateStore) async throws {
        func item(_ kind: NotificationKind, _ step: Int) -> PlannedItem {
            PlannedItem(identity: NotificationIdentity(task: TaskID("A"), kind: kind, step: step, about: day("2026-06-30")),
                        task: task(.inProgress), dueDay: day("2026-07-01"))
        }
        func mail(_ kind: NotificationKind, _ items: [PlannedItem], to: String, cc: [String]) -> OutgoingMail {
            let message = PlannedMessage(kind: kind, level: 2, slot: now, to: [Contact(name: "王书记", email: to)],
                                         cc: cc.map { Contact(name: "整改办", email: $0) }, items: items, unreachable: [])
            return OutgoingMail(message: message, subject: "s", sender: "duban@example.org", recipients: [to] + cc,
                                mime: Array("Subject: s\r\n\r\nb\r\n".utf8))
        }
        let skipped = (1...5).map { SkippedNotification(identity: item(.escalation, $0).identity, reason: .supersededByHigherEscalation) }
        let escalation = mail(.escalation, [item(.escalation, 6)], to: "principal@example.org", cc: ["zgb@example.org"])
        let reminder = mail(.reminder, [item(.reminder, 7)], to: "officer@example.org", cc: [])
        try await store.queue([escalation, reminder], skipped: skipped, at: now)
        try await store.markSent(messageID: escalation.message.id, at: now.addingTimeInterval(5))
        try await store.recordFailure(messageID: reminder.message.id, error: "550 no such user", retryAt: nil)
    }

    /// "Sent" is what the log shows as sent or still going out; a skipped
    /// notice and a message given up on do not count.
    @Test(arguments: Backend.allCases)
    func sentCountsOnlyWhatWentOut(_ backend: Backend) async throws {
        let store = try await Place.new(backend).open()
        defer { Self.close(store) }
        try await Self.queueEscalation(store)
        #expect(try await store.sentCounts(of: .escalation) == [TaskID("A"): 1])
        #expect(try await store.sentCounts(of: .reminder).isEmpty)
        let notices = try await store.sentNotices(for: [TaskID("A")])[TaskID("A")] ?? []
        #expect(notices.map(\.identity.step) == [6])
        #expect(notices.first?.to == ["principal@example.org"] && notices.first?.cc == ["zgb@example.org"])
        #expect(notices.first?.at == Self.now.addingTimeInterval(5))
    }

    /// `migrate-state` carries the loop's history: after the move the same
    /// reads give the same facts (first seen accepted, reopened), the same
    /// deadline history and the same counts of what went out; new sightings
    /// take ids after the copied ones.
    @Test func migrateStateCarriesTheLoopHistory() async throws {
        let d = Self.day
        let sqlite = try DubanDatabase.open(at: try temporaryFolder("loop").appendingPathComponent("duban.sqlite"), delivering: true)
        let reads: [(TaskStatus, TaskStatus, String, String)] = [
            (.inProgress, .inProgress, "2026-06-30", "2026-06-01"),
            (.accepted, .completed, "2026-06-30", "2026-06-10"),
            (.closed, .accepted, "2026-06-30", "2026-06-20"),
            (.inProgress, .accepted, "2026-07-31", "2026-07-01"),
        ]
        func snapshot(_ a: TaskStatus, _ b: TaskStatus, _ deadline: String) -> LedgerSnapshot {
            LedgerSnapshot(tasks: [Self.task(a, deadline: deadline), Self.task(b, deadline: deadline, id: "B")])
        }
        func dues(_ deadline: String) -> [TaskID: LocalDate] { [TaskID("A"): d(deadline), TaskID("B"): d(deadline)] }
        for (a, b, deadline, today) in reads { _ = try await sqlite.observeLoop(snapshot(a, b, deadline), dueDates: dues(deadline), today: d(today)) }
        try await Self.queueEscalation(sqlite)

        let cluster = try await PostgresCluster.started()
        let schema = cluster.freshSchema("loopmove")
        let postgres = try await PostgresStore.open(try await Backend.settings(schema: schema))
        defer { postgres.close() }
        let dump = try await sqlite.dump()
        #expect(dump.statusSightings.count == 7 && dump.deadlineSightings.count == 4)
        try await postgres.load(dump)

        let next = snapshot(.closed, .inProgress, "2026-07-31")
        let before = try await sqlite.loopFacts(next, dueDates: dues("2026-07-31"), today: d("2026-07-15"))
        #expect(before.reopened[TaskID("A")]?.on == d("2026-07-01") && before.reopened[TaskID("B")]?.on == d("2026-07-15"))
        #expect(try await postgres.loopFacts(next, dueDates: dues("2026-07-31"), today: d("2026-07-15")) == before)
        #expect(try await postgres.deadlineHistory(for: [TaskID("A"), TaskID("B")]) == sqlite.deadlineHistory(for: [TaskID("A"), TaskID("B")]))
        #expect(try await postgres.sentCounts(of: .escalation) == sqlite.sentCounts(of: .escalation))
        #expect(try await postgres.sentNotices(for: [TaskID("A")]) == sqlite.sentNotices(for: [TaskID("A")]))
        // The next read recorded on both: the same facts, and PostgreSQL's new rows come after the copied ones.
        let recorded = try await postgres.observeLoop(next, dueDates: dues("2026-08-31"), today: d("2026-07-15"))
        #expect(try await sqlite.observeLoop(next, dueDates: dues("2026-08-31"), today: d("2026-07-15")) == recorded)
        #expect(try await postgres.deadlineHistory(for: [TaskID("A")])[TaskID("A")]?.map(\.deadline) == ["2026-06-30", "2026-07-31", "2026-08-31"])
        let ids = try await sqlite.dump().statusSightings.map { String($0.id) }.joined(separator: ",")
        #expect(try cluster.psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM \(schema).statusSighting") == ids)
    }
}
