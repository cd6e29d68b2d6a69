import DubanCore
import DubanStore
import Foundation
import CoreMetrics
import Metrics
import Prometheus

/// Duban's figures in the Prometheus text format, through swift-metrics with a
/// Prometheus factory of our own: no process-wide `MetricsSystem.bootstrap`,
/// so two consoles (or two tests) never share counters.
///
/// Gauges are set from the latest pass and the state database when scraped;
/// counters grow with each pass the daemon reports (and start at 0 with the process).
struct ConsoleMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let tasksByStatus: [TaskStatus: CoreMetrics.Gauge]
    private let tasksByLight: [Digest.Light: CoreMetrics.Gauge]
    private let overdue: CoreMetrics.Gauge
    private let outboxPending: CoreMetrics.Gauge
    private let outboxFailed: CoreMetrics.Gauge
    private let deliveries: (sent: CoreMetrics.Counter, retrying: CoreMetrics.Counter, failed: CoreMetrics.Counter)
    private let planned: [NotificationKind: CoreMetrics.Counter]
    private let ledgerReadErrors: CoreMetrics.Gauge
    private let ledgerAge: CoreMetrics.Gauge
    private let lastPass: CoreMetrics.Gauge
    private let lastPassSuccess: CoreMetrics.Gauge
    private let passDuration: CoreMetrics.Timer
    private let digestWeek: CoreMetrics.Gauge

    init() {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        self.registry = registry
        func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
            CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
        }
        tasksByStatus = Dictionary(uniqueKeysWithValues: TaskStatus.allCases.map { ($0, gauge("duban_tasks", [("status", $0.rawValue)])) })
        tasksByLight = Dictionary(uniqueKeysWithValues: [Digest.Light.red, .yellow, .blue, .none].map {
            ($0, gauge("duban_tasks_by_light", [("light", $0.rawValue)]))
        })
        overdue = gauge("duban_tasks_overdue")
        outboxPending = gauge("duban_outbox_messages", [("state", "pending")])
        outboxFailed = gauge("duban_outbox_messages", [("state", "failed")])
        func counter(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
        }
        deliveries = (counter("duban_deliveries_total", [("result", "sent")]),
                      counter("duban_deliveries_total", [("result", "retrying")]),
                      counter("duban_deliveries_total", [("result", "failed")]))
        planned = Dictionary(uniqueKeysWithValues: NotificationKind.allCases.map {
            ($0, counter("duban_notifications_planned_total", [("kind", $0.rawValue)]))
        })
        ledgerReadErrors = gauge("duban_ledger_read_errors")
        ledgerAge = gauge("duban_ledger_last_good_age_seconds")
        lastPass = gauge("duban_last_pass_timestamp_seconds")
        lastPassSuccess = gauge("duban_last_pass_success")
        passDuration = CoreMetrics.Timer(label: "duban_pass_duration_seconds", factory: factory)
        digestWeek = gauge("duban_digest_last_sent_week")
        // Counters exist from the start, so `increase(...)` sees their first step.
        for counter in [deliveries.sent, deliveries.retrying, deliveries.failed] + planned.values { counter.increment(by: 0) }
    }

    /// Adds one pass's counts.
    func count(_ pass: ConsolePass) {
        deliveries.sent.increment(by: pass.deliveries.sent)
        deliveries.retrying.increment(by: pass.deliveries.retrying)
        deliveries.failed.increment(by: pass.deliveries.failed)
        for (kind, count) in pass.planned { planned[kind]?.increment(by: count) }
        passDuration.recordNanoseconds(Int64(pass.duration.components.seconds) * 1_000_000_000 + pass.duration.components.attoseconds / 1_000_000_000)
    }

    /// Sets the gauges.
    func update(pass: ConsolePass?, digest: Digest?, facts: DubanDatabase.ConsoleFacts, lastGoodLedgerAt: Date?, now: Date) {
        if let digest {
            let counts = digest.counts
            let byStatus: [TaskStatus: Int] = [.notStarted: counts.notStarted, .inProgress: counts.inProgress, .completed: counts.completed,
                                               .accepted: counts.accepted, .closed: counts.closed, .ongoing: counts.ongoing]
            for (status, gauge) in tasksByStatus { gauge.record(byStatus[status] ?? 0) }
            let lights = digest.lights
            tasksByLight[.red]?.record(lights.red)
            tasksByLight[.yellow]?.record(lights.yellow)
            tasksByLight[.blue]?.record(lights.blue)
            tasksByLight[Digest.Light.none]?.record(counts.tasks - lights.red - lights.yellow - lights.blue)
            overdue.record(counts.overdue)
        }
        outboxPending.record(facts.outbox.pending)
        outboxFailed.record(facts.outbox.failed)
        if let pass {
            ledgerReadErrors.record(pass.diagnostics.count { $0.severity == .error })
            lastPass.record(pass.finishedAt.timeIntervalSince1970)
            lastPassSuccess.record(pass.failure == nil && pass.ledgerError == nil ? 1 : 0)
        }
        if let lastGoodLedgerAt { ledgerAge.record(max(0, now.timeIntervalSince(lastGoodLedgerAt))) }
        if let monday = facts.lastDigestSent {
            let week = ISOWeek(containing: monday)
            digestWeek.record(week.year * 100 + week.week)
        }
    }

    func text() -> String {
        registry.emitToString()
    }
}
