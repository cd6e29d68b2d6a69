public import DubanCore

/// The planner's facts gathered in one place, for every caller that plans:
/// a pass (`PlanStage`, the simulation) records this read and gets them;
/// `preview` and the console read the same facts without recording. Built
/// only on the other facts methods, so another store gets it for free.
extension StateStore {
    /// Records what this read of the ledger shows (completions, due dates,
    /// 延期 requests, statuses) as seen `today`, and returns the facts.
    public func observePlannerFacts(_ snapshot: LedgerSnapshot, planner: Planner, today: LocalDate)
        async throws(StoreError) -> Planner.Facts {
        let firstSeen = try await observeCompletions(snapshot, today: today)
        let dueDates = planner.dueDates(snapshot)
        let changes = try await observeDeadlines(dueDates, today: today)
        let extensions = try await observeExtensions(snapshot, dueDates: dueDates, today: today)
        let loop = try await observeLoop(snapshot, dueDates: planner.deadlineRecord(snapshot), today: today)
        return Planner.Facts(firstSeenCompleted: firstSeen, deadlineChanges: changes, extensions: extensions, loop: loop)
    }

    /// The same facts without recording anything: what a pass on `today`
    /// would observe (what it has not seen yet counts as seen `today`).
    public func plannerFacts(_ snapshot: LedgerSnapshot, planner: Planner, today: LocalDate)
        async throws(StoreError) -> Planner.Facts {
        let firstSeen = try await completions(snapshot, today: today)
        let changes = try await deadlineChanges(planner.dueDates(snapshot), today: today)
        let extensions = try await extensionFacts(snapshot, today: today)
        let loop = try await loopFacts(snapshot, dueDates: planner.deadlineRecord(snapshot), today: today)
        return Planner.Facts(firstSeenCompleted: firstSeen, deadlineChanges: changes, extensions: extensions, loop: loop)
    }
}
