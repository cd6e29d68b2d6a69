public import DubanCore
import DubanTOML
import TOMLKit

extension Configuration {
    /// `[programme]`: the rectification programme.
    public struct Programme: Sendable {
        /// The rectification programme's name, e.g. 2026年巡察反馈问题整改. Required.
        public var name: String
        /// The day the inspection fed back its problems: completes deadlines
        /// written without a year (6月底前). Optional, but without it such
        /// deadlines are reported as unreadable.
        public var feedbackDate: LocalDate?

        static func read(from root: TOMLTable, _ checker: inout TOMLChecker) -> Programme {
            let table = checker.table(root, "programme", in: "", required: true)
            let name = checker.string(table, "name", in: "programme", required: true) ?? ""
            let feedback = checker.date(table, "feedback_date", in: "programme")
            checker.allow(table, in: "programme", keys: ["name", "feedback_date"])
            return Programme(name: name, feedbackDate: feedback)
        }
    }
}
