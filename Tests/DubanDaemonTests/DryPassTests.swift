import DubanConfig
import DubanCore
@testable import DubanDaemon
import DubanStore
import Foundation
import Testing

/// A simulation's pass queues each message without writing its mail
/// (`PlanStage.writesMail` false: no body, no MIME, no workbook). Beside a
/// pass that writes every mail, slot after slot on random ledgers, with
/// department digests and personal lists, it queues the same messages with
/// the same subjects, senders and envelopes: the subject functions give what
/// the composed mails say.
@Suite struct DryPassTests {
    struct Queued: Equatable, CustomStringConvertible {
        var messageID: String, kind: String, slot: Date, subject: String, sender: String, recipients: String, envelope: String
        var description: String { "\(slot) \(kind) \(messageID) \(subject) from \(sender) to \(recipients) envelope \(envelope)" }
    }

    static func outbox(_ database: DubanDatabase) async throws -> [Queued] {
        try await database.outbox(state: nil, limit: nil, newestFirst: false).map {
            Queued(messageID: $0.messageID, kind: $0.kind, slot: $0.slot, subject: $0.subject, sender: $0.sender,
                   recipients: $0.recipients, envelope: $0.envelopeRecipients)
        }
    }

    @Test(arguments: [5, 6, 7])
    func aDryPassQueuesWhatAWritingPassQueues(seed: Int) async throws {
        let (example, _) = try exampleEnvironment()
        var configuration = example.configuration
        configuration.digest.departments = ["办公室": Contact(name: "王主任", email: "wang.zhuren@example.org")]
        let environment = try Environment.load(configuration)
        let clock = environment.clock
        let snapshot = SimulationEquivalenceTests.randomLedger(seed: UInt64(seed), tasks: 60)
        let writing = try DubanDatabase.inMemory(), dry = try DubanDatabase.inMemory()
        let full = PlanStage(environment: environment, archivesDigests: false)
        let quick = PlanStage(environment: environment, archivesDigests: false, writesMail: false)
        var now = clock.parse("2026-04-01")!
        let end = clock.parse("2026-08-31T23:59")!
        var log = Set<NotificationIdentity>()
        var slots = 0
        while now <= end {
            let written = try await full.run(snapshot, database: writing, now: now, log: log)
            let quickly = try await quick.run(snapshot, database: dry, now: now, log: log)
            #expect(written.messages == quickly.messages)
            #expect(written.skipped == quickly.skipped)
            log.formUnion(written.messages.flatMap(\.identities))
            log.formUnion(written.skipped.map(\.identity))
            for message in written.messages {
                try await writing.markSent(messageID: message.id, at: now)
                try await dry.markSent(messageID: message.id, at: now)
            }
            slots += 1
            guard let next = written.next, next > now else { break }
            now = next
        }
        let expected = try await Self.outbox(writing), queued = try await Self.outbox(dry)
        #expect(queued == expected)
        // Every kind the pass writes took part: reminders and escalations, both digests, personal lists.
        let kinds = Set(expected.map(\.kind))
        #expect(kinds.isSuperset(of: ["reminder", "escalation", "digest", "personal"]), "\(kinds)")
        #expect(expected.filter { $0.kind == "digest" }.contains { $0.envelope.contains("wang.zhuren@example.org") })
        #expect(slots > 20)
        // And the writing pass did write mail; the dry one none.
        #expect(try await writing.outbox(state: nil, limit: nil, newestFirst: false).allSatisfy { !$0.mime.isEmpty })
        #expect(try await dry.outbox(state: nil, limit: nil, newestFirst: false).allSatisfy { $0.mime.isEmpty })
    }
}
