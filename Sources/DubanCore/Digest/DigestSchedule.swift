public import Foundation

/// When the weekly digest goes out: a weekday and time (default Monday 09:00),
/// moved to the next working day when that day is off. It is a notification
/// like any other: its identity is the ISO week, it is sent once, and after
/// downtime only the latest missed week goes out.
public struct DigestSchedule: Sendable, Equatable {
    /// ISO weekday, 1 = Monday.
    public var weekday = 1
    public var time = Policy.TimeOfDay(hour: 9, minute: 0)!

    public init() {}

    public static func identity(_ week: ISOWeek, audience: String = "digest") -> NotificationIdentity {
        NotificationIdentity(task: TaskID(audience), kind: .digest, step: 0, about: week.monday)
    }

    /// The day the digest of `week` goes out.
    public func day(of week: ISOWeek, calendar: WorkCalendar) -> LocalDate {
        calendar.onOrAfter(week.monday.adding(days: weekday - 1))
    }

    public func slot(of week: ISOWeek, calendar: WorkCalendar, clock: LocalClock) -> Date {
        clock.instant(day(of: week, calendar: calendar), time)
    }

    public struct Decision: Sendable, Equatable {
        /// The week whose digest is due now, if any.
        public var due: ISOWeek?
        /// An older missed week that is superseded (recorded, not sent).
        public var superseded: ISOWeek?
        /// The next instant a digest becomes due.
        public var next: Date
    }

    /// Decides at `now`, given which weeks were already sent (`logged`) and
    /// the newest week whose digest was ever decided (`newest`, from the log).
    ///
    /// A digest never goes out for a week older than `newest`: when the clock
    /// goes backwards (an NTP step, a VM restored from a snapshot, `run --once
    /// --at` in the past after a later pass), "this week" is a week the
    /// leadership group has long had a newer digest for, and a late copy of
    /// it would contradict the one they read.
    public func decide(now: Date, logged: (ISOWeek) -> Bool, newest: ISOWeek? = nil,
                       calendar: WorkCalendar, clock: LocalClock) -> Decision {
        let this = ISOWeek(containing: clock.date(of: now))
        let last = this.previous
        let thisSlot = slot(of: this, calendar: calendar, clock: clock)
        let lastSlot = slot(of: last, calendar: calendar, clock: clock)
        let following = ISOWeek(containing: this.monday.adding(days: 7))
        var decision = Decision(due: nil, superseded: nil, next: thisSlot > now ? thisSlot : slot(of: following, calendar: calendar, clock: clock))
        if let newest, newest >= this {
            // Behind the newest digest: nothing is due until the week after it.
            let resume = slot(of: ISOWeek(containing: newest.monday.adding(days: 7)), calendar: calendar, clock: clock)
            decision.next = max(decision.next, resume)
            return decision
        }
        if thisSlot <= now, !logged(this) {
            decision.due = this
            if lastSlot <= now, !logged(last), newest.map({ $0 < last }) ?? true { decision.superseded = last }
        } else if thisSlot > now, lastSlot <= now, !logged(last), newest.map({ $0 < last }) ?? true {
            // Last week's slot was missed (and may have slid into this week past a holiday).
            decision.due = last
        }
        return decision
    }

    /// The newest week whose (leadership-group) digest is in `log`.
    public static func newestWeek(in log: some Sequence<NotificationIdentity>) -> ISOWeek? {
        log.lazy.filter { $0.kind == .digest && $0.task == TaskID("digest") }.map { ISOWeek(containing: $0.about) }.max()
    }
}
