import DubanConfig
import DubanCore
import DubanDaemon
import DubanMail
import DubanStore
import DubanTesting
import Foundation
import Synchronization
import Testing

@Suite struct DeliveryRecordingTests {
    /// Every recorded result is progress the daemon feeds to the watchdog,
    /// so a long batch to a slow server is not mistaken for a hang.
    @Test func eachRecordedResultReportsProgress() async throws {
        let (environment, database, now) = try await DeliverStageTests().queued()
        let progress = Mutex(0)
        var stage = DeliverStage(transport: FilesTransport(folder: try temporaryFolder("progress")), delivery: environment.configuration.delivery)
        stage.onProgress = { progress.withLock { $0 += 1 } }
        let report = try await stage.run(database: database, now: now)
        #expect(report.sent.count == 8)
        #expect(progress.withLock { $0 } == 8)
    }

    /// A transport that stops (as a crash would) after the server accepted
    /// two messages: both must already be marked sent, the rest still pending.
    @Test func eachAcceptedMessageIsMarkedBeforeTheNextIsSent() async throws {
        let (environment, path) = try exampleEnvironment()
        let database = try DubanDatabase.open(at: path, delivering: true)
        _ = try await PlanStage(environment: environment).run(environment.loadLedger(), database: database, now: environment.clock.parse("2026-07-07T09:00")!)
        struct Observing: MailTransport {
            let database: DubanDatabase
            var description: String { "observing" }
            func deliver(_ batch: [Envelope], each: (Int, DeliveryResult) async -> BatchDecision) async {
                for index in batch.indices {
                    // What a crash at this moment would leave: every earlier message already marked.
                    let sent = (try? await database.outboxCounts().sent) ?? -1
                    #expect(sent == index)
                    _ = await each(index, .delivered(rejected: [:]))
                }
            }
        }
        let report = try await DeliverStage(transport: Observing(database: database), delivery: .init()).run(database: database, now: Date())
        #expect(report.sent.count == 8)
    }
}
