import CSystemd
import Foundation

/// Tells the service manager how the service is doing (sd_notify(3)).
///
/// Two implementations: `SystemdNotifier`, which speaks the notify protocol
/// over `$NOTIFY_SOCKET` through libsystemd, and `SilentNotifier` for runs
/// outside systemd (a terminal, cron, tests of other parts).
public protocol ServiceNotifier: Sendable {
    /// `READY=1` and a status line: configuration, state database and
    /// ledger are loaded (the first pass has not run yet).
    func ready(status: String)
    /// `STATUS=…`: what `systemctl status` shows.
    func status(_ text: String)
    /// `RELOADING=1` with `MONOTONIC_USEC`, on SIGHUP.
    func reloading()
    /// `STOPPING=1`, on SIGTERM.
    func stopping()
    /// `WATCHDOG=1`: the main loop made progress.
    func watchdog()
    /// The watchdog interval the manager expects pings within, if enabled.
    var watchdogInterval: Duration? { get }
}

public struct SystemdNotifier: ServiceNotifier {
    public init() {}

    /// True when the process was started with a notify socket.
    public static var isAvailable: Bool {
        ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] != nil
    }

    private func send(_ state: String) {
        // unset_environment = 0: children (sendmail) must not inherit the socket,
        // but Duban notifies many times over its life, so the variable stays.
        _ = state.withCString { sd_notify(0, $0) }
    }

    public func ready(status: String) { send("READY=1\nSTATUS=\(Self.oneLine(status))") }
    public func status(_ text: String) { send("STATUS=\(Self.oneLine(text))") }

    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(usec)\nSTATUS=Reloading configuration")
    }

    public func stopping() { send("STOPPING=1\nSTATUS=Stopping") }
    public func watchdog() { send("WATCHDOG=1") }

    public var watchdogInterval: Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec))
    }

    /// STATUS must be a single line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

public struct SilentNotifier: ServiceNotifier {
    public init() {}
    public func ready(status: String) {}
    public func status(_ text: String) {}
    public func reloading() {}
    public func stopping() {}
    public func watchdog() {}
    public var watchdogInterval: Duration? { nil }
}
