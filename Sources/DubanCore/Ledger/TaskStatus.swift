/// Where a task stands in the loop 反馈 → 整改 → 验收 → 销号.
public enum TaskStatus: String, CaseIterable, Hashable, Sendable, Codable {
    /// 未整改: nothing reported yet.
    case notStarted = "not_started"
    /// 整改中: work under way.
    case inProgress = "in_progress"
    /// 已完成: the department says it is done; awaiting acceptance (验收).
    case completed
    /// 已验收: acceptance passed; awaiting closing (销号).
    case accepted
    /// 已销号: struck off the list.
    case closed
    /// 长期坚持: kept up indefinitely; never "done".
    case ongoing

    /// The word shown to users.
    public var label: String {
        switch self {
        case .notStarted: return "未整改"
        case .inProgress: return "整改中"
        case .completed: return "已完成待验收"
        case .accepted: return "已验收"
        case .closed: return "已销号"
        case .ongoing: return "长期坚持"
        }
    }

    /// True once the responsible department has delivered: reminders and
    /// escalations stop here.
    public var isDone: Bool {
        switch self {
        case .completed, .accepted, .closed: return true
        case .notStarted, .inProgress, .ongoing: return false
        }
    }
}
