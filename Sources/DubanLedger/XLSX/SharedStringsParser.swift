import Foundation

/// Reads `sharedStrings.xml`: each `<si>` is one string, either a plain `<t>`
/// or rich-text runs (`<r><t>…</t></r>…`) that are joined. Phonetic guides
/// (`<rPh>`, furigana/pinyin shown above the text) are not part of the value
/// and are skipped.
enum SharedStringsParser {
    static func parse(_ data: Data) throws(XMLScanner.Failure) -> [String] { try parse([UInt8](data)) }

    static func parse(_ bytes: [UInt8]) throws(XMLScanner.Failure) -> [String] {
        var scanner = XMLScanner(bytes)
        var strings: [String] = []
        var current = ""
        var inItem = false, inText = false
        var phoneticDepth = 0
        while let token = try scanner.next() {
            switch token {
            case .start(let name, _, let selfClosing):
                switch name {
                case "si": inItem = true; current = ""; if selfClosing { strings.append(""); inItem = false }
                case "rPh": if !selfClosing { phoneticDepth += 1 }
                case "t": inText = inItem && phoneticDepth == 0 && !selfClosing
                default: break
                }
            case .end(let name):
                switch name {
                case "si": strings.append(current); inItem = false
                case "rPh": phoneticDepth -= 1
                case "t": inText = false
                default: break
                }
            case .text(let range):
                if inText { current += try scanner.text(range) }
            }
        }
        return strings
    }
}
