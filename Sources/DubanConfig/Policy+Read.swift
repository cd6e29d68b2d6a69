import DubanCore
public import Foundation
import DubanTOML
import TOMLKit

extension Policy {
    /// `[schedule]`, `[reminders]`, `[escalation]`, `[acceptance]` and
    /// `[lookback]`. The defaults are `Policy()`'s (DubanCore/Planner/Policy.swift).
    /// Also returns `[schedule] calendars`, when set.
    static func read(from root: TOMLTable, _ checker: inout TOMLChecker) -> (Policy, calendars: URL?) {
        var policy = Policy()
        var calendars: URL?
        if let schedule = checker.table(root, "schedule", in: "") {
            if let time = checker.time(schedule, "send_time", in: "schedule") { policy.sendTime = time }
            if let time = checker.time(schedule, "quiet_from", in: "schedule") { policy.quietFrom = time }
            if policy.quietFrom <= policy.sendTime { checker.error("quiet_from", in: "schedule", "quiet_from (\(policy.quietFrom)) must be later than send_time (\(policy.sendTime))") }
            calendars = checker.paths(schedule, "calendars", in: "schedule").first
            checker.allow(schedule, in: "schedule", keys: ["send_time", "quiet_from", "calendars"])
        }
        if let reminders = checker.table(root, "reminders", in: "") {
            if let days = checker.ints(reminders, "lead_days", in: "reminders", range: 0...365) { policy.reminderLeadDays = days }
            if let days = checker.ints(reminders, "checkpoint_lead_days", in: "reminders", range: 0...365) { policy.checkpointLeadDays = days }
            if let unit = checker.string(reminders, "lead_unit", in: "reminders") {
                if let value = Policy.LeadUnit(rawValue: unit) { policy.reminderLeadUnit = value }
                else { checker.error("lead_unit", in: "reminders", "must be \"calendar\" or \"working\"") }
            }
            if let days = checker.int(reminders, "immediate_days", in: "reminders", range: 0...365) { policy.immediateDays = days }
            checker.allow(reminders, in: "reminders", keys: ["lead_days", "checkpoint_lead_days", "lead_unit", "immediate_days"])
        }
        if let escalation = checker.table(root, "escalation", in: "") {
            if let n = checker.int(escalation, "level1_after", in: "escalation", range: 1...60) { policy.escalationLevel1After = n }
            if let n = checker.int(escalation, "level2_after", in: "escalation", range: 1...120) { policy.escalationLevel2After = n }
            if let n = checker.int(escalation, "repeat_every", in: "escalation", range: 1...60) { policy.escalationRepeatEvery = n }
            if let n = checker.int(escalation, "max_repeats", in: "escalation", range: 0...50) { policy.escalationMaxRepeats = n }
            if let n = checker.int(escalation, "interview_after", in: "escalation", range: 1...120) { policy.interviewAfter = n }
            if policy.escalationLevel2After <= policy.escalationLevel1After {
                checker.error("level2_after", in: "escalation", "level2_after (\(policy.escalationLevel2After)) must be later than level1_after (\(policy.escalationLevel1After))")
            }
            checker.allow(escalation, in: "escalation", keys: ["level1_after", "level2_after", "repeat_every", "max_repeats", "interview_after"])
        }
        if let acceptance = checker.table(root, "acceptance", in: "") {
            if let n = checker.int(acceptance, "after_working_days", in: "acceptance", range: 1...120) { policy.acceptanceAfterWorkingDays = n }
            if let n = checker.int(acceptance, "repeat_every", in: "acceptance", range: 1...120) { policy.acceptanceRepeatEvery = n }
            if let n = checker.int(acceptance, "max_repeats", in: "acceptance", range: 0...50) { policy.acceptanceMaxRepeats = n }
            checker.allow(acceptance, in: "acceptance", keys: ["after_working_days", "repeat_every", "max_repeats"])
        }
        if let closure = checker.table(root, "closure", in: "") {
            if let n = checker.int(closure, "after_working_days", in: "closure", range: 1...120) { policy.closureAfterWorkingDays = n }
            if let n = checker.int(closure, "repeat_every", in: "closure", range: 1...120) { policy.closureRepeatEvery = n }
            if let n = checker.int(closure, "max_repeats", in: "closure", range: 0...50) { policy.closureMaxRepeats = n }
            checker.allow(closure, in: "closure", keys: ["after_working_days", "repeat_every", "max_repeats"])
        }
        if let lookback = checker.table(root, "lookback", in: "") {
            if let n = checker.int(lookback, "months", in: "lookback", range: 1...24) { policy.lookBackMonths = n }
            if let n = checker.int(lookback, "follow_up_after", in: "lookback", range: 1...120) { policy.lookBackFollowUpAfter = n }
            checker.allow(lookback, in: "lookback", keys: ["months", "follow_up_after"])
        }
        return (policy, calendars)
    }
}

extension Chain {
    /// `[chain]`: the office (required) and the principal (optional).
    static func read(from root: TOMLTable, _ checker: inout TOMLChecker) -> Chain? {
        let table = checker.table(root, "chain", in: "", required: true)
        let office = checker.contact(table, "office", in: "chain", required: true)
        let principal = checker.contact(table, "principal", in: "chain", required: false)
        let discipline = checker.contact(table, "discipline", in: "chain", required: false)
        checker.allow(table, in: "chain", keys: ["office", "principal", "discipline"])
        guard let office else { return nil }
        return Chain(office: office, principal: principal, discipline: discipline)
    }
}
