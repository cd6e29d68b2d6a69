import DubanCore
@testable import DubanLedger
import Foundation
import Testing
import ZIPFoundation

/// Ledger paths that are not a regular file of a sensible size: each is
/// refused before it is read, with what was expected, and never blocks.
@Suite struct LedgerFileTests {
    let loader = LedgerLoader(feedbackDate: feedback)

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("duban-ledgerfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func onlyError(_ snapshot: LedgerSnapshot) -> String {
        #expect(snapshot.tasks.isEmpty)
        #expect(snapshot.diagnostics.count == 1)
        return snapshot.diagnostics.first.map { "\($0.severity): \($0.message)" } ?? ""
    }

    @Test func aNamedPipeIsRefusedWithoutBlocking() throws {
        let url = try folder().appendingPathComponent("ledger.csv")
        #expect(mkfifo(url.path, 0o600) == 0)
        // Nobody ever writes to this pipe: opening it for a blocking read would hang here.
        let message = onlyError(loader.load(url))
        #expect(message.contains("error: this is a named pipe (FIFO), not a regular file"))
    }

    @Test func aDeviceIsRefused() throws {
        let url = try folder().appendingPathComponent("ledger.csv")
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: "/dev/zero")
        #expect(onlyError(loader.load(url)).contains("this is a device (like /dev/zero), not a regular file"))
    }

    @Test func aFolderIsRefused() throws {
        let url = try folder().appendingPathComponent("ledger.xlsx")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        #expect(onlyError(loader.load(url)).contains("this is a folder, not a file; expected a .xlsx or .csv file"))
    }

    @Test func aSymbolicLinkLoopIsRefused() throws {
        let base = try folder()
        let a = base.appendingPathComponent("a.csv"), b = base.appendingPathComponent("b.csv")
        try FileManager.default.createSymbolicLink(atPath: a.path, withDestinationPath: b.path)
        try FileManager.default.createSymbolicLink(atPath: b.path, withDestinationPath: a.path)
        #expect(onlyError(loader.load(a)).contains("the path is a loop of symbolic links"))
    }

    @Test func aMissingFileIsNamed() throws {
        let url = try folder().appendingPathComponent("gone.csv")
        let snapshot = loader.load(url)
        #expect(onlyError(snapshot) == "error: file not found")
        #expect(snapshot.diagnostics.first?.location.file == url.path)
    }

    /// The bytes this process has read from files so far (Linux /proc/self/io).
    static func bytesReadByThisProcess() throws -> Int {
        let io = try String(contentsOfFile: "/proc/self/io", encoding: .utf8)
        let line = try #require(io.split(separator: "\n").first { $0.hasPrefix("rchar:") })
        return try #require(Int(line.dropFirst("rchar:".count).trimmingCharacters(in: .whitespaces)))
    }

    /// A sparse file: `size` bytes long, taking no disk space, reading as zeros.
    static func sparseFile(_ url: URL, size: Int, prefix: Data = Data()) throws {
        #expect(FileManager.default.createFile(atPath: url.path, contents: prefix))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
    }

    @Test func aLedgerOverTheSizeLimitIsRefusedBeforeReading() throws {
        let url = try folder().appendingPathComponent("huge.csv")
        // 300 MB: over the 256 MiB default. Real ledgers are a few MB.
        try Self.sparseFile(url, size: 300 << 20, prefix: Data("序号,整改措施,整改时限\n".utf8))
        let before = try Self.bytesReadByThisProcess()
        let message = onlyError(loader.load(url))
        #expect(message.contains("the file is 314572800 bytes, over the 268435456-byte limit ([ledger] max_bytes)"))
        #expect(try Self.bytesReadByThisProcess() - before < 16 << 20)
    }

    @Test func theLimitIsConfigurable() throws {
        let url = try temporaryFile("small.csv", Data("序号,整改措施,整改时限\n1,措施,2026-06-30\n".utf8))
        #expect(LedgerLoader(feedbackDate: feedback, maxBytes: 1 << 20).load(url).tasks.count == 1)
        let refused = LedgerLoader(feedbackDate: feedback, maxBytes: 16).load(url)
        #expect(onlyError(refused).contains("over the 16-byte limit"))
    }

    /// A workbook whose parts are small but whose file is large (600 MB of
    /// padding before the central directory, stored sparse): only the
    /// directory and the parts are read, not the file.
    @Test func aWorkbookIsReadByItsDirectoryNotWhole() throws {
        let small = try folder().appendingPathComponent("small.xlsx")
        let archive = try Archive(url: small, accessMode: .create)
        for (path, text) in [
            ("xl/workbook.xml", #"<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", """
                <worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c><c r="B1" t="inlineStr"><is><t>整改措施</t></is></c><c r="C1" t="inlineStr"><is><t>整改时限</t></is></c></row>
                <row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>措施</t></is></c><c r="C2" t="inlineStr"><is><t>2026-06-30</t></is></c></row></sheetData></worksheet>
                """),
        ] {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        // Move the central directory 600 MB further on and point the end record at it.
        let bytes = [UInt8](try Data(contentsOf: small))
        func u32(_ i: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[i + $1]) << (8 * $1) } }
        let eocd = try #require((0...(bytes.count - 22)).reversed().first { u32($0) == 0x0605_4b50 })
        let directory = u32(eocd + 16)
        let padding = 600 << 20
        var tail = Array(bytes[directory...])
        let moved = directory + padding
        for k in 0..<4 { tail[eocd - directory + 16 + k] = UInt8(truncatingIfNeeded: moved >> (8 * k)) }
        let big = small.deletingLastPathComponent().appendingPathComponent("big.xlsx")
        try Self.sparseFile(big, size: directory + padding, prefix: Data(bytes[..<directory]))
        let handle = try FileHandle(forWritingTo: big)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(tail))
        try handle.close()

        let before = try Self.bytesReadByThisProcess()
        let snapshot = LedgerLoader(feedbackDate: feedback, maxBytes: 1 << 30).load(big)
        #expect(snapshot.tasks.map(\.measure) == ["措施"])
        #expect(try Self.bytesReadByThisProcess() - before < 16 << 20)
    }
}
