import DubanPostgres

/// What wakes the daemon. Every source — a signal, inotify, a timer, the
/// watchdog, the service group's shutdown — only yields one of these into
/// the loop's one stream; the loop alone acts on them, one at a time and in
/// the order they came, so passes never overlap.
enum DaemonEvent: Sendable, Equatable {
    /// The wake-up deadline armed after a pass elapsed (or its cap did).
    /// Only the latest armed deadline counts: each pass re-arms, and an
    /// earlier deadline still sleeping is then stale.
    case deadline(Alarm)
    /// inotify saw a watched ledger written or moved into place.
    case ledgerTouched
    /// The ledgers have been quiet for the debounce interval since the last
    /// touch of this alarm.
    case ledgerSettled(Alarm)
    /// Time to re-read a ledger that shrank sharply, to believe it or not.
    case confirmShrink(Alarm)
    /// SIGHUP: reload the configuration.
    case reload
    /// Half the watchdog interval went by.
    case watchdog
    /// The PostgreSQL lease changed hands: this daemon now leads, or stands by.
    case leadership(PostgresLease.Role)
    /// Graceful shutdown began (SIGTERM or SIGINT, through the service group).
    case stop
}

/// One arming of a timer. Re-arming makes a new alarm; a sleeping task that
/// still delivers an older one is ignored.
struct Alarm: Hashable, Sendable {
    var generation: Int
}
