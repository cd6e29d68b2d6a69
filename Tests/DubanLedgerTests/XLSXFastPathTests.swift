@testable import DubanLedger
import Foundation
import Testing

/// The .xlsx reader's fast path (`FastPartParsers`, byte ranges instead of
/// Strings) against the general readers it replaced, on random parts: the
/// same rows, cells, merges, problems and errors.
@Suite struct XLSXFastPathTests {
    /// The module's SplitMix64 (CSVReaderTests): the same random parts on every run.
    typealias Random = SplitMix

    static let texts = ["整改", "落实“三重一大”", "a &amp; b", "&lt;b&gt;", "&#x4E2D;&#25991;", " 张伟 ", "\u{3000}李强", "2026-06-30",
                        "x<!-- note -->y", "ok", "", "  ", "&quot;q&apos;", "\u{FF}"]
    /// Text the fast path leaves to the general parser (bad or rare references, CDATA).
    static let rareTexts = ["&#xD800;", "&bogus;", "&#+65;", "<![CDATA[raw]]>", "a&#x0000000041;"]

    static func text(_ random: inout Random) -> String {
        random.chance(3) ? random.pick(rareTexts) : random.pick(texts)
    }

    /// A random worksheet in the shapes writers produce, with now and then a
    /// shape they do not (rows out of order, bad references, broken XML).
    static func sheet(_ random: inout Random, strings: Int) -> [UInt8] {
        let p = random.chance(20) ? "x:" : ""
        var xml = random.chance(50) ? "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" : ""
        xml += "<\(p)worksheet xmlns:\(p.isEmpty ? "r" : "x")=\"urn\"><\(p)dimension ref=\"A1:P9\"/><\(p)sheetData>"
        var row = 0
        for _ in 0..<random.below(12) {
            var attributes = ""
            if random.chance(3) { row = max(1, row - random.below(3)) } else { row += 1 + (random.chance(20) ? random.below(3) : 0) }
            if random.chance(85) { attributes += " r=\"\(random.chance(3) ? "0" : String(row))\"" } else { row += 0 }
            if random.chance(30) { attributes += " spans='1:9' x14ac:dyDescent=\"0.25\"" }
            if random.chance(5) { xml += "<\(p)row\(attributes)/>"; continue }
            xml += "<\(p)row\(attributes)>"
            var column = 0
            for _ in 0..<random.below(8) {
                column += 1 + (random.chance(20) ? random.below(4) : 0)
                let letter = String(UnicodeScalar(UInt8(64 + min(column, 26))))
                var c = "<\(p)c"
                switch random.below(20) {
                case 0: c += ""                                   // follows the previous cell
                case 1: c += " r=\"\(random.pick(["A0", "1A", "XFE1", "$B$\(max(row, 1))"]))\""
                default: c += " r=\"\(letter)\(max(row, 1))\""
                }
                let style = random.chance(30) ? " s=\"\(random.pick(["1", "2", "0", " 1", "x"]))\"" : ""
                switch random.below(11) {
                case 0, 1, 2:
                    let index = random.chance(90) ? String(random.below(strings + 2)) : random.pick([" 1 ", "+1", "", "x"])
                    c += " t=\"s\"\(style)><\(p)v>\(index)</\(p)v></\(p)c>"
                case 3:
                    let v = random.pick(["1", "12", "007", "46203", "46203.75", " 12 ", "1e3", "-1", "abc", "60", "", "1e308"])
                    c += "\(style)><\(p)v>\(v)</\(p)v></\(p)c>"
                case 4:
                    c += " t=\"inlineStr\"\(style)><\(p)is><\(p)t>\(Self.text(&random))</\(p)t></\(p)is></\(p)c>"
                case 5:
                    c += " t=\"inlineStr\"><\(p)is><\(p)r><\(p)t>\(Self.text(&random))</\(p)t></\(p)r><\(p)r><\(p)rPr/><\(p)t xml:space=\"preserve\">\(Self.text(&random))</\(p)t></\(p)r>"
                        + "<\(p)rPh sb=\"0\" eb=\"1\"><\(p)t>ピン</\(p)t></\(p)rPh></\(p)is></\(p)c>"
                case 6: c += " t=\"b\"><\(p)v>\(random.pick(["1", "0", " 1"]))</\(p)v></\(p)c>"
                case 7: c += " t=\"e\"><\(p)v>#N/A</\(p)v></\(p)c>"
                case 8: c += " t=\"str\"><\(p)f>A1</\(p)f><\(p)v>\(Self.text(&random))</\(p)v></\(p)c>"
                case 9: c += " t=\"d\"><\(p)v>\(random.pick(["2026-06-30T00:00:00", "2026-13-01", "x"]))</\(p)v></\(p)c>"
                default: c += "\(style)/>"
                }
                xml += c
            }
            xml += random.chance(5) ? "<!-- a comment -->" : ""
            xml += "</\(p)row>"
        }
        xml += "</\(p)sheetData>"
        if random.chance(70) {
            xml += "<\(p)mergeCells count=\"3\">"
            for _ in 0..<random.below(5) {
                let top = 1 + random.below(max(row, 1) + 2), left = random.below(6)
                let ref = random.chance(5) ? "A" : "\(letter(left))\(top):\(letter(left + random.below(3)))\(top + random.below(4))"
                xml += "<\(p)mergeCell ref=\"\(ref)\"/>"
            }
            xml += "</\(p)mergeCells>"
        }
        xml += "<\(p)pageMargins left=\"0.7\"/></\(p)worksheet>"
        var bytes = Array(xml.utf8)
        if random.chance(5) { bytes.removeLast(random.below(bytes.count)) }   // a save cut short
        if random.chance(3) { bytes.insert(0xE4, at: random.below(bytes.count + 1)) }   // stray bytes anywhere
        return bytes
    }

    static func letter(_ column: Int) -> String { String(UnicodeScalar(UInt8(65 + column))) }

    static func sharedStrings(_ random: inout Random) -> [UInt8] {
        var xml = "<?xml version=\"1.0\"?><sst xmlns=\"urn\" count=\"9\" uniqueCount=\"9\">"
        for _ in 0..<random.below(10) {
            switch random.below(5) {
            case 0: xml += "<si/>"
            case 1: xml += "<si><r><rPr><b/></rPr><t>\(Self.text(&random))</t></r><r><t xml:space=\"preserve\">\(Self.text(&random))</t></r></si>"
            case 2: xml += "<si><t>\(Self.text(&random))</t><rPh sb=\"0\" eb=\"1\"><t>ピン</t></rPh><phoneticPr fontId=\"1\"/></si>"
            default: xml += "<si><t>\(Self.text(&random))</t></si>"
            }
        }
        xml += "</sst>"
        var bytes = Array(xml.utf8)
        if random.chance(5) { bytes.removeLast(random.below(bytes.count)) }
        return bytes
    }

    @Test func randomSheetsReadAsTheGeneralParserReadsThem() {
        var random = Random(seed: 17)
        var fast = 0, joined = 0
        for round in 0..<3000 {
            let strings = ["标题", "", "张伟", "理论学习"].prefix(random.below(5)).map { $0 }
            let parser = WorksheetParser(context: .init(sharedStrings: strings, dateStyles: [1], dateSystem: .from1900))
            let bytes = Self.sheet(&random, strings: strings.count)
            let expected = XLSXReader.sheetRows(bytes, parser, fast: false)
            // Every other part read in two halves, as large sheets are.
            let actual = XLSXReader.sheetRows(bytes, parser, halvesAbove: round % 2 == 0 ? 0 : .max)
            if bytes.withUnsafeBufferPointer({ FastPartParsers.worksheet($0, parser) }) != nil { fast += 1 }
            if round % 2 == 0, bytes.withUnsafeBufferPointer({ buffer in
                FastPartParsers.rowTag(in: buffer, from: buffer.count / 2).flatMap { FastPartParsers.halves(buffer, parser, at: $0) }
            }) != nil { joined += 1 }
            let same = actual.rows.map(\.number) == expected.rows.map(\.number)
                && zip(actual.rows, expected.rows).allSatisfy { $0.cells == $1.cells }
                && actual.problems.map { "\(String(describing: $0.0)) \($0.1)" } == expected.problems.map { "\(String(describing: $0.0)) \($0.1)" }
                && actual.failure?.description == expected.failure?.description
            #expect(same, "round \(round): \(String(decoding: bytes, as: UTF8.self))")
            if !same { return }
        }
        // Most parts must take the fast path, or this compares the general parser with itself.
        #expect(fast > 1500)
        // And a good part of the halves must join, or the split is never what is compared.
        #expect(joined > 300, "\(joined) of 1500 joined")
    }

    @Test func randomSharedStringsReadAsTheGeneralParserReadsThem() {
        var random = Random(seed: 29)
        var fast = 0
        for round in 0..<3000 {
            let bytes = Self.sharedStrings(&random)
            let expected = Result { try SharedStringsParser.parse(bytes) }
            guard let actual = bytes.withUnsafeBufferPointer(FastPartParsers.sharedStrings) else { continue }
            fast += 1
            #expect((try? expected.get()) == actual, "round \(round): \(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(fast > 1500)
    }

    @Test func mergesFillRowsInOrderAsTheyFillTheTable() {
        var random = Random(seed: 5)
        for _ in 0..<2000 {
            var table: [Int: [Cell]] = [:]
            for number in 1...12 where random.chance(60) {
                table[number] = (0..<(1 + random.below(5))).map { _ in random.chance(30) ? .empty : .text(String(random.below(9))) }
            }
            let merges = (0..<random.below(6)).compactMap { _ -> CellRange? in
                let top = 1 + random.below(14), left = random.below(6)
                return CellRange("\(Self.letter(left))\(top):\(Self.letter(left + random.below(3)))\(top + random.below(5))")
            }
            var rows = table.keys.sorted().map { TableRow(number: $0, cells: table[$0]!) }
            XLSXReader.fillMerges(merges, into: &table)
            XLSXReader.fillMerges(merges, into: &rows)
            #expect(rows.map(\.number) == table.keys.sorted())
            #expect(rows.map(\.cells) == table.keys.sorted().map { table[$0]! })
        }
    }
}

extension SplitMix {
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
