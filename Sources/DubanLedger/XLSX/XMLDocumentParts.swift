import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Collects the elements of a small XML part (workbook, relationships,
/// styles) as flat (name, attributes) pairs in document order. Namespaced
/// names are reduced to their local part: workbooks written by different
/// programs use different prefixes for the same elements.
final class ElementCollector: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        /// Nesting depth, 0 for the root.
        var depth: Int
    }

    private(set) var elements: [Element] = []
    private var depth = 0
    private let wanted: Set<String>

    init(wanted: Set<String>) {
        self.wanted = wanted
    }

    static func collect(_ data: Data, wanted: Set<String>) -> [Element]? {
        let collector = ElementCollector(wanted: wanted)
        let parser = XMLParser(data: data)
        parser.delegate = collector
        guard parser.parse() else { return nil }
        return collector.elements
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        let name = localName(elementName)
        if wanted.contains(name) {
            var attributes: [String: String] = [:]
            for (key, value) in attributeDict { attributes[localName(key)] = value }
            elements.append(Element(name: name, attributes: attributes, depth: depth))
        }
        depth += 1
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        depth -= 1
    }
}

/// `x:row` → `row`, `r:id` → `id`.
@inline(__always)
func localName(_ name: String) -> String {
    guard let colon = name.lastIndex(of: ":") else { return name }
    return String(name[name.index(after: colon)...])
}
