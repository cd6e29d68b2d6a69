import Foundation

/// Collects the elements of a small XML part (workbook, relationships,
/// styles) as flat (name, attributes, depth) records in document order.
enum ElementCollector {
    struct Element {
        var name: String
        var attributes: [String: String]
        /// Nesting depth, 0 for the root.
        var depth: Int
    }

    static func collect(_ data: Data, wanted: Set<String>) throws(XMLScanner.Failure) -> [Element] {
        var scanner = XMLScanner([UInt8](data))
        var elements: [Element] = []
        var depth = 0
        while let token = try scanner.next() {
            switch token {
            case .start(let name, let attributes, let selfClosing):
                if wanted.contains(name) {
                    var map: [String: String] = [:]
                    for (key, value) in attributes { map[key] = value }
                    elements.append(Element(name: name, attributes: map, depth: depth))
                }
                if !selfClosing { depth += 1 }
            case .end:
                depth -= 1
            case .text:
                break
            }
        }
        return elements
    }
}
