public import DubanCore
import DubanTOML
import TOMLKit

extension Configuration {
    /// `[personal]`: the weekly personal lists (我的整改任务).
    public struct PersonalSettings: Sendable {
        /// On by default; a person turns theirs off in the people directory (个人清单).
        public var enabled = true
        /// When: weekday and time. Default: the digest's.
        public var schedule: DigestSchedule

        static func read(from root: TOMLTable, _ checker: inout TOMLChecker, digest: DigestSchedule) -> PersonalSettings {
            var personal = PersonalSettings(schedule: digest)
            guard let table = checker.table(root, "personal", in: "") else { return personal }
            if let value = table["enabled"] {
                if let flag = value.bool { personal.enabled = flag } else { checker.error("enabled", in: "personal", "must be true or false") }
            }
            if let value = table["weekday"] {
                let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
                if let n = value.int, (1...7).contains(n) { personal.schedule.weekday = n }
                else if let name = value.string, let index = names.firstIndex(of: name.lowercased()) { personal.schedule.weekday = index + 1 }
                else { checker.error("weekday", in: "personal", "must be 1–7 (Monday = 1) or a day name such as \"monday\"") }
            }
            if let time = checker.time(table, "time", in: "personal") { personal.schedule.time = time }
            checker.allow(table, in: "personal", keys: ["enabled", "weekday", "time"])
            return personal
        }
    }
}
