import DubanCore
import Foundation

/// The zip container of an .xlsx workbook, read with limits: a ledger comes
/// from people, and a 1 KB file that inflates to 10 GB (a zip bomb) must be
/// refused, not read into memory.
struct XLSXPackage {
    /// No part of a real ledger comes near this; a 1M-row sheet is ~400 MB.
    static let maximumPartSize = 1 << 30
    /// Spreadsheet XML deflates about 5–20 to 1. A large part that claims (or
    /// turns out) to inflate more than this per compressed byte is a bomb,
    /// refused before it costs a second of CPU.
    static let maximumRatio = 100
    static let ratioCheckedAbove = 16 << 20

    private let zip: ZipReader
    let file: String

    init(url: URL, maxBytes: Int = LedgerFile.defaultMaxBytes) throws(TableReadError) {
        file = url.path
        // Only the directory and the parts read are loaded, never the whole file.
        // A save replaces the file by renaming (Excel, WPS, LibreOffice): the
        // open descriptor keeps reading the one that was opened.
        let opened = try LedgerFile.open(url, maxBytes: maxBytes)
        do {
            zip = try ZipReader(opened)
        } catch {
            throw TableReadError(SourceLocation(file: file), "not a readable .xlsx workbook (the zip container is truncated or damaged; was the file still being saved?): \(error)")
        }
    }

    func contains(_ path: String) -> Bool { zip.entries[path] != nil }

    /// What the directory says a part inflates to (it can lie; only for choosing how to read it).
    func uncompressedSize(_ path: String) -> Int { zip.entries[path]?.uncompressedSize ?? 0 }

    /// The bytes of one part, within the size and ratio limits.
    func data(_ path: String) throws(TableReadError) -> Data {
        Data(try bytes(path))
    }

    /// `data`, as the array the parsers walk (the sheet is most of a
    /// workbook: converting it to `Data` and back copied it twice).
    func bytes(_ path: String) throws(TableReadError) -> [UInt8] {
        guard let entry = zip.entries[path] else {
            throw TableReadError(SourceLocation(file: file), "damaged workbook: part \(path) is missing")
        }
        if entry.uncompressedSize > Self.maximumPartSize {
            throw TableReadError(SourceLocation(file: file), "workbook part \(path) would inflate to \(entry.uncompressedSize) bytes, over the \(Self.maximumPartSize)-byte limit; refusing to read it")
        }
        let ratioLimit = max(max(entry.compressedSize, 1) * Self.maximumRatio, Self.ratioCheckedAbove)
        if entry.uncompressedSize > ratioLimit {
            throw TableReadError(SourceLocation(file: file), "workbook part \(path) claims to inflate \(entry.uncompressedSize / max(entry.compressedSize, 1))-fold (a zip bomb?); refusing to read it")
        }
        do {
            // The sizes in the directory can lie: the limits also hold while inflating.
            return try zip.data(path, limit: min(Self.maximumPartSize, ratioLimit))
        } catch {
            throw TableReadError(SourceLocation(file: file), "\(error)")
        }
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
