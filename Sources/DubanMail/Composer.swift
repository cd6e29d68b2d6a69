public import DubanCore
public import Foundation

/// Turns a planned message into a mail: fills the templates with what the
/// recipient needs to act — which tasks, which problem, the deadline and how
/// many days are left or overdue, the acceptance criterion, who is
/// responsible, who else receives it and, for escalations, since when the
/// task is overdue and which notices went before — and attaches the
/// deadlines as an .ics file to reminders.
public struct Composer: Sendable {
    public var templates: TemplateSet
    public var from: Contact
    public var organization: String
    public var programme: String
    public var clock: LocalClock
    public var lookBackMonths: Int

    public init(templates: TemplateSet, from: Contact, organization: String, programme: String, clock: LocalClock, lookBackMonths: Int) {
        self.templates = templates
        self.from = from
        self.organization = organization
        self.programme = programme
        self.clock = clock
        self.lookBackMonths = lookBackMonths
    }

    /// An earlier notice about a task, for "which notices were sent".
    public struct EarlierNotice: Sendable, Hashable {
        public var identity: NotificationIdentity
        public var at: Date

        public init(identity: NotificationIdentity, at: Date) {
            self.identity = identity
            self.at = at
        }
    }

    /// What else the composer needs to know: problem texts, the notices the
    /// log shows as sent, what this pass skipped, and the loop's facts.
    public struct Context: Sendable {
        public var problems: [String: Problem]
        /// Notices that went out before, per task (the log's sent or still-queued rows).
        public var earlier: [TaskID: [EarlierNotice]]
        /// Identities this pass decides not to send (catch-up), per task: a
        /// message that replaces them says so, once.
        public var skipped: [TaskID: [SkippedNotification]]
        /// Every identity the log held before this pass (sent or skipped):
        /// one in it but not in `earlier` was skipped by an earlier catch-up.
        public var logged: Set<NotificationIdentity>
        /// Reopenings and first-seen acceptances (rebound and closure notices).
        public var loop: Planner.LoopFacts
        /// The 约谈 dossier of each task that has one.
        public var dossiers: [TaskID: Dossier]

        public init(problems: [String: Problem] = [:], earlier: [TaskID: [EarlierNotice]] = [:],
                    skipped: [TaskID: [SkippedNotification]] = [:], logged: Set<NotificationIdentity> = [],
                    loop: Planner.LoopFacts = .init(), dossiers: [TaskID: Dossier] = [:]) {
            self.problems = problems
            self.earlier = earlier
            self.skipped = skipped
            self.logged = logged
            self.loop = loop
            self.dossiers = dossiers
        }
    }

    var english: Bool { templates.locale == "en" }

    /// The template base name for a message.
    static func templateName(_ message: PlannedMessage) -> String {
        switch message.kind {
        case .escalation: return (message.level ?? 1) >= 2 ? "escalation2" : "escalation1"
        case .standing: return (message.level ?? 1) >= 2 ? "standing2" : "standing"
        case .reminder, .checkpoint, .acceptance, .lookback, .closure, .rebound, .interview, .extension, .personal, .digest:
            return message.kind.rawValue
        }
    }

    public func subject(_ message: PlannedMessage, context: Context = Context()) -> String {
        let name = Self.templateName(message)
        let values = values(message, context, withTasks: templates.readsTasks(name, "subject"))
        return templates.render(name, "subject", values).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func compose(_ message: PlannedMessage, context: Context) -> MailMessage {
        var values = values(message, context)
        let name = Self.templateName(message)
        let subject = templates.render(name, "subject", values).trimmingCharacters(in: .whitespacesAndNewlines)
        values["subject"] = subject
        var attachments: [MailMessage.Attachment] = []
        if message.kind == .reminder || message.kind == .checkpoint {
            let events = message.items.map { item in
                ICalendar.Event(
                    taskID: item.identity.task, date: item.identity.about,
                    summary: (english ? "Deadline: " : (message.kind == .checkpoint ? "整改节点：" : "整改时限：")) + item.task.measure,
                    description: "\(item.task.id) \(item.task.measure)\n" + (english ? "Acceptance: " : "验收标准：") + item.task.acceptanceCriterion)
            }
            attachments.append(.init(filename: "deadline.ics", contentType: "text/calendar; charset=UTF-8; method=PUBLISH",
                                     data: ICalendar.document(events, domain: domain, timeZone: clock.timeZone, stamp: message.slot)))
        }
        return MailMessage(
            from: from, to: message.to, cc: message.cc, subject: subject, date: message.slot, timeZone: clock.timeZone,
            messageID: "\(message.id).\(message.kind.rawValue)@\(domain)",
            text: templates.render(name, "txt", values), html: templates.render(name, "html", values),
            attachments: attachments,
            extraHeaders: [("X-Duban-Kind", message.kind.rawValue + (message.level.map { "-\($0)" } ?? "")),
                           ("X-Duban-Tasks", message.items.map(\.identity.task.rawValue).joined(separator: " "))])
    }

    /// The sender's domain names Message-IDs and calendar UIDs.
    var domain: String {
        guard let email = from.email, let at = email.lastIndex(of: "@") else { return "duban.invalid" }
        return String(email[email.index(after: at)...])
    }

    private func names(_ contacts: [Contact]) -> String {
        contacts.map(\.name).joined(separator: english ? ", " : "、")
    }

    /// The template context. Keys are documented in the README ("Templates").
    /// Without `withTasks`, `tasks` is left empty (for templates that cannot read it).
    func values(_ message: PlannedMessage, _ context: Context, withTasks: Bool = true) -> [String: Any] {
        let today = clock.date(of: message.slot)
        var tasks: [[String: Any]] = []
        for (index, item) in (withTasks ? message.items : []).enumerated() {
            let task = item.task
            let about = item.identity.about
            // For reminders and escalations `about` is the due date, which an
            // approved extension may have moved away from the 整改时限 cell.
            let deadline = (item.identity.kind == .reminder || item.identity.kind == .escalation) ? about : task.deadline.date
            var entry: [String: Any] = [
                "index": index + 1,
                "id": task.id.rawValue,
                "problem_number": task.problemNumber,
                "problem": context.problems[task.problemNumber]?.description ?? "",
                "measure": task.measure,
                "department": task.department,
                "officer": task.officer?.name ?? (english ? "(none)" : "（未填写）"),
                "leader": task.leader?.name ?? (english ? "(none)" : "（未填写）"),
                "deadline": deadline?.description ?? task.deadlineText,
                "deadline_text": task.deadlineText,
                "acceptance": task.acceptanceCriterion,
                "progress": task.progress.isEmpty ? (english ? "(not reported)" : "（未报送）") : task.progress,
                "about": about.description,
                "completed_on": task.completedOn?.description ?? (english ? "(date not given)" : "（未填写日期）"),
                "closed_on": task.closedOn?.description ?? "",
            ]
            let target = [.reminder, .escalation, .interview].contains(item.identity.kind) ? (deadline ?? about) : about
            let days = today.days(until: target)
            entry["days_left"] = max(days, 0)
            entry["days_overdue"] = max(-days, 0)
            entry["is_overdue"] = days < 0
            entry["due_in_words"] = dueInWords(days)
            if item.identity.kind == .escalation {
                entry["overdue_since"] = about.adding(days: 1).description
            }
            if item.identity.kind == .extension || item.identity.kind == .standing {
                periodicValues(item, today: today, into: &entry)
            }
            if item.identity.kind == .checkpoint, let checkpoint = task.checkpoints.first(where: { $0.date == about }) {
                entry["checkpoint_date"] = checkpoint.date.description
                entry["checkpoint_label"] = checkpoint.label
            }
            let earlier = (context.earlier[task.id] ?? []).sorted { $0.at < $1.at }
            entry["has_earlier"] = !earlier.isEmpty
            entry["earlier"] = earlier.map { "\(clock.date(of: $0.at)) \(describe($0.identity))" }.joined(separator: english ? "; " : "；")
            loopValues(item, context: context, earlier: earlier, into: &entry)
            tasks.append(entry)
        }
        let firstDeadline = message.items.map(\.identity.about).min()?.description ?? ""
        return [
            "org": organization,
            "programme": programme,
            "kind": message.kind.rawValue,
            "level": message.level ?? 0,
            "count": message.items.count,
            "tasks": tasks,
            "first_deadline": firstDeadline,
            "to_names": names(message.to),
            "cc_names": names(message.cc),
            "has_unreachable": !message.unreachable.isEmpty,
            "unreachable": Self.people(message.unreachable),
            "lookback_months": lookBackMonths,
            "date": today.description,
            "caught_up": caughtUp(message, context),
            "unreachable_names": unreachableNames(message.unreachable),
        ]
    }

    /// People without an address for the templates, which word the role:
    /// each entry has `role` (`officer`, `leader`, `principal`), one of
    /// `is_officer`, `is_leader`, `is_principal`, `name` (absent when the
    /// ledger names nobody) and `first` (for separators).
    static func people(_ people: [UnreachablePerson]) -> [[String: Any]] {
        people.enumerated().map { index, person in
            var entry: [String: Any] = ["role": person.role.rawValue, "first": index == 0, "name": person.name ?? ""]
            for role in PersonRole.allCases { entry["is_\(role.rawValue)"] = person.role == role }
            return entry
        }
    }

    /// The highest escalation step (`NotificationIdentity.step`) in words,
    /// with how many escalation notices the log shows as sent when known.
    /// The count is never derived from the step: after downtime one notice
    /// at step 6 is one notice, not five.
    static func escalationWords(step: Int, sent: Int? = nil, english: Bool) -> String {
        let level = step <= 1 ? (english ? "to the supervising leader" : "报分管领导") : (english ? "to the principal" : "报主要负责人")
        guard let sent, sent > 0 else { return level }
        return english ? "\(level) (\(sent) notice(s) sent)" : "\(level)（已督办\(sent)次）"
    }

    func dueInWords(_ days: Int) -> String {
        if english {
            if days > 0 { return "\(days) day(s) left" }
            if days == 0 { return "due today" }
            return "\(-days) day(s) overdue"
        }
        if days > 0 { return "还有\(days)天" }
        if days == 0 { return "今天到期" }
        return "已逾期\(-days)天"
    }

    func describe(_ identity: NotificationIdentity) -> String {
        switch identity.kind {
        case .reminder: return english ? "reminder (\(identity.step) days before)" : "到期前\(identity.step)天提醒"
        case .checkpoint: return english ? "checkpoint reminder" : "节点提醒"
        case .escalation:
            if identity.step == 1 { return english ? "escalation to the supervising leader" : "报分管领导督办" }
            if identity.step == 2 { return english ? "escalation to the principal" : "报主要负责人督办" }
            return english ? "escalation repeat \(identity.step - 2)" : "再次督办（第\(identity.step - 2)次）"
        case .acceptance:
            if identity.step <= 1 { return english ? "acceptance notice" : "验收提醒" }
            return english ? "acceptance notice repeat \(identity.step - 1)" : "验收提醒（第\(identity.step - 1)次重复）"
        case .closure:
            if identity.step <= 1 { return english ? "closure notice" : "销号提醒" }
            return english ? "closure notice repeat \(identity.step - 1)" : "销号提醒（第\(identity.step - 1)次重复）"
        case .lookback: return identity.step <= 1 ? (english ? "look-back notice" : "回头看提醒") : (english ? "look-back follow-up" : "回头看催报")
        case .rebound: return english ? "rebound notice" : "反弹通报"
        case .interview: return english ? "interview (约谈) proposal" : "拟约谈报告"
        case .personal: return english ? "personal list" : "个人任务清单"
        case .extension: return english ? "extension request notice" : "延期申请提示"
        case .standing: return identity.step == 1 ? (english ? "standing measure request" : "长期坚持执行提醒") : (english ? "standing measure behind" : "长期坚持未执行督办")
        case .digest: return english ? "digest" : "周报"
        }
    }
}
