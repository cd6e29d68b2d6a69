public import Foundation

/// What a notification is about.
public enum NotificationKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// Before a deadline, to the officer.
    case reminder
    /// Before a mid-term checkpoint, to the officer.
    case checkpoint
    /// After a deadline, up the chain.
    case escalation
    /// Completed but not accepted in time, to the office.
    case acceptance
    /// 回头看, months after closing, to the office; step 2 is the follow-up
    /// when no 回头看日期 was recorded.
    case lookback
    /// 销号 pending: accepted but not closed, to the office.
    case closure
    /// 反弹: a closed or accepted task open again, or a 回头看 that found the
    /// problem back; to the office, cc the principal and the leader.
    case rebound
    /// 约谈: the escalation ladder is spent; to the principal with the dossier.
    case interview
    /// The weekly personal list (我的整改任务), to an officer or a supervising leader.
    case personal
    /// 延期: pending extension requests, to the office (step 1, then every
    /// few working days while pending).
    case `extension`
    /// 长期坚持: step 1 asks the officer to carry out this period's execution;
    /// step 2 tells the leader a period passed unrecorded.
    case standing
    /// The weekly digest, to the leadership group.
    case digest

    public static func < (a: NotificationKind, b: NotificationKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The identity of one notification: task, kind, step and the date it is
/// about. Recorded in the log once queued; an identity in the log is never
/// planned again. A moved deadline changes `about`, so it is a new identity
/// and the old one is simply never due again.
///
/// `step` is the lead in days for reminders and checkpoints, and the
/// sequence number for escalations: 1 is level 1, 2 is level 2, 3… are
/// level 2's repeats.
public struct NotificationIdentity: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var task: TaskID
    public var kind: NotificationKind
    public var step: Int
    public var about: LocalDate

    public init(task: TaskID, kind: NotificationKind, step: Int, about: LocalDate) {
        self.task = task
        self.kind = kind
        self.step = step
        self.about = about
    }

    /// `T1-1/reminder/7/2026-06-30`: the log's primary key.
    public var key: String { "\(task.rawValue)/\(kind.rawValue)/\(step)/\(about)" }

    public var description: String { key }

    /// The escalation level (1 or 2); for standing measures the step (1 the
    /// officer is asked, 2 the leader is told); nil for other kinds.
    public var level: Int? {
        switch kind {
        case .escalation: return min(step, 2)
        case .standing: return step
        default: return nil
        }
    }

    /// A short human name of the rule: `reminder 7d`, `escalation L2 repeat 1`.
    public var rule: String {
        switch kind {
        case .reminder, .checkpoint: return "\(kind.rawValue) \(step)d"
        case .escalation: return step <= 2 ? "escalation L\(step)" : "escalation L2 repeat \(step - 2)"
        case .acceptance, .closure: return step <= 1 ? kind.rawValue : "\(kind.rawValue) repeat \(step - 1)"
        case .lookback: return step <= 1 ? "lookback" : "lookback follow-up"
        case .rebound, .interview, .personal, .digest: return kind.rawValue
        case .extension: return step == 1 ? "extension request" : "extension request again \(step - 1)"
        case .standing: return step == 1 ? "standing \(about)" : "standing behind \(about)"
        }
    }

    public static func < (a: NotificationIdentity, b: NotificationIdentity) -> Bool {
        (a.task, a.kind, a.about, a.step) < (b.task, b.kind, b.about, b.step)
    }

    /// Parses `key` back.
    public init?(key: String) {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 4, let about = LocalDate(String(parts[parts.count - 1])),
              let step = Int(parts[parts.count - 2]), let kind = NotificationKind(rawValue: String(parts[parts.count - 3]))
        else { return nil }
        // Task ids may themselves contain '/'.
        self.init(task: TaskID(parts[0..<(parts.count - 3)].joined(separator: "/")), kind: kind, step: step, about: about)
    }
}

/// One task's part in a message.
public struct PlannedItem: Sendable, Hashable, Codable {
    public var identity: NotificationIdentity
    public var task: RectificationTask
    /// The day the rule made it due (before any catch-up).
    public var dueDay: LocalDate

    public init(identity: NotificationIdentity, task: RectificationTask, dueDay: LocalDate) {
        self.identity = identity
        self.task = task
        self.dueDay = dueDay
    }
}

/// One mail: one recipient list, one kind, any number of tasks.
public struct PlannedMessage: Sendable, Hashable, Codable {
    public var kind: NotificationKind
    /// Escalation level, nil for other kinds.
    public var level: Int?
    /// The slot it goes out in.
    public var slot: Date
    public var to: [Contact]
    public var cc: [Contact]
    public var items: [PlannedItem]
    /// People who should have received this but have no address; the
    /// message went to the office instead and says so.
    public var unreachable: [UnreachablePerson]
    /// Identities that are not about one task (the digest's week).
    public var extraIdentities: [NotificationIdentity] = []

    /// Everything this message records in the log.
    public var identities: [NotificationIdentity] { items.map(\.identity) + extraIdentities }

    public init(kind: NotificationKind, level: Int?, slot: Date, to: [Contact], cc: [Contact], items: [PlannedItem], unreachable: [UnreachablePerson],
                extraIdentities: [NotificationIdentity] = []) {
        self.kind = kind
        self.level = level
        self.slot = slot
        self.to = to
        self.cc = cc
        self.items = items
        self.unreachable = unreachable
        self.extraIdentities = extraIdentities
    }

    /// Stable across re-planning and restarts: derived from the items'
    /// identities, so a resend after a crash is recognisable.
    public var id: String {
        var hash = StableHash()
        for key in identities.map(\.key).sorted() {
            hash.combine(key)
            hash.combine(0x0A)
        }
        let hex = String(hash.value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Why a notification was recorded without being sent.
public enum SkipReason: String, Sendable, Codable {
    /// A reminder whose deadline had already passed when it came due (after
    /// downtime): the escalation replaces it.
    case deadlinePassed = "deadline_passed"
    /// A later reminder for the same date came due at the same time.
    case supersededByLaterReminder = "superseded_by_later_reminder"
    /// A higher escalation step came due at the same time.
    case supersededByHigherEscalation = "superseded_by_higher_escalation"
    /// A later week's digest came due at the same time (only the latest missed week is sent).
    case supersededByLaterDigest = "superseded_by_later_digest"
    /// A later notice about the same pending extension request came due at the same time.
    case supersededByLaterNotice = "superseded_by_later_notice"
    /// A standing measure's period ended before its request went out; the notice to the leader replaces it.
    case periodEnded = "period_ended"
    /// A later repeat (or the follow-up) of the same acceptance, closure or
    /// look-back notice came due at the same time.
    case supersededByLaterStep = "superseded_by_later_step"
    /// The 约谈 notice, the end of the ladder, came due at the same time.
    case supersededByInterview = "superseded_by_interview"

    public var explanation: String {
        switch self {
        case .deadlinePassed: return "the deadline had already passed; the escalation replaces this reminder"
        case .supersededByLaterReminder: return "a later reminder for the same date was due at the same time"
        case .supersededByHigherEscalation: return "a higher escalation was due at the same time"
        case .supersededByLaterDigest: return "a later week's digest was due at the same time"
        case .supersededByLaterNotice: return "a later notice about the same extension request was due at the same time"
        case .periodEnded: return "the period had already ended; the notice to the leader replaces this request"
        case .supersededByLaterStep: return "a later repeat of the same notice was due at the same time"
        case .supersededByInterview: return "the 约谈 (interview) notice, the end of the ladder, was due at the same time"
        }
    }
}

public struct SkippedNotification: Sendable, Hashable, Codable {
    public var identity: NotificationIdentity
    public var reason: SkipReason

    public init(identity: NotificationIdentity, reason: SkipReason) {
        self.identity = identity
        self.reason = reason
    }
}
