import ArgumentParser
import DubanCore
import DubanDaemon
import DubanPostgres
import DubanStore
import Foundation

/// `duban status`: what the state database says.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's state: last and next wake, the outbox (pending and failed, with errors), recipients refused, recent mail, the database's size.",
        discussion: "Read-only; never waits for the daemon (WAL). Exits 0, or 1 when messages have failed for good, 2 when the state database is unusable."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(help: "How many recent messages to list.")
    var recent = 10

    struct Output: Encodable {
        struct Entry: Encodable {
            var messageID: String
            var kind: String
            var subject: String
            var recipients: [String]
            var slot: String
            var state: String
            var attempts: Int
            var nextAttempt: String?
            var lastError: String?
            var sentAt: String?
        }

        struct Refusal: Encodable {
            var messageID: String
            var address: String
            var reply: String
            var at: String
        }

        /// With PostgreSQL: the daemons sharing the database (leader first).
        struct Daemon: Encodable {
            var host: String
            var pid: Int
            var role: String
            var since: String
            var seenAt: String
        }

        var state: String
        var daemons: [Daemon]?
        var sizeBytes: Int64
        var lastMaintenance: String?
        var lastWake: String?
        var nextWake: String?
        var status: String?
        var lastDigest: String?
        var outbox: [String: Int]
        var pending: [Entry]
        var failed: [Entry]
        var recent: [Entry]
        var refused: [Refusal]
    }

    func run() async throws {
        let environment = try loadEnvironment(global)
        let path = environment.configuration.state.path
        let database: any StateStore
        do {
            guard let opened = try await StateOpener.readOnly(environment.configuration.state) else {
                print("No state database at \(path.path) yet: Duban has not run.")
                return
            }
            database = opened
        } catch {
            printErr("duban: \(error)")
            throw ExitStatus.configurationUnusable
        }
        let clock = environment.clock
        func entry(_ e: OutboxEntry) -> Output.Entry {
            Output.Entry(messageID: e.messageID, kind: e.kind + (e.level.map { " L\($0)" } ?? ""), subject: e.subject,
                         recipients: e.state == .pending ? e.recipientList : e.addressees, slot: clock.iso(e.slot), state: e.state.rawValue, attempts: e.attempts,
                         nextAttempt: e.nextAttemptAt.map(clock.iso), lastError: e.lastError, sentAt: e.sentAt.map(clock.iso))
        }
        let output = try await withState {
            let counts = try await database.outboxCounts()
            let daemons = try await (database as? PostgresStore)?.daemons().map {
                Output.Daemon(host: $0.host, pid: $0.pid, role: $0.role, since: clock.iso($0.since), seenAt: clock.iso($0.seenAt))
            }
            return Output(
                state: database.location, daemons: daemons, sizeBytes: try await database.size(), lastMaintenance: try await database.meta("last_maintenance"),
                lastWake: try await database.meta("last_wake"), nextWake: try await database.meta("next_wake"),
                status: try await database.meta("status"), lastDigest: try await database.meta("last_digest"),
                outbox: ["pending": counts.pending, "sent": counts.sent, "failed": counts.failed],
                pending: try await database.outbox(state: .pending).map(entry),
                failed: try await database.outbox(state: .failed).map(entry),
                recent: try await database.outbox(state: .sent, limit: recent, newestFirst: true).map(entry),
                refused: try await database.refusedRecipients(limit: 50).map {
                    Output.Refusal(messageID: $0.messageID, address: $0.address, reply: $0.reply, at: clock.iso($0.refusedAt))
                })
        }
        let counts = (pending: output.outbox["pending"] ?? 0, sent: output.outbox["sent"] ?? 0, failed: output.outbox["failed"] ?? 0)
        switch format {
        case .json:
            print(encodeJSON(output))
        case .text:
            print("State database: \(output.state) (\(String(format: "%.1f MB", Double(output.sizeBytes) / 1_048_576)); maintenance \(output.lastMaintenance ?? "not yet run"))")
            if let daemons = output.daemons {
                if daemons.isEmpty { print("Daemons: none seen recently") }
                for daemon in daemons {
                    print("  \(daemon.role) \(daemon.host) pid \(daemon.pid) since \(daemon.since) (seen \(daemon.seenAt))")
                }
            }
            print("Last wake: \(output.lastWake ?? "never")   Next wake: \(output.nextWake ?? "unknown")")
            if let status = output.status { print("Status: \(status)") }
            print("Last digest: \(output.lastDigest ?? "none yet")")
            print("Outbox: \(counts.pending) pending, \(counts.sent) sent, \(counts.failed) failed")
            for e in output.pending {
                print("  pending \(e.kind) \(e.subject) → \(e.recipients.joined(separator: ", ")); attempts \(e.attempts)"
                      + (e.nextAttempt.map { ", next attempt \($0)" } ?? "") + (e.lastError.map { "; last error: \($0)" } ?? ""))
            }
            for e in output.failed {
                print("  FAILED \(e.kind) \(e.subject) → \(e.recipients.joined(separator: ", ")) after \(e.attempts) attempt(s): \(e.lastError ?? "")")
            }
            if !output.refused.isEmpty { print("Recipients refused for good (the others received the message):") }
            for r in output.refused { print("  \(r.at) \(r.address): \(r.reply) [\(r.messageID)]") }
            if !output.recent.isEmpty { print("Recently sent:") }
            for e in output.recent { print("  \(e.sentAt ?? "") \(e.kind) \(e.subject) → \(e.recipients.joined(separator: ", "))") }
        }
        if counts.failed > 0 { throw ExitStatus.dataErrors }
    }
}
