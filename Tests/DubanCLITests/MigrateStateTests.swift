import DubanTesting
import Foundation
import Testing

/// Issue 16: moving a programme from its SQLite file to PostgreSQL.
@Suite(.serialized) struct MigrateStateTests {
    /// What was sent before the move is not sent again after it; what was
    /// waiting still waits (and is then delivered from PostgreSQL).
    @Test func aPassAfterTheMoveSendsNothingAlreadySent() throws {
        let cluster = try PostgresCluster.running()
        let schema = cluster.freshSchema("move")
        let smtp = try SMTPTestServer()
        defer { smtp.stop() }
        let rows: [(id: String, officer: String, email: String, deadline: String)] = (1...4).map { ("T\($0)", "officer\($0)", "o\($0)@example.org", DaemonTests.date(daysFromToday: 3)) }
            + [("T5", "officer5", "later5@example.org", DaemonTests.date(daysFromToday: 3))]  // 450: stays pending
        let setup = try DaemonTests.setup(smtpPort: smtp.port, ledger: DaemonTests.ledger(rows))
        let first = try DubanProcess.run(["run", "--once", "--config", setup.config])
        #expect(first.stdout.contains("will retry"), "\(first.stdout)\(first.stderr)")
        let sent = smtp.received.count
        #expect(sent >= 4)
        // What waits depends on the day (a Monday adds later5's personal list): the file's own outbox line is the reference.
        let before = try DubanProcess.run(["status", "--config", setup.config])
        let outboxLine = try #require(before.stdout.split(separator: "\n").first { $0.hasPrefix("Outbox: ") }, "\(before.stdout)")
        #expect(outboxLine.hasSuffix(" pending, \(sent) sent, 0 failed") && !outboxLine.hasPrefix("Outbox: 0 pending"), "\(outboxLine)")
        let pending = outboxLine.dropFirst("Outbox: ".count).prefix { $0 != " " }

        let url = "postgresql://\(cluster.username)@/\(cluster.database)?host=\(cluster.socketFolder)"
        let move = try DubanProcess.run(["migrate-state", "--config", setup.config, "--to", url, "--schema", schema,
                                         "--password-file", cluster.passwordFile.path])
        #expect(move.status == 0, "\(move.stdout)\(move.stderr)")
        #expect(move.stdout.contains("(\(pending) pending, \(sent) sent, 0 failed)"), "\(move.stdout)")
        // The loop's history (v4-loop) came along, row for row.
        let file = setup.folder.appendingPathComponent("state/duban.sqlite").path
        for table in ["statusSighting", "deadlineSighting"] {
            let inFile = try runProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"),
                                        [file, "SELECT COUNT(*) || ':' || COALESCE(group_concat(taskID || seenOn), '') FROM (SELECT * FROM \(table) ORDER BY id)"])
            let copied = try cluster.psql("SELECT COUNT(*) || ':' || COALESCE(string_agg(taskID || seenOn, ',' ORDER BY id), '') FROM \(schema).\(table)")
            #expect(!inFile.stdout.hasPrefix("0:") && inFile.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == copied, "\(table): \(inFile.stdout) \(inFile.stderr) vs \(copied)")
        }
        #expect(move.stdout.contains(" status and "), "\(move.stdout)")
        // A second copy into the same schema is refused: histories are not merged.
        let again = try DubanProcess.run(["migrate-state", "--config", setup.config, "--to", url, "--schema", schema,
                                          "--password-file", cluster.passwordFile.path])
        #expect(again.status == 2 && again.stderr.contains("already holds"), "\(again.stderr)")

        var config = try String(contentsOfFile: setup.config, encoding: .utf8)
        let state = try #require(config.range(of: #"\[state\]\npath = "[^"]*""#, options: .regularExpression))
        config.replaceSubrange(state, with: cluster.stateSection(schema: schema, failoverSeconds: 3))
        config = PostgresCluster.archivingDigests(config, in: setup.folder)
        try config.write(toFile: setup.config, atomically: true, encoding: .utf8)
        let after = try DubanProcess.run(["run", "--once", "--config", setup.config])
        #expect(after.stdout.contains("queued 0 message(s), skipped 0"), "\(after.stdout)\(after.stderr)")
        #expect(smtp.received.count == sent, "the move made Duban send again")
        // What waited still waits, retried from PostgreSQL (and refused again).
        #expect(try cluster.psql("SELECT DISTINCT state FROM \(schema).outbox WHERE envelopeRecipients LIKE '%later5%'") == "pending")
        let status = try DubanProcess.run(["status", "--config", setup.config])
        #expect(status.stdout.contains(outboxLine), "\(status.stdout)\(status.stderr)")
    }
}
