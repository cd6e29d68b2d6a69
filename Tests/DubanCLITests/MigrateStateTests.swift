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

        let url = "postgresql://\(cluster.username)@/\(cluster.database)?host=\(cluster.socketFolder)"
        let move = try DubanProcess.run(["migrate-state", "--config", setup.config, "--to", url, "--schema", schema,
                                         "--password-file", cluster.passwordFile.path])
        #expect(move.status == 0, "\(move.stdout)\(move.stderr)")
        #expect(move.stdout.contains("\(sent + 1) messages (1 pending, \(sent) sent, 0 failed)"), "\(move.stdout)")
        // A second copy into the same schema is refused: histories are not merged.
        let again = try DubanProcess.run(["migrate-state", "--config", setup.config, "--to", url, "--schema", schema,
                                          "--password-file", cluster.passwordFile.path])
        #expect(again.status == 2 && again.stderr.contains("already holds"), "\(again.stderr)")

        var config = try String(contentsOfFile: setup.config, encoding: .utf8)
        let state = try #require(config.range(of: #"\[state\]\npath = "[^"]*""#, options: .regularExpression))
        config.replaceSubrange(state, with: cluster.stateSection(schema: schema, failoverSeconds: 3))
        try config.write(toFile: setup.config, atomically: true, encoding: .utf8)
        let after = try DubanProcess.run(["run", "--once", "--config", setup.config])
        #expect(after.stdout.contains("queued 0 message(s), skipped 0"), "\(after.stdout)\(after.stderr)")
        #expect(smtp.received.count == sent, "the move made Duban send again")
        // The pending one is still pending, retried from PostgreSQL (and refused again).
        #expect(try cluster.psql("SELECT state FROM \(schema).outbox WHERE envelopeRecipients LIKE '%later5%'") == "pending")
        let status = try DubanProcess.run(["status", "--config", setup.config])
        #expect(status.stdout.contains("Outbox: 1 pending, \(sent) sent, 0 failed"), "\(status.stdout)\(status.stderr)")
    }
}
