public import DubanCore
public import Foundation

extension Composer {
    /// A weekly personal list as a mail (`personal.*.mustache`).
    public func composePersonal(_ list: PersonalList, message: PlannedMessage) -> MailMessage {
        var values = personalValues(list)
        let subject = personalSubject(values)
        values["subject"] = subject
        return MailMessage(
            from: from, to: message.to, subject: subject, date: message.slot, timeZone: clock.timeZone,
            messageID: "\(message.id).personal@\(domain)",
            text: templates.render("personal", "txt", values), html: templates.render("personal", "html", values),
            attachments: [], extraHeaders: [("X-Duban-Kind", "personal"), ("X-Duban-Week", list.week.description)])
    }

    /// The list's subject alone (dry runs): what `composePersonal` puts in the mail.
    public func personalSubject(_ list: PersonalList) -> String {
        personalSubject(personalValues(list))
    }

    private func personalSubject(_ values: [String: Any]) -> String {
        templates.render("personal", "subject", values).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The template context for `personal.*.mustache`; keys are listed in the README.
    /// `is_officer`: own tasks (`tasks`, `count`, `overdue`, `due_soon`,
    /// `more`); `is_leader`: tasks of the people they supervise
    /// (`supervised`, `supervised_count`, `supervised_overdue`,
    /// `supervised_due_soon`, `supervised_more`). One mail may have both.
    func personalValues(_ list: PersonalList) -> [String: Any] {
        func rows(_ items: [PersonalList.Item]) -> [[String: Any]] {
            // At most `listLimit` rows, nearest deadline first: a leader over thousands of overdue tasks gets a readable mail.
            items.prefix(Self.listLimit).map { item -> [String: Any] in
                let row = item.task
                return [
                    "id": row.id, "problem": row.problem, "measure": row.measure, "department": row.department, "officer": row.officer,
                    "deadline": row.deadline, "status": row.status.label, "progress": row.progress,
                    "acceptance_criterion": row.acceptanceCriterion, "is_overdue": row.light == .red,
                    "due_words": row.daysLeft.map(dueInWords) ?? "",
                    "next": item.next.map(describe) ?? "", "next_on": item.nextOn?.description ?? "",
                ]
            }
        }
        var values: [String: Any] = [
            "org": organization, "programme": programme, "week": list.week.description, "today": list.today.description,
            "name": list.person.name, "is_officer": !list.items.isEmpty, "is_leader": !list.supervised.isEmpty,
            "count": list.items.count, "tasks": rows(list.items),
            "supervised_count": list.supervised.count, "supervised": rows(list.supervised),
        ]
        // Only when there are some: a number, even 0, opens a mustache section.
        if list.overdue > 0 { values["overdue"] = list.overdue }
        if list.dueSoon > 0 { values["due_soon"] = list.dueSoon }
        if list.items.count > Self.listLimit { values["more"] = list.items.count - Self.listLimit }
        if list.supervisedOverdue > 0 { values["supervised_overdue"] = list.supervisedOverdue }
        if list.supervisedDueSoon > 0 { values["supervised_due_soon"] = list.supervisedDueSoon }
        if list.supervised.count > Self.listLimit { values["supervised_more"] = list.supervised.count - Self.listLimit }
        // A leader-only list had its rows in `tasks` before they moved to `supervised`: a
        // template overridden in /etc/duban/templates against those keys still gets them.
        // The shipped templates show `tasks` only under `is_officer`.
        if list.items.isEmpty && !list.supervised.isEmpty {
            values["tasks"] = values["supervised"]
            values["count"] = list.supervised.count
            values["overdue"] = values["supervised_overdue"]
            values["due_soon"] = values["supervised_due_soon"]
            values["more"] = values["supervised_more"]
        }
        return values
    }
}
