public import DubanCore
import DubanOffice
public import Foundation

/// Every task of a digest as an .xlsx workbook (the digest's attachment):
/// every ledger column under its canonical heading, so the sheet reads back
/// as a ledger, then Duban's own columns (light, days left, highest
/// escalation, notices sent, last notice, look-back). Written by
/// `XLSXWriter`: shared strings, dates as dates, a bold header row frozen in
/// place, every part deflated — 100k tasks make a few MB, not a 32 MB CSV.
public enum DigestWorkbook {
    public static let contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// The headings, in order. Ledger columns use `LedgerField`'s canonical
    /// heading so Duban's own reader maps them without configuration.
    static func columns(english: Bool) -> [XLSXWriter.Column] {
        let ledger: [(LedgerField, String, Double)] = [
            (.problemNumber, "problem", 8), (.problemDescription, "problem description", 30), (.taskID, "task", 10),
            (.measure, "measure", 40), (.department, "department", 14), (.officer, "officer", 10), (.leader, "leader", 10),
            (.deadline, "deadline", 12), (.checkpoints, "checkpoints", 24), (.acceptance, "acceptance criterion", 24),
            (.progress, "progress", 40), (.status, "status", 12), (.completedOn, "completed", 12), (.acceptedOn, "accepted", 12),
            (.closedOn, "closed", 12), (.evidence, "evidence", 24), (.remarks, "remarks", 16),
        ]
        let duban: [(String, String, Double)] = [
            ("灯", "light", 6), ("剩余天数", "days left", 10), ("最高督办", "highest escalation", 18),
            ("已发通知", "notices sent", 10), ("最近通知", "last notice", 12), ("回头看日期", "look-back", 12),
        ]
        return ledger.map { .init(english ? $0.1 : $0.0.heading, width: $0.2) } + duban.map { .init(english ? $0.1 : $0.0, width: $0.2) }
    }

    /// One row per task, in ledger order.
    static func cells(_ row: Digest.TaskRow, english: Bool) -> [XLSXCell] {
        let light: String
        switch row.light {
        case .red: light = english ? "red" : "红"
        case .yellow: light = english ? "yellow" : "黄"
        case .blue: light = english ? "blue" : "蓝"
        case .none: light = ""
        }
        return [
            .optionalText(row.problem), .optionalText(row.problemDescription), .optionalText(row.id), .optionalText(row.measure),
            .optionalText(row.department), .optionalText(row.officer), .optionalText(row.leader),
            // A plain date is a date; anything else stays as written: 立行立改 or
            // "X前，并长期坚持" as a bare date would read back as another kind.
            row.deadlineKind == .dated ? row.dueDate.map(XLSXCell.date) ?? .optionalText(row.deadlineText) : .optionalText(row.deadlineText),
            .optionalText(row.checkpoints), .optionalText(row.acceptanceCriterion), .optionalText(row.progress),
            .text(english ? row.status.rawValue : row.status.label),
            .optionalDate(row.completedOn), .optionalDate(row.acceptedOn), .optionalDate(row.closedOn),
            .optionalText(row.evidence), .optionalText(row.remarks),
            .optionalText(light), row.daysLeft.map { .number(Double($0)) } ?? .empty,
            .optionalText(row.highestEscalationStep.map { Composer.escalationWords(step: $0, sent: row.escalationsSent, english: english) }),
            .number(Double(row.noticesSent)), .optionalDate(row.lastNotice), .optionalDate(row.lookBackOn),
        ]
    }

    /// Writes the workbook to `url`.
    public static func write(_ digest: Digest, english: Bool, to url: URL) throws {
        let writer = try XLSXWriter(creating: url, sheet: english ? "Tasks" : "整改任务", columns: columns(english: english))
        for row in digest.tasks { try writer.append(cells(row, english: english)) }
        try writer.finish()
    }

    /// The workbook's bytes. The writer streams to a file (a large ledger's
    /// sheet is never in memory whole); a private temporary one here.
    public static func bytes(_ digest: Digest, english: Bool) throws -> [UInt8] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("duban-digest-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        try write(digest, english: english, to: url)
        return [UInt8](try Data(contentsOf: url))
    }
}
