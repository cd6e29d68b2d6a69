/// When and to whom Duban writes. Every default here is the documented
/// behaviour (README, "Policy"); duban.toml overrides each under
/// `[schedule]`, `[reminders]`, `[escalation]`, `[acceptance]`, `[lookback]`,
/// `[extension]`, `[standing]` and `[chain]`.
public struct Policy: Sendable, Equatable {
    /// A time of day in the organisation's zone.
    public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var hour: Int
        public var minute: Int

        public init?(hour: Int, minute: Int) {
            guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
            self.hour = hour
            self.minute = minute
        }

        /// Parses `HH:MM`.
        public init?(_ text: String) {
            let parts = text.split(separator: ":")
            guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2,
                  let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
            self.init(hour: h, minute: m)
        }

        public var minutes: Int { hour * 60 + minute }

        public var description: String {
            (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
        }

        public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutes < b.minutes }
    }

    public enum LeadUnit: String, Sendable, CaseIterable {
        case calendar
        case working
    }

    /// Mail goes out at this time on working days (default 09:00) …
    public var sendTime = TimeOfDay(hour: 9, minute: 0)!
    /// … and never at or after this time (default 18:00). What is due later
    /// waits for the next working day's `sendTime`.
    public var quietFrom = TimeOfDay(hour: 18, minute: 0)!

    /// Reminders go this many days before a deadline (default `[7]`); with
    /// several, each is sent, the largest first.
    public var reminderLeadDays = [7]
    /// Whether lead days count calendar days (default) or working days.
    public var reminderLeadUnit = LeadUnit.calendar
    /// The same for mid-term checkpoints (default `[7]`).
    public var checkpointLeadDays = [7]
    /// A 立行立改 task written without a date is due this many calendar days
    /// after the programme's feedback date (default 30). Without a feedback
    /// date such tasks get no deadline mail and are reported.
    public var immediateDays = 30

    /// Level 1 goes out on this working day after the deadline (default 1),
    /// to the supervising leader, cc the officer.
    public var escalationLevel1After = 1
    /// Level 2 goes out on this working day after the deadline (default 5),
    /// to the principal, cc leader and officer.
    public var escalationLevel2After = 5
    /// Level 2 is repeated every this many working days (default 5) …
    public var escalationRepeatEvery = 5
    /// … at most this many times (default 4).
    public var escalationMaxRepeats = 4

    /// A completed task not accepted after this many working days (default
    /// 10) is reported to the rectification office.
    public var acceptanceAfterWorkingDays = 10
    /// The acceptance notice is repeated every this many working days
    /// (default 10) while the task stays unaccepted …
    public var acceptanceRepeatEvery = 10
    /// … at most this many times (default 3). From the first repeat the
    /// supervising leader is cc'd.
    public var acceptanceMaxRepeats = 3

    /// An accepted task not closed (销号) this many working days (default
    /// 10) after its 验收日期 (or after Duban first saw it accepted) is
    /// reported to the office …
    public var closureAfterWorkingDays = 10
    /// … again every this many working days (default 10) …
    public var closureRepeatEvery = 10
    /// … at most this many times (default 3).
    public var closureMaxRepeats = 3

    /// No 回头看日期 this many working days (default 10) after the look-back
    /// fell due: a follow-up to the office, cc the principal.
    public var lookBackFollowUpAfter = 10

    /// The 约谈 notice goes out this many working days (default 5) after
    /// the last level-2 repeat, when the task is still open.
    public var interviewAfter = 5

    /// The 回头看 look-back is due this many months after closing (default 3).
    public var lookBackMonths = 3

    /// `[extension]`: pending 延期 requests (Planner+Extension.swift).
    public var extensions = ExtensionPolicy()
    /// `[standing]`: 长期坚持 measures (Planner+Standing.swift).
    public var standing = StandingPolicy()

    public init() {}
}

/// The people at the ends of the chain: the principal (主要负责人) who
/// receives level-2 escalations, and the rectification office (整改办) that
/// receives acceptance and look-back notices and every message whose
/// intended recipient has no address.
public struct Chain: Sendable, Equatable {
    public var office: Contact
    /// Optional: without one, level-2 escalations go to the office.
    public var principal: Contact?
    /// 纪检 (discipline inspection), cc'd on a 约谈 proposal. Optional.
    public var discipline: Contact?

    public init(office: Contact, principal: Contact? = nil, discipline: Contact? = nil) {
        self.office = office
        self.principal = principal
        self.discipline = discipline
    }
}
