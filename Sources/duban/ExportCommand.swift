import ArgumentParser
import DubanCore
import DubanDaemon
import DubanMail
import DubanOffice
import DubanStore
import Foundation

/// `duban export`: the 督办记录 — every notice in the log and what became of it.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the notification log (督办记录) as CSV or .xlsx: every notice queued, sent, failed or skipped.",
        discussion: """
            One row per notice, oldest first: when it was recorded, kind, step, task, problem, \
            department, recipients, subject, delivery state and time, and the reason when it was \
            skipped or failed. Read-only: the state database is opened read-only, so it runs while \
            the daemon does. --from/--to are local dates, both included, on the time a notice was \
            recorded. CSV (the default, to standard output unless --out) is UTF-8 with a BOM; an \
            .xlsx needs --out. Exits 0, or 2 when the configuration or state database is unusable.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("First day to include (YYYY-MM-DD).", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("Last day to include (YYYY-MM-DD).", valueName: "date"))
    var to: String?

    @Option(help: ArgumentHelp("Only this task's notices (or a digest audience such as `digest`).", valueName: "id"))
    var task: String?

    @Option(help: "csv or xlsx; default: from the --out extension, else csv.")
    var format: ExportFormat?

    @Option(help: ArgumentHelp("The file to write; default: standard output (CSV only).", valueName: "file"))
    var out: String?

    enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
        case csv
        case xlsx
    }

    var chosenFormat: ExportFormat {
        format ?? (out.map { URL(fileURLWithPath: $0).pathExtension.lowercased() == "xlsx" } == true ? .xlsx : .csv)
    }

    func validate() throws {
        for (flag, value) in [("--from", from), ("--to", to)] {
            if let value, LocalDate(value) == nil { throw ValidationError("\(flag) \(value): expected a date such as 2026-07-01") }
        }
        if let from = from.flatMap(LocalDate.init), let to = to.flatMap(LocalDate.init), to < from {
            throw ValidationError("--to \(to) is before --from \(from)")
        }
        if chosenFormat == .xlsx && out == nil { throw ValidationError("--format xlsx needs --out FILE: a workbook is not written to a terminal") }
    }

    func run() async throws {
        let environment = try loadEnvironment(global)
        let clock = environment.clock
        // The SQLite file (read-only, beside a running daemon) or the PostgreSQL schema.
        let opened: (any StateStore)?
        do {
            opened = try await StateOpener.readOnly(environment.configuration.state)
        } catch {
            printErr("duban: \(error)")
            throw ExitStatus.configurationUnusable
        }
        guard let database = opened else {
            printErr("duban: no state database at \(environment.configuration.state.path.path) yet: Duban has not run, so nothing was sent")
            throw ExitStatus.configurationUnusable
        }
        let query = DubanDatabase.NoticeQuery(
            from: from.flatMap(LocalDate.init).map { clock.instant($0, .init(hour: 0, minute: 0)!) },
            until: to.flatMap(LocalDate.init).map { clock.instant($0.adding(days: 1), .init(hour: 0, minute: 0)!) },
            task: task)
        var notices = try await withState { try await database.notices(query) }
        // A skipped notice has no message to say what its task was about:
        // take problem and department from the ledger as it is now.
        if notices.contains(where: { $0.problem == nil && $0.kind != NotificationKind.digest.rawValue }) {
            let tasks = Dictionary(environment.loadLedger().tasks.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
            for index in notices.indices where notices[index].problem == nil {
                if let task = tasks[notices[index].taskID] {
                    notices[index].problem = task.problemNumber
                    notices[index].department = task.department
                }
            }
        }
        let english = environment.configuration.organization.locale == .en
        let table = NoticeTable(english: english, clock: clock)
        let destination = out.map { URL(fileURLWithPath: $0) }
        do {
            switch chosenFormat {
            case .csv:
                let bytes = table.csv(notices)
                if let destination {
                    try Data(bytes).write(to: destination)
                } else {
                    FileHandle.standardOutput.write(Data(bytes))
                }
            case .xlsx:
                try table.xlsx(notices, to: destination!)
            }
        } catch let error as OfficeError {
            printErr("duban: \(error)")
            throw ExitCode.failure
        } catch let error as CocoaError {
            printErr("duban: cannot write \(out ?? "-"): \(error.localizedDescription)")
            throw ExitCode.failure
        }
        if let out { printErr("wrote \(notices.count) notice(s) to \(out)") }
    }
}

/// The export's columns and words, shared by the CSV and the workbook.
struct NoticeTable {
    var english: Bool
    var clock: LocalClock

    var columns: [XLSXWriter.Column] {
        let names = english
            ? ["recorded", "kind", "step", "task", "problem", "department", "to", "cc", "subject", "state", "delivered", "attempts", "note"]
            : ["记录时间", "类型", "步骤", "任务编号", "问题序号", "责任部门", "收件人", "抄送", "主题", "状态", "发送时间", "尝试次数", "说明"]
        let widths: [Double] = [20, 10, 14, 12, 9, 16, 30, 30, 50, 12, 20, 8, 40]
        return zip(names, widths).map { XLSXWriter.Column($0, width: $1) }
    }

    func csv(_ notices: [DubanDatabase.LoggedNotice]) -> [UInt8] {
        var lines = [columns.map { DigestCSV.quote($0.heading) }.joined(separator: ",")]
        for notice in notices {
            let fields = [clock.iso(notice.recordedAt), kind(notice), step(notice), notice.taskID, notice.problem ?? "", notice.department ?? "",
                          notice.to.joined(separator: "; "), notice.cc.joined(separator: "; "), notice.subject ?? "", state(notice),
                          notice.deliveredAt.map(clock.iso) ?? "", notice.attempts.map(String.init) ?? "", note(notice)]
            lines.append(fields.map(DigestCSV.quote).joined(separator: ","))
        }
        // UTF-8 with a BOM and CRLF, as the digest's CSV: Excel then shows the Chinese.
        return [0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    func xlsx(_ notices: [DubanDatabase.LoggedNotice], to url: URL) throws(OfficeError) {
        let writer = try XLSXWriter(creating: url, sheet: english ? "notices" : "督办记录", columns: columns)
        for notice in notices {
            try writer.append([
                dateTime(notice.recordedAt), .text(kind(notice)), .optionalText(step(notice)), .text(notice.taskID),
                .optionalText(notice.problem), .optionalText(notice.department), .optionalText(notice.to.joined(separator: "; ")),
                .optionalText(notice.cc.joined(separator: "; ")), .optionalText(notice.subject), .text(state(notice)),
                notice.deliveredAt.map(dateTime) ?? .empty, notice.attempts.map { .number(Double($0)) } ?? .empty, .optionalText(note(notice)),
            ])
        }
        try writer.finish()
    }

    func dateTime(_ instant: Date) -> XLSXCell {
        let time = clock.timeOfDay(of: instant)
        let day = clock.date(of: instant)
        let seconds = Int(instant.timeIntervalSince(clock.instant(day, time)).rounded(.down))
        return .dateTime(day, secondsIntoDay: time.hour * 3600 + time.minute * 60 + min(max(seconds, 0), 59))
    }

    func kind(_ notice: DubanDatabase.LoggedNotice) -> String {
        guard !english, let kind = NotificationKind(rawValue: notice.kind) else { return notice.kind }
        return kind.label
    }

    func step(_ notice: DubanDatabase.LoggedNotice) -> String {
        guard let identity = notice.identity else { return String(notice.step) }
        if english { return identity.kind == .digest ? "" : identity.rule }
        switch identity.kind {
        case .reminder, .checkpoint: return "提前\(identity.step)天（\(identity.about)）"
        case .escalation:
            return identity.step == 1 ? "一级督办" : identity.step == 2 ? "二级督办" : "二级督办再督办\(identity.step - 2)次"
        case .personal: return ""
        case .acceptance, .closure: return identity.step <= 1 ? "" : "第\(identity.step - 1)次重复"
        case .lookback: return identity.step <= 1 ? "" : "催报"
        case .rebound, .interview: return ""
        case .extension: return identity.step == 1 ? "首次提示" : "第\(identity.step - 1)次重复提示"
        case .standing: return identity.step == 1 ? "执行提醒（\(identity.about)期）" : "未执行督办（\(identity.about)期）"
        case .digest: return ""
        }
    }

    func state(_ notice: DubanDatabase.LoggedNotice) -> String {
        if notice.state == "skipped" { return english ? "skipped" : "未发送" }
        switch notice.delivery ?? notice.state {
        case "sent": return english ? "sent" : "已发送"
        case "failed": return english ? "failed" : "发送失败"
        default: return english ? "pending" : "待发送"
        }
    }

    func note(_ notice: DubanDatabase.LoggedNotice) -> String {
        if let raw = notice.reason {
            guard let reason = SkipReason(rawValue: raw) else { return raw }
            if english { return reason.explanation }
            switch reason {
            case .deadlinePassed: return "提醒到期时所提醒的日期已过，不再补发（逾期由督办跟进）"
            case .supersededByLaterReminder: return "同一时限有更近的提醒同时到期"
            case .supersededByHigherEscalation: return "更高一级督办同时到期"
            case .supersededByLaterDigest: return "停机后只补发最近一周的周报"
            case .supersededByLaterNotice: return "同一延期申请有更近的提示同时到期"
            case .periodEnded: return "该期已结束，改由督办分管领导跟进"
            case .supersededByLaterStep: return "同一通知的后续重复提醒同时到期，只发最新一次"
            case .supersededByInterview: return "督办已到最后一级，拟约谈通知同时到期"
            }
        }
        return notice.lastError ?? ""
    }
}
