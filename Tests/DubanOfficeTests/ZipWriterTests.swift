@testable import DubanOffice
import DubanTesting
import Foundation
import Testing

@Suite struct ZipWriterTests {
    /// Parts written in pieces, one larger than every internal buffer and
    /// incompressible, come back byte for byte through Python's zipfile, with
    /// their CRC-32s checked and every part deflated.
    @Test func pythonReadsWhatWasWritten() throws {
        let url = try temporaryFile("t.zip")
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<(700 * 1024)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let archive = try ZipWriter(creating: url)
        try archive.add("a.txt", "hello")
        try archive.begin("中文/名字.xml")
        for i in 0..<5000 { try archive.write("<row n=\"\(i)\">整改</row>") }
        try archive.end()
        try archive.begin("noise.bin")
        try archive.write(Array(noise[..<1000]))
        try archive.write(Array(noise[1000...]))
        try archive.end()
        try archive.add("empty", "")
        try archive.finish()

        let script = """
            import sys, zipfile, hashlib, json
            z = zipfile.ZipFile(sys.argv[1])
            print(json.dumps({"bad": z.testzip(), "parts": [[i.filename, i.compress_type, i.file_size, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]}, ensure_ascii=False))
            """
        struct Listing: Decodable { var bad: String?; var parts: [[Part]] }
        enum Part: Decodable {
            case text(String), number(Int)
            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let n = try? c.decode(Int.self) { self = .number(n) } else { self = .text(try c.decode(String.self)) }
            }
        }
        let output = try runProgram("/usr/bin/python3", ["-c", script, url.path])
        let listing = try JSONDecoder().decode(Listing.self, from: Data(output.utf8))
        #expect(listing.bad == nil)
        let rows = String((0..<5000).map { "<row n=\"\($0)\">整改</row>" }.joined())
        let expected: [(String, [UInt8])] = [("a.txt", Array("hello".utf8)), ("中文/名字.xml", Array(rows.utf8)), ("noise.bin", noise), ("empty", [])]
        #expect(listing.parts.count == expected.count)
        for (part, (name, bytes)) in zip(listing.parts, expected) {
            guard case .text(let partName) = part[0], case .number(let method) = part[1], case .number(let size) = part[2],
                  case .text(let digest) = part[3] else { Issue.record("unexpected listing \(part)"); continue }
            #expect(partName == name)
            #expect(method == 8, "\(name) is deflated")
            #expect(size == bytes.count)
            #expect(digest == (try sha256(bytes)), "\(name) comes back byte for byte")
        }
    }

    /// An archive that would need ZIP64 is refused with a message that says
    /// so, rather than written with sizes that wrap around. (The limit is
    /// lowered here; in use it is 4 GiB − 1.)
    @Test func refusesWhatWouldNeedZIP64() throws {
        let url = try temporaryFile("big.zip")
        let zip = try ZipWriter(creating: url, limit: 10_000)
        try zip.begin("part")
        #expect(throws: OfficeError.self) {
            for _ in 0..<100 { try zip.write([UInt8](repeating: 65, count: 1000)) }
        }
        do {
            try zip.write([UInt8](repeating: 65, count: 20_000))
            Issue.record("no refusal")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("ZIP64"))
            #expect(error.message.contains("part"))
        }
    }

    @Test func aFolderThatDoesNotExistIsAClearError() throws {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/x.zip")
        do {
            _ = try ZipWriter(creating: url)
            Issue.record("no error")
        } catch {
            #expect(error.code == .io)
            #expect(error.message.contains(url.path))
        }
    }

    func sha256(_ bytes: [UInt8]) throws -> String {
        let file = try temporaryFile("blob")
        try Data(bytes).write(to: file)
        return try runProgram("/usr/bin/sha256sum", [file.path]).split(separator: " ")[0].description
    }
}
