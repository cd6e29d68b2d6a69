import ArgumentParser
import DubanConfig
import DubanDaemon
import DubanPostgres
import DubanStore
import Foundation

/// `duban migrate-state --to postgresql://…`: moves a programme's state from
/// its SQLite file to PostgreSQL, so a pass after the move sends nothing
/// already sent.
struct MigrateState: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-state",
        abstract: "Copy the notification log, outbox, observations and snapshots from the SQLite state database to PostgreSQL.",
        discussion: """
            Stop the daemon first: the command takes the SQLite file's delivery lock and refuses \
            while another process holds it. The target schema must be empty of log and outbox rows \
            (it is created and migrated when missing). The password comes from --password-file or \
            $CREDENTIALS_DIRECTORY/pg-password, never from the URL. Afterwards, set [state] url \
            (and schema) in the configuration in place of path. The SQLite file is left as it was. \
            Exits 0 when copied, 2 when either database is unusable or the target is not empty.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The PostgreSQL database: postgresql://USER@HOST[:PORT]/DATABASE or postgresql://USER@/DATABASE?host=/socket/folder.",
                               valueName: "url"))
    var to: String

    @Option(help: "The schema to copy into (one per programme).")
    var schema = "public"

    @Option(help: ArgumentHelp("A file holding the PostgreSQL password.", valueName: "path"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("TLS: tls (default over TCP) or plain (Unix sockets and loopback only).", valueName: "security"))
    var security: String?

    @Option(help: ArgumentHelp("The CA that signed the server's certificate.", valueName: "path"))
    var caFile: String?

    func run() async throws {
        let environment = try loadEnvironment(global)
        let state = environment.configuration.state
        if let postgres = state.postgres {
            printErr("duban: the configuration already uses PostgreSQL (\(postgres.url)); migrate-state copies from the SQLite [state] path")
            throw ExitStatus.configurationUnusable
        }
        var target: Configuration.State.PostgreSQL
        switch Configuration.State.PostgreSQL.parse(to) {
        case .success(let parsed): target = parsed
        case .failure(let problem):
            throw ValidationError("--to: \(problem)")
        }
        target.schema = schema
        target.passwordFile = passwordFile.map { URL(fileURLWithPath: $0) }
        target.caFile = caFile.map { URL(fileURLWithPath: $0) }
        if let security {
            guard let chosen = Configuration.State.PostgreSQL.Security(rawValue: security) else {
                throw ValidationError("--security must be tls or plain, not \(security)")
            }
            target.security = chosen
        } else {
            target.security = target.socketFolder == nil ? .tls : .plain
        }
        guard FileManager.default.fileExists(atPath: state.path.path) else {
            printErr("duban: no state database at \(state.path.path): nothing to migrate")
            throw ExitStatus.configurationUnusable
        }
        let settings: PostgresSettings
        do {
            settings = try StateOpener.settings(target)
        } catch {
            printErr(error.description)
            throw ExitStatus.configurationUnusable
        }
        let (dump, counts) = try await withState {
            // The delivery lock: a running daemon would go on writing to the file.
            let source = try DubanDatabase.open(at: state.path, delivering: true)
            return (try await source.dump(), try await source.outboxCounts())
        }
        try await withState {
            let store = try await PostgresStore.open(settings)
            defer { store.close() }
            try await store.load(dump)
            let copied = try await store.outboxCounts()
            guard copied == counts else {
                throw StoreError(.query, "the copy in \(store.location) does not match the file (outbox \(copied) instead of \(counts))")
            }
            print("copied \(dump.log.count) log entries, \(dump.outbox.count) messages (\(counts.pending) pending, \(counts.sent) sent, \(counts.failed) failed), \(dump.statusSightings.count) status and \(dump.deadlineSightings.count) deadline sightings, \(dump.snapshots.count) snapshots and \(dump.meta.count) settings from \(state.path.path) to \(store.location)")
            print("next: set [state] url = \"\(target.url)\"\(schema == "public" ? "" : " and schema = \"\(schema)\"") in place of path, then start the daemon")
        }
    }
}
