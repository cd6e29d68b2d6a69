public import DubanCore
public import DubanLedger
public import Foundation

/// Everything duban.toml says, validated, with paths made absolute.
///
/// Defaults are documented on each field and in the README's configuration
/// reference; a key the file does not set takes its default.
public struct Configuration: Sendable {
    /// Where the configuration was read from; relative paths inside it were
    /// resolved against this file's folder.
    public var file: URL

    public struct Organization: Sendable {
        /// The organisation's name, shown in mail. Required.
        public var name: String
        /// IANA zone in which deadlines are dates and mail is sent. Default `Asia/Shanghai`.
        public var timeZone: TimeZone
        /// Language of mail and digests: `zh-CN` (default) or `en`.
        public var locale: String
    }

    public struct Programme: Sendable {
        /// The rectification programme's name, e.g. 2026年巡察反馈问题整改. Required.
        public var name: String
        /// The day the inspection fed back its problems: completes deadlines
        /// written without a year (6月底前). Optional, but without it such
        /// deadlines are reported as unreadable.
        public var feedbackDate: LocalDate?
    }

    public struct Ledger: Sendable {
        /// One or more .xlsx/.csv files. Required.
        public var paths: [URL]
        /// The sheet to read in workbooks. Default: the first visible sheet.
        public var sheet: String?
        /// Extra headings per field, from `[ledger.columns]`.
        public var columns: [LedgerField: [String]]
    }

    public struct People: Sendable {
        /// The people directory (.csv or .toml). Optional: without it, only
        /// addresses written in the ledger are known.
        public var file: URL?
    }

    public struct State: Sendable {
        /// The SQLite state database (notification log, outbox, snapshots).
        /// Default `/var/lib/duban/duban.sqlite` (systemd's StateDirectory).
        public var path: URL
    }

    public var organization: Organization
    public var programme: Programme
    public var ledger: Ledger
    public var people: People
    /// When and what to send; `[schedule]`, `[reminders]`, `[escalation]`,
    /// `[acceptance]`, `[lookback]`.
    public var policy: Policy
    /// `[chain]`: the office (required) and the principal.
    public var chain: Chain
    /// `[schedule] calendars`: the folder of `YYYY.toml` work calendars.
    /// Default `calendars` beside the configuration file.
    public var calendars: URL
    public var state: State

    /// The default state database.
    public static let defaultStatePath = "/var/lib/duban/duban.sqlite"

    /// `/etc/duban/duban.toml`, where the systemd unit expects it.
    public static let defaultPath = "/etc/duban/duban.toml"
}

/// The configuration cannot be used. Carries every problem found, not just
/// the first, so an operator fixes the file in one pass.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
