public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The right to deliver from one state database: an exclusive `flock` on
/// `<database>.lock` beside it, which holds the holder's pid for the error
/// message of the next one.
///
/// `flock` belongs to the open file description, so the kernel releases it
/// when the process dies, however it dies (SIGKILL included): there is no
/// stale lock to clean up, and the pid in the file is only informative. Two
/// opens in the same process exclude each other too, which is what lets a
/// test play two instances in one process.
public final class DeliveryLock: Sendable {
    /// The lock file (`duban.sqlite.lock`).
    public let url: URL
    private let descriptor: Int32

    private init(url: URL, descriptor: Int32) {
        self.url = url
        self.descriptor = descriptor
    }

    deinit { _ = close(descriptor) }

    /// The lock file for a database.
    public static func url(for database: URL) -> URL {
        URL(fileURLWithPath: database.path + ".lock")
    }

    /// Takes the lock now, or throws `heldElsewhere` naming the holder's pid.
    static func acquire(for database: URL) throws(StoreError) -> DeliveryLock {
        let url = url(for: database)
        let fd = retryingEINTR { open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        guard fd >= 0 else {
            throw StoreError(.cannotOpen, "cannot open the delivery lock \(url.path): \(String(cString: strerror(errno)))")
        }
        guard retryingEINTR({ flock(fd, LOCK_EX | LOCK_NB) }) == 0 else {
            let reason = errno
            let holder = Self.holder(fd)
            _ = close(fd)
            guard reason == EWOULDBLOCK else {
                throw StoreError(.cannotOpen, "cannot lock \(url.path): \(String(cString: strerror(reason)))")
            }
            let who = holder.map { "pid \($0)" } ?? "a process that has not yet written its pid"
            throw StoreError(.heldElsewhere, "another Duban (\(who)) is delivering from \(database.path) (it holds \(url.path)); only one process may deliver from a state database")
        }
        // Informative only: the kernel, not this number, decides who holds the lock.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return DeliveryLock(url: url, descriptor: fd)
    }

    /// The pid written by the holder, if readable.
    private static func holder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func retryingEINTR(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }
}
