import DubanCore
@testable import DubanLedger
import Foundation
import Testing

@Suite struct CSVReaderTests {
    @Test func rfc4180QuotingAndLineEnds() throws {
        let (rows, diagnostics) = try parseCSV("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",,x\n\nlast\n")
        #expect(diagnostics.isEmpty)
        #expect(rows == [["a", "b,c", "say \"hi\""], ["multi\nline", "", "x"], ["last"]])
    }

    @Test func rowNumbersAreLinesWhereRecordsStart() throws {
        var numbers: [Int] = []
        var diagnostics: [Diagnostic] = []
        try CSVReader.parse(Array("h\n\"two\nlines\"\nthird\n".utf8), file: "t.csv", diagnostics: &diagnostics) { numbers.append($0.number) }
        #expect(numbers == [1, 2, 4])
    }

    @Test func trailingCommaKeepsAnEmptyField() throws {
        #expect(try parseCSV("a,\nb,").rows == [["a", ""], ["b", ""]])
    }

    @Test func unterminatedQuoteIsAFileLevelErrorAndTextKept() throws {
        let (rows, diagnostics) = try parseCSV("a,\"never closed\nmore")
        #expect(rows == [["a", "never closed\nmore"]])
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0].severity == .error)
        // No row in the location: the whole file is suspect (torn), see the daemon.
        #expect(diagnostics[0].location.row == nil && diagnostics[0].message.hasPrefix("row 1, column 2:"))
    }

    @Test func aFileCutInTheMiddleOfItsLastRowIsTorn() throws {
        let (rows, diagnostics) = try parseCSV("h1,h2,h3\na,b,c\nd,e")
        #expect(rows == [["h1", "h2", "h3"], ["a", "b", "c"]])   // the cut row is not believed
        #expect(diagnostics.map(\.message) == ["row 3: the file ends in the middle of a row (2 of 3 cells, no final line break); was it still being saved?"])
        // A complete last row without a final line break is fine.
        #expect(try parseCSV("h1,h2\na,b").diagnostics.isEmpty)
    }

    @Test(arguments: ["sample-utf8.csv", "sample-bom.csv", "sample-gb18030.csv"])
    func encodingsReadTheSameText(name: String) throws {
        let reference = try readRows(fixture("sample-utf8.csv")).rows.map { $0.cells.map(\.text) }
        let (rows, diagnostics) = try readRows(fixture(name))
        #expect(diagnostics.isEmpty)
        #expect(rows.map { $0.cells.map(\.text) } == reference)
        #expect(reference[1].first == "序号")  // a BOM must not stick to the first heading
        #expect(reference.contains { $0.contains("理论学习中心组学习流于形式，学用脱节") })
    }

    @Test func detectsEncodings() throws {
        let text = "整改时限"
        #expect(try TextDecoding.utf8Bytes(of: Data(text.utf8)).encoding == .utf8)
        #expect(try TextDecoding.utf8Bytes(of: Data([0xEF, 0xBB, 0xBF] + Array(text.utf8))).encoding == .utf8BOM)
        let gb = text.data(using: TextDecoding.gb18030)!
        #expect(gb != Data(text.utf8))
        let decoded = try TextDecoding.utf8Bytes(of: gb)
        #expect(decoded.encoding == .gb18030)
        #expect(String(decoding: decoded.bytes, as: UTF8.self) == text)
    }

    @Test func utf16IsAClearError() throws {
        let url = try temporaryFile("u16.csv", Data([0xFF, 0xFE, 0x41, 0x00]))
        #expect { try readRows(url) } throws: { error in
            (error as? TableReadError)?.message.contains("UTF-16") == true
        }
    }
}

/// The two-thread CSV read must be invisible: the same rows, in the same
/// order with the same numbers, and the same diagnostics as the plain one.
@Suite struct ConcurrentCSVTests {
    /// A random CSV with what breaks parsers: quotes, doubled quotes, quoted
    /// line breaks, CRLF, blank lines, text after a closing quote, and
    /// sometimes a torn last row or an unclosed quote.
    static func randomCSV(seed: UInt64, rows: Int) -> [UInt8] {
        var generator = SplitMix(seed: seed)
        let pieces = ["a", "整改", "x y", "\"q,\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"", "", "\"a\"b", "2026-06-30", "长期坚持"]
        var text = ""
        for _ in 0..<rows {
            let width = Int(generator.next() % 5) + 1
            text += (0..<width).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined(separator: ",")
            text += ["\n", "\r\n", "\n\n"][Int(generator.next() % 3)]
        }
        switch generator.next() % 4 {
        case 0: text += "torn,row"
        case 1: text += "\"never closed, at all"
        default: break
        }
        return Array(text.utf8)
    }

    static func read(_ bytes: [UInt8], concurrently: Bool) throws -> (rows: [String], diagnostics: [Diagnostic]) {
        var rows: [String] = []
        var diagnostics: [Diagnostic] = []
        try CSVReader.parse(bytes, file: "t.csv", diagnostics: &diagnostics, concurrently: concurrently) { row in
            rows.append("\(row.number):" + row.cells.map { "\($0)" }.joined(separator: "|"))
        }
        return (rows, diagnostics)
    }

    @Test(arguments: 0..<40)
    func sameRowsAndDiagnosticsAsTheSerialRead(seed: Int) throws {
        // Row counts around the batch size, so batches end mid-file and at its end.
        let bytes = Self.randomCSV(seed: UInt64(seed), rows: [3, 4095, 4096, 9000][seed % 4])
        let serial = try Self.read(bytes, concurrently: false)
        let concurrent = try Self.read(bytes, concurrently: true)
        #expect(concurrent.rows.count == serial.rows.count)
        #expect(concurrent.rows == serial.rows)
        #expect(concurrent.diagnostics == serial.diagnostics)
    }

    @Test func anErrorInTheConsumerStopsTheReadAndIsThrown() throws {
        struct Stop: Error {}
        let bytes = Array(String(repeating: "a,b,c\n", count: 50_000).utf8)
        var seen = 0
        #expect(throws: Stop.self) {
            var diagnostics: [Diagnostic] = []
            try CSVReader.parse(bytes, file: "t.csv", diagnostics: &diagnostics, concurrently: true) { _ in
                seen += 1
                if seen == 10_000 { throw Stop() }
            }
        }
        #expect(seen == 10_000)
    }
}

/// Trimming decides most cells from their first and last UTF-8 bytes; on
/// random texts (every kind of space at either end, CJK, ASCII, accents,
/// emoji, substrings) it trims as looking at the scalars always did.
@Suite struct TrimmingTests {
    @Test func trimmingIsWhatScalarsSay() {
        func byScalars(_ text: Substring) -> String {
            let scalars = text.unicodeScalars
            guard let start = scalars.firstIndex(where: { !$0.isSpace }) else { return "" }
            let end = scalars.lastIndex(where: { !$0.isSpace })!
            return String(String.UnicodeScalarView(scalars[start...end]))
        }
        let pieces = ["整改", "措施", "a", "Z", "~", " ", "\t", "\n", "\u{3000}", "\u{A0}", "\u{85}", "\u{1680}", "\u{2007}", "\u{2028}",
                      "\u{202F}", "\u{205F}", "\u{4DFF}", "\u{4E00}", "\u{9FFF}", "\u{A000}", "é", "e\u{301}", "\u{1F600}", "\u{FF01}", "\u{7F}", "\u{0}"]
        var random = SplitMix(seed: 41)
        for _ in 0..<5000 {
            let text = (0..<Int(random.next() % 6)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            #expect(text.trimmingWhitespace() == byScalars(text[...]), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
            let inner = text.dropFirst(Int(random.next() % 2))
            #expect(inner.trimmingWhitespace() == byScalars(inner), "\(inner.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }
}

/// A deterministic generator for random test inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
