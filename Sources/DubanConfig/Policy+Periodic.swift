import DubanCore
import DubanTOML
import TOMLKit

extension Policy {
    /// `[extension]` and `[standing]`. The defaults are `ExtensionPolicy()`'s
    /// and `StandingPolicy()`'s (DubanCore/Planner/Planner+Extension.swift,
    /// Planner+Standing.swift).
    mutating func readPeriodic(from root: TOMLTable, _ checker: inout TOMLChecker) {
        if let table = checker.table(root, "extension", in: "") {
            if let n = checker.int(table, "max_pending_days", in: "extension", range: 1...250) { extensions.maxPendingDays = n }
            if let n = checker.int(table, "notice_every", in: "extension", range: 1...60) { extensions.noticeEvery = n }
            checker.allow(table, in: "extension", keys: ["max_pending_days", "notice_every"])
        }
        if let table = checker.table(root, "standing", in: "") {
            if let n = checker.int(table, "lead_days", in: "standing", range: 0...180) { standing.leadDays = n }
            checker.allow(table, in: "standing", keys: ["lead_days"])
        }
    }
}
