/// A column Duban understands, with the headings offices use for it.
///
/// The raw values are the keys of `[ledger.columns]` in duban.toml, where an
/// ops team maps any other heading to a field.
public enum LedgerField: String, CaseIterable, Sendable, Codable, CodingKeyRepresentable {
    case problemNumber = "problem_number"
    case problemCategory = "problem_category"
    case problemDescription = "problem_description"
    case taskID = "task_id"
    case measure
    case department
    case officer
    case officerEmail = "officer_email"
    case leader
    case leaderEmail = "leader_email"
    case deadline
    case checkpoints
    case acceptance
    case progress
    case status
    case completedOn = "completed_on"
    case acceptedOn = "accepted_on"
    case closedOn = "closed_on"
    case evidence
    case remarks
    case extendedTo = "extended_to"
    case extensionApprover = "extension_approver"
    case extensionReason = "extension_reason"
    case frequency
    case lastExecutedOn = "last_executed_on"
    case lookBackOn = "lookback_on"
    case lookBackResult = "lookback_result"

    /// Headings recognised without configuration; the first is the canonical
    /// one shown in messages.
    public var aliases: [String] {
        switch self {
        case .problemNumber: return ["序号", "编号", "问题编号", "问题序号"]
        case .problemCategory: return ["问题类别", "问题类型", "问题分类", "类别"]
        case .problemDescription: return ["问题描述", "反馈问题", "具体问题", "存在问题", "问题表现", "巡察反馈问题"]
        case .taskID: return ["任务编号", "措施编号", "任务序号"]
        case .measure: return ["整改措施", "整改任务", "具体整改措施", "整改举措"]
        case .department: return ["责任部门", "责任单位", "牵头部门", "牵头单位"]
        case .officer: return ["责任人", "具体责任人", "经办人"]
        case .officerEmail: return ["责任人邮箱", "责任人电子邮箱"]
        case .leader: return ["分管领导", "责任领导", "牵头领导"]
        case .leaderEmail: return ["分管领导邮箱", "责任领导邮箱"]
        case .deadline: return ["整改时限", "完成时限", "整改期限", "完成时间", "整改时间"]
        case .checkpoints: return ["中期检查点", "阶段节点", "节点安排", "阶段性目标"]
        case .acceptance: return ["验收标准", "整改目标"]
        case .progress: return ["整改进展", "进展情况", "整改落实情况"]
        case .status: return ["完成情况", "整改状态", "状态", "整改情况"]
        case .completedOn: return ["完成日期", "实际完成时间", "实际完成日期"]
        case .acceptedOn: return ["验收日期", "验收时间"]
        case .closedOn: return ["销号日期", "销号情况", "销号时间"]
        case .evidence: return ["佐证材料", "佐证资料"]
        case .remarks: return ["备注"]
        case .extendedTo: return ["延期至", "延期时限", "延期后时限", "延期完成时限", "申请延期至"]
        case .extensionApprover: return ["延期批准人", "延期审批人", "批准延期人"]
        case .extensionReason: return ["延期原因", "延期理由", "申请延期原因", "延期说明"]
        case .frequency: return ["执行频次", "执行频率", "检查频次", "频次"]
        case .lastExecutedOn: return ["最近执行日期", "最近执行时间", "最近一次执行日期", "上次执行日期"]
        case .lookBackOn: return ["回头看日期", "回头看时间"]
        case .lookBackResult: return ["回头看结果", "回头看情况", "回头看成效"]
        }
    }

    /// Fields that belong to the problem, not the task: merged over all of a
    /// problem's rows in a workbook, and carried down in CSV where a
    /// continuation row leaves them blank.
    public var isProblemLevel: Bool {
        switch self {
        case .problemNumber, .problemCategory, .problemDescription, .leader, .leaderEmail: return true
        default: return false
        }
    }

    public var heading: String { aliases[0] }
}
