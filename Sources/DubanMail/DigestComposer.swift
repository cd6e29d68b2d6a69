public import DubanCore
public import Foundation

extension Composer {
    /// The digest as a mail: HTML with inline CSS, bars and the trend chart
    /// drawn with table cells (no scripts, no images), a text part with the
    /// same figures, and an .xlsx workbook of every task.
    public func composeDigest(_ digest: Digest, to: [Contact], audience: String?, identity: NotificationIdentity, slot: Date) throws -> MailMessage {
        var values = digestValues(digest, audience: audience)
        let subject = digestSubject(values)
        values["subject"] = subject
        let id = PlannedMessage(kind: .digest, level: nil, slot: slot, to: to, cc: [], items: [], unreachable: [], extraIdentities: [identity]).id
        let workbook = try DigestWorkbook.bytes(digest, english: english)
        return MailMessage(
            from: from, to: to, subject: subject, date: slot, timeZone: clock.timeZone,
            messageID: "\(id).digest@\(domain)",
            text: templates.render("digest", "txt", values), html: templates.render("digest", "html", values),
            attachments: [.init(filename: "tasks-\(digest.week).xlsx", contentType: DigestWorkbook.contentType, data: workbook)],
            extraHeaders: [("X-Duban-Kind", "digest"), ("X-Duban-Week", digest.week.description)])
    }

    /// Renders the digest's text and HTML without a mail (for the archive).
    public func renderDigest(_ digest: Digest, audience: String?) -> (subject: String, text: String, html: String) {
        var values = digestValues(digest, audience: audience)
        let subject = digestSubject(values)
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

    /// The digest's subject alone (dry runs).
    public func digestSubject(_ digest: Digest, audience: String?) -> String {
        digestSubject(digestValues(digest, audience: audience))
    }

    /// The one rendering of a digest subject: the mail's, the archive's and
    /// the dry runs' cannot drift apart.
    private func digestSubject(_ values: [String: Any]) -> String {
        templates.render("digest", "subject", values).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value) }

    /// A digest mail lists at most this many tasks per section, so a large
    /// ledger's digest stays a readable mail of reasonable size.
    static let listLimit = 200

    /// A notice as the digest words it: "07-01 到期提醒".
    func noticeWords(_ notice: Digest.Notice) -> String {
        let what: String
        switch notice.kind {
        case .reminder: what = english ? "reminder" : "到期提醒"
        case .checkpoint: what = english ? "checkpoint reminder" : "节点提醒"
        case .escalation: what = (english ? "escalated " : "") + Self.escalationWords(step: notice.step, english: english)
        case .acceptance: what = english ? "acceptance reminder" : "验收提醒"
        case .lookback: what = english ? "look-back reminder" : "回头看提醒"
        case .personal: what = english ? "personal list" : "个人任务清单"
        // The rest by the one table of kind names the console and `export` use.
        case .closure: what = english ? "closure reminder" : notice.kind.label
        case .rebound: what = english ? "rebound notice" : notice.kind.label
        case .interview: what = english ? "interview proposed" : notice.kind.label
        case .extension: what = english ? "extension request notice" : notice.kind.label
        case .standing: what = english ? "standing measure notice" : notice.kind.label
        case .digest: what = english ? "weekly digest" : notice.kind.label
        }
        return String(notice.on.description.dropFirst(5)) + " " + what
    }

    /// Why a task is yellow; `staleWeeks` is the digest's `[digest] stale_weeks`
    /// (nil in a digest archived before it was recorded).
    func yellowWords(_ reason: Digest.YellowReason, staleWeeks: Int?) -> String {
        switch reason {
        case .dueSoon: return english ? "due within 7 days" : "7天内到期"
        case .checkpointPassed: return english ? "not started past a checkpoint" : "节点已过仍未启动"
        case .progressStale:
            guard let staleWeeks else { return english ? "progress unchanged for weeks" : "整改进展连续多周未更新" }
            return english ? "progress unchanged over \(staleWeeks) weeks" : "整改进展连续\(staleWeeks)周未更新"
        }
    }

    /// The template context for `digest.*.mustache`; keys are listed in the README.
    ///
    /// Each section is one key holding its rows (or a flag) and one block in
    /// each template: a section added later is a stored property on `Digest`,
    /// a key here and a `{{#key}}…{{/key}}` block.
    func digestValues(_ digest: Digest, audience: String?) -> [String: Any] {
        let c = digest.counts
        func task(_ row: Digest.TaskRow) -> [String: Any] {
            [
                "id": row.id, "problem": row.problem, "problem_description": row.problemDescription, "measure": row.measure,
                "department": row.department, "officer": row.officer, "leader": row.leader, "deadline": row.deadline,
                "days_left": max(row.daysLeft ?? 0, 0), "days_overdue": max(-(row.daysLeft ?? 0), 0),
                "status": row.status.label, "light": row.light.rawValue,
                "escalation": row.highestEscalationStep.map { Self.escalationWords(step: $0, sent: row.escalationsSent, english: english) } ?? "",
                "completed_on": row.completedOn?.description ?? "", "closed_on": row.closedOn?.description ?? "",
                "look_back_on": row.lookBackOn?.description ?? "",
                "progress": row.progress,
                "notices": row.notices.enumerated().map { ["first": $0.offset == 0, "text": noticeWords($0.element)] as [String: Any] },
                "reasons": row.yellowReasons.map { yellowWords($0, staleWeeks: digest.staleWeeks) }.joined(separator: english ? ", " : "、"),
            ]
        }
        // "—" rather than "": a key left out of a row is looked up in the
        // enclosing context, and would show the whole digest's rate.
        func group(_ g: Digest.GroupRow) -> [String: Any] {
            let done = Int(g.completionRate.rounded())
            // A blank department or leader in the ledger is the group "", worded in the reader's language.
            let name = g.name.isEmpty ? (english ? "(not given)" : "（未填写）") : g.name
            return ["name": name, "tasks": g.tasks, "done": g.done, "overdue": g.overdue, "rate": Self.percent(g.completionRate),
                    "on_time_rate": g.onTimeRate.map(Self.percent) ?? "—", "bar_done": done, "bar_rest": 100 - done]
        }
        func limited(_ rows: [Digest.TaskRow]) -> [[String: Any]] { rows.prefix(Self.listLimit).map(task) }
        // Lists stop at `listLimit` rows (the workbook has every task), cut
        // before their rows are built: a first digest after importing a
        // large ledger would otherwise build 100k rows under 新增任务 and drop
        // all but 200. `more` records what was left out, as `KEY_more`.
        var more: [String: Int] = [:]
        func capped<Row>(_ key: String, _ rows: [Row], _ transform: (Row) -> [String: Any]) -> [[String: Any]] {
            if rows.count > Self.listLimit { more[key] = rows.count - Self.listLimit }
            return rows.prefix(Self.listLimit).map(transform)
        }
        // The trend chart: one row per week, bars as table cells; the overdue
        // bar is scaled to the worst week.
        let worst = max(digest.trend.map(\.overdue).max() ?? 0, 1)
        let trend = digest.trend.map { point -> [String: Any] in
            let done = Int(point.completionRate.rounded())
            let late = Int((Double(point.overdue) / Double(worst) * 100).rounded())
            return ["week": point.week.description, "rate": Self.percent(point.completionRate), "overdue": point.overdue,
                    "bar_done": done, "bar_rest": 100 - done, "bar_overdue": late, "bar_overdue_rest": 100 - late,
                    "current": point.week == digest.week]
        }
        var values: [String: Any] = [
            "org": organization, "programme": programme, "week": digest.week.description, "today": digest.today.description,
            "audience": audience ?? "",
            "problems": c.problems, "tasks": c.tasks, "not_started": c.notStarted, "in_progress": c.inProgress,
            "completed": c.completed, "accepted": c.accepted, "closed": c.closed, "ongoing": c.ongoing, "done": c.done,
            "standing": c.standing,
            "problems_measured": c.problemsMeasured, "problems_rectified": c.problemsRectified,
            "problem_rate": Self.percent(c.problemRectificationRate),
            "on_time_rate": c.onTimeRate.map(Self.percent) ?? "—", "done_judged": c.doneJudged, "done_on_time": c.doneOnTime,
            "late_done": c.lateDone, "average_days_late_done": c.averageDaysLateDone.map { String(format: "%.1f", $0) } ?? "",
            "average_days_overdue": c.averageDaysOverdue.map { String(format: "%.1f", $0) } ?? "",
            // The keys before late and overdue were told apart, for templates overridden in
            // /etc/duban/templates against them: done late plus open past due, and their mean.
            "late": c.lateDone + c.overdue, "average_days_late": c.averageDaysLate.map { String(format: "%.1f", $0) } ?? "",
            "overdue": c.overdue, "rate": Self.percent(c.completionRate),
            "has_change": c.completionRateChange != nil,
            "rate_change": c.completionRateChange.map { $0 > 0 ? String(format: "+%.1f", $0) : String(format: "%.1f", $0) } ?? "",
            "red": digest.lights.red, "yellow": digest.lights.yellow, "blue": digest.lights.blue,
            "departments": capped("departments", digest.departments, group),
            "leaders": capped("leaders", digest.leaders, group),
            "trend": trend,
            // Lists in the mail stop at `listLimit` rows; the workbook has every task.
            "overdue_tasks": limited(digest.overdue),
            "has_overdue": !digest.overdue.isEmpty,
            "yellow_tasks": limited(digest.yellow), "has_yellow": !digest.yellow.isEmpty,
            "due7": limited(digest.dueIn7Days), "due30": limited(digest.dueIn8To30Days),
            "checkpoints": capped("checkpoints", digest.checkpoints) { ["task": $0.task, "date": $0.date.description, "label": $0.label,
                                                     "department": $0.department, "officer": $0.officer] },
            "acceptance": capped("acceptance", digest.acceptancePending, task), "lookbacks": capped("lookbacks", digest.lookBacksDue, task),
            "has_previous": digest.changes != nil,
            "unreadable": capped("unreadable", digest.quality.unreadableDeadlines, task),
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
            "history_since": digest.quality.historySince?.description ?? "",
        ]
        // Only when something was left out: a number, even 0, opens a mustache section.
        if digest.overdue.count > Self.listLimit { values["overdue_more"] = digest.overdue.count - Self.listLimit }
        if digest.yellow.count > Self.listLimit { values["yellow_more"] = digest.yellow.count - Self.listLimit }
        values.merge(periodicValues(digest)) { _, new in new }
        values["rebounds"] = capped("rebounds", digest.rebounds) { rebound -> [String: Any] in
            var entry = task(rebound.task)
            entry["closed_on"] = rebound.closedOn?.description ?? ""
            entry["reopened_on"] = rebound.reopenedOn?.description ?? ""
            entry["was"] = rebound.was.map { english ? $0.rawValue : $0.label } ?? ""
            entry["look_back_result"] = rebound.lookBackResult.map { english ? $0.rawValue : $0.label } ?? ""
            entry["look_back_on"] = rebound.lookBackOn?.description ?? ""
            return entry
        }
        values["has_rebounds"] = !digest.rebounds.isEmpty
        values["interviews"] = capped("interviews", digest.interviewsProposed, task)
        values["has_interviews"] = !digest.interviewsProposed.isEmpty
        if let changes = digest.changes {
            values["newly_completed"] = capped("newly_completed", changes.newlyCompleted, task)
            values["newly_closed"] = capped("newly_closed", changes.newlyClosed, task)
            values["newly_overdue"] = capped("newly_overdue", changes.newlyOverdue, task)
            values["moved"] = capped("moved", changes.deadlinesMoved) { ["task": $0.task, "measure": $0.measure, "from": $0.from, "to": $0.to] }
            values["added"] = capped("added", changes.added, task)
            values["removed"] = capped("removed", changes.removed, task)
        }
        // Every other list stops at `listLimit` rows too (the workbook has every
        // task): a first digest after importing a large ledger would otherwise
        // name every task under 新增任务 and make a mail of many megabytes.
        var truncated = !more.isEmpty
        for (key, count) in more { values["\(key)_more"] = count }
        // The lists not cut above (the 延期 and 长期坚持 sections).
        for (key, value) in values where key != "trend" {
            guard let rows = value as? [[String: Any]], rows.count > Self.listLimit else { continue }
            values[key] = Array(rows.prefix(Self.listLimit))
            values["\(key)_more"] = rows.count - Self.listLimit
            truncated = true
        }
        if truncated { values["lists_truncated"] = Self.listLimit }
        return values
    }

}

/// CSV quoting for Excel (the 督办记录 export; the digest's attachment was
/// this CSV before it became a workbook): RFC 4180, formulas defused.
public enum DigestCSV {
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
