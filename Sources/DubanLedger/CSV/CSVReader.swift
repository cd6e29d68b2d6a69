public import DubanCore
public import Foundation

/// RFC 4180 CSV: fields separated by commas, records by CRLF or LF, fields in
/// double quotes may hold commas, quotes (doubled) and line breaks.
///
/// Works on UTF-8 bytes rather than Characters: a million-task ledger must be
/// read in seconds, and every byte that matters to CSV syntax is ASCII.
public struct CSVReader: TableReader {
    /// Files larger than this are refused before reading (`[ledger] max_bytes`).
    public var maxBytes: Int

    public init(maxBytes: Int = LedgerFile.defaultMaxBytes) {
        self.maxBytes = maxBytes
    }

    public func read(_ url: URL, sheet: String?, _ body: (TableRow) throws -> Void) throws -> [Diagnostic] {
        let file = url.path
        let data = try LedgerFile.open(url, maxBytes: maxBytes).readAllBytes()
        var diagnostics: [Diagnostic] = []
        if let sheet {
            diagnostics.append(.warning(SourceLocation(file: file), "[ledger] sheet = \"\(sheet)\" applies to .xlsx only; a CSV file has one table"))
        }
        let decoded: (bytes: [UInt8], encoding: TextDecoding.Detected)
        do {
            decoded = try TextDecoding.utf8Bytes(of: consume data)
        } catch .utf16 {
            throw TableReadError(SourceLocation(file: file), "the file is UTF-16 text; save it as \"CSV UTF-8\" or plain CSV")
        } catch {
            throw TableReadError(SourceLocation(file: file), "the file is neither UTF-8 nor GB18030 text; save it as \"CSV UTF-8\"")
        }
        try Self.parse(decoded.bytes, file: file, diagnostics: &diagnostics,
                       concurrently: decoded.bytes.count >= Self.concurrentAbove, body)
        return diagnostics
    }

    /// Files from this size on are split into cells on a thread of their own
    /// while the caller's `body` (the interpreter) works on the rows before:
    /// the machine has two cores, and reading cells is a third of a load.
    static let concurrentAbove = 1 << 20

    /// `parse`, either on the caller's thread or, `concurrently`, on a second
    /// thread that hands rows over in batches; `body` always runs on the
    /// caller's thread, in row order, and sees exactly the same rows and the
    /// same diagnostics either way.
    public static func parse(
        _ bytes: [UInt8], file: String, diagnostics: inout [Diagnostic], concurrently: Bool,
        _ body: (TableRow) throws -> Void
    ) throws {
        guard concurrently else { return try parse(bytes, file: file, diagnostics: &diagnostics, body) }
        let channel = RowChannel()
        let reader = Thread {
            var found: [Diagnostic] = []
            var batch: [TableRow] = []
            batch.reserveCapacity(RowChannel.batchSize)
            // Throws only when the consumer gave up: then nothing more is wanted.
            try? parse(bytes, file: file, diagnostics: &found) { row in
                batch.append(row)
                if batch.count == RowChannel.batchSize {
                    guard channel.send(batch) else { throw CancellationError() }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { _ = channel.send(batch) }
            channel.finish(found)
        }
        reader.stackSize = 1 << 20
        reader.start()
        do {
            while let batch = channel.receive() {
                for row in batch { try body(row) }
            }
        } catch {
            channel.cancel()
            throw error
        }
        diagnostics += channel.diagnostics
    }

    /// Parses UTF-8 CSV bytes. Exposed for tests and fuzzing.
    public static func parse(
        _ bytes: [UInt8], file: String, diagnostics: inout [Diagnostic], _ body: (TableRow) throws -> Void
    ) throws {
        let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        var fields: [Cell] = []
        var line = 1           // physical line we are on
        var recordLine = 1     // line on which the current record started
        var widest = 0         // most fields seen in a record
        var i = 0
        let n = bytes.count

        try bytes.withUnsafeBufferPointer { buf in
            func cell(_ start: Int, _ end: Int) -> Cell {
                start == end ? .empty : .text(String(decoding: UnsafeBufferPointer(rebasing: buf[start..<end]), as: UTF8.self))
            }
            func endRecord() throws {
                widest = max(widest, fields.count)
                // A line with nothing on it is not a record.
                if !(fields.count == 1 && fields[0] == .empty) {
                    try body(TableRow(number: recordLine, cells: fields))
                }
                fields.removeAll(keepingCapacity: true)
            }

            var atRecordStart = true
            while i < n {
                if atRecordStart { recordLine = line; atRecordStart = false }
                if buf[i] == quote {
                    // Quoted field: copy bytes, un-doubling quotes, until the closing quote.
                    let fieldLine = line
                    var value: [UInt8] = []
                    i += 1
                    var closed = false
                    while i < n {
                        let b = buf[i]
                        if b == quote {
                            if i + 1 < n, buf[i + 1] == quote { value.append(quote); i += 2; continue }
                            closed = true
                            i += 1
                            break
                        }
                        if b == lf { line += 1 }
                        value.append(b)
                        i += 1
                    }
                    if !closed {
                        // Without a row: a file that ends inside a quoted cell is most likely
                        // still being written, and must not replace the last good copy.
                        diagnostics.append(.error(
                            SourceLocation(file: file),
                            "row \(fieldLine), column \(fields.count + 1): a quoted field is never closed; the file ends inside it (was it still being saved?)"))
                    }
                    // Text after the closing quote (`"a"b`) is kept rather than lost.
                    let tailStart = i
                    while i < n, buf[i] != comma, buf[i] != lf, buf[i] != cr { i += 1 }
                    if i > tailStart {
                        value.append(contentsOf: buf[tailStart..<i])
                        diagnostics.append(.warning(
                            SourceLocation(file: file, row: fieldLine, column: fields.count + 1),
                            "text after a closing quote; kept as part of the cell"))
                    }
                    fields.append(value.isEmpty ? .empty : .text(String(decoding: value, as: UTF8.self)))
                } else {
                    let start = i
                    while i < n, buf[i] != comma, buf[i] != lf, buf[i] != cr { i += 1 }
                    fields.append(cell(start, i))
                }
                // Now at a separator, a line end, or the end of input.
                if i >= n { break }
                if buf[i] == comma {
                    i += 1
                    if i == n { fields.append(.empty) }
                    continue
                }
                if buf[i] == cr { i += 1; if i < n, buf[i] == lf { i += 1 } } else { i += 1 }
                line += 1
                try endRecord()
                atRecordStart = true
            }
            if !fields.isEmpty {
                // The last line has no line break. Spreadsheet programs always end a
                // CSV with one; a last row shorter than the widest row means the file
                // was cut while being written (a torn save), and its cells are not to
                // be believed: a cut status cell would read as "not started".
                if fields.count < widest {
                    diagnostics.append(.error(
                        SourceLocation(file: file),
                        "row \(recordLine): the file ends in the middle of a row (\(fields.count) of \(widest) cells, no final line break); was it still being saved?"))
                    fields.removeAll()
                } else {
                    try endRecord()
                }
            }
        }
    }
}

/// Batches of rows from the thread that reads cells to the one that
/// interprets them, at most `capacity` batches ahead (a bounded buffer, so a
/// fast reader cannot hold the whole ledger as cells).
private final class RowChannel: @unchecked Sendable {
    static let batchSize = 4096
    private let capacity = 4
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var batches: [[TableRow]] = []
    private var finished = false
    private var cancelled = false
    private var found: [Diagnostic] = []

    /// Waits for room; false once the consumer has given up.
    func send(_ batch: [TableRow]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    func finish(_ diagnostics: [Diagnostic]) {
        condition.lock()
        defer { condition.unlock() }
        found = diagnostics
        finished = true
        condition.broadcast()
    }

    /// The next batch, or nil once the reader has finished and all were taken.
    func receive() -> [TableRow]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
    }

    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
    }

    /// The reader's diagnostics; complete once `receive` has returned nil.
    var diagnostics: [Diagnostic] {
        condition.lock()
        defer { condition.unlock() }
        return found
    }
}
