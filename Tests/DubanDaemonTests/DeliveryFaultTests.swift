import DubanConfig
import DubanCore
import DubanDaemon
import DubanMail
import DubanStore
import DubanTesting
import Foundation
import Testing

/// Issue 10: nothing twice, nothing lost — against a real aiosmtpd and real
/// SQLite files.
@Suite(.serialized) struct DeliveryFaultTests {
    let delivery = Configuration.Delivery(retryInitialSeconds: 60, retryMaxSeconds: 600, giveUpAfterHours: 48, batchSize: 10)

    func smtp(_ server: SMTPTestServer) -> SMTPTransport {
        SMTPTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, security: .plain, timeoutSeconds: 5))
    }

    func receivedIDs(_ server: SMTPTestServer) throws -> [String] {
        try parseWithPython(server.received).map(\.message_id)
    }

    /// Item 1: two users of one database at the same slot (a daemon and a
    /// `run --once`): only the lock holder delivers; each message arrives once.
    @Test func twoInstancesAtTheSameSlotSendEachMessageOnce() async throws {
        let (environment, path) = try exampleEnvironment()
        let now = environment.clock.parse("2026-07-07T09:00")!
        let server = try SMTPTestServer()
        defer { server.stop() }
        let daemon = try DubanDatabase.open(at: path, delivering: true)
        guard case .queueOnly(let second, let holder) = try await DubanDatabase.openToDeliver(at: path, patience: .milliseconds(200)) else {
            Issue.record("the second instance got the delivery lock")
            return
        }
        #expect(holder.message.contains("pid \(getpid())"))
        // Both plan and queue at the same slot; only one set of messages is queued.
        async let a = PlanStage(environment: environment).run(environment.loadLedger(), database: daemon, now: now)
        async let b = PlanStage(environment: environment).run(environment.loadLedger(), database: second, now: now)
        let plans = try await [a, b]
        #expect(plans.map(\.messages.count).reduce(0, +) == 8)
        // The second may not deliver at all; the holder delivers everything.
        await #expect(throws: StoreError.self) { _ = try await DeliverStage(transport: smtp(server), delivery: delivery).run(database: second, now: now) }
        let report = try await DeliverStage(transport: smtp(server), delivery: delivery).run(database: daemon, now: now)
        #expect(report.sent.count == 8)
        let ids = try receivedIDs(server)
        #expect(ids.count == 8 && Set(ids).count == 8)
    }

    /// Item 2: another process takes the write lock right after the server
    /// accepted the 2nd of 5 messages. Recording it fails: the session
    /// stops there — messages 3 to 5 are NOT sent (the old code sent them
    /// unrecorded, and the next pass sent them again).
    @Test func aRecordThatFailsMidBatchStopsTheSession() async throws {
        let (_, database, now) = try await DeliverStageTests().queued(busyTimeout: 0.5)
        let path = try #require(database.deliveryLock).url.deletingPathExtension()
        let server = try SMTPTestServer(["--lock-db", path.path, "--lock-after", "2"])
        var stage = DeliverStage(transport: smtp(server), delivery: delivery)
        stage.recordPatience = .zero
        await #expect { _ = try await stage.run(database: database, now: now) } throws: { error in
            (error as? StoreError)?.isTransient == true
        }
        #expect(server.received.count == 2)
        server.stop()  // and with it the lock

        // The next pass sends the one in flight again (allowed) and the four never sent; nothing else.
        #expect(try await database.outboxCounts() == .init(pending: 7, sent: 1, failed: 0))
        let again = try SMTPTestServer()
        defer { again.stop() }
        let report = try await DeliverStage(transport: smtp(again), delivery: delivery).run(database: database, now: now)
        #expect(report.sent.count == 7)
        #expect(try await database.outboxCounts() == .init(pending: 0, sent: 8, failed: 0))
    }

    /// Item 5: a recipient refused for now (450) while others accepted gets
    /// the same message (same Message-ID, same bytes) later, alone; one
    /// refused for good (550) is recorded, counted and reported.
    @Test func recipientsRefusedForNowGetTheSameMessageLater() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path, delivering: true)
        let now = environment.clock.parse("2026-07-07T09:00")!
        let message = PlannedMessage(kind: .reminder, level: nil, slot: now, to: [Contact(name: "甲", email: "a@example.org")],
                                     cc: [Contact(name: "乙", email: "busy@example.org"), Contact(name: "丙", email: "gone@example.org")],
                                     items: [], unreachable: [], extraIdentities: [NotificationIdentity(task: TaskID("T"), kind: .reminder, step: 7, about: LocalDate("2026-07-14")!)])
        let mime = Array("Message-ID: <\(message.id)>\r\nSubject: test\r\n\r\nbody\r\n".utf8)
        try await database.queue([OutgoingMail(message: message, subject: "test", sender: "zgb@example.org",
                                               recipients: ["a@example.org", "busy@example.org", "gone@example.org"], mime: mime)], skipped: [], at: now)
        let server = try SMTPTestServer(["--refuse", "busy@example.org=450x1", "--refuse", "gone@example.org=550"])
        defer { server.stop() }
        let stage = DeliverStage(transport: smtp(server), delivery: delivery)

        let first = try await stage.run(database: database, now: now)
        guard case .retrying(let next, _, let waiting, let refused) = first.deliveries.first?.outcome else {
            Issue.record("expected a retry for the busy recipient, got \(first.deliveries)")
            return
        }
        #expect(waiting == ["busy@example.org"] && refused.keys.sorted() == ["gone@example.org"])
        #expect(next == now.addingTimeInterval(60))
        #expect(try await database.logState(of: message.identities[0]) == .sent)  // someone has it
        #expect(try await database.refusedRecipientCount() == 1)
        #expect(server.received.count == 1 && server.recipients(of: server.received[0]) == ["a@example.org"])

        let second = try await stage.run(database: database, now: next)
        #expect(second.deliveries.map(\.outcome) == [.delivered(refused: [:])])
        #expect(server.received.count == 2 && server.recipients(of: server.received[1]) == ["busy@example.org"])
        let ids = try receivedIDs(server)
        #expect(ids[0] == ids[1])
        #expect(try Data(contentsOf: server.received[0]) == Data(contentsOf: server.received[1]))
        #expect(try await database.outboxCounts() == .init(pending: 0, sent: 1, failed: 0))
        #expect(try await database.refusedRecipients().map(\.address) == ["gone@example.org"])
    }

    /// Item 14: "sent" is recorded at the pass's clock, not the wall clock,
    /// so "此前已发出" in a later escalation names the pass's time.
    @Test func sentIsRecordedAtThePassClock() async throws {
        let (_, database, now) = try await DeliverStageTests().queued()
        let folder = try temporaryFolder("files")
        _ = try await DeliverStage(transport: FilesTransport(folder: folder), delivery: delivery).run(database: database, now: now)
        let sent = try await database.outbox(state: .sent)
        #expect(sent.count == 8 && sent.allSatisfy { $0.sentAt == now })
    }
}
