public import DubanCore
public import Foundation

extension Composer {
    /// A weekly personal list as a mail (`personal.*.mustache`).
    public func composePersonal(_ list: PersonalList, message: PlannedMessage) -> MailMessage {
        var values = personalValues(list)
        let subject = templates.render("personal", "subject", values).trimmingCharacters(in: .whitespacesAndNewlines)
        values["subject"] = subject
        return MailMessage(
            from: from, to: message.to, subject: subject, date: message.slot, timeZone: clock.timeZone,
            messageID: "\(message.id).personal@\(domain)",
            text: templates.render("personal", "txt", values), html: templates.render("personal", "html", values),
            attachments: [], extraHeaders: [("X-Duban-Kind", "personal"), ("X-Duban-Week", list.week.description)])
    }

    /// The template context for `personal.*.mustache`; keys are listed in the README.
    func personalValues(_ list: PersonalList) -> [String: Any] {
        var values: [String: Any] = [
            "org": organization, "programme": programme, "week": list.week.description, "today": list.today.description,
            "name": list.person.name, "is_officer": list.role == .officer, "is_leader": list.role == .leader,
            "count": list.items.count,
            // At most `listLimit` rows, nearest deadline first: a leader over thousands of overdue tasks gets a readable mail.
            "tasks": list.items.prefix(Self.listLimit).map { item -> [String: Any] in
                let row = item.task
                return [
                    "id": row.id, "problem": row.problem, "measure": row.measure, "department": row.department, "officer": row.officer,
                    "deadline": row.deadline, "status": row.status.label, "progress": row.progress,
                    "acceptance_criterion": row.acceptanceCriterion, "is_overdue": row.light == .red,
                    "due_words": row.daysLeft.map(dueInWords) ?? "",
                    "next": item.next.map(describe) ?? "", "next_on": item.nextOn?.description ?? "",
                ]
            },
        ]
        // Only when there are some: a number, even 0, opens a mustache section.
        if list.overdue > 0 { values["overdue"] = list.overdue }
        if list.dueSoon > 0 { values["due_soon"] = list.dueSoon }
        if list.items.count > Self.listLimit { values["more"] = list.items.count - Self.listLimit }
        return values
    }
}
