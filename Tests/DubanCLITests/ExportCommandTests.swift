import DubanTesting
import Foundation
import Testing

/// `duban export` on a state database filled by real passes of `run --once`.
@Suite struct ExportCommandTests {
    /// The example configuration after four passes: the first digest and
    /// checkpoint skips (06-01), a reminder and an acceptance notice (06-23),
    /// escalation level 1 and a look-back (07-01), level 2 (07-08).
    func populated() throws -> (config: String, folder: URL) {
        let (config, folder) = try isolatedExampleConfig()
        for at in ["2026-06-01T09:00", "2026-06-23T09:00", "2026-07-01T09:00", "2026-07-08T09:00"] {
            let pass = try DubanProcess.run(["run", "--once", "--config", config, "--at", at])
            #expect(pass.status == 0, "\(at): \(pass.stderr)")
        }
        return (config, folder)
    }

    /// Parses CSV with Python's csv module (a reader that is not ours).
    func parseCSV(_ file: URL) throws -> [[String]] {
        let script = "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline=''))), ensure_ascii=False))"
        return try JSONDecoder().decode([[String]].self, from: Data(try runProgram("/usr/bin/python3", ["-c", script, file.path]).utf8))
    }

    /// Counts log entries straight from SQLite, independently of Duban's query.
    func logCount(_ folder: URL, _ condition: String = "1") throws -> Int {
        let script = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM notificationLog WHERE ' + sys.argv[2]).fetchone()[0])"
        let database = folder.appendingPathComponent("state/duban.sqlite").path
        return Int(try runProgram("/usr/bin/python3", ["-c", script, database, condition]).trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    @Test func csvHasEveryNoticeWithItsDelivery() throws {
        let (config, folder) = try populated()
        let database = folder.appendingPathComponent("state/duban.sqlite")
        let before = try Data(contentsOf: database)
        let out = folder.appendingPathComponent("log.csv")
        let result = try DubanProcess.run(["export", "--config", config, "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        // Read-only: the database is byte for byte what it was.
        #expect(try Data(contentsOf: database) == before)
        #expect(Array(try Data(contentsOf: out).prefix(3)) == [0xEF, 0xBB, 0xBF])
        let rows = try parseCSV(out)
        #expect(rows.first == ["记录时间", "类型", "步骤", "任务编号", "问题序号", "责任部门", "收件人", "抄送", "主题", "状态", "发送时间", "尝试次数", "说明"])
        let notices = Array(rows.dropFirst())
        #expect(notices.count == (try logCount(folder)))
        #expect(notices.map(\.[0]) == notices.map(\.[0]).sorted(), "oldest first")

        let reminder = try #require(notices.first { $0[3] == "T1-1" && $0[1] == "到期提醒" })
        #expect(reminder[0] == "2026-06-23T09:00:00+08:00")
        #expect(reminder[2] == "提前7天（2026-06-30）")
        #expect(reminder[4] == "1" && reminder[5] == "党委办公室")
        #expect(reminder[6] == "zhang.wei@example.org")
        #expect(reminder[8] == "【整改提醒】您有1项整改任务将于2026-06-30到期")
        #expect(reminder[9] == "已发送")
        #expect(!reminder[10].isEmpty)

        let escalation = try #require(notices.first { $0[3] == "T1-1" && $0[2] == "一级督办" })
        #expect(escalation[1] == "逾期督办")
        #expect(escalation[6] == "li.qiang@example.org" && escalation[7] == "zhang.wei@example.org")
        #expect(notices.contains { $0[3] == "T1-1" && $0[2] == "二级督办" && $0[0].hasPrefix("2026-07-08") })

        // Skipped notices are there too, with the reason, and their task's problem and department.
        let skipped = notices.filter { $0[9] == "未发送" }
        #expect(skipped.count == (try logCount(folder, "state = 'skipped'")))
        #expect(!skipped.isEmpty)
        #expect(skipped.allSatisfy { !$0[12].isEmpty && $0[8].isEmpty })
        #expect(skipped.filter { $0[3] == "T1-1" }.allSatisfy { $0[4] == "1" && $0[5] == "党委办公室" })
    }

    @Test func filtersByTaskAndByDay() throws {
        let (config, folder) = try populated()
        let byTask = folder.appendingPathComponent("t.csv")
        #expect(try DubanProcess.run(["export", "--config", config, "--task", "T1-1", "--out", byTask.path]).status == 0)
        let taskRows = try parseCSV(byTask).dropFirst()
        #expect(taskRows.count == (try logCount(folder, "taskID = 'T1-1'")))
        #expect(taskRows.allSatisfy { $0[3] == "T1-1" })

        // One local day (+08:00): 2026-07-01 is 06-30 16:00 to 07-01 16:00 UTC.
        let oneDay = try DubanProcess.run(["export", "--config", config, "--from", "2026-07-01", "--to", "2026-07-01"])
        #expect(oneDay.status == 0, "\(oneDay.stderr)")
        let file = folder.appendingPathComponent("d.csv")
        try oneDay.stdout.write(to: file, atomically: true, encoding: .utf8)
        let dayRows = try parseCSV(file).dropFirst()
        #expect(dayRows.count == (try logCount(folder, "recordedAt >= '2026-06-30 16:00:00' AND recordedAt < '2026-07-01 16:00:00'")))
        #expect(dayRows.count > 0)
        #expect(dayRows.allSatisfy { $0[0].hasPrefix("2026-07-01") })

        let range = try DubanProcess.run(["export", "--config", config, "--from", "2026-06-02", "--to", "2026-07-07", "--task", "T1-1"])
        let rangeFile = folder.appendingPathComponent("r.csv")
        try range.stdout.write(to: rangeFile, atomically: true, encoding: .utf8)
        #expect(try parseCSV(rangeFile).dropFirst().map(\.[2]) == ["提前7天（2026-06-30）", "一级督办"])
    }

    @Test func xlsxReadsBackWithOpenpyxl() throws {
        let (config, folder) = try populated()
        let out = folder.appendingPathComponent("log.xlsx")
        let result = try DubanProcess.run(["export", "--config", config, "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let book = try readWithOpenpyxl(out)
        #expect(book.title == "督办记录")
        #expect(book.freeze == "A2")
        #expect(book.rows.count == 1 + (try logCount(folder)))
        #expect(book.rows[0].first == .text("记录时间"))
        let reminder = try #require(book.rows.first { $0.count > 3 && $0[3] == .text("T1-1") && $0[1] == .text("到期提醒") })
        // Times are real dates, in the organisation's zone.
        #expect(reminder[0] == .date("2026-06-23T09:00:00"))
        #expect(reminder[9] == .text("已发送"))
        #expect(reminder[11] == .number(1))
    }

    /// Ledger text that looks like a formula is exported as text.
    @Test func csvIsFormulaSafe() throws {
        let (config, folder) = try isolatedExampleConfig()
        let ledger = folder.appendingPathComponent("ledger.csv")
        try "序号,任务编号,整改措施,责任部门,责任人,责任人邮箱,整改时限\n1,=1+2,措施,+cmd|' /C calc'!A0,张伟,zhang@example.org,2026-06-30\n"
            .write(to: ledger, atomically: true, encoding: .utf8)
        var text = try String(contentsOfFile: config, encoding: .utf8)
        let paths = try #require(text.range(of: #"paths = \[[^\]]*\]"#, options: .regularExpression))
        text.replaceSubrange(paths, with: "paths = [\"\(ledger.path)\"]")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try DubanProcess.run(["run", "--once", "--config", config, "--at", "2026-06-23T09:00"]).status == 0)
        let out = folder.appendingPathComponent("log.csv")
        #expect(try DubanProcess.run(["export", "--config", config, "--task", "=1+2", "--out", out.path]).status == 0)
        let rows = try parseCSV(out).dropFirst()
        let reminder = try #require(rows.first)
        #expect(reminder[3] == "'=1+2")
        #expect(reminder[5] == "'+cmd|' /C calc'!A0")
    }

    /// While another connection holds the database's write lock mid-transaction
    /// (as the daemon does while it queues a pass), export still reads: it
    /// needs no write lock, and sees only committed entries.
    @Test func readsWhileAWriterHoldsTheLock() throws {
        let (config, folder) = try populated()
        let expected = try logCount(folder)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO meta (key, value) VALUES ('export-test', 'uncommitted')")
            print("LOCKED", flush=True)
            sys.stdin.read()
            db.execute("ROLLBACK")
            """, folder.appendingPathComponent("state/duban.sqlite").path]
        let input = Pipe(), output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
        #expect(String(decoding: line, as: UTF8.self) == "LOCKED")
        let out = folder.appendingPathComponent("live.csv")
        let result = try DubanProcess.run(["export", "--config", config, "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try parseCSV(out).count == 1 + expected)
    }

    @Test func usageErrors() throws {
        let (config, _) = try isolatedExampleConfig()
        let xlsx = try DubanProcess.run(["export", "--config", config, "--format", "xlsx"])
        #expect(xlsx.status == 64)
        #expect(xlsx.stderr.contains("--format xlsx needs --out"))
        let date = try DubanProcess.run(["export", "--config", config, "--from", "July"])
        #expect(date.status == 64)
        #expect(date.stderr.contains("--from July"))
        let order = try DubanProcess.run(["export", "--config", config, "--from", "2026-07-02", "--to", "2026-07-01"])
        #expect(order.status == 64)
        // Before the first pass there is no database: said plainly, exit 2.
        let none = try DubanProcess.run(["export", "--config", config])
        #expect(none.status == 2)
        #expect(none.stderr.contains("no state database"))
    }
}
