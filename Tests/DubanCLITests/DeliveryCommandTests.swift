import DubanTesting
import Foundation
import Testing

/// Collects what a running process writes to a pipe, so a test can wait
/// for a line (the signal) instead of sleeping.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    let pipe = Pipe()

    init() {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.text += String(decoding: data, as: UTF8.self) }
        }
    }

    var output: String { lock.withLock { text } }

    /// Waits until the output contains `needle`, up to `timeout` seconds.
    func wait(for needle: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.contains(needle) { return true }
            usleep(50_000)
        }
        return output.contains(needle)
    }
}

/// Issue 10, through the real binary: several processes on one state database.
@Suite(.serialized) struct DeliveryCommandTests {
    func start(_ arguments: [String], stdout: OutputCollector? = nil, stderr: OutputCollector) throws -> Process {
        let process = Process()
        process.executableURL = DubanProcess.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: "JOURNAL_STREAM")
        process.environment = environment
        process.standardOutput = stdout?.pipe ?? FileHandle.nullDevice
        process.standardError = stderr.pipe
        try process.run()
        return process
    }

    /// Item 1: two `run --once` at the same slot against a slow server. The
    /// second waits a few seconds for the first, then queues only and says
    /// so; each message arrives once.
    @Test func twoRunOncesAtTheSameSlotSendEachMessageOnce() throws {
        let server = try SMTPTestServer(["--slow", "1.5"])
        defer { server.stop() }
        let (path, _) = try isolatedExampleConfig(mail: "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = \(server.port)\nsecurity = \"plain\"")
        let arguments = ["run", "--once", "--at", "2026-07-07T09:00", "--config", path]
        let outputs = [OutputCollector(), OutputCollector()]
        let errors = [OutputCollector(), OutputCollector()]
        let first = try start(arguments, stdout: outputs[0], stderr: errors[0])
        let second = try start(arguments, stdout: outputs[1], stderr: errors[1])
        first.waitUntilExit()
        second.waitUntilExit()
        #expect(first.terminationStatus == 0 && second.terminationStatus == 0, "\(errors.map(\.output))")
        let ids = try parseWithPython(server.received).map(\.message_id)
        #expect(ids.count == 8 && Set(ids).count == 8, "\(outputs.map(\.output))")
        #expect(outputs.contains { $0.output.contains("delivered 0: another Duban (pid") && $0.output.contains("at its next pass") },
                "\(outputs.map(\.output))")
    }

    /// Item 1: a second daemon on the same database refuses to start: one
    /// line naming the holder's pid, exit 2.
    @Test func aSecondDaemonRefusesToStart() throws {
        let setup = try DaemonTests.setup(ledger: DaemonTests.ledger([("A", "张伟", "zhang@example.org", DaemonTests.date(daysFromToday: 30))]))
        let firstErrors = OutputCollector()
        let first = try start(["run", "--config", setup.config], stderr: firstErrors)
        defer { if first.isRunning { first.terminate() } }
        #expect(firstErrors.wait(for: "started", timeout: 30), "\(firstErrors.output)")

        let second = try DubanProcess.run(["run", "--config", setup.config])
        #expect(second.status == 2)
        // One line for the operator (the log, on stderr outside the journal, repeats it).
        let lines = second.stderr.split(separator: "\n").filter { $0.hasPrefix("duban: ") }
        #expect(lines.count == 1 && lines[0].contains("pid \(first.processIdentifier)") && lines[0].contains("only one process"), "\(second.stderr)")
        first.terminate()
        first.waitUntilExit()
    }

    /// Issue 11 / item 5: the daemon logs recipients refused for good (it
    /// only printed them from `run --once` before). The weekly digest goes
    /// to two people; the server refuses one with 550.
    @Test func theDaemonLogsRecipientsRefusedForGood() throws {
        let server = try SMTPTestServer(["--refuse", "gone@example.org=550"])
        defer { server.stop() }
        let setup = try DaemonTests.setup(smtpPort: server.port,
                                          ledger: DaemonTests.ledger([("A", "张伟", "zhang@example.org", DaemonTests.date(daysFromToday: 30))]))
        try (try String(contentsOfFile: setup.config, encoding: .utf8)
             + "\n[digest]\nrecipients = [{ name = \"甲\", email = \"zgb@example.org\" }, { name = \"乙\", email = \"gone@example.org\" }]\n")
            .write(toFile: setup.config, atomically: true, encoding: .utf8)
        let errors = OutputCollector()
        let daemon = try start(["run", "--config", setup.config], stderr: errors)
        defer { if daemon.isRunning { daemon.terminate() } }
        #expect(errors.wait(for: "refused for good", timeout: 30), "\(errors.output)")
        #expect(errors.output.contains("gone@example.org") && errors.output.contains("550"))
        daemon.terminate()
        daemon.waitUntilExit()

        let status = try DubanProcess.run(["status", "--config", setup.config])
        #expect(status.stdout.contains("Recipients refused for good") && status.stdout.contains("gone@example.org: 550"), "\(status.stdout)")
        #expect(status.stdout.contains("MB; maintenance"))
    }

    /// Item 14: `digest --send` for a week already sent is refused clearly
    /// (exit 1) and writes nothing: no raw UNIQUE error, no stray `-2` archive.
    @Test func digestSendForAWeekAlreadySentIsRefusedAndWritesNothing() throws {
        let (path, folder) = try isolatedExampleConfig(mail: "[mail]\ntransport = \"files\"\n")
        let arguments = ["digest", "--send", "--week", "2026-W28", "--at", "2026-07-06T09:00", "--config", path]
        let first = try DubanProcess.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let digests = folder.appendingPathComponent("state/digests")
        let before = try FileManager.default.contentsOfDirectory(atPath: digests.path).sorted()
        #expect(before == ["2026-W28.html", "2026-W28.json", "2026-W28.txt"])

        let again = try DubanProcess.run(arguments)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already sent") && !again.stderr.contains("UNIQUE"), "\(again.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: digests.path).sorted() == before)
    }

    /// Item 7: a damaged state database stops `run --once` before planning:
    /// exit 2 and one clear line, not a raw SQLite error.
    @Test func runOnceOnADamagedDatabaseExitsTwoWithOneLine() throws {
        let (path, folder) = try isolatedExampleConfig(mail: "[mail]\ntransport = \"files\"\n")
        let state = folder.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 8192).write(to: state.appendingPathComponent("duban.sqlite"))
        let run = try DubanProcess.run(["run", "--once", "--at", "2026-07-07T09:00", "--config", path])
        #expect(run.status == 2)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("damaged") && lines[0].contains("duban.sqlite"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("mail").path))
    }
}
