public import DubanCore
public import Foundation

extension Composer {
    /// The digest as a mail: HTML with inline CSS and bars drawn with table
    /// cells (no scripts, no images), a text part with the same figures, and
    /// a CSV of every task (UTF-8 with BOM, so Excel shows the Chinese).
    public func composeDigest(_ digest: Digest, to: [Contact], audience: String?, identity: NotificationIdentity, slot: Date) -> MailMessage {
        var values = digestValues(digest, audience: audience)
        let subject = templates.render("digest", "subject", values).trimmingCharacters(in: .whitespacesAndNewlines)
        values["subject"] = subject
        let id = PlannedMessage(kind: .digest, level: nil, slot: slot, to: to, cc: [], items: [], unreachable: [], extraIdentities: [identity]).id
        return MailMessage(
            from: from, to: to, subject: subject, date: slot, timeZone: clock.timeZone,
            messageID: "\(id).digest@\(domain)",
            text: templates.render("digest", "txt", values), html: templates.render("digest", "html", values),
            attachments: [.init(filename: "tasks-\(digest.week).csv", contentType: "text/csv; charset=UTF-8", data: DigestCSV.bytes(digest, english: english))],
            extraHeaders: [("X-Duban-Kind", "digest"), ("X-Duban-Week", digest.week.description)])
    }

    /// Renders the digest's text and HTML without a mail (for the archive).
    public func renderDigest(_ digest: Digest, audience: String?) -> (subject: String, text: String, html: String) {
        var values = digestValues(digest, audience: audience)
        let subject = templates.render("digest", "subject", values).trimmingCharacters(in: .whitespacesAndNewlines)
        values["subject"] = subject
        return (subject, templates.render("digest", "txt", values), templates.render("digest", "html", values))
    }

    /// A cell as `file:row:column` with the file's name only: the digest is
    /// read by people who open the ledger, not the server's folders.
    static func cell(_ location: SourceLocation) -> String {
        var short = location
        short.file = URL(fileURLWithPath: location.file).lastPathComponent
        return short.description
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value) }

    /// A digest mail lists at most this many tasks per section, so a large
    /// ledger's digest stays a readable mail of reasonable size.
    static let listLimit = 200

    /// The template context for `digest.*.mustache`; keys are listed in the README.
    func digestValues(_ digest: Digest, audience: String?) -> [String: Any] {
        let c = digest.counts
        func task(_ row: Digest.TaskRow) -> [String: Any] {
            [
                "id": row.id, "problem": row.problem, "problem_description": row.problemDescription, "measure": row.measure,
                "department": row.department, "officer": row.officer, "leader": row.leader, "deadline": row.deadline,
                "days_left": max(row.daysLeft ?? 0, 0), "days_overdue": max(-(row.daysLeft ?? 0), 0),
                "status": row.status.label, "light": row.light.rawValue,
                "escalation": row.highestEscalationStep.map { Self.escalationWords(step: $0, english: english) } ?? "",
                "completed_on": row.completedOn?.description ?? "", "closed_on": row.closedOn?.description ?? "",
                "look_back_on": row.lookBackOn?.description ?? "",
            ]
        }
        var values: [String: Any] = [
            "org": organization, "programme": programme, "week": digest.week.description, "today": digest.today.description,
            "audience": audience ?? "",
            "problems": c.problems, "tasks": c.tasks, "not_started": c.notStarted, "in_progress": c.inProgress,
            "completed": c.completed, "accepted": c.accepted, "closed": c.closed, "ongoing": c.ongoing, "done": c.done,
            "overdue": c.overdue, "rate": Self.percent(c.completionRate),
            "has_change": c.completionRateChange != nil,
            "rate_change": c.completionRateChange.map { $0 > 0 ? String(format: "+%.1f", $0) : String(format: "%.1f", $0) } ?? "",
            "red": digest.lights.red, "yellow": digest.lights.yellow, "blue": digest.lights.blue,
            "departments": digest.departments.map { d -> [String: Any] in
                let done = Int(d.completionRate.rounded())
                return ["name": d.name, "tasks": d.tasks, "done": d.done, "overdue": d.overdue, "rate": Self.percent(d.completionRate),
                        "bar_done": done, "bar_rest": 100 - done]
            },
            // Lists in the mail stop at `listLimit` rows; the CSV has every task.
            "overdue_tasks": digest.overdue.prefix(Self.listLimit).map(task),
            "overdue_more": max(digest.overdue.count - Self.listLimit, 0),
            "has_overdue": !digest.overdue.isEmpty,
            "due7": digest.dueIn7Days.prefix(Self.listLimit).map(task), "due30": digest.dueIn8To30Days.prefix(Self.listLimit).map(task),
            "checkpoints": digest.checkpoints.map { ["task": $0.task, "date": $0.date.description, "label": $0.label,
                                                     "department": $0.department, "officer": $0.officer] },
            "acceptance": digest.acceptancePending.map(task), "lookbacks": digest.lookBacksDue.map(task),
            "has_previous": digest.changes != nil,
            "unreadable": digest.quality.unreadableDeadlines.map(task),
            "unreachable": Self.people(digest.quality.unreachablePeople),
            "missing_years": digest.quality.missingCalendarYears.map(String.init).joined(separator: ", "),
            "failed_mail": digest.quality.failedMail, "ledger_errors": digest.quality.ledgerErrors,
            "anomalies": digest.quality.ledgerAnomalies.prefix(Self.listLimit).map { a -> [String: Any] in
                ["kind": english ? a.kind.englishLabel : a.kind.label, "task": a.task?.rawValue ?? "", "has_task": a.task != nil, "measure": a.measure,
                 "department": a.department, "where": Self.cell(a.location), "is_error": a.severity == .error, "message": a.message]
            },
            "has_anomalies": !digest.quality.ledgerAnomalies.isEmpty,
            "anomalies_more": max(digest.quality.ledgerAnomalies.count - Self.listLimit, 0),
            "has_anomalies_more": digest.quality.ledgerAnomalies.count > Self.listLimit,
        ]
        if let changes = digest.changes {
            values["newly_completed"] = changes.newlyCompleted.map(task)
            values["newly_closed"] = changes.newlyClosed.map(task)
            values["newly_overdue"] = changes.newlyOverdue.map(task)
            values["moved"] = changes.deadlinesMoved.map { ["task": $0.task, "measure": $0.measure, "from": $0.from, "to": $0.to] }
            values["added"] = changes.added.map(task)
            values["removed"] = changes.removed.map(task)
        }
        return values
    }

}

/// Every task with its computed state, as CSV for Excel: UTF-8 with a BOM
/// (Excel otherwise guesses a legacy code page), RFC 4180 quoting, CRLF.
public enum DigestCSV {
    public static func bytes(_ digest: Digest, english: Bool) -> [UInt8] {
        let header = english
            ? ["task", "problem", "problem description", "measure", "department", "officer", "leader", "deadline", "status", "light", "days left", "highest escalation", "completed", "closed"]
            : ["任务编号", "问题序号", "问题描述", "整改措施", "责任部门", "责任人", "分管领导", "整改时限", "状态", "灯", "剩余天数", "最高督办", "完成日期", "销号日期"]
        let lightNames: [Digest.Light: String] = english
            ? [.red: "red", .yellow: "yellow", .blue: "blue", .none: ""]
            : [.red: "红", .yellow: "黄", .blue: "蓝", .none: ""]
        var lines = [header.map(quote).joined(separator: ",")]
        for row in digest.tasks {
            let fields = [row.id, row.problem, row.problemDescription, row.measure, row.department, row.officer, row.leader,
                          row.deadline, english ? row.status.rawValue : row.status.label, lightNames[row.light] ?? "",
                          row.daysLeft.map(String.init) ?? "", row.highestEscalationStep.map { Composer.escalationWords(step: $0, english: english) } ?? "",
                          row.completedOn?.description ?? "", row.closedOn?.description ?? ""]
            lines.append(fields.map(quote).joined(separator: ","))
        }
        return [0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// Quotes every field that needs it. A leading = + - @ is prefixed with
    /// an apostrophe so a ledger cell cannot become a formula in Excel;
    /// invisible characters (NUL, ESC, U+202E …) are shown as `<U+202E>`.
    public static func quote(_ field: String) -> String {
        var value = UntrustedText.visible(field)
        if let first = value.first, "=+-@".contains(first), Double(value) == nil { value = "'" + value }
        // By scalar: as Characters, "\r\n" is one grapheme and a lone "\n" would go unquoted.
        if value.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
