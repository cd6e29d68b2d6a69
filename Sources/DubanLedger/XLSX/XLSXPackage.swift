import DubanCore
import Foundation
import ZIPFoundation

/// The zip container of an .xlsx workbook, read with limits: a ledger comes
/// from people, and a 1 KB file that inflates to 10 GB (a zip bomb) must be
/// refused, not read into memory.
struct XLSXPackage {
    /// No part of a real ledger comes near this; a 1M-row sheet is ~400 MB.
    static let maximumPartSize: UInt64 = 1 << 30
    /// Spreadsheet XML deflates about 5–20 to 1. A large part that claims (or
    /// turns out) to inflate more than this per compressed byte is a bomb,
    /// refused before it costs a second of CPU.
    static let maximumRatio: UInt64 = 100
    static let ratioCheckedAbove: UInt64 = 16 << 20

    private let archive: Archive
    let file: String

    init(url: URL) throws(TableReadError) {
        file = url.path
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TableReadError(SourceLocation(file: file), "file not found")
        }
        do {
            // The file-backed archive, not `Archive(data:)`: fuzzing found that
            // ZIPFoundation 0.9.20's in-memory reader traps on a malformed zip
            // (a negative range in MemoryFile.readData), while the file reader
            // reports an error. The file reader leaks a path buffer (~32 bytes)
            // per open, which LeakSanitizer reports; that is accepted.
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw TableReadError(SourceLocation(file: file), "not a readable .xlsx workbook (the zip container is truncated or damaged; was the file still being saved?)")
        }
    }

    func contains(_ path: String) -> Bool { archive[path] != nil }

    /// The bytes of one part. The size in the zip directory can lie, so the
    /// limit is also enforced while inflating.
    func data(_ path: String) throws(TableReadError) -> Data {
        guard let entry = archive[path] else {
            throw TableReadError(SourceLocation(file: file), "damaged workbook: part \(path) is missing")
        }
        let limit = Self.maximumPartSize
        if UInt64(entry.uncompressedSize) > limit {
            throw TableReadError(SourceLocation(file: file), "workbook part \(path) would inflate to \(entry.uncompressedSize) bytes, over the \(limit)-byte limit; refusing to read it")
        }
        let compressed = max(UInt64(entry.compressedSize), 1)
        let ratioLimit = max(compressed * Self.maximumRatio, Self.ratioCheckedAbove)
        if UInt64(entry.uncompressedSize) > ratioLimit {
            throw TableReadError(SourceLocation(file: file), "workbook part \(path) claims to inflate \(entry.uncompressedSize / compressed)-fold (a zip bomb?); refusing to read it")
        }
        var data = Data()
        data.reserveCapacity(Int(min(UInt64(entry.uncompressedSize), 64 << 20)))
        struct TooLarge: Error {}
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                // The sizes in the zip directory can lie: enforce both limits while inflating.
                if UInt64(data.count + chunk.count) > min(limit, ratioLimit) { throw TooLarge() }
                data.append(chunk)
            }
        } catch is TooLarge {
            throw TableReadError(SourceLocation(file: file), "workbook part \(path) inflates past the \(min(limit, ratioLimit))-byte limit (a zip bomb?); refusing to read it")
        } catch {
            throw TableReadError(SourceLocation(file: file), "damaged workbook: cannot inflate \(path) (\(error))")
        }
        return data
    }

    /// Resolves a relationship target: relative to the part's folder, or
    /// absolute from the package root when it starts with `/`.
    static func resolve(target: String, relativeTo folder: String) -> String {
        if target.hasPrefix("/") { return String(target.dropFirst()) }
        var parts = folder.split(separator: "/").map(String.init)
        for piece in target.split(separator: "/") {
            if piece == ".." { _ = parts.popLast() } else if piece != "." { parts.append(String(piece)) }
        }
        return parts.joined(separator: "/")
    }
}
