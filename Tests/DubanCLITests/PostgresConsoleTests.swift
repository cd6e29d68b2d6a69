import DubanTesting
import Foundation
import Testing

/// Issue 16: the web console, /metrics and the metrics textfile of a daemon
/// whose state is in PostgreSQL (they read any StateStore).
@Suite(.serialized) struct PostgresConsoleTests {
    @Test func aDaemonOnPostgreSQLServesTheConsoleAndWritesTheTextfile() throws {
        let cluster = try PostgresCluster.running()
        let http = DaemonConsoleTests()
        let port = try http.freePort()
        let setup = try DaemonTests.setup(ledger: DaemonTests.ledger([("A", "张伟", "zhang@example.org", DaemonTests.date(daysFromToday: -3))]))
        let textfile = setup.folder.appendingPathComponent("duban.prom")
        var config = try String(contentsOfFile: setup.config, encoding: .utf8)
        let section = try #require(config.range(of: #"\[state\]\npath = "[^"]*""#, options: .regularExpression))
        config.replaceSubrange(section, with: cluster.stateSection(schema: cluster.freshSchema("console"), failoverSeconds: 3))
        config = PostgresCluster.archivingDigests(config, in: setup.folder)
        config += "\n[http]\nlisten = \"127.0.0.1:\(port)\"\n[metrics]\ntextfile = \"\(textfile.path)\"\n"
        try config.write(toFile: setup.config, atomically: true, encoding: .utf8)
        let socket = try NotifySocket()
        let process = try DaemonTests.start(setup, notify: socket)
        defer { if process.isRunning { process.terminate() } }
        var seen: [String] = []
        let status = try #require(DaemonTests.firstPass(socket, seen: &seen), "\(seen)")
        #expect(status.contains("1 tasks"), "\(status)")

        var health = (status: 0, body: "")
        #expect(DaemonTests.eventually(10) { health = (try? http.get("http://127.0.0.1:\(port)/healthz")) ?? (0, ""); return health.status == 200 },
                "\(health)")
        // The task's page lists its notices, the mail page the messages: both read from PostgreSQL.
        let page = try http.get("http://127.0.0.1:\(port)/task?id=A")
        #expect(page.status == 200 && page.body.contains("张伟") && page.body.contains("zhang@example.org"), "\(page)")
        let mail = try http.get("http://127.0.0.1:\(port)/mail")
        #expect(mail.status == 200 && mail.body.contains("zhang@example.org"), "\(mail)")
        // /metrics' and the textfile's outbox figures are the database's, as `status` reads them.
        let state = try DubanProcess.run(["status", "--format", "json", "--config", setup.config])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(state.stdout.utf8)) as? [String: Any], "\(state.stdout)\(state.stderr)")
        let outbox = try #require(json["outbox"] as? [String: Int])
        #expect((outbox["sent"] ?? 0) > 0, "\(outbox)")
        func figure(_ text: String, _ state: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix("duban_outbox_messages{state=\"\(state)\"} ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }.map(Int.init)
        }
        let metrics = try http.get("http://127.0.0.1:\(port)/metrics")
        #expect(figure(metrics.body, "pending") == outbox["pending"] && figure(metrics.body, "failed") == outbox["failed"], "\(metrics.body)")
        let written = (try? String(contentsOf: textfile, encoding: .utf8)) ?? ""
        #expect(figure(written, "pending") == outbox["pending"] && written.contains("duban_tasks"), "\(written)")

        process.terminate()
        #expect(DaemonTests.waitForExit(process, timeout: 20))
        #expect(process.terminationStatus == 0)
    }
}
