/// 延期: what the ledger says about a request for more time.
///
/// A request is made by the status (申请延期, 延期申请中) and granted by two
/// cells together: 延期至 (the new date) and 延期批准人 (who approved it). Only
/// a granted extension moves the deadline; a request alone pauses the ladder
/// above level 1 for a while (README, "Extensions").
public struct DeadlineExtension: Hashable, Sendable, Codable {
    /// The status says an extension was asked for.
    public var requested: Bool
    /// 延期至: the new date (asked for, or granted with an approver).
    public var newDeadline: LocalDate?
    /// 延期批准人, as written.
    public var approver: String
    /// 延期原因, as written.
    public var reason: String

    public init(requested: Bool = false, newDeadline: LocalDate? = nil, approver: String = "", reason: String = "") {
        self.requested = requested
        self.newDeadline = newDeadline
        self.approver = approver
        self.reason = reason
    }

    /// 延期至 and 延期批准人 are both filled: the deadline is the new date.
    public var isApproved: Bool { newDeadline != nil && !approver.isEmpty }

    /// Asked for and not (yet) granted: the office must decide.
    public var isPending: Bool { requested && !isApproved }
}

/// How often a standing measure (长期坚持) must be carried out: one period
/// of the calendar each, and the measure is on schedule when its 最近执行日期
/// falls inside the period.
public enum StandingCadence: String, CaseIterable, Sendable, Codable {
    case weekly
    case monthly
    case quarterly
    case halfYearly = "half_yearly"
    case yearly

    /// The word an ops team uses.
    public var label: String {
        switch self {
        case .weekly: return "每周"
        case .monthly: return "每月"
        case .quarterly: return "每季度"
        case .halfYearly: return "每半年"
        case .yearly: return "每年"
        }
    }

    /// Length in months (weeks count as 0: they are not month-aligned).
    var months: Int {
        switch self {
        case .weekly: return 0
        case .monthly: return 1
        case .quarterly: return 3
        case .halfYearly: return 6
        case .yearly: return 12
        }
    }

    /// The calendar period containing `date`: an ISO week (Monday to
    /// Sunday), a month, a quarter (Jan–Mar …), a half year or a year.
    public func period(containing date: LocalDate) -> ClosedRange<LocalDate> {
        if self == .weekly {
            let monday = date.adding(days: 1 - date.weekday)
            return monday...monday.adding(days: 6)
        }
        let firstMonth = (date.month - 1) / months * months + 1
        let start = LocalDate(year: date.year, month: firstMonth, day: 1)!
        return start...start.adding(months: months).adding(days: -1)
    }
}

extension RectificationTask {
    /// A standing measure: 长期坚持 by status, or an open task whose deadline
    /// is 长期坚持. It has no end date, so it is left out of every completion
    /// rate and supervised period by period instead.
    public var isStanding: Bool {
        status == .ongoing || (!status.isDone && deadline.kind == .ongoing)
    }
}
