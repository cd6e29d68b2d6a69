import DubanTesting
import Foundation
import Testing

@Suite struct TimelineCommandTests {

    func isolatedConfig() throws -> String {
        try isolatedExampleConfig().path
    }

    @Test func previewJSONHasTheDocumentedShape() throws {
        let result = try DubanProcess.run(["preview", "--config", try isolatedConfig(), "--at", "2026-06-23T09:00", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["at"] as? String == "2026-06-23T09:00:00+08:00")
        let messages = try #require(json["messages"] as? [[String: Any]])
        let reminder = try #require(messages.first { $0["kind"] as? String == "reminder" })
        #expect(reminder["slot"] as? String == "2026-06-23T09:00:00+08:00")
        #expect(reminder["to"] as? [String] == ["zhang.wei@example.org"])
        #expect(reminder["cc"] as? [String] == [])
        #expect(reminder["subject"] as? String == "【整改提醒】您有1项整改任务将于2026-06-30到期")
        let items = try #require(reminder["items"] as? [[String: String]])
        #expect(items == [["task": "T1-1", "problem": "1", "rule": "reminder 7d", "about": "2026-06-30"]])
        #expect(json["warnings"] is [String])
    }

    @Test func previewOutsideHoursSaysNothingGoesOutAndWhen() throws {
        let result = try DubanProcess.run(["preview", "--config", try isolatedConfig(), "--at", "2026-06-23 19:00"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Nothing goes out at 2026-06-23T19:00:00+08:00."))
        #expect(result.stdout.contains("Next: 2026-06-24T09:00:00+08:00"))
    }

    @Test func simulateTimelineAsTextAndJSON() throws {
        let config = try isolatedConfig()
        let text = try DubanProcess.run(["simulate", "--config", config, "--from", "2026-06-01", "--to", "2026-07-10"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("2026-07-01 Wed 09:00  escalation L1  → li.qiang@example.org cc zhang.wei@example.org"))
        let json = try DubanProcess.run(["simulate", "--config", config, "--from", "2026-06-01", "--to", "2026-07-10", "--format", "json"])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let messages = try #require(parsed["messages"] as? [[String: Any]])
        let kinds = messages.map { "\($0["kind"]!)\($0["level"].map { "\($0)" } ?? "")" }.filter { $0 != "digest" && $0 != "personal" }
        // T1-3 is a standing measure (每季度一次) with nothing recorded: its leader hears of Q1 (caught up)
        // and of Q2 (07-01); its officer is asked for Q2 on 06-23. Acceptance repeats (06-17, 07-02) and
        // the closure notice (07-03) are shown with their JSON kinds.
        #expect(kinds == ["standing2", "acceptance", "acceptance", "reminder", "standing1", "lookback", "escalation1", "standing2",
                          "acceptance", "closure", "escalation2"])
        // The personal lists go out with the digest on Mondays: 张伟 each week, 李强 too once T1-1 is due within 7 days.
        let lists = messages.filter { $0["kind"] as? String == "personal" }
        #expect(lists.map { "\(($0["slot"] as? String ?? "").prefix(10)) \(($0["to"] as? [String])?.joined() ?? "")" } == [
            "2026-06-01 zhang.wei@example.org", "2026-06-08 zhang.wei@example.org", "2026-06-15 zhang.wei@example.org",
            "2026-06-22 zhang.wei@example.org", "2026-06-29 zhang.wei@example.org", "2026-06-29 li.qiang@example.org",
            "2026-07-06 zhang.wei@example.org", "2026-07-06 li.qiang@example.org",
        ])
        #expect(lists.allSatisfy { ($0["subject"] as? String)?.contains("：") == true && $0["subject"] as? String != "" })
        // With their figures: 张伟 has T1-1; on 07-06 it is overdue.
        let last = try #require(lists.last(where: { ($0["to"] as? [String]) == ["zhang.wei@example.org"] })?["list"] as? [String: Any])
        #expect(last["role"] as? String == "officer" && last["tasks"] as? Int == 1 && last["overdue"] as? Int == 1, "\(last)")
        // The weekly digest goes out on each Monday in the range (06-01 … 07-06), to the leadership group.
        let digests = messages.filter { $0["kind"] as? String == "digest" }
        #expect(digests.map { ($0["slot"] as? String ?? "").prefix(10) } == ["2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29", "2026-07-06"])
        #expect(digests.allSatisfy { $0["to"] as? [String] == ["principal@example.org", "zgb@example.org"] })
        // simulate never touches the real state database.
        let state = URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("state/duban.sqlite")
        #expect(!FileManager.default.fileExists(atPath: state.path))
    }

    @Test func calendarPrintsTheYearAndFailsForAMissingOne() throws {
        let config = try isolatedConfig()
        let known = try DubanProcess.run(["calendar", "--config", config, "--year", "2026"])
        #expect(known.status == 0)
        #expect(known.stdout.contains("2026-10-10  中秋节、国庆节"))
        #expect(known.stdout.contains("248 working days in 2026"))
        let missing = try DubanProcess.run(["calendar", "--config", config, "--year", "2031"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no calendar file for 2031"))
    }

    @Test func badDateTimeIsAUsageError() throws {
        let result = try DubanProcess.run(["preview", "--config", try isolatedConfig(), "--at", "tomorrow"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--at tomorrow"))
    }
}
