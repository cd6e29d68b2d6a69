public import DubanCore
public import Foundation
import DubanTOML
import TOMLKit

extension Configuration {
    /// `[digest]`: the weekly digest.
    public struct DigestSettings: Sendable {
        /// When: weekday and time (default Monday 09:00; the next working day when that day is off).
        public var schedule: DigestSchedule
        /// The leadership group (领导小组). Default: the office.
        public var recipients: [Contact]
        /// Optional per-department digests: department name → its head.
        public var departments: [String: Contact]
        /// Progress text unchanged over this many weekly reads makes a task yellow (default 3).
        public var staleWeeks = 3
        /// `archive`: the folder the sent digests are archived in. Default: `digests/`
        /// beside `[state] path`, which with `[state] url` is `/var/lib/duban/digests`
        /// for every programme; several programmes sharing one PostgreSQL database each
        /// name their own folder so their archives do not mix.
        public var archive: URL?

        static func read(from root: TOMLTable, _ checker: inout TOMLChecker, office: Contact?) -> DigestSettings {
            var digest = DigestSettings(schedule: DigestSchedule(), recipients: [], departments: [:])
            if let table = checker.table(root, "digest", in: "") {
                if let weekday = checker.weekday(table, "weekday", in: "digest") { digest.schedule.weekday = weekday }
                if let time = checker.time(table, "time", in: "digest") { digest.schedule.time = time }
                if let array = table["recipients"]?.array {
                    for (index, element) in array.enumerated() {
                        guard let person = element.table, let name = person["name"]?.string, let email = person["email"]?.string,
                              EmailAddress.isValid(email) else {
                            checker.error("recipients", in: "digest", "recipient #\(index + 1) must be { name = \"…\", email = \"valid address\" }")
                            continue
                        }
                        digest.recipients.append(Contact(name: name, email: email))
                    }
                } else if table["recipients"] != nil {
                    checker.error("recipients", in: "digest", "must be an array: [{ name = \"…\", email = \"…\" }]")
                }
                if let departments = checker.table(table, "departments", in: "digest") {
                    for key in departments.keys.sorted() {
                        if let head = checker.contact(departments, key, in: "digest.departments", required: true) { digest.departments[key] = head }
                    }
                }
                if let weeks = checker.int(table, "stale_weeks", in: "digest", range: 1...52) { digest.staleWeeks = weeks }
                digest.archive = checker.paths(table, "archive", in: "digest").first
                checker.allow(table, in: "digest", keys: ["weekday", "time", "recipients", "departments", "stale_weeks", "archive"])
            }
            if digest.recipients.isEmpty, let office { digest.recipients = [office] }
            return digest
        }
    }
}

extension TOMLChecker {
    /// A day of the week: 1–7 (Monday = 1) or its English name in any case
    /// ("monday"). Nil when absent; an error (and nil) when it is neither.
    mutating func weekday(_ table: TOMLTable, _ key: String, in name: String) -> Int? {
        guard let value = table[key] else { return nil }
        let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        if let n = value.int, (1...7).contains(n) { return n }
        if let day = value.string, let index = names.firstIndex(of: day.lowercased()) { return index + 1 }
        error(key, in: name, "must be 1–7 (Monday = 1) or a day name such as \"monday\"")
        return nil
    }
}
