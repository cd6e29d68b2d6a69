import DubanTesting
import Foundation
import Testing

@Suite struct SystemdUnitTests {
    /// The shipped unit with ExecStart pointing at the built binary.
    func unitCopy() throws -> URL {
        let folder = try temporaryFolder("unit")
        var text = try String(contentsOf: repository.appendingPathComponent("systemd/duban.service"), encoding: .utf8)
        text = text.replacingOccurrences(of: "ExecStart=/usr/local/bin/duban", with: "ExecStart=\(DubanProcess.binary.path)")
        let url = folder.appendingPathComponent("duban.service")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func analyze(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func verifyPrintsNothing() throws {
        let result = try analyze(["verify", "--man=no", try unitCopy().path])
        #expect(result.status == 0)
        #expect(result.output.isEmpty, "\(result.output)")
    }

    /// The template for one programme per instance, as `duban@demo.service`.
    func templateInstance() throws -> URL {
        let folder = try temporaryFolder("unit")
        var text = try String(contentsOf: repository.appendingPathComponent("systemd/duban@.service"), encoding: .utf8)
        text = text.replacingOccurrences(of: "ExecStart=/usr/local/bin/duban", with: "ExecStart=\(DubanProcess.binary.path)")
        try text.write(to: folder.appendingPathComponent("duban@.service"), atomically: true, encoding: .utf8)
        return folder.appendingPathComponent("duban@demo.service")
    }

    /// Issue 16: many programmes, one template; each instance its own configuration, state and credentials.
    @Test func theTemplateVerifiesAndNamesTheInstancesFiles() throws {
        let instance = try templateInstance()
        let result = try analyze(["verify", "--man=no", instance.path])
        #expect(result.status == 0)
        #expect(result.output.isEmpty, "\(result.output)")
        let text = try String(contentsOf: instance.deletingLastPathComponent().appendingPathComponent("duban@.service"), encoding: .utf8)
        #expect(text.contains("--config /etc/duban/%i.toml\n"))
        #expect(text.contains("StateDirectory=duban/%i\n"))
        #expect(text.contains("LoadCredential=pg-password:/etc/duban/credentials/%i/pg-password\n"))
        let security = try analyze(["security", "--offline=true", "--no-pager", instance.path])
        let line = try #require(security.output.split(separator: "\n").first { $0.contains("Overall exposure level") })
        let score = try #require(Double(line.split(separator: ":").last!.split(separator: " ").first!))
        #expect(score <= 1.5, "\(line)")
    }

    /// One malloc arena must be asked for before any thread exists, so in
    /// the unit's environment, not by the running process (review 3, finding 4).
    @Test func theServiceRunsWithOneMallocArena() throws {
        for unit in ["systemd/duban.service", "systemd/duban@.service"] {
            let text = try String(contentsOf: repository.appendingPathComponent(unit), encoding: .utf8)
            #expect(text.split(separator: "\n").contains("Environment=MALLOC_ARENA_MAX=1"), "\(unit)")
        }
    }

    @Test func securityScoreIsAtMostOnePointFive() throws {
        let result = try analyze(["security", "--offline=true", "--no-pager", try unitCopy().path])
        let line = try #require(result.output.split(separator: "\n").first { $0.contains("Overall exposure level") })
        let score = try #require(Double(line.split(separator: ":").last!.split(separator: " ").first!))
        #expect(score <= 1.5, "\(line)")
    }
}
