import DubanConfig
@testable import DubanConsole
import DubanCore
@testable import DubanDaemon
import DubanStore
import DubanTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The only test double: a clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }
}

/// The shipped example configuration (or another ledger in its place), with
/// its state and mail in a fresh folder; a real SQLite file; real passes.
struct ConsoleFixture {
    var environment: DubanDaemon.Environment
    var database: DubanDatabase
    var folder: URL
    var clock: TestClock
    var source: ConsoleSource
    var passes: [ConsolePass] = []

    init(ledger: URL? = nil, at start: String = "2026-06-23T09:00", http: Configuration.HTTP = .init()) throws {
        var configuration = try Configuration.load(from: repository.appendingPathComponent("config/duban.toml"))
        folder = try temporaryFolder("console")
        configuration.state.path = folder.appendingPathComponent("duban.sqlite")
        configuration.mail.folder = folder.appendingPathComponent("mail")
        configuration.http = http
        if let ledger {
            configuration.ledger.paths = [ledger]
            configuration.ledger.sheet = nil
        }
        environment = try Environment.load(configuration)
        database = try DubanDatabase.open(at: configuration.state.path, delivering: true)
        let clock = TestClock(environment.clock.parse(start)!)
        self.clock = clock
        source = ConsoleSource(
            database: database,
            settings: ConsoleSettings(organization: configuration.organization.name, programme: configuration.programme.name,
                                      locale: configuration.organization.locale.rawValue, wakeCap: .seconds(300)),
            now: { clock.now })
    }

    /// One real pass at `time` (PlanStage, then DeliverStage with the files
    /// transport), handed to the console as the daemon does; `edit` changes
    /// the ledger as read (a cell someone typed).
    @discardableResult
    mutating func pass(at time: String, edit: (inout LedgerSnapshot) -> Void = { _ in }) async throws -> ConsolePass {
        let now = environment.clock.parse(time)!
        clock.now = now
        let started = ContinuousClock.now
        var snapshot = environment.loadLedger()
        edit(&snapshot)
        var ledgerError = Daemon.fileLevelError(snapshot)
        var planned = snapshot
        if ledgerError != nil, let lastGood = try await database.lastGoodSnapshot() {
            planned = lastGood
        } else if ledgerError == nil {
            try await database.replaceSnapshot(snapshot, for: .lastGood, at: now)
        } else {
            ledgerError = ledgerError ?? "unreadable"
        }
        let plan = try await PlanStage(environment: environment).run(planned, database: database, now: now)
        let report = try await DeliverStage(transport: try environment.makeTransport(), delivery: environment.configuration.delivery)
            .run(database: database, now: now)
        let pass = ConsolePass(
            finishedAt: now, duration: .now - started, snapshot: planned, diagnostics: snapshot.diagnostics + environment.diagnostics,
            ledgerError: ledgerError, planner: environment.planner, planned: ConsolePass.count(plan.messages),
            deliveries: .init(sent: report.sent.count, retrying: report.retrying.count, failed: report.failed.count), nextWake: plan.next)
        await source.record(pass)
        passes.append(pass)
        return pass
    }

    func service(listen: Configuration.HTTP.Address = .init(host: "127.0.0.1", port: 0)) throws -> ConsoleService {
        try ConsoleService(source: source, http: environment.configuration.http, listen: listen, logger: Logger(label: "test"))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}

/// Samples of a Prometheus text exposition, as Python's reference parser reads them.
func parseMetrics(_ text: String) throws -> [String: Double] {
    let file = try temporaryFolder("metrics").appendingPathComponent("metrics.prom")
    try text.write(to: file, atomically: true, encoding: .utf8)
    let output = try runProgram("/usr/bin/python3", [repository.appendingPathComponent("Tests/Support/parse_metrics.py").path, file.path])
    return try JSONDecoder().decode([String: Double].self, from: Data(output.utf8))
}

/// Writes a CSV ledger into `folder`.
func writeLedger(_ rows: [[String]], to folder: URL, name: String = "ledger.csv") throws -> URL {
    func cell(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    let text = rows.map { $0.map(cell).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    let url = folder.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}
