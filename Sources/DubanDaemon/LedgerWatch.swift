import Dispatch
import Foundation

/// An inotify watch on the ledgers' folders (inotify(7)): files closed after
/// writing, or moved into place by an atomic save.
///
/// Vnode sources do not exist on Linux, so the inotify descriptor is read by
/// a Dispatch read source. The source does nothing but drain the descriptor
/// and call `touched` when a watched name went by; deciding what that means
/// (debounce, re-read, plan) is the daemon loop's job, in order with every
/// other event.
final class LedgerWatch {
    private let source: any DispatchSourceRead

    init(_ files: [URL], touched: @escaping @Sendable () -> Void) throws {
        let inotify = try Inotify()
        for folder in Set(files.map { $0.deletingLastPathComponent().path }) {
            try inotify.addWatch(folder)
        }
        let names = Set(files.map(\.lastPathComponent))
        source = DispatchSource.makeReadSource(fileDescriptor: inotify.fileDescriptor,
                                               queue: DispatchQueue(label: "duban.ledger-watch"))
        source.setEventHandler {
            if inotify.readNames().contains(where: names.contains) { touched() }
        }
        // The descriptor is closed only once the source no longer reads it.
        source.setCancelHandler { withExtendedLifetime(inotify) {} }
        source.resume()
    }

    deinit { source.cancel() }
}

/// An inotify instance. The descriptor is closed when the instance is released.
final class Inotify: Sendable {
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
