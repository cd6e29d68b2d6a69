public import DubanCore
public import Foundation

/// What the daemon hands the console after each pass: the ledger it planned
/// with, what the last read found, what was planned and delivered, and how
/// long it took. The console never plans or reads the ledger itself; it
/// shows the daemon's own view.
public struct ConsolePass: Sendable {
    /// When the pass finished.
    public var finishedAt: Date
    public var duration: Duration
    /// The snapshot planned with: the last good copy when the latest read failed.
    public var snapshot: LedgerSnapshot
    /// What the latest read of the ledger (and the calendar and people files) found.
    public var diagnostics: [Diagnostic]
    /// Set when the latest read could not be used and the last good copy was kept.
    public var ledgerError: String?
    /// Set when the pass itself failed (state database, rendering, transport set-up).
    public var failure: String?
    /// The planner of the running configuration (it changes on SIGHUP).
    public var planner: Planner
    /// Notifications queued by this pass, by kind (each task of a grouped message counts once).
    public var planned: [NotificationKind: Int]
    public var deliveries: Deliveries
    /// When the daemon wakes next.
    public var nextWake: Date?

    public struct Deliveries: Sendable, Equatable {
        public var sent: Int
        /// Failed for now; tried again later.
        public var retrying: Int
        /// Given up on.
        public var failed: Int

        public init(sent: Int = 0, retrying: Int = 0, failed: Int = 0) {
            self.sent = sent
            self.retrying = retrying
            self.failed = failed
        }
    }

    public init(finishedAt: Date, duration: Duration, snapshot: LedgerSnapshot, diagnostics: [Diagnostic]? = nil,
                ledgerError: String? = nil, failure: String? = nil, planner: Planner, planned: [NotificationKind: Int] = [:],
                deliveries: Deliveries = .init(), nextWake: Date? = nil) {
        self.finishedAt = finishedAt
        self.duration = duration
        self.snapshot = snapshot
        self.diagnostics = diagnostics ?? snapshot.diagnostics
        self.ledgerError = ledgerError
        self.failure = failure
        self.planner = planner
        self.planned = planned
        self.deliveries = deliveries
        self.nextWake = nextWake
    }

    /// Counts a plan's messages by kind, one per notification identity.
    public static func count(_ messages: [PlannedMessage]) -> [NotificationKind: Int] {
        var result: [NotificationKind: Int] = [:]
        for message in messages {
            for identity in message.identities { result[identity.kind, default: 0] += 1 }
        }
        return result
    }
}

/// What the console shows about the organisation, and how long the daemon may sleep.
public struct ConsoleSettings: Sendable {
    public var organization: String
    public var programme: String
    /// `zh-CN` or `en`: the language of the pages.
    public var locale: String
    /// The daemon's longest sleep between passes. /healthz fails when the last
    /// pass is older than twice this.
    public var wakeCap: Duration

    public init(organization: String, programme: String, locale: String, wakeCap: Duration = .seconds(300)) {
        self.organization = organization
        self.programme = programme
        self.locale = locale
        self.wakeCap = wakeCap
    }
}

/// Whether the daemon is doing its job, for load balancers and monitors.
public enum ConsoleHealth: Sendable, Equatable {
    case healthy(String)
    case unhealthy(String)

    public var isHealthy: Bool {
        if case .healthy = self { return true }
        return false
    }

    public var reason: String {
        switch self {
        case .healthy(let text), .unhealthy(let text): return text
        }
    }
}
