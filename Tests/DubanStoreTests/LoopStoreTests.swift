import DubanCore
import DubanStore
import Foundation
import Testing

/// Issue 12: the store records each task's status and deadline per read
/// (migration `v4-loop`), and what the log shows as sent.
@Suite struct LoopStoreTests {
    func task(_ status: TaskStatus, deadline: String = "2026-06-30") -> RectificationTask {
        RectificationTask(id: TaskID("A"), idIsExplicit: true, problemNumber: "1", deadline: .by(LocalDate(deadline)!),
                          deadlineText: deadline, status: status, source: SourceLocation(file: "l.csv", row: 2))
    }

    func fileDatabase() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("duban-loop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("duban.sqlite")
    }

    @Test func readsThatCloseReopenAndRecloseATaskAreRememberedAcrossRestarts() async throws {
        let url = try fileDatabase()
        let d = { (text: String) in LocalDate(text)! }
        func observe(_ status: TaskStatus, _ today: String, deadline: String = "2026-06-30") async throws -> Planner.LoopFacts {
            // A new connection each time, as after a restart: the history is in the file.
            let snapshot = LedgerSnapshot(tasks: [task(status, deadline: deadline)])
            return try await DubanDatabase.open(at: url).observeLoop(snapshot, dueDates: [TaskID("A"): d(deadline)], today: d(today))
        }
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
        let database = try DubanDatabase.open(at: url)
        let preview = try await database.loopFacts(LedgerSnapshot(tasks: [task(.inProgress, deadline: "2026-08-31")]),
                                                   dueDates: [TaskID("A"): d("2026-08-31")], today: d("2026-08-03"))
        #expect(preview.reopened[TaskID("A")]?.on == d("2026-08-03"))
        #expect(try await database.loopFacts(LedgerSnapshot(tasks: [task(.closed, deadline: "2026-07-31")]),
                                             dueDates: [:], today: d("2026-08-03")).reopened[TaskID("A")]?.on == d("2026-07-01"))
        // The deadline history: one row per change, oldest first.
        #expect(try await database.deadlineHistory(for: [TaskID("A")])[TaskID("A")]?.map(\.deadline) == ["2026-06-30", "2026-07-31"])
    }

    /// "Sent" is what the log shows as sent or still going out; a skipped
    /// notice and a message given up on do not count.
    @Test func sentCountsOnlyWhatWentOut() async throws {
        let database = try DubanDatabase.open(at: try fileDatabase())
        let now = Date(timeIntervalSince1970: 1_782_000_000)
        func item(_ step: Int) -> PlannedItem {
            PlannedItem(identity: NotificationIdentity(task: TaskID("A"), kind: .escalation, step: step, about: LocalDate("2026-06-30")!),
                        task: task(.inProgress), dueDay: LocalDate("2026-07-01")!)
        }
        let message = PlannedMessage(kind: .escalation, level: 2, slot: now, to: [Contact(name: "王书记", email: "principal@example.org")],
                                     cc: [Contact(name: "整改办", email: "zgb@example.org")], items: [item(6)], unreachable: [])
        let skipped = (1...5).map { SkippedNotification(identity: item($0).identity, reason: .supersededByHigherEscalation) }
        try await database.queue([OutgoingMail(message: message, subject: "s", sender: "duban@example.org",
                                               recipients: ["principal@example.org", "zgb@example.org"], mime: Array("Subject: s\r\n\r\nb\r\n".utf8))],
                                 skipped: skipped, at: now)
        #expect(try await database.sentCounts(of: .escalation) == [TaskID("A"): 1])
        let notices = try await database.sentNotices(for: [TaskID("A")])[TaskID("A")] ?? []
        #expect(notices.map(\.identity.step) == [6])
        #expect(notices.first?.to == ["principal@example.org"] && notices.first?.cc == ["zgb@example.org"])
    }
}
