public import Foundation
import DubanTOML
import TOMLKit

extension Configuration {
    /// `[organization]`: who sends, in which time zone and language.
    public struct Organization: Sendable {
        /// The languages Duban's mail and digests are written in.
        public enum Locale: String, Sendable, CaseIterable {
            case zhCN = "zh-CN"
            case en
        }

        /// The organisation's name, shown in mail. Required.
        public var name: String
        /// IANA zone in which deadlines are dates and mail is sent. Default `Asia/Shanghai`.
        public var timeZone: TimeZone
        /// Language of mail and digests: `zh-CN` (default) or `en`.
        public var locale: Locale

        public static let defaultTimeZone = "Asia/Shanghai"
        public static let defaultLocale = Locale.zhCN

        static func read(from root: TOMLTable, _ checker: inout TOMLChecker) -> Organization? {
            let table = checker.table(root, "organization", in: "", required: true)
            let name = checker.string(table, "name", in: "organization", required: true) ?? ""
            let zoneName = checker.string(table, "timezone", in: "organization") ?? defaultTimeZone
            let zone = TimeZone(identifier: zoneName)
            if zone == nil { checker.error("timezone", in: "organization", "unknown time zone '\(zoneName)'; use an IANA name such as Asia/Shanghai") }
            let locale: Locale? = checker.choice(table, "locale", in: "organization")
            checker.allow(table, in: "organization", keys: ["name", "timezone", "locale"])
            guard let zone else { return nil }
            return Organization(name: name, timeZone: zone, locale: locale ?? defaultLocale)
        }
    }
}
