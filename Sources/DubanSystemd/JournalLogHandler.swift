import CSystemd
import Foundation
public import Logging

/// A swift-log handler that writes to the systemd journal with structured
/// fields (sd_journal_sendv(3)): MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, and
/// every metadata key upper-cased (TASK, RULE, MESSAGE_ID …), so an operator
/// can `journalctl -u duban TASK=T1-1`.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let identifier: String

    public init(identifier: String = "duban") {
        self.identifier = identifier
    }

    /// True when stderr is connected to the journal: systemd sets
    /// `JOURNAL_STREAM=dev:inode` for it, and the inode must match fd 2's (a
    /// child with redirected stderr must not log to the journal behind the
    /// redirect's back).
    public static var stderrIsJournal: Bool {
        guard let value = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == dev && UInt64(info.st_ino) == ino
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            fields.append("\(Self.fieldName(key))=\(value)")
        }
        Self.send(fields)
    }

    /// Journal field names: upper-case letters, digits and underscores, not
    /// starting with an underscore (those are trusted fields).
    static func fieldName(_ key: String) -> String {
        var name = String(key.uppercased().map { ($0.isLetter && $0.isASCII) || $0.isNumber ? $0 : "_" })
        while name.hasPrefix("_") { name.removeFirst() }
        return name.isEmpty ? "FIELD" : String(name.prefix(64))
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// Sends `fields` as one journal entry. All fields are laid end to end
    /// in one buffer, and the `iovec`s pointing into it are built and used
    /// inside the single closure that keeps it alive: no pointer outlives
    /// the `withUnsafe…` call that lent it.
    static func send(_ fields: [String]) {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        bytes.withUnsafeMutableBytes { buffer in
            let vectors = ranges.map { range in
                iovec(iov_base: buffer.baseAddress.map { $0 + range.lowerBound }, iov_len: range.count)
            }
            _ = vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}

/// Plain lines on stderr for runs outside systemd: `2026-06-23T09:00:00+0800 info duban: message key=value`.
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = .current
        let fields = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new })
            .sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        FileHandle.standardError.write(Data("\(formatter.string(from: Date())) \(event.level) duban: \(event.message)\(fields)\n".utf8))
    }
}
