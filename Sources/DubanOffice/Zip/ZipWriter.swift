import CDubanZlib
public import Foundation

/// Writes a zip archive (APPNOTE.TXT) part by part, deflating each part with
/// zlib's raw deflate as its bytes arrive, so a large worksheet never has to
/// be in memory whole.
///
/// Each entry's CRC-32 and sizes are only known at its end, so they follow
/// the data in a data descriptor (general-purpose flag bit 3) and are
/// repeated in the central directory, where readers (Excel, Word,
/// LibreOffice, Python's zipfile, Duban's own reader) take them from.
/// Names are flagged UTF-8 (bit 11).
///
/// ZIP64 is not written: an Office file that needs it (a part or the archive
/// over 4 GiB, or more than 65535 parts) is refused with `.tooLarge` rather
/// than written with sizes that wrap around.
public final class ZipWriter {
    private struct Entry {
        var name: [UInt8]
        var crc: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var offset: Int
    }

    private let handle: FileHandle
    private let path: String
    /// The largest offset or size a zip without ZIP64 can hold. Tests lower it
    /// to see the refusal without writing 4 GiB.
    let limit: Int
    private var written = 0
    private var entries: [Entry] = []
    private var buffer: [UInt8] = []
    private var current: (name: [UInt8], offset: Int, crc: UInt32, size: Int, compressed: Int)?
    private var stream = z_stream()
    private var finished = false
    /// Every modification time is 1980-01-01 00:00 (the earliest DOS time):
    /// the same input makes the same bytes, and no clock is read.
    private static let dosTime: UInt16 = 0
    private static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1
    private static let flushSize = 256 * 1024

    /// Creates (or truncates) the file at `url`.
    public convenience init(creating url: URL) throws(OfficeError) {
        try self.init(creating: url, limit: 0xFFFF_FFFF)
    }

    init(creating url: URL, limit: Int) throws(OfficeError) {
        path = url.path
        self.limit = limit
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: url.path) else {
            throw OfficeError(.io, "cannot create \(url.path) (does the folder exist, and may Duban write there?)")
        }
        self.handle = handle
    }

    deinit {
        if current != nil { deflateEnd(&stream) }
        try? handle.close()
    }

    /// Starts a part; the previous one, if open, is ended first.
    public func begin(_ name: String) throws(OfficeError) {
        guard !finished else { throw OfficeError(.invalidInput, "\(path): part \(name) added after the archive was finished") }
        if current != nil { try end() }
        guard entries.count < 0xFFFF else { throw tooLarge("more than 65535 parts") }
        let nameBytes = Array(name.utf8)
        let offset = written
        try checkLimit(offset, "the archive")
        var header: [UInt8] = []
        header.le32(0x0403_4b50)
        header.le16(20)            // version needed: 2.0 (deflate)
        header.le16(1 << 3 | 1 << 11) // data descriptor follows; UTF-8 name
        header.le16(8)             // deflate
        header.le16(Self.dosTime)
        header.le16(Self.dosDate)
        header.le32(0)             // CRC-32, size, size: in the data descriptor
        header.le32(0)
        header.le32(0)
        header.le16(UInt16(nameBytes.count))
        header.le16(0)
        header += nameBytes
        try emit(header)
        stream = z_stream()
        let status = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw OfficeError(.compression, "\(path): zlib could not start deflating (status \(status))") }
        current = (nameBytes, offset, 0, 0, 0)
    }

    /// Appends bytes to the open part.
    public func write(_ bytes: [UInt8]) throws(OfficeError) {
        guard current != nil else { throw OfficeError(.invalidInput, "\(path): bytes written outside a part") }
        let crc = current!.crc
        current!.crc = bytes.withUnsafeBufferPointer { UInt32(crc32(uLong(crc), $0.baseAddress, uInt($0.count))) }
        current!.size += bytes.count
        try checkLimit(current!.size, "part \(String(decoding: current!.name, as: UTF8.self))")
        try deflate(bytes, flush: Z_NO_FLUSH)
    }

    public func write(_ text: String) throws(OfficeError) {
        try write(Array(text.utf8))
    }

    /// Ends the open part: flushes the deflater and writes the data descriptor.
    public func end() throws(OfficeError) {
        guard let part = current else { return }
        try deflate([], flush: Z_FINISH)
        deflateEnd(&stream)
        current = nil
        let compressed = written - part.offset - 30 - part.name.count
        try checkLimit(compressed, "part \(String(decoding: part.name, as: UTF8.self))")
        var descriptor: [UInt8] = []
        descriptor.le32(0x0807_4b50)
        descriptor.le32(part.crc)
        descriptor.le32(UInt32(compressed))
        descriptor.le32(UInt32(part.size))
        try emit(descriptor)
        entries.append(Entry(name: part.name, crc: part.crc, compressedSize: compressed, uncompressedSize: part.size, offset: part.offset))
    }

    /// Adds a whole part at once.
    public func add(_ name: String, _ text: String) throws(OfficeError) {
        try begin(name)
        try write(text)
        try end()
    }

    /// Writes the central directory and closes the file. The archive is
    /// incomplete (and unreadable) until this returns.
    public func finish() throws(OfficeError) {
        if current != nil { try end() }
        guard !finished else { return }
        finished = true
        let directoryStart = written
        var directory: [UInt8] = []
        for entry in entries {
            directory.le32(0x0201_4b50)
            directory.le16(20)      // made by: 2.0, MS-DOS attributes
            directory.le16(20)
            directory.le16(1 << 3 | 1 << 11)
            directory.le16(8)
            directory.le16(Self.dosTime)
            directory.le16(Self.dosDate)
            directory.le32(entry.crc)
            directory.le32(UInt32(entry.compressedSize))
            directory.le32(UInt32(entry.uncompressedSize))
            directory.le16(UInt16(entry.name.count))
            directory.le16(0)       // extra
            directory.le16(0)       // comment
            directory.le16(0)       // disk
            directory.le16(0)       // internal attributes
            directory.le32(0)       // external attributes
            directory.le32(UInt32(entry.offset))
            directory += entry.name
        }
        try emit(directory)
        try checkLimit(written, "the archive")
        var end: [UInt8] = []
        end.le32(0x0605_4b50)
        end.le16(0)
        end.le16(0)
        end.le16(UInt16(entries.count))
        end.le16(UInt16(entries.count))
        end.le32(UInt32(written - directoryStart))
        end.le32(UInt32(directoryStart))
        end.le16(0)
        try emit(end)
        try flush()
        do { try handle.close() } catch { throw OfficeError(.io, "cannot finish \(path): \(error)") }
    }

    private func deflate(_ input: [UInt8], flush mode: Int32) throws(OfficeError) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var produced: [UInt8] = []
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    status = CDubanZlib.deflate(&stream, mode)
                    produced.append(contentsOf: target[0..<(target.count - Int(stream.avail_out))])
                }
                // With room left in the output, zlib has taken all the input;
                // finishing goes on until the stream end is written.
            } while status == Z_OK && (mode == Z_FINISH || stream.avail_out == 0)
            stream.next_in = nil
        }
        // Z_BUF_ERROR only says no progress was possible (no input given).
        guard mode == Z_FINISH ? status == Z_STREAM_END : (status == Z_OK || status == Z_BUF_ERROR) else {
            throw OfficeError(.compression, "\(path): zlib failed while deflating (status \(status))")
        }
        try emit(produced)
    }

    private func emit(_ bytes: [UInt8]) throws(OfficeError) {
        buffer += bytes
        written += bytes.count
        if buffer.count >= Self.flushSize { try flush() }
    }

    private func flush() throws(OfficeError) {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch { throw OfficeError(.io, "cannot write \(path): \(error)") }
        buffer.removeAll(keepingCapacity: true)
    }

    private func checkLimit(_ value: Int, _ what: String) throws(OfficeError) {
        if value > limit { throw tooLarge("\(what) passes \(limit) bytes") }
    }

    private func tooLarge(_ why: String) -> OfficeError {
        OfficeError(.tooLarge, "\(path): \(why); that needs ZIP64, which Duban does not write (export less: a date range or one task)")
    }
}

extension [UInt8] {
    mutating func le16(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    mutating func le32(_ value: UInt32) {
        le16(UInt16(value & 0xFFFF))
        le16(UInt16(value >> 16))
    }
}
