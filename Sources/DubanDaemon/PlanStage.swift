public import DubanCore
public import DubanStore
public import Foundation

/// One pass of the pipeline up to the outbox:
/// LoadLedger → Plan → Dedup (the log) → Render (subjects) → Enqueue.
/// Delivery from the outbox is a separate stage.
public struct PlanStage: Sendable {
    public var environment: Environment

    public init(environment: Environment) {
        self.environment = environment
    }

    /// Plans at `now` against the database's log and queues what is due.
    /// Returns the plan that was carried out. `log`, when given, is the
    /// caller's up-to-date copy of the database's log (a simulation keeps one
    /// rather than re-reading it at every slot).
    @discardableResult
    public func run(_ snapshot: LedgerSnapshot, database: DubanDatabase, now: Date,
                    log: Set<NotificationIdentity>? = nil) throws -> Planner.Plan {
        let today = environment.clock.date(of: now)
        let firstSeen = try database.observeCompletions(snapshot, today: today)
        let plan = environment.planner.plan(snapshot, log: try log ?? database.loggedIdentities(), firstSeenCompleted: firstSeen, now: now)
        if !plan.messages.isEmpty || !plan.skipped.isEmpty {
            try database.queue(plan.messages, subjects: plan.messages.map(environment.subject), skipped: plan.skipped, at: now)
        }
        return plan
    }
}
