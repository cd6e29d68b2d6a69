import Dispatch
import Foundation

/// The daemon's clock and senses: a one-shot wall-clock timer set to the next
/// instant anything is due, an inotify watch on the ledgers' folders, the
/// signals systemd sends, and the watchdog tick. Every source fires on one
/// private serial queue and reports through a callback; all scheduling
/// state lives on that queue (hence `@unchecked Sendable`).
final class Wakeups: @unchecked Sendable {
    enum Event: Sendable {
        case timer
        case ledgerChanged
        case reload
        case stop
        case watchdog
    }

    private let queue = DispatchQueue(label: "duban.wakeups")
    private let handler: @Sendable (Event) -> Void
    private var timer: (any DispatchSourceTimer)?
    private var debounce: (any DispatchSourceTimer)?
    private var watchdog: (any DispatchSourceTimer)?
    private var signals: [any DispatchSourceSignal] = []
    private var confirmations: [any DispatchSourceTimer] = []
    private var inotify: Inotify?
    private var inotifySource: (any DispatchSourceRead)?
    private var watched: Set<String> = []
    /// How long after the last change to a ledger it is re-read: editors and
    /// sync tools write a file in several steps.
    let debounceInterval: DispatchTimeInterval

    init(debounce: DispatchTimeInterval = .seconds(2), handler: @escaping @Sendable (Event) -> Void) {
        self.debounceInterval = debounce
        self.handler = handler
    }

    /// Sets the one-shot timer to `instant` (wall clock: a slot at 09:00 stays
    /// at 09:00 across clock adjustments). Replaces any earlier setting.
    func arm(at instant: Date) {
        queue.async { [self] in
            timer?.cancel()
            let source = DispatchSource.makeTimerSource(queue: queue)
            let seconds = max(instant.timeIntervalSinceNow, 0)
            source.schedule(wallDeadline: .now() + seconds, leeway: .seconds(1))
            source.setEventHandler { [handler] in handler(.timer) }
            source.resume()
            timer = source
        }
    }

    /// SIGHUP reloads; SIGTERM and SIGINT stop. The default actions are
    /// switched off so that only the Dispatch sources see the signals.
    func watchSignals() {
        queue.sync {
            for (number, event) in [(SIGHUP, Event.reload), (SIGTERM, .stop), (SIGINT, .stop)] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { [handler] in handler(event) }
                source.resume()
                signals.append(source)
            }
        }
    }

    /// Pings at `interval` (half the watchdog timeout).
    func startWatchdog(every interval: Duration) {
        queue.sync {
            let source = DispatchSource.makeTimerSource(queue: queue)
            let nanos = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
            source.schedule(deadline: .now() + .nanoseconds(nanos), repeating: .nanoseconds(nanos), leeway: .milliseconds(100))
            source.setEventHandler { [handler] in handler(.watchdog) }
            source.resume()
            watchdog = source
        }
    }

    /// Watches the folders of `files` for files closed after writing or
    /// moved into place (an atomic save). Vnode sources do not exist on
    /// Linux, so inotify's descriptor is read through a Dispatch read source.
    func watch(_ files: [URL]) throws {
        try queue.sync {
            stopWatching()
            let inotify = try Inotify()
            var names: Set<String> = []
            for folder in Set(files.map { $0.deletingLastPathComponent().path }) {
                try inotify.addWatch(folder)
            }
            for file in files { names.insert(file.lastPathComponent) }
            watched = names
            let source = DispatchSource.makeReadSource(fileDescriptor: inotify.fileDescriptor, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                let changed = inotify.readNames()
                if changed.contains(where: self.watched.contains) { self.scheduleDebounce() }
            }
            source.resume()
            self.inotify = inotify
            inotifySource = source
        }
    }

    /// Re-reads the ledger after `seconds` (to confirm a suspicious change).
    func reread(after seconds: TimeInterval) {
        queue.async { [self] in
            let source = DispatchSource.makeTimerSource(queue: queue)
            source.schedule(deadline: .now() + seconds)
            source.setEventHandler { [handler] in handler(.ledgerChanged) }
            source.resume()
            confirmations.append(source)
        }
    }

    private func scheduleDebounce() {
        debounce?.cancel()
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + debounceInterval)
        source.setEventHandler { [handler] in handler(.ledgerChanged) }
        source.resume()
        debounce = source
    }

    private func stopWatching() {
        inotifySource?.cancel()
        inotifySource = nil
        inotify = nil
    }

    /// Cancels every source (on stop).
    func cancelAll() {
        queue.sync {
            timer?.cancel()
            debounce?.cancel()
            watchdog?.cancel()
            stopWatching()
            for source in signals { source.cancel() }
            signals.removeAll()
            for source in confirmations { source.cancel() }
            confirmations.removeAll()
        }
    }
}

/// An inotify instance (inotify(7)). The descriptor is closed when the
/// instance is released.
final class Inotify: @unchecked Sendable {
    let fileDescriptor: Int32

    init() throws {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw SystemCallError(call: "inotify_init1", errno: errno) }
        fileDescriptor = fd
    }

    deinit { close(fileDescriptor) }

    func addWatch(_ folder: String) throws {
        let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_DELETE) | UInt32(IN_MOVED_FROM) | UInt32(IN_CREATE)
        guard inotify_add_watch(fileDescriptor, folder, mask) >= 0 else {
            throw SystemCallError(call: "inotify_add_watch(\(folder))", errno: errno)
        }
    }

    /// Drains pending events and returns the file names they name.
    func readNames() -> Set<String> {
        var names: Set<String> = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let (length, name) = buffer.withUnsafeBytes { raw -> (Int, String) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let start = offset + MemoryLayout<inotify_event>.size
                    let bytes = raw[start..<(start + Int(event.len))].prefix { $0 != 0 }
                    return (Int(event.len), String(decoding: bytes, as: UTF8.self))
                }
                if !name.isEmpty { names.insert(name) }
                offset += MemoryLayout<inotify_event>.size + length
            }
        }
        return names
    }
}

/// A failed system call, with its name and errno.
struct SystemCallError: Error, CustomStringConvertible {
    var call: String
    var errno: Int32
    var description: String { "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}
