import Foundation
import GRDB

/// A state-database failure that says what failed and whether retrying can
/// help: `isTransient` is true only when another process holds the database
/// for a moment (`SQLITE_BUSY`, `SQLITE_LOCKED`); a full disk, a read-only or
/// damaged file need an operator.
///
/// A struct over a private enum, so new codes can be added without breaking
/// callers (like Hummingbird's `PersistError`).
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case cannotOpen, busy, unavailable, full, readOnly, corrupt, io, logDamaged, alreadyRecorded, heldElsewhere, notDeliverer, query
        }
        private let base: Base
        /// The file cannot be opened or created (missing folder, permissions).
        public static let cannotOpen = Code(base: .cannotOpen)
        /// Another process holds a lock on the database (transient).
        public static let busy = Code(base: .busy)
        /// The database server cannot be reached, or dropped the connection (transient).
        public static let unavailable = Code(base: .unavailable)
        /// The disk (or the file system's quota) is full.
        public static let full = Code(base: .full)
        /// The file or its folder cannot be written.
        public static let readOnly = Code(base: .readOnly)
        /// The file is not a database, or damaged.
        public static let corrupt = Code(base: .corrupt)
        /// The operating system failed a read or a write.
        public static let io = Code(base: .io)
        /// The notification log refuses an identity its rows do not contain:
        /// pages of the log were lost.
        public static let logDamaged = Code(base: .logDamaged)
        /// Something that may be recorded once only was already recorded
        /// (a digest week already sent).
        public static let alreadyRecorded = Code(base: .alreadyRecorded)
        /// Another process holds the delivery lock (SQLite) or leads (PostgreSQL).
        public static let heldElsewhere = Code(base: .heldElsewhere)
        /// A delivery was attempted without holding the delivery lock.
        public static let notDeliverer = Code(base: .notDeliverer)
        /// Any other failure of a statement (a bug, most likely).
        public static let query = Code(base: .query)
        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Whether the same operation may succeed if tried again shortly.
    public var isTransient: Bool { code == .busy || code == .unavailable }

    /// Turns whatever GRDB or SQLite threw into a `StoreError` naming the
    /// file, what Duban was doing, and what the operator can do.
    init(_ error: any Error, doing intent: String, path: String) {
        if let error = error as? StoreError {
            self = error
            return
        }
        guard let error = error as? DatabaseError else {
            self.init(.query, "state database \(path): \(intent) failed: \(error)")
            return
        }
        let detail = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            self.init(.busy, "state database \(path) is locked by another process (\(intent)); it is retried: \(detail)")
        case .SQLITE_FULL:
            self.init(.full, "state database \(path): the disk is full (\(intent)); free space on its file system: \(detail)")
        case .SQLITE_READONLY:
            self.init(.readOnly, "state database \(path) cannot be written (\(intent)): the user running Duban must be able to write the file, its folder and the -wal/-shm files beside it: \(detail)")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            self.init(.corrupt, "state database \(path) is damaged (\(intent)): \(detail). Stop Duban, keep a copy of the file, and restore it from a backup (see README, State database)")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
            self.init(.cannotOpen, "cannot open the state database \(path) (\(intent)): \(detail); check that its folder exists and is writable")
        case .SQLITE_IOERR:
            self.init(.io, "state database \(path): a read or write failed (\(intent)): \(detail)")
        default:
            self.init(.query, "state database \(path): \(intent) failed: \(detail)")
        }
    }
}
