public import DubanCore

/// Normalises the words offices write in 完成情况 / 整改状态.
public enum StatusParser {
    public enum Parsed: Equatable, Sendable {
        case known(TaskStatus)
        /// 申请延期 / 延期申请中: open, and its officer asked for more time
        /// (counted as in progress; see `DeadlineExtension`).
        case extensionRequested
        /// Not a word Duban knows; counted as in progress and warned about.
        case unknown
        case empty
    }

    /// Exact words first; then, for free text such as "已完成，待验收", the
    /// first matching keyword in an order where negations win ("未完成" is not
    /// "完成").
    public static func parse(_ raw: String) -> Parsed {
        let text = raw.foldingFullWidth().filter { !$0.isWhitespace && !"。.！!".contains($0) }
        if text.isEmpty { return .empty }
        if let status = exact[text] { return .known(status) }
        if isExtensionRequest(text) { return .extensionRequested }
        for (keyword, status) in keywords where text.contains(keyword) { return .known(status) }
        return .unknown
    }

    /// 申请延期 and 延期申请 anywhere in the cell ("整改中，已申请延期至9月底"),
    /// unless the words around them say it was not, or no longer is, a
    /// request: 未申请延期, 不申请延期, 撤回延期申请, 延期申请已驳回. A bare 延期 or
    /// 已延期 says nothing of who approved what, and stays an unknown word.
    static func isExtensionRequest(_ text: String) -> Bool {
        guard text.contains("申请延期") || text.contains("延期申请") else { return false }
        return !["未申请", "不申请", "无需延期", "撤回", "撤销", "驳回", "不同意", "不予", "未批准", "未获批"].contains { text.contains($0) }
    }

    static let exact: [String: TaskStatus] = {
        var map: [String: TaskStatus] = [:]
        for word in ["未整改", "未完成", "未开始", "尚未整改", "未启动"] { map[word] = .notStarted }
        for word in ["正在整改", "整改中", "部分整改", "基本完成", "推进中", "进行中", "持续推进", "已启动", "未完成整改", "未销号"] { map[word] = .inProgress }
        for word in ["已完成", "已整改", "整改完成", "完成", "待验收", "已完成待验收", "已整改到位", "已办结"] { map[word] = .completed }
        for word in ["已验收", "验收通过", "通过验收", "已通过验收", "待销号"] { map[word] = .accepted }
        for word in ["已销号", "办结销号", "销号", "已办结销号"] { map[word] = .closed }
        for word in ["长期坚持", "持续整改", "长期整改", "常态化推进"] { map[word] = .ongoing }
        for status in TaskStatus.allCases { map[status.rawValue] = status }
        return map
    }()

    static let keywords: [(String, TaskStatus)] = [
        ("未销号", .inProgress), ("未验收", .completed), ("未完成", .inProgress), ("未整改", .notStarted),
        ("已销号", .closed), ("销号", .closed),
        ("验收通过", .accepted), ("已验收", .accepted), ("通过验收", .accepted),
        ("待验收", .completed), ("已完成", .completed), ("已整改", .completed), ("整改完成", .completed),
        ("长期坚持", .ongoing), ("持续整改", .ongoing),
        ("整改中", .inProgress), ("正在", .inProgress), ("部分", .inProgress), ("基本完成", .inProgress), ("推进", .inProgress),
    ]
}
