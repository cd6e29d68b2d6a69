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
        /// Days the MIME body of a sent message is kept (`keep_bodies_days`, default 90).
        public var keepBodiesDays: Int = 90
    }

    public struct Mail: Sendable {
        public enum Transport: String, Sendable, CaseIterable {
            /// Write each message as an .eml file into `folder` (the embedded default).
            case files
            case smtp
            case sendmail
        }

        public struct SMTP: Sendable {
            public var host: String
            /// Default 587 for starttls, 465 for tls, 25 for plain.
            public var port: Int
            /// `starttls` (default), `tls`, or `plain` (loopback relays only).
            public var security: String
            public var username: String?
            /// Where the password is: default `$CREDENTIALS_DIRECTORY/smtp-password`
            /// (systemd `LoadCredential=`). Never in this file.
            public var passwordFile: URL?
            public var caFile: URL?
            /// Seconds for connecting and for each reply. Default 30.
            public var timeoutSeconds: Int
            /// The EHLO name. Default: the host name of this machine.
            public var helo: String?
        }

        public var transport: Transport
        /// The sender. Default: the office (`[chain] office`).
        public var from: Contact
        /// `files` transport: where .eml files go. Default `mail` beside the state database.
        public var folder: URL
        /// Template search path, first match wins. Default: `templates` beside
        /// this file, then `/usr/share/duban/templates`.
        public var templates: [URL]
        /// `sendmail` transport: the program. Default `/usr/sbin/sendmail`.
        public var sendmail: String
        public var smtp: SMTP?
    }

    public struct Delivery: Sendable {
        /// First retry after this many seconds (default 60), doubling each time …
        public var retryInitialSeconds: Int
        /// … up to this many seconds between attempts (default 3600).
        public var retryMaxSeconds: Int
        /// A message still failing this many hours after it was queued is
        /// marked failed and reported (default 48). It is kept, never deleted.
        public var giveUpAfterHours: Int
        /// Messages per connection (default 100).
        public var batchSize: Int

        public init(retryInitialSeconds: Int = 60, retryMaxSeconds: Int = 3600, giveUpAfterHours: Int = 48, batchSize: Int = 100) {
            self.retryInitialSeconds = retryInitialSeconds
            self.retryMaxSeconds = retryMaxSeconds
            self.giveUpAfterHours = giveUpAfterHours
            self.batchSize = batchSize
        }
    }

    public struct DigestSettings: Sendable {
        /// When: weekday and time (default Monday 09:00; the next working day when that day is off).
        public var schedule: DigestSchedule
        /// The leadership group (领导小组). Default: the office.
        public var recipients: [Contact]
        /// Optional per-department digests: department name → its head.
        public var departments: [String: Contact]
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
    public var mail: Mail
    public var delivery: Delivery
    public var digest: DigestSettings
    /// `[http]` and `[metrics]` (ConfigurationLoader+Console.swift).
    public var http = HTTP()
    public var metrics = Metrics()

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
