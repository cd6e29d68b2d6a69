/// 长期坚持: standing measures are supervised period by period (README,
/// "Standing measures").
///
/// For each period of the task's cadence (a week, month, quarter, half year
/// or year of the calendar):
/// - step 1, `leadDays` calendar days before the period ends (moved to the
///   previous working day, as reminders are, but never before the period
///   starts): the officer is asked to carry it out and record 最近执行日期;
/// - step 2, on the first working day after the period: when the ledger
///   shows no execution in it, the supervising leader is told, cc the
///   officer.
/// A 最近执行日期 inside the period ends both. One after the period also
/// stops step 2: a single date cannot tell a late execution from one that
/// overwrote an execution inside the period.
public struct StandingPolicy: Sendable, Equatable {
    /// Days before each period's end the officer is asked (default 7).
    public var leadDays = 7

    public init() {}
}

extension Planner {
    /// The day the officer is asked for `period`.
    public func standingRequestDay(_ period: ClosedRange<LocalDate>) -> LocalDate {
        let target = max(period.lowerBound, period.upperBound.adding(days: -max(policy.standing.leadDays, 0)))
        let day = calendar.onOrBefore(target)
        return day < period.lowerBound ? calendar.onOrAfter(period.lowerBound) : day
    }

    /// The day the leader hears that `period` passed unrecorded.
    public func standingBehindDay(_ period: ClosedRange<LocalDate>) -> LocalDate {
        calendar.workingDay(1, after: period.upperBound)
    }

    /// Where a standing measure stands on `today`.
    public enum StandingState: String, Sendable, Codable {
        /// Executed in the last ended period (or since), or no period has ended yet.
        case onSchedule = "on_schedule"
        /// The last ended period has no execution in it or after it.
        case behind
        /// No readable cadence: nothing to measure against.
        case noCadence = "no_cadence"
    }

    /// Whether a candidate still counts on `today`: a standing measure's
    /// notices about periods older than the previous one are not due any more
    /// (a timeline made for a long range holds them; `plan` never makes them).
    func isLive(_ identity: NotificationIdentity, _ task: RectificationTask, today: LocalDate) -> Bool {
        guard identity.kind == .standing, let cadence = task.cadence else { return true }
        let previous = cadence.period(containing: cadence.period(containing: today).lowerBound.adding(days: -1))
        return identity.about >= previous.upperBound
    }

    public func standingState(_ task: RectificationTask, today: LocalDate) -> StandingState {
        guard let cadence = task.cadence else { return .noCadence }
        let previous = cadence.period(containing: cadence.period(containing: today).lowerBound.adding(days: -1))
        if let feedbackDate, previous.upperBound < feedbackDate { return .onSchedule }
        guard let last = task.lastExecutedOn, last >= previous.lowerBound else { return .behind }
        return .onSchedule
    }

    /// The notices of the periods from the one before `days` starts to the
    /// one after it ends (for `plan`, `days` is today: the previous, current
    /// and next period). The previous one's step 2 may be due now (its step
    /// 1, if never sent, is skipped by catch-up), the current one's step 1
    /// and 2 lie ahead or are due, the next one's step 1 gives the plan its
    /// next instant. Periods that ended before the programme's feedback date
    /// are not supervised.
    func forEachStandingCandidate(_ task: RectificationTask, days: ClosedRange<LocalDate>, _ body: (NotificationIdentity, LocalDate) -> Void) {
        guard task.isStanding, let cadence = task.cadence else { return }
        let first = cadence.period(containing: cadence.period(containing: days.lowerBound).lowerBound.adding(days: -1))
        let following = cadence.period(containing: cadence.period(containing: days.upperBound).upperBound.adding(days: 1))
        var periods = [first]
        while let last = periods.last, last != following { periods.append(cadence.period(containing: last.upperBound.adding(days: 1))) }
        for period in periods {
            if let feedbackDate, period.upperBound < feedbackDate { continue }
            if let last = task.lastExecutedOn, last >= period.lowerBound { continue }
            // The previous period's request too: never sent before it ended (downtime), it is
            // recorded as skipped, with the reason, rather than silently forgotten.
            body(NotificationIdentity(task: task.id, kind: .standing, step: 1, about: period.upperBound), standingRequestDay(period))
            if period != following {
                body(NotificationIdentity(task: task.id, kind: .standing, step: 2, about: period.upperBound), standingBehindDay(period))
            }
        }
    }
}
