public import DubanCore
public import Foundation

/// Everything duban.toml says, validated, with paths made absolute.
///
/// Each section is its own type, declared with its defaults and its reader
/// (`Configuration.Mail.read(from:_:…)` in Mail.swift, and so on); a key the
/// file does not set takes the default documented there and in the README's
/// configuration reference.
public struct Configuration: Sendable {
    /// Where the configuration was read from; relative paths inside it were
    /// resolved against this file's folder.
    public var file: URL
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
    /// `[personal]` (PersonalSettings.swift).
    public var personal = PersonalSettings(schedule: DigestSchedule())
    /// `[http]` and `[metrics]` (Console.swift).
    public var http = HTTP()
    public var metrics = Metrics()

    /// `/etc/duban/duban.toml`, where the systemd unit expects it.
    public static let defaultPath = "/etc/duban/duban.toml"

    /// The default state database.
    public static var defaultStatePath: String { State.defaultPath }
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
