import DubanCore
import Foundation

/// The pages' language: Chinese unless the organisation's locale is `en`.
struct Words: Sendable {
    var english: Bool

    init(locale: String) {
        english = locale == "en"
    }

    func callAsFunction(_ chinese: String, _ englishText: String) -> String {
        english ? englishText : chinese
    }

    func status(_ status: TaskStatus) -> String {
        guard english else { return status.label }
        switch status {
        case .notStarted: return "not started"
        case .inProgress: return "in progress"
        case .completed: return "completed, awaiting acceptance"
        case .accepted: return "accepted"
        case .closed: return "closed"
        case .ongoing: return "ongoing"
        }
    }

    func light(_ light: Digest.Light) -> String {
        switch light {
        case .red: return self("红灯（逾期）", "red (overdue)")
        case .yellow: return self("黄灯（临期）", "yellow (due soon)")
        case .blue: return self("蓝灯（已完成）", "blue (done)")
        case .none: return self("无", "none")
        }
    }

    func kind(_ kind: String) -> String {
        guard !english, let known = NotificationKind(rawValue: kind) else { return kind }
        return known.label
    }

    func rule(_ identity: NotificationIdentity) -> String {
        guard !english else { return identity.rule }
        switch identity.kind {
        case .reminder, .checkpoint: return "\(kind(identity.kind.rawValue))（提前\(identity.step)天）"
        case .escalation:
            return identity.step == 1 ? "逾期督办 一级" : identity.step == 2 ? "逾期督办 二级" : "逾期督办 二级 第\(identity.step - 2)次重复"
        case .personal, .digest: return kind(identity.kind.rawValue)
        case .acceptance, .closure:
            return identity.step <= 1 ? kind(identity.kind.rawValue) : "\(kind(identity.kind.rawValue)) 第\(identity.step - 1)次重复"
        case .lookback: return identity.step <= 1 ? "回头看" : "回头看 催报"
        case .rebound, .interview: return kind(identity.kind.rawValue)
        case .extension: return identity.step == 1 ? "延期申请提示" : "延期申请提示 第\(identity.step - 1)次重复"
        case .standing: return identity.step == 1 ? "长期坚持执行提醒（\(identity.about)期）" : "长期坚持未执行督办（\(identity.about)期）"
        }
    }

    func state(_ state: String) -> String {
        guard !english else { return state }
        switch state {
        case "pending": return "待发送"
        case "sent": return "已发送"
        case "failed": return "发送失败"
        case "queued": return "已排队"
        case "skipped": return "未发送（跳过）"
        default: return state
        }
    }

    func days(_ left: Int?) -> String {
        guard let left else { return "" }
        if english { return left < 0 ? "\(-left) d overdue" : left == 0 ? "due today" : "\(left) d left" }
        return left < 0 ? "已逾期\(-left)天" : left == 0 ? "今天到期" : "还有\(left)天"
    }
}
