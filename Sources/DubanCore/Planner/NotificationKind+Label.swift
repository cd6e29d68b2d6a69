extension NotificationKind {
    /// The kind's name as users read it (the console, `export`): the words
    /// of the mail subjects (【验收提醒】, 【销号提醒】), so one notice has
    /// one name wherever it appears.
    public var label: String {
        switch self {
        case .reminder: return "到期提醒"
        case .checkpoint: return "节点提醒"
        case .escalation: return "逾期督办"
        case .acceptance: return "验收提醒"
        case .lookback: return "回头看"
        case .personal: return "个人清单"
        case .extension: return "延期申请提示"
        case .standing: return "长期坚持"
        case .closure: return "销号提醒"
        case .rebound: return "反弹通报"
        case .interview: return "拟约谈"
        case .digest: return "周报"
        }
    }
}
