import DubanTesting
import Foundation
import Testing

/// Runs the real `duban` binary, as an operator or a script would.
struct DubanProcess {
    static var binary: URL {
        // The test bundle and the executable are built into the same folder.
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("duban").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("duban")
    }

    typealias Result = ProgramResult

    static func run(_ arguments: [String]) throws -> Result {
        try runProcess(binary, arguments)
    }
}

@Suite struct CheckCommandTests {
    let example = repository.appendingPathComponent("config/duban.toml").path

    @Test func exampleConfigurationChecksCleanly() throws {
        let result = try DubanProcess.run(["check", "--config", example])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("3 problems, 7 tasks"))
        #expect(result.stdout.contains("0 error(s)"))
    }

    @Test func jsonIsMachineReadable() throws {
        let result = try DubanProcess.run(["check", "--config", example, "--format", "json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["tasks"] as? Int == 7)
        #expect((summary["byStatus"] as? [String: Int])?["closed"] == 1)
        #expect(json["errors"] as? Int == 0)
        let diagnostics = try #require(json["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.contains { ($0["message"] as? String)?.contains("孙丽") == true && $0["row"] as? Int == 10 })
    }

    /// A minimal duban.toml in `folder` for one ledger, with the shipped templates and
    /// calendars and the state database inside `folder`; `chain` adds lines to [chain].
    static func smallConfig(in folder: URL, ledger: String, chain: String = "") throws -> String {
        let path = folder.appendingPathComponent("duban.toml").path
        try """
            [organization]
            name = "XX"
            [programme]
            name = "P"
            [ledger]
            paths = ["\(ledger)"]
            [chain]
            office = { name = "整改办", email = "zgb@example.org" }
            \(chain)
            [schedule]
            calendars = "\(repository.path)/config/calendars"
            [mail]
            templates = ["\(repository.path)/config/templates"]
            [state]
            path = "\(folder.path)/state/duban.sqlite"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func dataErrorsExitOne() throws {
        let bad = repository.appendingPathComponent("Tests/DubanLedgerTests/Fixtures/bad.csv").path
        let config = try Self.smallConfig(in: try temporaryFolder("cli"), ledger: bad)
        let result = try DubanProcess.run(["check", "--config", config])
        #expect(result.status == 1)
        #expect(result.stdout.contains("bad.csv:3:9: error: 整改时限"))
        #expect(result.stdout.contains("5 error(s)"))
    }

    /// Issue 10, item 9: an officer who is their own 分管领导 is named by `check` (with the row)
    /// and by `preview`, and the level-1 escalation goes to the principal instead.
    @Test func anOfficerWhoIsTheirOwnLeaderIsWarnedAbout() throws {
        let folder = try temporaryFolder("self-leader")
        let ledger = folder.appendingPathComponent("ledger.csv")
        try "序号,问题描述,整改措施,责任部门,责任人,责任人邮箱,分管领导,分管领导邮箱,整改时限,整改状态\n1,问题,措施,办公室,张伟,zw@example.org,张伟,zw@example.org,2026-06-30,整改中\n"
            .write(to: ledger, atomically: true, encoding: .utf8)
        let config = try Self.smallConfig(in: folder, ledger: ledger.path,
                                          chain: "principal = { name = \"王书记\", email = \"principal@example.org\" }")
        let check = try DubanProcess.run(["check", "--config", config])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("ledger.csv:2: warning: task ") && check.stdout.contains("张伟 is also the 分管领导"), "\(check.stdout)")
        let preview = try DubanProcess.run(["preview", "--fresh", "--at", "2026-07-01T09:00", "--format", "json", "--config", config])
        #expect(preview.status == 0, "\(preview.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(preview.stdout.utf8)) as? [String: Any])
        #expect((json["warnings"] as? [String])?.contains { $0.contains("own supervising leader") } == true)
        let messages = try #require(json["messages"] as? [[String: Any]])
        #expect(messages.first { $0["kind"] as? String == "escalation" }?["to"] as? [String] == ["principal@example.org"])
    }

    @Test func unusableConfigurationExitsTwo() throws {
        let result = try DubanProcess.run(["check", "--config", "/nonexistent/duban.toml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/duban.toml"))
    }

    @Test func helpListsCheck() throws {
        let result = try DubanProcess.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("check"))
    }

    /// `check` said all was well, then `run` failed on the first message: the
    /// password file was missing.
    @Test func anUnreadableSMTPPasswordFileMakesCheckExitTwo() throws {
        let (path, folder) = try isolatedExampleConfig(mail: """
            [mail]
            transport = "smtp"
            [mail.smtp]
            host = "smtp.example.org"
            username = "duban"
            password_file = "pw-missing"
            """)
        let result = try DubanProcess.run(["check", "--config", path])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("\(folder.path)/pw-missing: error: cannot read the SMTP password file: file not found"))
    }

    @Test func aStateFolderThatCannotBeCreatedMakesCheckExitTwo() throws {
        let (path, folder) = try isolatedExampleConfig()
        // A file where the state folder's parent should be: not even root can create it.
        let blocker = folder.appendingPathComponent("blocker")
        try Data().write(to: blocker)
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\(folder.path)/state/duban.sqlite", with: "\(blocker.path)/state/duban.sqlite")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try DubanProcess.run(["check", "--config", path])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("state database: \(blocker.path)/state does not exist and cannot be created"))
    }

    @Test func aTemplateThatDoesNotParseMakesCheckExitTwo() throws {
        let templates = try temporaryFolder("templates")
        try FileManager.default.copyItem(at: repository.appendingPathComponent("config/templates/zh-CN"), to: templates.appendingPathComponent("zh-CN"))
        try "{{#task}}未闭合".write(to: templates.appendingPathComponent("zh-CN/reminder.txt.mustache"), atomically: true, encoding: .utf8)
        let (path, _) = try isolatedExampleConfig()
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\(repository.path)/config/templates\"", with: "\(templates.path)\"")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try DubanProcess.run(["check", "--config", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("reminder.txt.mustache"))
    }
}

extension CheckCommandTests {
    /// A state database that opens but cannot answer "which due dates
    /// changed without approval" is said, naming the state file and the
    /// error, not taken for "none changed".
    @Test func aStateDatabaseThatCannotTellDueDateChangesIsSaid() throws {
        let (config, folder) = try isolatedExampleConfig()
        let pass = try DubanProcess.run(["run", "--once", "--at", "2026-07-01T09:00", "--config", config])
        #expect(pass.status == 0, "\(pass.stderr)")
        let state = folder.appendingPathComponent("state/duban.sqlite").path
        let clean = try DubanProcess.run(["check", "--config", config])
        #expect(!clean.stdout.contains("dueDateSeen"), "\(clean.stdout)")
        // The table the comparison reads is gone (a damaged or hand-edited file).
        _ = try runProgram("/usr/bin/python3", ["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('DROP TABLE dueDateSeen'); c.commit()", state])
        let result = try DubanProcess.run(["check", "--config", config])
        let line = result.stdout.components(separatedBy: "\n").first { $0.contains("dueDateSeen") }
        #expect(line?.contains(state) == true, "\(result.stdout)")
    }
}
