public import DubanCore
import Foundation

/// Words a `StageReport` into a document: the draft 整改情况报告 the office
/// then edits. Four sections, numbered the way such reports are
/// (一、总体情况 …, problems as （一）（二）…).
public enum StageReportDocument {
    public static func make(_ report: StageReport, organization: String, programme: String) -> ReportDocument {
        let f = report.figures
        let today = chineseDate(report.today)
        var blocks: [ReportDocument.Block] = []

        blocks.append(.heading(level: 1, "一、总体情况"))
        blocks.append(.text("截至\(today)，\(organization)\(programme)共涉及反馈问题\(f.problems)个，细化整改措施\(f.tasks)项。"
            + "已完成整改\(f.done)项（其中已完成待验收\(f.completed)项、已验收\(f.accepted)项、已销号\(f.closed)项），"
            + "整改完成率\(percent(f.completionRate))；长期坚持\(f.ongoing)项；正在推进\(f.open)项，其中逾期未完成\(f.overdue)项。"
            + "已整改到位的问题\(f.problems > 0 ? "\(f.problemsRectified)个，占\(percent(rate(f.problemsRectified, f.problems)))" : "0个")。"))
        blocks.append(.table(header: ["反馈问题", "已整改到位", "整改措施", "已完成", "长期坚持", "正在推进", "逾期", "完成率"],
                             rows: [["\(f.problems)", "\(f.problemsRectified)", "\(f.tasks)", "\(f.done)", "\(f.ongoing)", "\(f.open)",
                                     "\(f.overdue)", percent(f.completionRate)]]))

        blocks.append(.heading(level: 1, "二、问题整改情况"))
        if report.problems.isEmpty { blocks.append(.text("台账中没有问题。")) }
        for (index, problem) in report.problems.enumerated() {
            var heading = "（\(chineseNumber(index + 1))）问题\(problem.number)"
            if !problem.description.isEmpty { heading += "：\(problem.description)" }
            blocks.append(.heading(level: 2, heading))
            let state = problem.rectified ? "已整改到位" : (problem.items.allSatisfy { $0.status == .ongoing } && !problem.items.isEmpty ? "长期坚持" : "正在整改")
            var summary = "整改状态：\(state)；共\(problem.items.count)项措施，已完成\(problem.items.count(where: \.status.isDone))项"
            if !problem.category.isEmpty { summary = "问题类别：\(problem.category)；" + summary }
            blocks.append(.text(summary + "。"))
            for (n, item) in problem.items.enumerated() {
                blocks.append(.paragraph([.init("\(n + 1). 整改措施：", bold: true), .init(item.measure.isEmpty ? "（未填写）" : item.measure)]))
                blocks.append(.labelled("责任部门：", "\(orBlank(item.department))；整改时限：\(orBlank(item.deadline))；整改状态：\(statusWords(item))"))
                blocks.append(.labelled("整改进展：", item.progress.isEmpty ? "（未报送）" : item.progress))
                if !item.evidence.isEmpty { blocks.append(.labelled("佐证材料：", item.evidence)) }
                blocks.append(.labelled("整改成效：", results(item)))
            }
        }

        blocks.append(.heading(level: 1, "三、长效机制建设"))
        if report.standing.isEmpty {
            blocks.append(.text("台账中暂无需长期坚持的措施。"))
        } else {
            blocks.append(.text("对需要长期坚持的\(report.standing.count)项措施，建立常态化落实机制："))
            blocks.append(.table(header: ["问题", "措施", "责任部门", "时限", "进展"],
                                 rows: report.standing.map { [$0.problem, $0.measure, $0.department, $0.deadline, $0.progress] }))
        }

        blocks.append(.heading(level: 1, "四、下一步打算"))
        if report.nextSteps.isEmpty {
            blocks.append(.text("台账中的整改措施均已完成，下一步将巩固整改成果，做好验收销号和\u{201C}回头看\u{201D}。"))
        } else {
            let overdue = report.nextSteps.count(where: { $0.daysOverdue != nil })
            blocks.append(.text("尚有\(report.nextSteps.count)项措施正在推进" + (overdue > 0 ? "，其中\(overdue)项已逾期，将督促加快办理" : "")
                                + "。按时限先后列出如下："))
            blocks.append(.table(header: ["问题", "措施", "责任部门", "责任人", "时限", "状态"],
                                 rows: report.nextSteps.map { [$0.problem, $0.measure, $0.department, $0.officer, $0.deadline, statusWords($0)] }))
        }
        // 2026年巡察反馈问题整改 → …整改情况报告, not …整改整改情况报告.
        let title = programme.hasSuffix("整改") ? "\(programme)情况报告" : "\(programme)整改情况报告"
        return ReportDocument(title: title, blocks: blocks)
    }

    static func statusWords(_ item: StageReport.Item) -> String {
        item.daysOverdue.map { "\(item.status.label)（逾期\($0)天）" } ?? item.status.label
    }

    /// 整改成效: what has been achieved, with the dates the ledger gives.
    static func results(_ item: StageReport.Item) -> String {
        var parts: [String] = []
        if let date = item.completedOn { parts.append("\(date)完成") }
        if let date = item.acceptedOn { parts.append("\(date)通过验收") }
        if let date = item.closedOn { parts.append("\(date)销号") }
        if !parts.isEmpty { return parts.joined(separator: "，") + "。" }
        switch item.status {
        case .completed, .accepted, .closed: return "已\(item.status.label)（台账未填写日期）。"
        case .ongoing: return "长期坚持，持续推进。"
        case .notStarted, .inProgress: return item.acceptanceCriterion.isEmpty ? "尚未完成。" : "尚未完成；验收标准：\(item.acceptanceCriterion)。"
        }
    }

    static func orBlank(_ text: String) -> String { text.isEmpty ? "（未填写）" : text }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value) }

    static func rate(_ part: Int, _ whole: Int) -> Double {
        whole > 0 ? (Double(part) / Double(whole) * 1000).rounded() / 10 : 0
    }

    static func chineseDate(_ date: LocalDate) -> String { "\(date.year)年\(date.month)月\(date.day)日" }

    /// 一 … 九十九, for （一）（二）… numbering; larger numbers in digits.
    static func chineseNumber(_ n: Int) -> String {
        let digits = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
        switch n {
        case 1...9: return digits[n]
        case 10...19: return "十" + (n % 10 == 0 ? "" : digits[n % 10])
        case 20...99: return digits[n / 10] + "十" + (n % 10 == 0 ? "" : digits[n % 10])
        default: return String(n)
        }
    }
}
