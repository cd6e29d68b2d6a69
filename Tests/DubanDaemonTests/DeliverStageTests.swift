import DubanConfig
import DubanCore
import DubanDaemon
import DubanMail
import DubanStore
import DubanTesting
import Foundation
import Synchronization
import Testing

@Suite(.serialized) struct DeliverStageTests {
    let delivery = Configuration.Delivery(retryInitialSeconds: 60, retryMaxSeconds: 600, giveUpAfterHours: 48, batchSize: 2)

    /// Queues the example ledger's mail for 2026-07-07 09:00 (four notices — escalation, acceptance,
    /// look-back, closure —, the standing measure T1-3's Q2 notice to its leader, the week's digest, and
    /// Monday's two personal lists caught up on Tuesday).
    func queued(busyTimeout: TimeInterval = DubanDatabase.defaultBusyTimeout) async throws -> (Environment, DubanDatabase, Date) {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path, delivering: true, busyTimeout: busyTimeout)
        let now = environment.clock.parse("2026-07-07T09:00")!
        let plan = try await PlanStage(environment: environment).run(environment.loadLedger(), database: database, now: now)
        #expect(plan.messages.count == 8)
        return (environment, database, now)
    }

    @Test func serverDownThenUpLosesNothingAndSendsEachOnce() async throws {
        let (_, database, now) = try await queued()
        // A port with nothing listening: reserve one from a server, then stop it.
        let probe = try SMTPTestServer()
        let port = probe.port
        probe.stop()
        let transport = SMTPTransport(settings: SMTPSettings(host: "127.0.0.1", port: port, security: .plain, timeoutSeconds: 5))
        let stage = DeliverStage(transport: transport, delivery: delivery)

        let down = try await stage.run(database: database, now: now)
        #expect(down.sent.isEmpty && down.retrying.count == 8 && down.failed.isEmpty)
        #expect(down.nextRetry == now.addingTimeInterval(60))
        #expect(try await database.outboxCounts() == .init(pending: 8, sent: 0, failed: 0))
        #expect(try await database.outbox(state: .pending).allSatisfy { $0.lastError?.contains("cannot connect") == true && $0.attempts == 1 })

        // Still down at the retry: the backoff doubles.
        let again = try await stage.run(database: database, now: now.addingTimeInterval(61))
        #expect(again.retrying.count == 8)
        #expect(again.nextRetry == now.addingTimeInterval(61 + 120))

        // The server comes back on the same port: everything arrives, once.
        let server = try SMTPTestServer(port: port)
        defer { server.stop() }
        let up = try await stage.run(database: database, now: now.addingTimeInterval(200))
        #expect(up.sent.count == 8 && up.retrying.isEmpty)
        #expect(try await database.outboxCounts() == .init(pending: 0, sent: 8, failed: 0))
        let ids = try parseWithPython(server.received).map(\.message_id)
        #expect(ids.count == 8 && Set(ids).count == 8)
        // Nothing is left to send: another pass delivers nothing more.
        let idle = try await stage.run(database: database, now: now.addingTimeInterval(300))
        #expect(idle.sent.isEmpty)
        #expect(server.received.count == 8)
    }

    @Test func permanentRefusalIsKeptAsFailedAndTransientOnesGiveUpInTime() async throws {
        let (_, database, now) = try await queued()
        let server = try SMTPTestServer()
        defer { server.stop() }
        // Every address refused permanently: the message fails at once, kept with the reason.
        struct Refusing: MailTransport {
            var description: String { "refusing" }
            func deliver(_ batch: [Envelope], each: (Int, DeliveryResult) async -> BatchDecision) async {
                for index in batch.indices { _ = await each(index, .failed(MailError(.rejected, "every recipient was refused (550 no such user)", transient: false))) }
            }
        }
        let refused = try await DeliverStage(transport: Refusing(), delivery: delivery).run(database: database, now: now)
        #expect(refused.failed.count == 8)
        #expect(try await database.outboxCounts() == .init(pending: 0, sent: 0, failed: 8))
        #expect(try await database.outbox(state: .failed).allSatisfy { $0.lastError?.contains("550") == true })
    }

    @Test func transientFailuresGiveUpAfterTheConfiguredTime() async throws {
        let (_, database, now) = try await queued()
        struct Busy: MailTransport {
            var description: String { "busy" }
            func deliver(_ batch: [Envelope], each: (Int, DeliveryResult) async -> BatchDecision) async {
                for index in batch.indices { _ = await each(index, .failed(MailError(.rejected, "451 try later", transient: true))) }
            }
        }
        let stage = DeliverStage(transport: Busy(), delivery: delivery)
        #expect(try await stage.run(database: database, now: now).retrying.count == 8)
        let late = try await stage.run(database: database, now: now.addingTimeInterval(49 * 3600))
        #expect(late.failed.count == 8)
        #expect(late.failed.values.allSatisfy { $0.contains("given up") })
        #expect(try await database.outboxCounts().failed == 8)
    }
}
