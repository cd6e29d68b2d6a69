import DubanTesting
import Foundation
import Testing

@Suite struct ClockCommandTests {
    /// The example with another zone and a ledger of two tasks.
    func config(zone: String, deadlines: [String], calendars: String) throws -> String {
        let folder = try temporaryFolder("clock")
        let ledger = folder.appendingPathComponent("ledger.csv")
        try ("序号,任务编号,整改措施,责任人,责任人邮箱,整改时限\n"
             + deadlines.enumerated().map { "1,C\($0.offset),措施,张伟,zhang@example.org,\($0.element)" }.joined(separator: "\n") + "\n")
            .write(to: ledger, atomically: true, encoding: .utf8)
        let text = """
            [organization]
            name = "X"
            timezone = "\(zone)"
            [programme]
            name = "P"
            [ledger]
            paths = ["\(ledger.path)"]
            [schedule]
            calendars = "\(calendars)"
            [chain]
            office = { name = "整改办", email = "zgb@example.org" }
            [state]
            path = "\(folder.path)/duban.sqlite"
            [mail]
            templates = ["\(repository.path)/config/templates"]
            """
        let path = folder.appendingPathComponent("duban.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func slotsAcrossADaylightSavingChange() throws {
        // Berlin moves to summer time on Sunday 2026-03-29: 09:00 is +01:00 before and +02:00 after.
        let path = try config(zone: "Europe/Berlin", deadlines: ["2026-03-30", "2026-04-06"], calendars: "/nonexistent")
        let result = try DubanProcess.run(["simulate", "--config", path, "--from", "2026-03-20", "--to", "2026-04-01", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let slots = (json["messages"] as? [[String: Any]] ?? []).filter { !["digest", "personal"].contains($0["kind"] as? String ?? "") }.compactMap { $0["slot"] as? String }
        #expect(slots == ["2026-03-23T09:00:00+01:00", "2026-03-30T09:00:00+02:00", "2026-03-31T09:00:00+02:00"])
    }

    @Test func aYearBoundaryWithoutTheNextCalendarIsReportedAndWeekendsStillHold() throws {
        let path = try config(zone: "Asia/Shanghai", deadlines: ["2027-01-11"], calendars: repository.appendingPathComponent("config/calendars").path)
        let result = try DubanProcess.run(["simulate", "--config", path, "--from", "2026-12-28", "--to", "2027-01-13", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((json["warnings"] as? [String])?.contains { $0.contains("no work calendar for 2027") } == true)
        let slots = (json["messages"] as? [[String: Any]] ?? []).filter { !["digest", "personal"].contains($0["kind"] as? String ?? "") }.compactMap { $0["slot"] as? String }
        // 7 days before Monday 01-11 is Monday 01-04; level 1 on Tuesday 01-12 (no 2027 holidays known).
        #expect(slots == ["2027-01-04T09:00:00+08:00", "2027-01-12T09:00:00+08:00"])
    }
}
