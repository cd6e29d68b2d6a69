import DubanCore
import DubanStore
import Foundation

/// Server-rendered pages: plain HTML and one small stylesheet, no script, a
/// layout that reads on a phone. Every value from the ledger or the store goes
/// through `Markup`'s escaping.
struct Pages: Sendable {
    var settings: ConsoleSettings
    var pass: ConsolePass
    var now: Date
    var words: Words

    init(settings: ConsoleSettings, pass: ConsolePass, now: Date) {
        self.settings = settings
        self.pass = pass
        self.now = now
        words = Words(locale: settings.locale)
    }

    var clock: LocalClock { pass.planner.clock }
    var today: LocalDate { clock.date(of: now) }

    func time(_ date: Date?) -> String {
        guard let date else { return "" }
        return "\(clock.date(of: date)) \(clock.timeOfDay(of: date))"
    }

    func taskLink(_ id: String) -> Markup {
        "<a href=\"\(Query.task(id))\">\(id)</a>"
    }

    /// The task of a notice or message of `kind`: a link when the kind is
    /// about one task of the ledger; plain text for the digest (`digest`)
    /// and personal lists (`personal:officer:<email>`), which have no page.
    func taskCell(_ id: String, kind: NotificationKind?) -> Markup {
        guard let kind, !kind.isAboutATask else { return taskLink(id) }
        return "\(id)"
    }

    // MARK: - Frame

    func page(_ title: String, current: String, health: ConsoleHealth, _ content: Markup) -> Markup {
        let w = words
        let nav: [(String, String)] = [("/", w("总览", "Overview")), ("/tasks", w("任务", "Tasks")),
                                       ("/mail", w("发送记录", "Mail")), ("/ledger", w("台账问题", "Ledger problems"))]
        let links = nav.map { path, label -> Markup in
            path == current ? "<a href=\"\(path)\" class=\"here\">\(label)</a>" : "<a href=\"\(path)\">\(label)</a>"
        }
        var banners: [Markup] = []
        if !health.isHealthy { banners.append("<p class=\"alert\">\(w("异常：", "Unhealthy: "))\(health.reason)</p>") }
        return """
            <!DOCTYPE html>
            <html lang="\(w("zh-CN", "en"))"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · \(settings.programme)</title>
            <style>\(Markup(stringLiteral: Self.style))</style></head>
            <body><header><div class="org">\(settings.organization) · \(settings.programme)</div>
            <nav>\(links)</nav></header><main>
            \(banners)<h1>\(title)</h1>
            \(content)
            </main><footer>\(w("上次运行", "Last pass")) \(time(pass.finishedAt)) · \(w("下次运行", "next")) \(time(pass.nextWake)) · \(w("页面时间", "page time")) \(time(now)) · \(w("本页只读", "read-only"))</footer>
            </body></html>
            """
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:0;color:#222;line-height:1.5}
        header{background:#1f3b5a;color:#fff;padding:.5em 1em}header a{color:#fff;margin-right:1em;text-decoration:none}
        header a.here{border-bottom:2px solid #fff}.org{font-size:.9em;opacity:.85}main{padding:0 1em 2em}
        h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}.scroll{overflow-x:auto}
        table{border-collapse:collapse;min-width:100%}th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top;white-space:pre-wrap}
        th{background:#f3f5f7}.figures{display:flex;flex-wrap:wrap;gap:.6em}.figure{border:1px solid #ccd;border-radius:6px;padding:.4em .8em;min-width:7em}
        .figure b{display:block;font-size:1.5em}.red{color:#b00020}.yellow{color:#8a6d00}.blue{color:#1f5fb0}
        .alert{background:#fde8e8;border:1px solid #b00020;padding:.5em}.failed{background:#fde8e8}.pending{background:#fff8e1}
        form.filters{display:flex;flex-wrap:wrap;gap:.5em;align-items:end}form.filters label{display:flex;flex-direction:column;font-size:.9em}
        footer{font-size:.8em;color:#666;padding:1em;border-top:1px solid #ddd}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}
        dt{font-weight:bold}dd{margin:0;white-space:pre-wrap}
        """

    func table(_ headers: [String], _ rows: [Markup]) -> Markup {
        let head = headers.map { header -> Markup in "<th>\(header)</th>" }
        return "<div class=\"scroll\"><table><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table></div>"
    }

    func lightCell(_ light: Digest.Light) -> Markup {
        "<td class=\"\(light.rawValue)\">\(words.light(light))</td>"
    }

    // MARK: - 总览

    /// The digest figures as of now, the trend of the weekly completion rate, departments and what is urgent.
    func overview(_ digest: Digest, trend: [(week: String, rate: Double)], facts: DubanDatabase.ConsoleFacts, health: ConsoleHealth) -> Markup {
        let w = words
        let c = digest.counts
        func figure(_ label: String, _ value: String, _ css: String = "") -> Markup {
            "<div class=\"figure \(css)\">\(label)<b>\(value)</b></div>"
        }
        var figures: [Markup] = [
            figure(w("问题", "Problems"), "\(c.problems)"), figure(w("任务", "Tasks"), "\(c.tasks)"),
            figure(w("完成率", "Completion"), "\(c.completionRate)%"), figure(w("已完成", "Done"), "\(c.done)"),
            figure(w("逾期", "Overdue"), "\(c.overdue)", "red"), figure(w("红灯", "Red"), "\(digest.lights.red)", "red"),
            figure(w("黄灯", "Yellow"), "\(digest.lights.yellow)", "yellow"), figure(w("蓝灯", "Blue"), "\(digest.lights.blue)", "blue"),
            figure(w("待发送邮件", "Mail pending"), "\(facts.outbox.pending)"), figure(w("发送失败", "Mail failed"), "\(facts.outbox.failed)", facts.outbox.failed > 0 ? "red" : ""),
        ]
        if let change = c.completionRateChange { figures.insert(figure(w("较上周", "Since last digest"), "\(change >= 0 ? "+" : "")\(change)"), at: 3) }
        let statuses = TaskStatus.allCases.map { status -> Markup in
            let count = [TaskStatus.notStarted: c.notStarted, .inProgress: c.inProgress, .completed: c.completed,
                         .accepted: c.accepted, .closed: c.closed, .ongoing: c.ongoing][status] ?? 0
            return "<tr><td><a href=\"/tasks?\(Query.string([("status", status.rawValue)]))\">\(w.status(status))</a></td><td>\(count)</td></tr>"
        }
        let trendRows = trend.map { entry -> Markup in "<tr><td>\(entry.week)</td><td>\(entry.rate.description)%</td></tr>" }
        let departments = digest.departments.map { d -> Markup in
            "<tr><td><a href=\"/tasks?\(Query.string([("department", d.name)]))\">\(d.name.isEmpty ? w("（未填写）", "(not given)") : d.name)</a></td><td>\(d.tasks)</td><td>\(d.done)</td><td class=\"red\">\(d.overdue)</td><td>\(d.completionRate.description)%</td></tr>"
        }
        func taskRows(_ rows: [Digest.TaskRow]) -> Markup {
            if rows.isEmpty { return "<p>\(w("无", "None"))</p>" }
            return table([w("任务", "Task"), w("整改措施", "Measure"), w("责任部门", "Department"), w("责任人", "Officer"), w("时限", "Due"), ""],
                         rows.map { r in "<tr><td>\(taskLink(r.id))</td><td>\(r.measure)</td><td>\(r.department)</td><td>\(r.officer)</td><td>\(r.deadline)</td><td>\(w.days(r.daysLeft))</td></tr>" })
        }
        let content: Markup = """
            <div class="figures">\(figures)</div>
            <h2>\(w("按状态", "By status"))</h2>\(table([w("状态", "Status"), w("任务数", "Tasks")], statuses))
            <h2>\(w("完成率趋势（每周周报）", "Completion rate by week (weekly digests)"))</h2>\(trendRows.isEmpty ? "<p>\(w("还没有周报快照", "No digest snapshots yet"))</p>" : table([w("周", "Week"), w("完成率", "Completion")], trendRows))
            <h2>\(w("各部门", "Departments"))</h2>\(table([w("部门", "Department"), w("任务", "Tasks"), w("已完成", "Done"), w("逾期", "Overdue"), w("完成率", "Completion")], departments))
            <h2>\(w("逾期任务", "Overdue tasks"))</h2>\(taskRows(digest.overdue))
            <h2>\(w("7天内到期", "Due within 7 days"))</h2>\(taskRows(digest.dueIn7Days))
            <h2>\(w("待验收", "Awaiting acceptance"))</h2>\(taskRows(digest.acceptancePending))
            """
        return page(w("总览", "Overview"), current: "/", health: health, content)
    }

    // MARK: - 任务

    struct TaskFilter: Sendable {
        var department = ""
        var leader = ""
        var light = ""
        var status = ""
        var text = ""
        var sort = "id"
        var descending = false

        var pairs: [(String, String)] {
            [("department", department), ("leader", leader), ("light", light), ("status", status), ("q", text)]
        }

        func matches(_ row: Digest.TaskRow) -> Bool {
            if !department.isEmpty && row.department != department { return false }
            if !leader.isEmpty && row.leader != leader { return false }
            if !light.isEmpty && row.light.rawValue != light { return false }
            if !status.isEmpty && row.status.rawValue != status { return false }
            if !text.isEmpty {
                let haystack = [row.id, row.measure, row.problemDescription, row.department, row.officer, row.leader, row.deadline]
                if !haystack.contains(where: { $0.localizedCaseInsensitiveContains(text) }) { return false }
            }
            return true
        }

        static let sorts = ["id", "department", "officer", "leader", "due", "status", "light"]

        func sorted(_ rows: [Digest.TaskRow]) -> [Digest.TaskRow] {
            let lightOrder: [Digest.Light: Int] = [.red: 0, .yellow: 1, .none: 2, .blue: 3]
            let statusOrder = Dictionary(uniqueKeysWithValues: TaskStatus.allCases.enumerated().map { ($1, $0) })
            let ascending: (Digest.TaskRow, Digest.TaskRow) -> Bool = { a, b in
                let byID = TaskID(a.id) < TaskID(b.id)
                switch sort {
                case "department": return a.department == b.department ? byID : a.department < b.department
                case "officer": return a.officer == b.officer ? byID : a.officer < b.officer
                case "leader": return a.leader == b.leader ? byID : a.leader < b.leader
                case "due":
                    // Tasks without a due date sort last.
                    let x = a.dueDate?.dayNumber ?? Int.max, y = b.dueDate?.dayNumber ?? Int.max
                    return x == y ? byID : x < y
                case "status": return statusOrder[a.status]! == statusOrder[b.status]! ? byID : statusOrder[a.status]! < statusOrder[b.status]!
                case "light": return lightOrder[a.light]! == lightOrder[b.light]! ? byID : lightOrder[a.light]! < lightOrder[b.light]!
                default: return byID
                }
            }
            let result = rows.sorted(by: ascending)
            return descending ? result.reversed() : result
        }
    }

    func tasks(_ digest: Digest, filter: TaskFilter, health: ConsoleHealth) -> Markup {
        let w = words
        let rows = filter.sorted(digest.tasks.filter(filter.matches))
        func select(_ name: String, _ label: String, _ options: [(String, String)], _ chosen: String) -> Markup {
            let items = [("", w("全部", "all"))] + options
            let list = items.map { value, text -> Markup in
                value == chosen ? "<option value=\"\(value)\" selected>\(text)</option>" : "<option value=\"\(value)\">\(text)</option>"
            }
            return "<label>\(label)<select name=\"\(name)\">\(list)</select></label>"
        }
        let departments = Array(Set(digest.tasks.map(\.department))).sorted().map { ($0, $0) }
        let leaders = Array(Set(digest.tasks.map(\.leader))).filter { !$0.isEmpty }.sorted().map { ($0, $0) }
        let lights = [Digest.Light.red, .yellow, .blue, .none].map { ($0.rawValue, w.light($0)) }
        let statuses = TaskStatus.allCases.map { ($0.rawValue, w.status($0)) }
        let form: Markup = """
            <form class="filters" method="get" action="/tasks">
            \(select("department", w("责任部门", "Department"), departments, filter.department))
            \(select("leader", w("分管领导", "Leader"), leaders, filter.leader))
            \(select("light", w("灯", "Light"), lights, filter.light))
            \(select("status", w("状态", "Status"), statuses, filter.status))
            <label>\(w("文字", "Text"))<input type="search" name="q" value="\(filter.text)"></label>
            <input type="hidden" name="sort" value="\(filter.sort)">
            <button type="submit">\(w("筛选", "Filter"))</button> <a href="/tasks">\(w("清除", "Clear"))</a></form>
            """
        let columns: [(String?, String)] = [("id", w("编号", "Id")), (nil, w("整改措施", "Measure")), ("department", w("责任部门", "Department")),
                                            ("officer", w("责任人", "Officer")), ("leader", w("分管领导", "Leader")), ("due", w("整改时限", "Due")),
                                            (nil, w("剩余", "Left")), ("status", w("状态", "Status")), ("light", w("灯", "Light"))]
        let head = columns.map { key, label -> Markup in
            guard let key else { return "<th>\(label)</th>" }
            let descending = filter.sort == key && !filter.descending
            let arrow = filter.sort == key ? (filter.descending ? " ▼" : " ▲") : ""
            let query = Query.string(filter.pairs + [("sort", key), ("order", descending ? "desc" : "")])
            return "<th><a href=\"/tasks?\(query)\">\(label)\(arrow)</a></th>"
        }
        let body = rows.map { r -> Markup in
            """
            <tr><td>\(taskLink(r.id))</td><td>\(r.measure)</td><td>\(r.department)</td><td>\(r.officer)</td><td>\(r.leader)</td>\
            <td>\(r.deadline)</td><td>\(w.days(r.daysLeft))</td><td>\(w.status(r.status))</td>\(lightCell(r.light))</tr>
            """
        }
        let content: Markup = """
            \(form)<p>\(w("共", "")) \(rows.count) / \(digest.tasks.count) \(w("项", "tasks"))</p>
            <div class="scroll"><table><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table></div>
            """
        return page(w("任务", "Tasks"), current: "/tasks", health: health, content)
    }

    // MARK: - One task

    /// What Duban will do next for this task and when, asked of the planner
    /// with the task alone against the real log and the facts a pass
    /// recorded (`DubanDatabase.plannerFacts`: 延期 requests, the loop, as
    /// `preview` reads them): the messages due now (sent at the next pass)
    /// or at the planner's next instant.
    func nextSteps(_ task: RectificationTask, log: Set<NotificationIdentity>, facts: Planner.Facts) -> (at: Date, messages: [PlannedMessage])? {
        let alone = LedgerSnapshot(problems: [], tasks: [task])
        let planner = pass.planner
        let plan = planner.plan(alone, log: log, facts: facts, now: now)
        if !plan.messages.isEmpty { return (now, plan.messages) }
        guard let next = plan.next else { return nil }
        let later = planner.plan(alone, log: log, facts: facts, now: next)
        return (next, later.messages)
    }

    func task(_ task: RectificationTask, row: Digest.TaskRow?, problem: Problem?, history: [(taken: Date, label: String, deadline: String, status: String)],
              notices: [DubanDatabase.ConsoleNotice], log: Set<NotificationIdentity>, facts: Planner.Facts, health: ConsoleHealth) -> Markup {
        let w = words
        func field(_ label: String, _ value: String) -> Markup { "<dt>\(label)</dt><dd>\(value)</dd>" }
        let checkpoints = task.checkpoints.map { "\($0.date) \($0.label)" }.joined(separator: "\n")
        let fields: [Markup] = [
            field(w("任务编号", "Task id"), task.id.rawValue + (task.idIsExplicit ? "" : w("（按位置生成）", " (from its position)"))),
            field(w("问题", "Problem"), [task.problemNumber, problem?.category ?? "", problem?.description ?? ""].filter { !$0.isEmpty }.joined(separator: " ")),
            field(w("整改措施", "Measure"), task.measure),
            field(w("责任部门", "Department"), task.department),
            field(w("责任人", "Officer"), [task.officer?.name, task.officer?.email.map { "<\($0)>" }].compactMap { $0 }.joined(separator: " ")),
            field(w("分管领导", "Leader"), [task.leader?.name, task.leader?.email.map { "<\($0)>" }].compactMap { $0 }.joined(separator: " ")),
            field(w("整改时限", "Deadline"), task.deadlineText + (pass.planner.dueDate(task).map { " → \($0)" } ?? "")),
            field(w("中期检查点", "Checkpoints"), checkpoints),
            field(w("验收标准", "Acceptance criterion"), task.acceptanceCriterion),
            field(w("整改进展", "Progress"), task.progress),
            field(w("完成情况", "Status"), "\(task.statusText) (\(w.status(task.status)))"),
            field(w("完成日期", "Completed on"), task.completedOn?.description ?? ""),
            field(w("验收日期", "Accepted on"), task.acceptedOn?.description ?? ""),
            field(w("销号日期", "Closed on"), task.closedOn?.description ?? ""),
            field(w("佐证材料", "Evidence"), task.evidence),
            field(w("备注", "Remarks"), task.remarks),
            field(w("台账位置", "Ledger row"), task.source.description),
            field(w("灯", "Light"), row.map { w.light($0.light) + " " + w.days($0.daysLeft) } ?? ""),
        ]
        var next: Markup = "<p>\(w("没有已排定的通知：台账变化前不会再为此任务发送。", "Nothing scheduled: no more mail for this task unless the ledger changes."))</p>"
        if let steps = nextSteps(task, log: log, facts: facts) {
            let when = steps.at == now ? w("下次运行时（已到期）", "at the next pass (due now)") : time(steps.at)
            let items = steps.messages.map { message -> Markup in
                let rules = message.items.filter { $0.task.id == task.id }.map { w.rule($0.identity) }.joined(separator: "、")
                let to = message.to.map(\.name).joined(separator: "、"), cc = message.cc.map(\.name).joined(separator: "、")
                return "<li>\(rules) → \(to)\(cc.isEmpty ? "" : "（cc \(cc)）")</li>"
            }
            next = "<p>\(when)</p><ul>\(items)</ul>"
        }
        let historyRows = history.map { h -> Markup in "<tr><td>\(time(h.taken))</td><td>\(h.label)</td><td>\(h.deadline)</td><td>\(h.status)</td></tr>" }
        let noticeRows = notices.map { n -> Markup in
            let m = n.message
            let recipients = m.map { ($0.to + $0.cc.map { "cc " + $0 }).joined(separator: ", ") } ?? ""
            let delivery = m.map { w.state($0.state) + ($0.lastError.map { ": " + $0 } ?? "") } ?? (n.reason ?? "")
            return """
                <tr class="\(m?.state ?? n.state)"><td>\(time(n.sentAt ?? n.recordedAt))</td><td>\(w.rule(n.identity))</td><td>\(n.identity.about.description)</td>\
                <td>\(w.state(n.state))</td><td>\(recipients)</td><td>\(m?.subject ?? "")</td><td>\(delivery)</td><td>\(time(m?.sentAt))</td></tr>
                """
        }
        let content: Markup = """
            <dl>\(fields)</dl>
            <h2>\(w("下一步", "What Duban does next"))</h2>\(next)
            <h2>\(w("时限与状态的变化（快照）", "Deadline and status history (snapshots)"))</h2>\
            \(historyRows.isEmpty ? "<p>\(w("还没有快照", "No snapshots yet"))</p>" : table([w("快照时间", "Taken"), w("快照", "Snapshot"), w("整改时限", "Deadline"), w("状态", "Status")], historyRows))
            <h2>\(w("已发通知", "Notices"))</h2>\
            \(noticeRows.isEmpty ? "<p>\(w("还没有通知", "None yet"))</p>" : table([w("时间", "Time"), w("通知", "Notice"), w("关于", "About"), w("记录", "Log"), w("收件人", "Recipients"), w("主题", "Subject"), w("投递", "Delivery"), w("送达时间", "Sent at")], noticeRows))
            """
        return page("\(w("任务", "Task")) \(task.id.rawValue)", current: "", health: health, content)
    }

    func notFound(_ id: String, health: ConsoleHealth) -> Markup {
        page(words("没有这个任务", "No such task"), current: "", health: health,
             "<p>\(words("台账中没有任务", "The ledger has no task")) “\(id)”. <a href=\"/tasks\">\(words("全部任务", "All tasks"))</a></p>")
    }

    // MARK: - 发送记录

    func mail(_ messages: [DubanDatabase.ConsoleMessage], log: [DubanDatabase.ConsoleNotice], health: ConsoleHealth) -> Markup {
        let w = words
        let rows = messages.map { m -> Markup in
            let tasks = m.tasks.map { id -> Markup in "\(taskCell(id.rawValue, kind: NotificationKind(rawValue: m.kind))) " }
            let kind = w.kind(m.kind) + (m.level.map { " L\($0)" } ?? "")
            let recipients = (m.to + m.cc.map { "cc " + $0 }).joined(separator: ", ")
            let detail = m.state == "pending" && m.nextAttemptAt != nil ? "\(w("下次尝试", "next attempt")) \(time(m.nextAttemptAt))" : ""
            return """
                <tr class="\(m.state)"><td>\(w.state(m.state))</td><td>\(time(m.slot))</td><td>\(kind)</td><td>\(tasks)</td><td>\(recipients)</td>\
                <td>\(m.subject)</td><td>\(m.attempts)</td><td>\(m.lastError ?? "") \(detail)</td><td>\(time(m.sentAt))</td></tr>
                """
        }
        let logRows = log.map { n -> Markup in
            let task = taskCell(n.identity.task.rawValue, kind: n.identity.kind)
            return "<tr class=\"\(n.state)\"><td>\(time(n.recordedAt))</td><td>\(task)</td><td>\(w.rule(n.identity))</td><td>\(n.identity.about.description)</td><td>\(w.state(n.state))</td><td>\(n.reason ?? "")</td></tr>"
        }
        let content: Markup = """
            <h2>\(w("邮件（失败和待发送在前）", "Messages (failed and pending first)"))</h2>\
            \(table([w("状态", "State"), w("时段", "Slot"), w("类型", "Kind"), w("任务", "Tasks"), w("收件人", "Recipients"), w("主题", "Subject"), w("尝试", "Attempts"), w("错误", "Error"), w("送达时间", "Sent at")], rows))
            <h2>\(w("通知记录（最新在前）", "Notification log (newest first)"))</h2>\
            \(table([w("记录时间", "Recorded"), w("任务", "Task"), w("通知", "Notice"), w("关于", "About"), w("状态", "State"), w("原因", "Reason")], logRows))
            """
        return page(w("发送记录", "Mail"), current: "/mail", health: health, content)
    }

    // MARK: - 台账问题

    func problems(health: ConsoleHealth) -> Markup {
        let w = words
        let rows = pass.diagnostics.sorted { $0.severity > $1.severity }.map { d -> Markup in
            let column = d.location.columnLetter.map { "\($0) (\(d.location.column!))" } ?? ""
            let severity = d.severity == .error ? w("错误", "error") : w("警告", "warning")
            return "<tr class=\"\(d.severity == .error ? "failed" : "")\"><td>\(severity)</td><td>\(d.location.file)</td><td>\(d.location.row.map(String.init) ?? "")</td><td>\(column)</td><td>\(d.message)</td></tr>"
        }
        var content: Markup = ""
        if let error = pass.ledgerError {
            content = "<p class=\"alert\">\(w("台账无法读取，正在使用上次完好的副本：", "The ledger cannot be read; the last good copy is in use: "))\(error)</p>"
        }
        content = """
            \(content)<p>\(w("上次读取台账发现的问题（文件、行、列）。", "What the last read of the ledger found (file, row, column)."))</p>
            \(rows.isEmpty ? "<p>\(w("没有问题", "No problems"))</p>" : table([w("级别", "Severity"), w("文件", "File"), w("行", "Row"), w("列", "Column"), w("问题", "Problem")], rows))
            """
        return page(w("台账问题", "Ledger problems"), current: "/ledger", health: health, content)
    }
}

extension NotificationKind {
    /// Whether a notice of this kind is about one task of the ledger (its
    /// identity's task is a task id), rather than a list of tasks.
    var isAboutATask: Bool {
        switch self {
        case .reminder, .checkpoint, .escalation, .acceptance, .lookback, .closure, .rebound, .interview, .extension, .standing: return true
        case .personal, .digest: return false
        }
    }
}
