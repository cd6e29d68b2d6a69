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

        var description: String {
            switch self {
            case .notAZip: return "not a zip archive (no end-of-central-directory record)"
            case .damaged(let why): return "damaged zip archive: \(why)"
            case .tooLarge(let why): return why
            }
        }
    }

    private let bytes: [UInt8]
    private(set) var entries: [String: Entry] = [:]

    init(_ bytes: [UInt8]) throws(Failure) {
        self.bytes = bytes
        // End of central directory: 22 bytes plus a comment of up to 65535.
        guard bytes.count >= 22 else { throw .notAZip }
        var eocd = -1
        var i = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while i >= lowest {
            if u32(i) == 0x0605_4b50 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw .notAZip }
        var count = Int(u16(eocd + 10))
        var size = Int(u32(eocd + 12))
        var offset = Int(u32(eocd + 16))
        // ZIP64: the locator sits just before the EOCD record.
        if (count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF), eocd >= 20, u32(eocd - 20) == 0x0706_4b50 {
            let record = Int(clamping: u64(eocd - 12))
            guard record >= 0, record + 56 <= bytes.count, u32(record) == 0x0606_4b50 else { throw .damaged("bad ZIP64 record") }
            count = Int(clamping: u64(record + 32))
            size = Int(clamping: u64(record + 40))
            offset = Int(clamping: u64(record + 48))
        }
        guard offset >= 0, size >= 0, offset <= bytes.count, size <= bytes.count - offset else {
            throw .damaged("the central directory lies outside the file")
        }
        var p = offset
        for _ in 0..<count {
            guard p + 46 <= bytes.count, u32(p) == 0x0201_4b50 else { throw .damaged("bad central directory entry at \(p)") }
            let method = u16(p + 10)
            var compressed = Int(u32(p + 20)), uncompressed = Int(u32(p + 24))
            let nameLength = Int(u16(p + 28)), extraLength = Int(u16(p + 30)), commentLength = Int(u16(p + 32))
            var local = Int(u32(p + 42))
            let nameStart = p + 46
            guard nameStart + nameLength + extraLength + commentLength <= bytes.count else { throw .damaged("entry name past the end") }
            let name = String(decoding: bytes[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            // ZIP64 extended information: 64-bit values for the fields that are 0xFFFFFFFF, in order.
            var e = nameStart + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = u16(e), length = Int(u16(e + 2))
                if id == 0x0001 {
                    var q = e + 4
                    if uncompressed == 0xFFFF_FFFF, q + 8 <= extraEnd { uncompressed = Int(clamping: u64(q)); q += 8 }
                    if compressed == 0xFFFF_FFFF, q + 8 <= extraEnd { compressed = Int(clamping: u64(q)); q += 8 }
                    if local == 0xFFFF_FFFF, q + 8 <= extraEnd { local = Int(clamping: u64(q)) }
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
        let header = entry.localHeaderOffset
        guard header >= 0, header + 30 <= bytes.count, u32(header) == 0x0403_4b50 else { throw .damaged("bad local header for \(path)") }
        let start = header + 30 + Int(u16(header + 26)) + Int(u16(header + 28))
        guard entry.compressedSize >= 0, start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw .damaged("the data of \(path) lies outside the file")
        }
        let input = bytes[start..<(start + entry.compressedSize)]
        switch entry.method {
        case 0:
            guard input.count <= limit else { throw .tooLarge("workbook part \(path) is over the \(limit)-byte limit") }
            return Array(input)
        case 8:
            return try inflate(input, path: path, limit: limit)
        default:
            throw .damaged("\(path) uses compression method \(entry.method), which workbooks do not use")
        }
    }

    private func inflate(_ input: ArraySlice<UInt8>, path: String, limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .damaged("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        var status: Int32 = Z_OK
        var failure: Failure?
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while status == Z_OK {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    status = CDubanZlib.inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: target[0..<(target.count - Int(stream.avail_out))])
                }
                if output.count > limit { failure = .tooLarge("workbook part \(path) inflates past the \(limit)-byte limit (a zip bomb?); refusing to read it"); return }
                // No input left and no output made: the stream will never end.
                if status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0 { status = Z_BUF_ERROR }
            }
        }
        if let failure { throw failure }
        guard status == Z_STREAM_END else { throw .damaged("the compressed data of \(path) is corrupt (zlib status \(status))") }
        return output
    }

    private func u16(_ i: Int) -> UInt16 { UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 }
    private func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
    private func u64(_ i: Int) -> UInt64 { UInt64(u32(i)) | UInt64(u32(i + 4)) << 32 }
}
