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
