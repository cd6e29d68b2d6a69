public import DubanCore
public import Foundation

/// Template values for the loop after 完成 and for a truthful trail: what
/// the log shows as sent, what a catch-up skipped, and the 约谈 dossier.
extension Composer {
    /// What a 约谈 notice carries about a task besides the ledger row.
    public struct Dossier: Sendable, Equatable {
        /// A notice the log shows as sent.
        public typealias Notice = AddressedNotice

        public var notices: [Notice]
        /// The deadlines Duban saw, oldest first: (deadline, first seen).
        public var deadlines: [(deadline: String, seenOn: LocalDate)]

        public init(notices: [Notice], deadlines: [(deadline: String, seenOn: LocalDate)]) {
            self.notices = notices
            self.deadlines = deadlines
        }

        public static func == (a: Dossier, b: Dossier) -> Bool {
            a.notices == b.notices && a.deadlines.map(\.deadline) == b.deadlines.map(\.deadline)
                && a.deadlines.map(\.seenOn) == b.deadlines.map(\.seenOn)
        }
    }

    /// Per-task values of the loop's kinds and of escalations.
    func loopValues(_ item: PlannedItem, context: Context, earlier: [EarlierNotice], into entry: inout [String: Any]) {
        let task = item.task
        let identity = item.identity
        entry["step"] = identity.step
        entry["is_repeat"] = identity.step > 1
        entry["repeat"] = max(identity.step - 1, 0)
        entry["is_follow_up"] = identity.kind == .lookback && identity.step > 1
        entry["accepted_on"] = (task.acceptedOn ?? context.loop.firstSeenAccepted[task.id])?.description ?? ""
        entry["look_back_on"] = task.lookBackOn?.description ?? ""
        entry["look_back_result"] = task.lookBackResult.map { english ? $0.rawValue : $0.label } ?? ""
        entry["status"] = english ? task.status.rawValue : task.status.label
        let sentEscalations = earlier.filter { $0.identity.kind == .escalation }
        entry["escalations_sent"] = sentEscalations.count
        if identity.kind == .interview || (identity.kind == .escalation && identity.step >= 2) {
            entry["leader_trail"] = leaderTrail(task, about: identity.about, sent: sentEscalations, context: context)
        }
        if identity.kind == .rebound {
            let reopening = context.loop.reopened[task.id].flatMap { $0.on == identity.about ? $0 : nil }
            entry["closed_on"] = (task.closedOn ?? reopening?.since)?.description ?? ""
            entry["change"] = reboundChange(task, reopening: reopening)
        }
        if identity.kind == .interview {
            let dossier = context.dossiers[task.id] ?? Dossier(notices: [], deadlines: [])
            entry["dossier"] = dossier.notices.enumerated().map { index, notice -> [String: Any] in
                ["index": index + 1, "date": clock.date(of: notice.at).description, "what": describe(notice.identity),
                 "to": notice.to.joined(separator: english ? ", " : "、"), "cc": notice.cc.joined(separator: english ? ", " : "、")]
            }
            entry["has_dossier"] = !dossier.notices.isEmpty
            let history: [(deadline: String, seenOn: LocalDate)] = dossier.deadlines.isEmpty
                ? [(deadline: task.deadline.date?.description ?? task.deadlineText, seenOn: identity.about)] : dossier.deadlines
            entry["deadline_history"] = history.map { english ? "\($0.deadline) (seen \($0.seenOn))" : "\($0.deadline)（\($0.seenOn)起）" }
                .joined(separator: english ? " → " : " → ")
        }
    }

    /// Whether the supervising leader heard of the task before level 2, in
    /// words: only what the log shows was sent.
    func leaderTrail(_ task: RectificationTask, about: LocalDate, sent: [EarlierNotice], context: Context) -> String {
        let level1 = NotificationIdentity(task: task.id, kind: .escalation, step: 1, about: about)
        if let notice = sent.first(where: { $0.identity == level1 }) {
            let day = clock.date(of: notice.at)
            if let officer = task.officer, let leader = task.leader, Self.samePerson(officer, leader) {
                return english ? "the officer is their own supervising leader; the level-1 notice of \(day) went to the principal instead"
                               : "责任人即分管领导，\(day)的一级督办已直接报主要负责人"
            }
            if task.leader?.email == nil {
                return english ? "the supervising leader has no email address; the level-1 notice of \(day) went to the rectification office instead"
                               : "分管领导无邮箱地址，\(day)的一级督办已转送整改办，分管领导本人未收到"
            }
            return english ? "the supervising leader was notified on \(day)" : "已于\(day)报分管领导督办"
        }
        if let skip = (context.skipped[task.id] ?? []).first(where: { $0.identity == level1 }) {
            let why: String
            switch skip.reason {
            case .supersededByHigherEscalation, .supersededByInterview:
                why = english ? "Duban was not running when it fell due; only the latest step is sent now"
                              : "该通知到期时督办系统未运行，现只发送最新一级"
            case .deadlinePassed, .supersededByLaterReminder, .supersededByLaterDigest, .supersededByLaterStep,
                 .supersededByLaterNotice, .periodEnded:
                why = skip.reason.explanation
            }
            return english ? "the supervising leader was not notified earlier: \(why)" : "分管领导此前未收到督办通知：\(why)"
        }
        if context.logged.contains(level1) {
            return english ? "the supervising leader was not notified earlier: Duban was not running when that notice fell due"
                           : "分管领导此前未收到督办通知：该通知到期时督办系统未运行，未能发出"
        }
        return english ? "the supervising leader was not notified earlier" : "分管领导此前未收到督办通知"
    }

    /// The planner's rule (Planner.samePerson): the same address, or the
    /// same name when either has none.
    static func samePerson(_ a: Contact, _ b: Contact) -> Bool {
        if let x = a.email, let y = b.email { return x.lowercased() == y.lowercased() }
        let name = a.name.trimmingCharacters(in: .whitespaces)
        return !name.isEmpty && name == b.name.trimmingCharacters(in: .whitespaces)
    }

    /// What changed for a rebound, in words.
    func reboundChange(_ task: RectificationTask, reopening: Planner.LoopFacts.Reopening?) -> String {
        if let reopening {
            return english
                ? "was \(reopening.from.rawValue) (seen \(reopening.since)), seen \(task.status.rawValue) again on \(reopening.on)"
                : "原为“\(reopening.from.label)”（\(reopening.since)起），\(reopening.on)起台账显示为“\(task.status.label)”"
        }
        let result = task.lookBackResult.map { english ? $0.rawValue : $0.label } ?? ""
        let on = task.lookBackOn?.description ?? ""
        return english ? "look-back \(on): \(result)" : "\(on)回头看结果为“\(result)”"
    }

    /// One plain paragraph when this message replaces notices a catch-up
    /// skipped; empty otherwise. It does not say why they were late: that
    /// may be downtime, or a deadline that was already past when Duban
    /// first read it.
    func caughtUp(_ message: PlannedMessage, _ context: Context) -> String {
        let downtime: Set<SkipReason> = [.supersededByHigherEscalation, .supersededByInterview, .supersededByLaterStep, .deadlinePassed, .supersededByLaterReminder]
        var parts: [String] = []
        for item in message.items {
            let skipped = (context.skipped[item.identity.task] ?? []).filter { downtime.contains($0.reason) && $0.identity.key != item.identity.key }
            guard !skipped.isEmpty else { continue }
            let names = skipped.sorted { $0.identity < $1.identity }.map { describe($0.identity) }.joined(separator: english ? ", " : "、")
            parts.append(english ? "[\(item.identity.task)] \(names)" : "【\(item.identity.task)】\(names)")
        }
        guard !parts.isEmpty else { return "" }
        return english
            ? "These notices were not sent when they fell due (Duban was not running, or the deadline had already passed when it was read) and are not sent now; only this, the latest step, goes out: \(parts.joined(separator: "; "))."
            : "以下通知到期时未能发出（督办系统未运行，或读到时限时已过期），现不再补发，只发送本通知（最新一步）：\(parts.joined(separator: "；"))。"
    }

    /// Who could not be reached, in the reader's words.
    func unreachableNames(_ people: [UnreachablePerson]) -> String {
        people.map { person in
            let role: String
            switch person.role {
            case .officer: role = english ? "officer" : "责任人"
            case .leader: role = english ? "supervising leader" : "分管领导"
            case .principal: role = english ? "principal" : "主要负责人"
            case .discipline: role = english ? "discipline inspection" : "纪检"
            }
            return role + " " + (person.name ?? (english ? "(not named)" : "（未填写）"))
        }.joined(separator: english ? ", " : "、")
    }
}
