import DubanCore

extension Composer {
    /// Template values of an `extension` or `standing` item (README,
    /// "Templates"): for extensions `requested_on`, `requested_until`,
    /// `reason`, `days_pending`; for standing measures `cadence`,
    /// `period_end`, `last_executed_on`.
    func periodicValues(_ item: PlannedItem, today: LocalDate, into entry: inout [String: Any]) {
        let task = item.task
        switch item.identity.kind {
        case .extension:
            let request = task.deadlineExtension
            entry["requested_on"] = item.identity.about.description
            entry["requested_until"] = request?.newDeadline?.description ?? ""
            entry["reason"] = request.map(\.reason).flatMap { $0.isEmpty ? nil : $0 } ?? (english ? "(no reason given)" : "（未填写原因）")
            entry["days_pending"] = max(item.identity.about.days(until: today), 0)
        case .standing:
            entry["cadence"] = task.cadence.map { english ? $0.rawValue.replacingOccurrences(of: "_", with: "-") : $0.label } ?? ""
            entry["period_end"] = item.identity.about.description
            entry["last_executed_on"] = task.lastExecutedOn?.description ?? (english ? "(never recorded)" : "（未记录）")
        default:
            break
        }
    }
}
