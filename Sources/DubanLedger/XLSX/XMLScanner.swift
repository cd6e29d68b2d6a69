/// A pull scanner for the XML inside .xlsx files, over bytes.
///
/// Why not FoundationXML's `XMLParser`: on Linux its `init(data:)` fails with
/// an internal error on parts of a few megabytes, and its delegate callbacks
/// (a dictionary and several Strings per element) made reading a 100k-row
/// sheet take seconds. Spreadsheet XML is machine-written and uses a small
/// subset of XML, which this scanner covers: elements, attributes, text,
/// character and the five predefined entity references, CDATA, comments and
/// processing instructions. A DOCTYPE is refused outright: OOXML never has
/// one, and refusing it rules out entity-expansion attacks.
///
/// Element and attribute names are reported without their namespace prefix
/// (`x:row` → `row`): writers differ in the prefixes they use.
struct XMLScanner {
    enum Token {
        case start(name: String, attributes: [(name: String, value: String)], selfClosing: Bool)
        case end(name: String)
        /// Character data between tags, still encoded; see `text(_:)`.
        case text(Range<Int>)
    }

    struct Failure: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "XML error at line \(line): \(message)" }
    }

    private let bytes: [UInt8]
    private var index = 0
    private var open: [String] = []

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The next token, or nil at the end of a well-formed document.
    mutating func next() throws(Failure) -> Token? {
        while index < bytes.count {
            if bytes[index] != UInt8(ascii: "<") {
                let start = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "<") { index += 1 }
                return .text(start..<index)
            }
            // Markup.
            guard index + 1 < bytes.count else { throw fail("unterminated markup") }
            switch bytes[index + 1] {
            case UInt8(ascii: "?"):
                try skip(past: Array("?>".utf8))
            case UInt8(ascii: "!"):
                if starts(with: "<!--") {
                    try skip(past: Array("-->".utf8))
                } else if starts(with: "<![CDATA[") {
                    let start = index + 9
                    try skip(past: Array("]]>".utf8))
                    return .text(start..<(index - 3))   // CDATA content is literal; see text(_:)
                } else {
                    throw fail("a DOCTYPE or other declaration is not allowed in a workbook")
                }
            case UInt8(ascii: "/"):
                index += 2
                let name = try readName()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw fail("malformed end tag </\(name)") }
                index += 1
                guard let expected = open.popLast(), expected == name else { throw fail("end tag </\(name)> does not match the open element") }
                return .end(name: name)
            default:
                index += 1
                let name = try readName()
                var attributes: [(name: String, value: String)] = []
                while true {
                    skipSpace()
                    guard index < bytes.count else { throw fail("unterminated tag <\(name)") }
                    if bytes[index] == UInt8(ascii: ">") {
                        index += 1
                        open.append(name)
                        return .start(name: name, attributes: attributes, selfClosing: false)
                    }
                    if bytes[index] == UInt8(ascii: "/") {
                        guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ">") else { throw fail("malformed tag <\(name)") }
                        index += 2
                        return .start(name: name, attributes: attributes, selfClosing: true)
                    }
                    let attribute = try readName()
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw fail("attribute \(attribute) has no value") }
                    index += 1
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                        throw fail("attribute \(attribute) is not quoted")
                    }
                    let quote = bytes[index]
                    let start = index + 1
                    index = start
                    while index < bytes.count, bytes[index] != quote { index += 1 }
                    guard index < bytes.count else { throw fail("unterminated attribute \(attribute)") }
                    let value = try decode(start..<index)
                    index += 1
                    attributes.append((attribute, value))
                }
            }
        }
        if let unclosed = open.last { throw fail("the document ends inside <\(unclosed)>") }
        return nil
    }

    /// Decodes character data (entity references resolved). CDATA ranges come
    /// through here too; they cannot contain `&` references by construction
    /// of the writers we read, and a stray `&` in them is kept as is.
    func text(_ range: Range<Int>) throws(Failure) -> String {
        try decode(range)
    }

    // MARK: - Lexing

    private func starts(with literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let pointer = literal.utf8Start
        for k in 0..<count where bytes[index + k] != pointer[k] { return false }
        return true
    }

    private mutating func skip(past terminator: [UInt8]) throws(Failure) {
        var k = index
        while k + terminator.count <= bytes.count {
            if bytes[k] == terminator[0], Array(bytes[k..<(k + terminator.count)]) == terminator {
                index = k + terminator.count
                return
            }
            k += 1
        }
        throw fail("unterminated markup")
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    /// A name up to whitespace, `=`, `>` or `/`, returned without its prefix.
    private mutating func readName() throws(Failure) -> String {
        let start = index
        var colon = -1
        while index < bytes.count {
            let b = bytes[index]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: "=")
                || b == UInt8(ascii: ">") || b == UInt8(ascii: "/") { break }
            if b == UInt8(ascii: ":") { colon = index }
            index += 1
        }
        guard index > start else { throw fail("expected a name") }
        let from = colon >= 0 ? colon + 1 : start
        return String(decoding: bytes[from..<index], as: UTF8.self)
    }

    private func decode(_ range: Range<Int>) throws(Failure) -> String {
        guard bytes[range].contains(UInt8(ascii: "&")) else {
            return String(decoding: bytes[range], as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var k = range.lowerBound
        while k < range.upperBound {
            let b = bytes[k]
            guard b == UInt8(ascii: "&") else { out.append(b); k += 1; continue }
            guard let semicolon = bytes[k..<range.upperBound].firstIndex(of: UInt8(ascii: ";")), semicolon - k <= 12 else {
                throw fail("unterminated entity reference")
            }
            let entity = String(decoding: bytes[(k + 1)..<semicolon], as: UTF8.self)
            switch entity {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                var code: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    code = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    code = UInt32(entity.dropFirst(), radix: 10)
                }
                guard let code, let scalar = Unicode.Scalar(code) else { throw fail("unknown entity &\(entity);") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            k = semicolon + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func fail(_ message: String) -> Failure {
        let line = 1 + bytes[0..<min(index, bytes.count)].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return Failure(line: line, message: message)
    }
}

extension Array where Element == (name: String, value: String) {
    subscript(attribute name: String) -> String? {
        first { $0.name == name }?.value
    }
}
