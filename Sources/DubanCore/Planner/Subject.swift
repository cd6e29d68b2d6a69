/// The subject line of a planned message, in the organisation's language.
/// Mail templates (config/templates) may say more in the body; the subject
/// is fixed here so that `preview`, `simulate` and the outbox agree.
public enum Subject {
    public static func line(for message: PlannedMessage, locale: String, organization: String) -> String {
        let n = message.items.count
        let dates = message.items.map(\.identity.about)
        let earliest = dates.min().map(\.description) ?? ""
        let english = locale == "en"
        switch message.kind {
        case .reminder:
            return english
                ? "[\(organization)] Reminder: \(n) rectification task(s) due \(earliest)"
                : "【整改提醒】\(n)项整改任务将于\(earliest)到期"
        case .checkpoint:
            return english
                ? "[\(organization)] Checkpoint reminder: \(n) task(s), checkpoint \(earliest)"
                : "【节点提醒】\(n)项整改任务的中期检查点（\(earliest)）将至"
        case .escalation:
            if message.level == 1 {
                return english
                    ? "[\(organization)] Overdue: \(n) rectification task(s) past their deadline"
                    : "【督办】\(n)项整改任务已逾期，请督促落实"
            }
            return english
                ? "[\(organization)] Escalation: \(n) rectification task(s) still overdue"
                : "【督办·升级】\(n)项整改任务逾期仍未完成"
        case .acceptance:
            return english
                ? "[\(organization)] Acceptance pending: \(n) completed task(s) await acceptance"
                : "【验收提醒】\(n)项已完成整改任务待验收"
        case .lookback:
            return english
                ? "[\(organization)] Look-back due: \(n) closed task(s)"
                : "【回头看】\(n)项已销号整改任务到期回头看"
        case .digest:
            return english ? "[\(organization)] Weekly rectification digest" : "【整改周报】\(organization)整改工作进展"
        }
    }
}
