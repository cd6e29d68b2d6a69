import DubanTesting
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 16: two daemons on one PostgreSQL database (the tests' own cluster),
/// a real SMTP server (aiosmtpd), real processes, real signals.
@Suite(.serialized) struct FailoverTests {
    /// One daemon's files: its configuration (its own EHLO name, so the
    /// server can tell who sent what) and its notify socket.
    struct Daemon {
        var name: String
        var setup: DaemonTests.Setup
        var socket: NotifySocket
        var process: Process
    }

    /// `count` tasks, each with its own officer, all due for a reminder now: `count` mails at one slot.
    static func ledger(_ count: Int) -> String {
        DaemonTests.ledger((1...count).map { ("T\($0)", "officer\($0)", "o\($0)@example.org", DaemonTests.date(daysFromToday: 3)) })
    }

    /// A configuration for `name`, its state in `schema` of the cluster.
    static func setup(_ name: String, ledger: String, smtp: SMTPTestServer, cluster: PostgresCluster, schema: String,
                      failoverSeconds: Int) throws -> DaemonTests.Setup {
        let setup = try DaemonTests.setup(smtpPort: smtp.port, ledger: ledger)
        var config = try String(contentsOfFile: setup.config, encoding: .utf8)
        let state = try #require(config.range(of: #"\[state\]\npath = "[^"]*""#, options: .regularExpression))
        config.replaceSubrange(state, with: cluster.stateSection(schema: schema, failoverSeconds: failoverSeconds))
        config += "\nhelo = \"\(name).test\"\n"
        config = PostgresCluster.archivingDigests(config, in: setup.folder)
        try config.write(toFile: setup.config, atomically: true, encoding: .utf8)
        return setup
    }

    static func start(_ name: String, _ setup: DaemonTests.Setup) throws -> Daemon {
        let socket = try NotifySocket()
        return Daemon(name: name, setup: setup, socket: socket, process: try DaemonTests.start(setup, notify: socket))
    }

    /// What arrived at the server: Message-ID, who sent it (EHLO), when (the file's time).
    struct Arrival {
        var messageID: String
        var sender: String
        var at: Date
    }

    static func arrivals(_ smtp: SMTPTestServer) -> [Arrival] {
        smtp.received.compactMap { file in
            guard let text = try? String(contentsOf: file, encoding: .utf8),
                  let line = text.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("message-id:") }) else { return nil }
            let sender = (try? String(contentsOf: URL(fileURLWithPath: file.path + ".helo"), encoding: .utf8)) ?? ""
            let at = ((try? FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate]) as? Date) ?? .distantPast
            return Arrival(messageID: line.dropFirst("message-id:".count).trimmingCharacters(in: .whitespaces), sender: sender, at: at)
        }
    }

    /// The pid the `daemon` table names as leader, if any.
    static func leaderPID(_ cluster: PostgresCluster, _ schema: String) -> Int32? {
        (try? cluster.psql("SELECT pid FROM \(schema).daemon WHERE role = 'leader' ORDER BY seenAt DESC LIMIT 1")).flatMap { Int32($0) }
    }

    static func outboxLeft(_ cluster: PostgresCluster, _ schema: String) -> (total: Int, unsent: Int)? {
        guard let line = try? cluster.psql("SELECT COUNT(*) || ' ' || COUNT(*) FILTER (WHERE state <> 'sent') FROM \(schema).outbox") else { return nil }
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
    }

    static func stop(_ daemon: Daemon) {
        if daemon.process.isRunning {
            daemon.process.terminate()
            // A daemon that does not stop (what a failed test may show) is not left behind.
            if !DaemonTests.waitForExit(daemon.process, timeout: 20) {
                kill(daemon.process.processIdentifier, SIGKILL)
                daemon.process.waitUntilExit()
            }
        }
    }

    /// SIGKILL whichever daemon leads, again and again at random moments
    /// while it sends, restarting it each time: every message arrives, and
    /// each kill costs at most one duplicate (the message in flight).
    @Test func killingTheLeaderRepeatedlyLosesNothingAndDuplicatesAtMostOnePerKill() throws {
        let messages = 300, plannedKills = 6, failoverSeconds = 3
        let cluster = try PostgresCluster.running()
        let schema = cluster.freshSchema("kill")
        let smtp = try SMTPTestServer(["--slow", "0.01"])
        defer { smtp.stop() }
        let ledger = Self.ledger(messages)
        var daemons = [try Self.start("a", try Self.setup("a", ledger: ledger, smtp: smtp, cluster: cluster, schema: schema, failoverSeconds: failoverSeconds)),
                       try Self.start("b", try Self.setup("b", ledger: ledger, smtp: smtp, cluster: cluster, schema: schema, failoverSeconds: failoverSeconds))]
        defer { daemons.forEach(Self.stop) }

        var kills = 0
        var takeovers: [Double] = []
        let giveUp = Date().addingTimeInterval(180)
        while kills < plannedKills && Date() < giveUp {
            // A random moment of the sending (or of a take-over).
            usleep(UInt32.random(in: 200_000...1_500_000))
            if let left = Self.outboxLeft(cluster, schema), left.total >= messages && left.unsent == 0 { break }
            guard let pid = Self.leaderPID(cluster, schema),
                  let index = daemons.firstIndex(where: { $0.process.processIdentifier == pid && $0.process.isRunning }) else { continue }
            let killedAt = Date()
            kill(pid, SIGKILL)
            daemons[index].process.waitUntilExit()
            kills += 1
            daemons[index] = try Self.start(daemons[index].name, daemons[index].setup)
            // Until another daemon holds the lease.
            if DaemonTests.eventually(Double(failoverSeconds * 3), { Self.leaderPID(cluster, schema).map { $0 != pid } ?? false }) {
                takeovers.append(Date().timeIntervalSince(killedAt))
            }
        }
        #expect(kills >= 3, "the daemons finished before the leader could be killed often: \(kills) kills")
        #expect(DaemonTests.eventually(120) { Self.outboxLeft(cluster, schema).map { $0.total >= messages && $0.unsent == 0 } ?? false },
                "not everything was sent: \(String(describing: Self.outboxLeft(cluster, schema)))")
        let total = try #require(Self.outboxLeft(cluster, schema)).total
        let arrived = Self.arrivals(smtp)
        let unique = Set(arrived.map(\.messageID))
        #expect(unique.count == total, "\(unique.count) distinct Message-IDs at the server for \(total) messages")
        #expect(arrived.count - unique.count <= kills, "\(arrived.count - unique.count) duplicates for \(kills) kills")
        #expect(takeovers.allSatisfy { $0 <= Double(failoverSeconds) + 1 }, "take-overs took \(takeovers) s")
        print("failover: \(total) messages, \(kills) kills, \(arrived.count - unique.count) duplicates, take-over (lock) "
              + "\(takeovers.map { String(format: "%.2f", $0) }.joined(separator: " ")) s")
    }

    /// The database server goes away while the leader delivers: the pass
    /// gives up (after trying to record the last 250 for a while), and
    /// SIGTERM stops the daemon. It used to wait for a connection without
    /// end, and never stopped.
    @Test func aLeaderWhoseDatabaseIsGoneStillStopsOnSIGTERM() throws {
        let cluster = try PostgresCluster.startPrivate()
        defer { cluster.stop() }
        let smtp = try SMTPTestServer(["--slow", "0.2"])
        defer { smtp.stop() }
        let a = try Self.start("a", try Self.setup("a", ledger: Self.ledger(60), smtp: smtp, cluster: cluster, schema: cluster.freshSchema("gone"),
                                                   failoverSeconds: 3))
        defer { Self.stop(a) }
        #expect(DaemonTests.eventually(30) { smtp.received.count >= 3 })
        cluster.stop()  // mid-delivery
        usleep(2_000_000)
        let stoppedAt = Date()
        a.process.terminate()
        #expect(DaemonTests.waitForExit(a.process, timeout: 60), "still running 60 s after SIGTERM with its database gone")
        #expect(a.process.terminationStatus == 0)
        print("database gone: the daemon stopped \(String(format: "%.1f", Date().timeIntervalSince(stoppedAt))) s after SIGTERM")
    }

    /// The leader's lease connection is cut (`pg_terminate_backend`): it
    /// stops delivering, the standby takes over, and they never send at the
    /// same time.
    @Test func aLeaderCutOffFromTheDatabaseStopsAndTheStandbyTakesOver() throws {
        let messages = 100, failoverSeconds = 3
        let fence = Double(failoverSeconds) / 3
        let cluster = try PostgresCluster.running()
        let schema = cluster.freshSchema("cut")
        // 0.1 s a message: a is still sending when it is cut off.
        let smtp = try SMTPTestServer(["--slow", "0.1"])
        defer { smtp.stop() }
        let ledger = Self.ledger(messages)
        let a = try Self.start("a", try Self.setup("a", ledger: ledger, smtp: smtp, cluster: cluster, schema: schema, failoverSeconds: failoverSeconds))
        defer { Self.stop(a) }
        // a leads and is sending…
        #expect(DaemonTests.eventually(30) { smtp.received.count >= 5 })
        let b = try Self.start("b", try Self.setup("b", ledger: ledger, smtp: smtp, cluster: cluster, schema: schema, failoverSeconds: failoverSeconds))
        defer { Self.stop(b) }
        var seen: [String] = []
        let standby = b.socket.wait(for: { $0.contains("STATUS=standby, leader ") }, timeout: 20, seen: &seen)
        #expect(standby?.contains(" \(a.process.processIdentifier) since ") == true, "b's status: \(seen)")
        // …when its lease connection is cut.
        let application = "duban \(ProcessInfo.processInfo.hostName) \(a.process.processIdentifier) lease"
        let unsentAtCut = Self.outboxLeft(cluster, schema)?.unsent ?? 0
        let cutAt = Date()
        let cut = try cluster.psql("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '\(application)'")
        #expect(cut == "1")
        #expect(unsentAtCut > 10, "a had (nearly) finished before the cut")
        #expect(DaemonTests.eventually(120) { Self.outboxLeft(cluster, schema).map { $0.total >= messages && $0.unsent == 0 } ?? false })
        let arrived = Self.arrivals(smtp)
        let fromA = arrived.filter { $0.sender == "a.test" }, fromB = arrived.filter { $0.sender == "b.test" }
        let lastOfA = try #require(fromA.map(\.at).max()), firstOfB = try #require(fromB.map(\.at).min(), "the standby never sent")
        // a stopped within the fence (and the message in flight); b began after a had stopped.
        #expect(lastOfA.timeIntervalSince(cutAt) <= fence + 0.5, "a sent until \(lastOfA.timeIntervalSince(cutAt)) s after the cut")
        #expect(firstOfB >= lastOfA, "both sent at once: b began \(lastOfA.timeIntervalSince(firstOfB)) s before a stopped")
        let unique = Set(arrived.map(\.messageID))
        #expect(unique.count == Self.outboxLeft(cluster, schema)?.total)
        #expect(arrived.count - unique.count <= 1)
        // a stays up, standing by behind b.
        seen = []
        #expect(a.socket.wait(for: { $0.contains("STATUS=standby, leader ") && $0.contains(" \(b.process.processIdentifier) since ") },
                              timeout: 20, seen: &seen) != nil, "a's status: \(seen)")
        print("cut: a's last send \(String(format: "%.2f", lastOfA.timeIntervalSince(cutAt))) s after the cut, b's first "
              + "\(String(format: "%.2f", firstOfB.timeIntervalSince(cutAt))) s; \(fromA.count) from a, \(fromB.count) from b, "
              + "\(arrived.count - unique.count) duplicates")
    }

    /// With SQLite a second daemon is still refused (DaemonTests covers the
    /// exit); with PostgreSQL it stands by: both run.
    @Test func aSecondDaemonOnPostgreSQLStandsByInsteadOfExiting() throws {
        let cluster = try PostgresCluster.running()
        let schema = cluster.freshSchema("two")
        let smtp = try SMTPTestServer()
        defer { smtp.stop() }
        let ledger = Self.ledger(2)
        let a = try Self.start("a", try Self.setup("a", ledger: ledger, smtp: smtp, cluster: cluster, schema: schema, failoverSeconds: 3))
        defer { Self.stop(a) }
        #expect(DaemonTests.eventually(30) { smtp.received.count >= 2 })
        let b = try Self.start("b", try Self.setup("b", ledger: ledger, smtp: smtp, cluster: cluster, schema: schema, failoverSeconds: 3))
        defer { Self.stop(b) }
        var seen: [String] = []
        #expect(b.socket.wait(for: { $0.contains("READY=1") }, timeout: 20, seen: &seen) != nil)
        #expect(b.socket.wait(for: { $0.contains("STATUS=standby, leader ") }, timeout: 20, seen: &seen) != nil, "\(seen)")
        #expect(b.process.isRunning)
        // `duban status` lists both, the leader first.
        let status = try DubanProcess.run(["status", "--config", b.setup.config])
        let lines = status.stdout.split(separator: "\n").filter { $0.hasPrefix("  leader ") || $0.hasPrefix("  standby ") }
        #expect(lines.count == 2 && lines[0].contains("leader") && lines[0].contains("pid \(a.process.processIdentifier)")
                && lines[1].contains("pid \(b.process.processIdentifier)"), "\(status.stdout)\(status.stderr)")
        // A clean stop of the leader hands over without waiting for the failover time.
        Self.stop(a)
        #expect(b.socket.wait(for: { $0.hasPrefix("STATUS=") && $0.contains(" tasks · ") }, timeout: 10, seen: &seen) != nil, "\(seen)")
    }
}
