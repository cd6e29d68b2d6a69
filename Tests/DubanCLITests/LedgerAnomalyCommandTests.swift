import DubanTesting
import Foundation
import Testing

/// Issue 13, "a ledger that cannot quietly lie", through the real binary:
/// `check` names each 台账异常 at its cell, compares with the reads a
/// `run` kept, and a several-name 责任人 cell copies the others on the
/// officer's mail, as the SMTP server's envelope shows.
@Suite(.serialized) struct LedgerAnomalyCommandTests {
    static let header = "序号,任务编号,整改措施,责任部门,责任人,整改时限,完成情况,完成日期,验收日期,佐证材料\n"

    /// A folder with `ledger.csv`, a people directory and a duban.toml (state and mail inside the folder).
    static func setup(_ rows: String, ledgerSection: String = "", mail: String = "") throws -> (config: String, ledger: URL, folder: URL) {
        let folder = try temporaryFolder("anomalies")
        let ledger = folder.appendingPathComponent("ledger.csv")
        try (header + rows).write(to: ledger, atomically: true, encoding: .utf8)
        let people = folder.appendingPathComponent("people.csv")
        try "姓名,部门,邮箱,上级\n张伟,办公室,zhang.wei@example.org,李强\n王芳,办公室,wang.fang@example.org,李强\n李强,办公室,li.qiang@example.org,\n"
            .write(to: people, atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("duban.toml").path
        try """
            [organization]
            name = "XX"
            [programme]
            name = "P"
            [ledger]
            paths = ["\(ledger.path)"]
            \(ledgerSection)
            [people]
            file = "\(people.path)"
            [chain]
            office = { name = "整改办", email = "zgb@example.org" }
            [schedule]
            calendars = "\(repository.path)/config/calendars"
            [mail]
            templates = ["\(repository.path)/config/templates"]
            \(mail)
            [state]
            path = "\(folder.path)/state/duban.sqlite"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, ledger, folder)
    }

    @Test func checkNamesEachFindingOfOneReadAtItsCell() throws {
        let tomorrow = DaemonTests.date(daysFromToday: 1)
        let rows = """
            1,T1,措施一,办公室,,2027-09-30,整改中,,,
            1,T2,措施二,办公室,张伟、王芳,2027-09-30,整改中,,,
            1,T3,措施三,办公室,张伟,2026-06-30,已销号,,,纪要
            1,T4,措施四,办公室,张伟,2027-09-30,整改中,2026-06-20,,
            1,T5,措施五,办公室,张伟,2026-06-30,已完成,2026-06-20,,
            1,T6,措施六,办公室,张伟,2027-09-30,已完成,\(tomorrow),,报告

            """
        let (config, _, _) = try Self.setup(rows)
        let check = try DubanProcess.run(["check", "--config", config])
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        for line in [
            "ledger.csv:2:5: error: task T1: 责任人 is blank",
            "ledger.csv:3:5: warning: task T2: 责任人 names 2 people; 张伟 is taken as the officer and 王芳 is copied",
            "ledger.csv:4:9: warning: task T3: 已销号 but neither 验收日期 nor 完成日期",
            "ledger.csv:5:8: warning: task T4: 完成情况 says 整改中 but 完成日期 is 2026-06-20; Duban believes the 完成情况",
            "ledger.csv:6:10: warning: task T5: 已完成 but 佐证材料 is empty",
            "ledger.csv:7:8: error: task T6: 完成日期 \(tomorrow) is after today",
        ] {
            #expect(check.stdout.contains(line), "\(line)\n\(check.stdout)")
        }
        // Nobody named "张伟、王芳" is looked for in the directory.
        #expect(!check.stdout.contains("张伟、王芳 is not in the people directory"), "\(check.stdout)")
    }

    /// `--format json`: each 台账异常 carries its kind, other diagnostics none.
    @Test func jsonFindingsCarryTheirKind() throws {
        let (config, _, _) = try Self.setup("1,T1,措施一,办公室,,2027-09-30,整改中,,,\n")
        let check = try DubanProcess.run(["check", "--config", config, "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stdout)")
        let diagnostics = try #require(json["diagnostics"] as? [[String: Any]])
        let blank = try #require(diagnostics.first { ($0["message"] as? String)?.contains("责任人 is blank") == true })
        #expect(blank["kind"] as? String == "blank_officer")
    }

    /// `[ledger] require_evidence = true`: a done task without 佐证材料 is an error.
    @Test func requireEvidenceMakesMissingEvidenceAnError() throws {
        let (config, _, _) = try Self.setup("1,T5,措施五,办公室,张伟,2026-06-30,已完成,2026-06-20,,\n", ledgerSection: "require_evidence = true")
        let check = try DubanProcess.run(["check", "--config", config])
        #expect(check.status == 1, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("ledger.csv:2:10: error: task T5: 已完成 but 佐证材料 is empty"), "\(check.stdout)")
        // Near-miss: the evidence given, nothing to report.
        try (Self.header + "1,T5,措施五,办公室,张伟,2026-06-30,已完成,2026-06-20,,整改报告\n")
            .write(toFile: config.replacingOccurrences(of: "duban.toml", with: "ledger.csv"), atomically: true, encoding: .utf8)
        let clean = try DubanProcess.run(["check", "--config", config])
        #expect(clean.status == 0 && !clean.stdout.contains("task T5:"), "\(clean.stdout)")
    }

    @Test func aBadRequireEvidenceValueIsAConfigurationError() throws {
        let (config, _, _) = try Self.setup("", ledgerSection: "require_evidence = \"yes\"")
        let check = try DubanProcess.run(["check", "--config", config])
        #expect(check.status == 2)
        #expect(check.stderr.contains("require_evidence") && check.stderr.contains("must be true or false"), "\(check.stderr)")
    }

    /// Three reads kept by `run` (the Monday digests), then `check` on today's
    /// ledger: back-dated, reopened, deleted and twice-moved are each named.
    @Test func checkComparesTheLedgerWithTheReadsARunKept() throws {
        let (config, ledger, _) = try Self.setup("""
            1,T1,措施一,办公室,张伟,2026-07-31,整改中,,,
            1,T2,措施二,办公室,张伟,2026-07-31,整改中,,,
            1,T3,措施三,办公室,张伟,2026-07-31,整改中,,,
            1,T4,措施四,办公室,张伟,2026-07-31,已完成,2026-06-01,,报告

            """)
        func read(at: String, _ rows: String) throws {
            if !rows.isEmpty { try (Self.header + rows).write(to: ledger, atomically: true, encoding: .utf8) }
            let run = try DubanProcess.run(["run", "--once", "--at", at, "--config", config])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        }
        try read(at: "2026-06-08T09:00", "")
        try read(at: "2026-06-15T09:00", """
            1,T1,措施一,办公室,张伟,2026-07-31,整改中,,,
            1,T2,措施二,办公室,张伟,2026-07-31,整改中,,,
            1,T3,措施三,办公室,张伟,2026-08-31,整改中,,,
            1,T4,措施四,办公室,张伟,2026-07-31,已完成,2026-06-01,,报告

            """)
        // Today's ledger: T1 done "on 2026-06-10" although the 06-15 read showed it open,
        // T2 deleted, T3 moved a second time, T4 open again.
        try (Self.header + """
            1,T1,措施一,办公室,张伟,2026-07-31,已完成,2026-06-10,,报告
            1,T3,措施三,办公室,张伟,2026-09-30,整改中,,,
            1,T4,措施四,办公室,张伟,2026-07-31,整改中,,,

            """).write(to: ledger, atomically: true, encoding: .utf8)
        let check = try DubanProcess.run(["check", "--config", config])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        for line in [
            "ledger.csv:2:8: warning: task T1: 完成日期 2026-06-10 is earlier than the read of 2026-06-15, when the task was still 整改中",
            "ledger.csv:3:6: warning: task T3: 整改时限 has changed 2 times: 2026-07-31 (read 2026-06-08) → 2026-08-31 (read 2026-06-15) → 2026-09-30 (now)",
            "ledger.csv:4:7: warning: task T4: was 已完成 in the read of 2026-06-15 and is 整改中 again now",
            "ledger.csv:3:2: warning: task T2: the row (措施二) was in the ledger at the read of 2026-06-15 and is gone now",
        ] {
            #expect(check.stdout.contains(line), "\(line)\n\(check.stdout)")
        }
    }

    /// Near-miss: the same ledger read again changes nothing; no history finding.
    @Test func anUnchangedLedgerHasNoHistoryFindings() throws {
        let (config, _, _) = try Self.setup("1,T1,措施一,办公室,张伟,2026-07-31,整改中,,,\n")
        let run = try DubanProcess.run(["run", "--once", "--at", "2026-06-08T09:00", "--config", config])
        #expect(run.status == 0, "\(run.stderr)")
        let check = try DubanProcess.run(["check", "--config", config])
        #expect(check.status == 0 && check.stdout.contains("0 error(s)") && !check.stdout.contains("task T1:"), "\(check.stdout)")
    }

    /// A state database that cannot be opened is said, not silently passed over:
    /// this read's findings still come, the history ones are named as left out.
    @Test func aStateDatabaseThatCannotBeReadIsNamed() throws {
        let (config, _, folder) = try Self.setup("1,T1,措施一,办公室,,2026-07-31,整改中,,,\n")
        let state = folder.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try Data("not a database at all, just text".utf8).write(to: state.appendingPathComponent("duban.sqlite"))
        let check = try DubanProcess.run(["check", "--config", config])
        #expect(check.stdout.contains("duban.sqlite: warning: cannot open the state database read-only"), "\(check.stdout)")
        #expect(check.stdout.contains("ledger.csv:2:5: error: task T1: 责任人 is blank"), "\(check.stdout)")
    }

    /// A stored read that no longer decodes is counted and said, not silently
    /// left out; and check says how far back the history goes.
    @Test func anUndecodableStoredReadIsNamedAndTheHistoryStartIsSaid() throws {
        let (config, _, folder) = try Self.setup("1,T1,措施一,办公室,张伟,2026-07-31,整改中,,,\n")
        let run = try DubanProcess.run(["run", "--once", "--at", "2026-06-08T09:00", "--config", config])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let check = try DubanProcess.run(["check", "--config", config])
        #expect(check.stdout.contains("history covers reads since 2026-06-08"), "\(check.stdout)")

        let state = folder.appendingPathComponent("state/duban.sqlite").path
        let sql = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            n = db.execute("update ledgerSnapshot set payload = ?", (b'{"not": "a snapshot"}',)).rowcount
            db.commit()
            print(n)
            """, state])
        #expect(sql.status == 0, "\(sql.stderr)")
        let after = try DubanProcess.run(["check", "--config", config])
        let count = sql.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(after.stdout.contains("\(count) stored reads could not be decoded and are left out"), "\(after.stdout)")
    }

    /// The officer's reminder goes to the first name, and the SMTP envelope
    /// carries the second as a recipient too.
    @Test func theSecondPersonInTheCellReceivesTheOfficersReminder() throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let (config, _, _) = try Self.setup("1,T1,措施一,办公室,张伟、王芳,2026-06-30,整改中,,,\n",
                                            mail: "transport = \"smtp\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = \(server.port)\nsecurity = \"plain\"")
        let run = try DubanProcess.run(["run", "--once", "--at", "2026-06-23T09:00", "--config", config])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let messages = try parseWithPython(server.received)
        let index = try #require(messages.firstIndex { $0.subject.contains("提醒") }, "\(messages.map(\.subject))")
        #expect(Set(server.recipients(of: server.received[index])) == ["zhang.wei@example.org", "wang.fang@example.org"])
        #expect(messages[index].to.contains("zhang.wei@example.org") && messages[index].cc.contains("wang.fang@example.org"), "\(messages[index])")
    }
}
