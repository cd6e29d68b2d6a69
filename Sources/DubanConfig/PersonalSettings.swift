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
            if let weekday = checker.weekday(table, "weekday", in: "personal") { personal.schedule.weekday = weekday }
            if let time = checker.time(table, "time", in: "personal") { personal.schedule.time = time }
            checker.allow(table, in: "personal", keys: ["enabled", "weekday", "time"])
            return personal
        }
    }
}
