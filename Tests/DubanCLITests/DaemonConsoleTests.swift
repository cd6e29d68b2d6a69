import DubanTesting
import Foundation
import Testing

/// The web console and the metrics textfile as the daemon serves them: a second
/// service in its group, fed by every pass, stopped with it on SIGTERM (issue 15).
@Suite(.serialized) struct DaemonConsoleTests {
    /// A free loopback port: bind to 0, read it back, let it go.
    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        #expect(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func get(_ url: String) throws -> (status: Int, body: String) {
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", """
            import sys, urllib.request, urllib.error
            try:
                r = urllib.request.urlopen(sys.argv[1], timeout=10); print(r.status); sys.stdout.write(r.read().decode())
            except urllib.error.HTTPError as e:
                print(e.code); sys.stdout.write(e.read().decode())
            """, url])
        let lines = result.stdout.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        return (Int(lines.first ?? "") ?? 0, lines.count > 1 ? String(lines[1]) : "")
    }

    @Test func theDaemonServesTheConsoleAndWritesTheTextfile() throws {
        let port = try freePort()
        let setup = try DaemonTests.setup(ledger: DaemonTests.ledger([("A", "张伟", "zhang@example.org", DaemonTests.date(daysFromToday: -3))]))
        let textfile = setup.folder.appendingPathComponent("duban.prom")
        try (try String(contentsOfFile: setup.config, encoding: .utf8)
             + "\n[http]\nlisten = \"127.0.0.1:\(port)\"\n[metrics]\ntextfile = \"\(textfile.path)\"\n")
            .write(toFile: setup.config, atomically: true, encoding: .utf8)
        let socket = try NotifySocket()
        let process = try DaemonTests.start(setup, notify: socket)
        defer { if process.isRunning { process.terminate() } }
        var seen: [String] = []
        let status = try #require(DaemonTests.firstPass(socket, seen: &seen))
        #expect(status.contains("1 tasks"))

        // The listener opens after the first pass: /healthz says the pass succeeded.
        var health = (status: 0, body: "")
        #expect(DaemonTests.eventually(10) { health = (try? get("http://127.0.0.1:\(port)/healthz")) ?? (0, ""); return health.status == 200 })
        let metrics = try get("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("duban_tasks"))
        let page = try get("http://127.0.0.1:\(port)/tasks")
        #expect(page.status == 200 && page.body.contains("张伟"))
        // The figures agree with `duban status --format json`, parsed as Prometheus would parse them.
        let parsed = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", """
            import json, sys, urllib.request
            from prometheus_client.parser import text_string_to_metric_families
            text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
            out = {}
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if sample.name == "duban_outbox_messages":
                        out[sample.labels["state"]] = sample.value
            print(json.dumps(out))
            """, "http://127.0.0.1:\(port)/metrics"])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let scraped = try #require(try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [String: Double])
        let state = try DubanProcess.run(["status", "--format", "json", "--config", setup.config])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(state.stdout.utf8)) as? [String: Any])
        let outbox = try #require(json["outbox"] as? [String: Int])
        #expect(scraped["pending"].map(Int.init) == outbox["pending"])
        #expect(scraped["failed"].map(Int.init) == outbox["failed"])
        // The textfile has the same figures, written after the pass.
        let written = try String(contentsOf: textfile, encoding: .utf8)
        #expect(written.contains("duban_tasks"))

        // SIGTERM stops both services; the daemon exits 0.
        process.terminate()
        #expect(DaemonTests.waitForExit(process, timeout: 20))
        #expect(process.terminationStatus == 0)
        #expect((try? get("http://127.0.0.1:\(port)/healthz"))?.status ?? 0 == 0)
    }
}
