import DubanCore

extension Composer {
    /// Template values of the digest's 延期 and 长期坚持 sections (README,
    /// "Weekly digest"). Unapproved deadline changes are among `anomalies`.
    func periodicValues(_ digest: Digest) -> [String: Any] {
        func extensionRow(_ row: Digest.ExtensionRow) -> [String: Any] {
            [
                "task": row.task, "measure": row.measure, "department": row.department, "officer": row.officer,
                "original": row.originalDeadline, "new_deadline": row.newDeadline?.description ?? "",
                "approver": row.approver, "reason": row.reason,
                "requested_on": row.requestedOn?.description ?? "", "pause_ends_on": row.pauseEndsOn?.description ?? "",
                "resumed": row.escalationResumed,
            ]
        }
        let behind = digest.standingMeasures.filter { $0.state == .behind }
        let onSchedule = digest.standingMeasures.filter { $0.state == .onSchedule }
        let noCadence = digest.standingMeasures.filter { $0.state == .noCadence }
        func standingRow(_ row: Digest.StandingRow) -> [String: Any] {
            [
                "task": row.task, "measure": row.measure, "department": row.department, "officer": row.officer, "leader": row.leader,
                "cadence": row.cadence.map { english ? $0.rawValue.replacingOccurrences(of: "_", with: "-") : $0.label } ?? "",
                "period_end": row.periodEnd?.description ?? "",
                "last_executed_on": row.lastExecutedOn?.description ?? (english ? "never" : "未记录"),
            ]
        }
        return [
            "pending_extensions": digest.pendingExtensions.map(extensionRow),
            "approved_extensions": digest.approvedExtensions.map(extensionRow),
            "has_extensions": !digest.pendingExtensions.isEmpty || !digest.approvedExtensions.isEmpty,
            "standing_behind": behind.map(standingRow),
            "standing_on_schedule": onSchedule.map(standingRow),
            "standing_no_cadence": noCadence.map(standingRow),
            "has_standing": !digest.standingMeasures.isEmpty,
            "standing_behind_count": behind.count, "standing_on_schedule_count": onSchedule.count,
        ]
    }
}
