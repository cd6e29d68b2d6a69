import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads `sharedStrings.xml`: each `<si>` is one string, either a plain `<t>`
/// or rich-text runs (`<r><t>…</t></r>…`) that are joined. Phonetic guides
/// (`<rPh>`, furigana/pinyin shown above the text) are not part of the value
/// and are skipped.
final class SharedStringsParser: NSObject, XMLParserDelegate {
    private(set) var strings: [String] = []
    private var current = ""
    private var inItem = false
    private var inText = false
    private var phoneticDepth = 0

    static func parse(_ data: Data) -> [String]? {
        let delegate = SharedStringsParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else { return nil }
        return delegate.strings
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        switch localName(elementName) {
        case "si": inItem = true; current = ""
        case "rPh": phoneticDepth += 1
        case "t": inText = inItem && phoneticDepth == 0
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        switch localName(elementName) {
        case "si": strings.append(current); inItem = false
        case "rPh": phoneticDepth -= 1
        case "t": inText = false
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }
}
