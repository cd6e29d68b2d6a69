import DubanConfig
@testable import DubanConsole
import DubanCore
import DubanStore
import DubanTesting
import Foundation
import HummingbirdTesting
import Testing

@Suite struct ConsoleMetricsTests {
    @Test func metricsParseAndMatchTheLedgerAndTheStore() async throws {
        let fixture = try await ConsoleHTTPTests.examplePasses()
        let tasks = fixture.passes.last!.snapshot.tasks
        let outbox = try await fixture.database.outbox()
        let text = try await fixture.service().application.test(.live) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            return response.text
        }
        let samples = try parseMetrics(text)
        for status in TaskStatus.allCases {
            #expect(samples["duban_tasks{status=\"\(status.rawValue)\"}"] == Double(tasks.count { $0.status == status }), "\(status)")
        }
        // T1-1 (due 06-30, in progress) is the one overdue task on 07-07.
        let planner = fixture.environment.planner
        let today = fixture.environment.clock.date(of: fixture.clock.now)
        let overdue = tasks.count { !$0.status.isDone && $0.status != .ongoing && (planner.dueDate($0).map { $0 < today } ?? false) }
        #expect(samples["duban_tasks_overdue"] == Double(overdue))
        #expect(samples["duban_tasks_by_light{light=\"red\"}"] == Double(overdue))
        #expect(samples["duban_tasks_by_light{light=\"blue\"}"] == Double(tasks.count { $0.status.isDone }))
        let counts = try await fixture.database.outboxCounts()
        #expect(samples["duban_outbox_messages{state=\"pending\"}"] == Double(counts.pending))
        #expect(samples["duban_outbox_messages{state=\"failed\"}"] == Double(counts.failed))
        #expect(samples["duban_deliveries_total{result=\"sent\"}"] == Double(counts.sent))
        #expect(samples["duban_deliveries_total{result=\"failed\"}"] == 0)
        // Planned notifications by kind, counted from what the outbox holds.
        var byKind: [NotificationKind: Int] = [:]
        for entry in outbox { for identity in try entry.message().identities { byKind[identity.kind, default: 0] += 1 } }
        for kind in NotificationKind.allCases {
            #expect(samples["duban_notifications_planned_total{kind=\"\(kind.rawValue)\"}"] == Double(byKind[kind] ?? 0), "\(kind)")
        }
        #expect(byKind[.escalation] == 2 && byKind[.digest] == 3)
        #expect(samples["duban_pass_duration_seconds_count"] == 3)
        #expect(samples["duban_last_pass_timestamp_seconds"] == fixture.passes.last!.finishedAt.timeIntervalSince1970)
        #expect(samples["duban_last_pass_success"] == 1)
        #expect(samples["duban_ledger_read_errors"] == Double(fixture.passes.last!.diagnostics.count { $0.severity == .error }))
        #expect(samples["duban_ledger_last_good_age_seconds"] == 0)
        // The digest of 2026-W28 (Monday 07-06) went out in the pass of 07-07.
        #expect(samples["duban_digest_last_sent_week"] == 202628)

        // The textfile: the same figures, written atomically (no temporary file left behind).
        let folder = try temporaryFolder("textfile")
        let file = folder.appendingPathComponent("duban.prom")
        try await fixture.source.writeTextfile(to: file)
        #expect(try parseMetrics(String(contentsOf: file, encoding: .utf8)) == samples)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["duban.prom"])
    }
}
