import CDubanZlib
import Foundation

/// A reader for the zip container of a workbook (APPNOTE.TXT): the central
/// directory, local headers, stored and deflated entries, ZIP64 sizes.
///
/// Why not ZIPFoundation's extract: fuzzing found that on a damaged deflate
/// stream its decode loop never ends (it keeps reading past the entry for a
/// stream end that never comes), and its in-memory archive traps on a
/// malformed directory. Here every offset and size is checked against the
/// file, inflation stops at the entry's compressed size, and a stream that
/// does not end there is an error.
///
/// Only the end of the file, the central directory and the parts asked for
/// are read, by position: a 2 GB file whose sheet is small costs what the
/// sheet costs, not 2 GB of memory.
struct ZipReader {
    struct Entry {
        var method: UInt16
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    enum Failure: Error, CustomStringConvertible {
        case notAZip
        case damaged(String)
        case tooLarge(String)
        case unreadable(String)

        var description: String {
            switch self {
            case .notAZip: return "not a zip archive (no end-of-central-directory record)"
            case .damaged(let why): return "damaged zip archive: \(why)"
            case .tooLarge(let why): return why
            case .unreadable(let why): return why
            }
        }
    }

    /// Compressed input is fed to zlib in pieces of this size.
    static let inputChunk = 1 << 20

    private let file: LedgerFile
    private(set) var entries: [String: Entry] = [:]

    init(_ file: LedgerFile) throws(Failure) {
        self.file = file
        let size = file.size
        // End of central directory: 22 bytes plus a comment of up to 65535,
        // preceded by the 20-byte ZIP64 locator when there is one.
        guard size >= 22 else { throw .notAZip }
        let tailStart = max(0, size - 22 - 65_535 - 20)
        let tail = try Self.read(file, at: tailStart, count: size - tailStart)
        guard tail.count == size - tailStart else { throw .damaged("the file is shorter than it was when opened") }
        var eocd = -1
        var i = tail.count - 22
        let lowest = max(0, tail.count - 22 - 65_535)
        while i >= lowest {
            if u32(tail, i) == 0x0605_4b50 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw .notAZip }
        var count = Int(u16(tail, eocd + 10))
        var directorySize = Int(u32(tail, eocd + 12))
        var offset = Int(u32(tail, eocd + 16))
        // ZIP64: the locator sits just before the EOCD record.
        if (count == 0xFFFF || directorySize == 0xFFFF_FFFF || offset == 0xFFFF_FFFF), eocd >= 20, u32(tail, eocd - 20) == 0x0706_4b50 {
            let record = Int(clamping: u64(tail, eocd - 12))
            guard record >= 0, record <= size - 56 else { throw .damaged("bad ZIP64 record") }
            let zip64 = try Self.read(file, at: record, count: 56)
            guard zip64.count == 56, u32(zip64, 0) == 0x0606_4b50 else { throw .damaged("bad ZIP64 record") }
            count = Int(clamping: u64(zip64, 32))
            directorySize = Int(clamping: u64(zip64, 40))
            offset = Int(clamping: u64(zip64, 48))
        }
        guard offset >= 0, directorySize >= 0, offset <= size, directorySize <= size - offset else {
            throw .damaged("the central directory lies outside the file")
        }
        // Each entry takes at least 46 bytes: a count the directory cannot hold is a lie.
        guard count <= directorySize / 46 + 1 else { throw .damaged("the central directory claims \(count) entries in \(directorySize) bytes") }
        let directory = try Self.read(file, at: offset, count: directorySize)
        guard directory.count == directorySize else { throw .damaged("the central directory lies outside the file") }
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= directory.count, u32(directory, p) == 0x0201_4b50 else { throw .damaged("bad central directory entry at \(offset + p)") }
            let method = u16(directory, p + 10)
            var compressed = Int(u32(directory, p + 20)), uncompressed = Int(u32(directory, p + 24))
            let nameLength = Int(u16(directory, p + 28)), extraLength = Int(u16(directory, p + 30)), commentLength = Int(u16(directory, p + 32))
            var local = Int(u32(directory, p + 42))
            let nameStart = p + 46
            guard nameStart + nameLength + extraLength + commentLength <= directory.count else { throw .damaged("entry name past the end") }
            let name = String(decoding: directory[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            // ZIP64 extended information: 64-bit values for the fields that are 0xFFFFFFFF, in order.
            var e = nameStart + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = u16(directory, e), length = Int(u16(directory, e + 2))
                if id == 0x0001 {
                    var q = e + 4
                    if uncompressed == 0xFFFF_FFFF, q + 8 <= extraEnd { uncompressed = Int(clamping: u64(directory, q)); q += 8 }
                    if compressed == 0xFFFF_FFFF, q + 8 <= extraEnd { compressed = Int(clamping: u64(directory, q)); q += 8 }
                    if local == 0xFFFF_FFFF, q + 8 <= extraEnd { local = Int(clamping: u64(directory, q)) }
                }
                e += 4 + length
            }
            entries[name] = Entry(method: method, compressedSize: compressed, uncompressedSize: uncompressed, localHeaderOffset: local)
            p = extraEnd + commentLength
        }
    }

    /// The inflated bytes of `path`, refusing more than `limit` bytes.
    func data(_ path: String, limit: Int) throws(Failure) -> [UInt8] {
        guard let entry = entries[path] else { throw .damaged("part \(path) is missing") }
        let size = file.size
        let header = entry.localHeaderOffset
        guard header >= 0, header <= size - 30 else { throw .damaged("bad local header for \(path)") }
        let local = try Self.read(file, at: header, count: 30)
        guard local.count == 30, u32(local, 0) == 0x0403_4b50 else { throw .damaged("bad local header for \(path)") }
        let start = header + 30 + Int(u16(local, 26)) + Int(u16(local, 28))
        guard entry.compressedSize >= 0, start <= size, entry.compressedSize <= size - start else {
            throw .damaged("the data of \(path) lies outside the file")
        }
        switch entry.method {
        case 0:
            guard entry.compressedSize <= limit else { throw .tooLarge("workbook part \(path) is over the \(limit)-byte limit") }
            let bytes = try Self.read(file, at: start, count: entry.compressedSize)
            guard bytes.count == entry.compressedSize else { throw .damaged("the data of \(path) lies outside the file") }
            return bytes
        case 8:
            return try inflate(from: start, count: entry.compressedSize, path: path, limit: limit,
                               expected: min(max(entry.uncompressedSize, 0), limit))
        default:
            throw .damaged("\(path) uses compression method \(entry.method), which workbooks do not use")
        }
    }

    /// Inflates `count` compressed bytes starting at `start`, read a piece at a time.
    /// `expected` (the directory's size, within the limit) is reserved up front:
    /// a 400 MB sheet grown by doubling was copied about twice over.
    private func inflate(from start: Int, count: Int, path: String, limit: Int, expected: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .damaged("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(expected)
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        var status: Int32 = Z_OK
        var consumed = 0
        repeat {
            let want = min(Self.inputChunk, count - consumed)
            let piece = try Self.read(file, at: start + consumed, count: want)
            guard piece.count == want else { throw .damaged("the data of \(path) lies outside the file") }
            consumed += want
            var failure: Failure?
            piece.withUnsafeBufferPointer { source in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(source.count)
                // Until zlib leaves room in the output: then it has taken all of this piece, or the stream ended.
                repeat {
                    chunk.withUnsafeMutableBufferPointer { target in
                        stream.next_out = target.baseAddress
                        stream.avail_out = UInt32(target.count)
                        status = CDubanZlib.inflate(&stream, Z_NO_FLUSH)
                        output.append(contentsOf: target[0..<(target.count - Int(stream.avail_out))])
                    }
                    if output.count > limit { failure = .tooLarge("workbook part \(path) inflates past the \(limit)-byte limit (a zip bomb?); refusing to read it"); return }
                } while status == Z_OK && stream.avail_out == 0
                stream.next_in = nil
            }
            if let failure { throw failure }
            // Z_BUF_ERROR only means "give me more input"; anything else but Z_OK is the end, good or bad.
        } while (status == Z_OK || status == Z_BUF_ERROR) && consumed < count
        guard status == Z_STREAM_END else { throw .damaged("the compressed data of \(path) is corrupt (zlib status \(status))") }
        return output
    }

    private static func read(_ file: LedgerFile, at offset: Int, count: Int) throws(Failure) -> [UInt8] {
        do { return try file.read(at: offset, count: count) } catch { throw .unreadable(error.message) }
    }

    private func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
    private func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }
}
