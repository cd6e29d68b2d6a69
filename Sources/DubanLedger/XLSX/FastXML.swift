/// The fast path of the .xlsx reader: the same tokens as `XMLScanner`, as
/// byte ranges of the part instead of `String`s for every element and
/// attribute name (a 1M-row sheet has some 40 million of them).
///
/// It covers what spreadsheet writers produce. Anything else — any XML
/// error, CDATA, a DOCTYPE, an entity in an attribute value, an entity other
/// than the five predefined ones and plain numeric references — throws
/// `Unsupported`, and the caller reads the part again with `XMLScanner`,
/// which gives the same answer or the same error as before. Every token it
/// does return is the one `XMLScanner` returns at that point.
struct FastXMLScanner {
    enum Token {
        /// The local name (the part after any prefix) of a start tag; its
        /// attributes are in `attributes` until the next call.
        case start(name: Range<Int>, selfClosing: Bool)
        case end(name: Range<Int>)
        /// Character data between tags, still encoded; see `appendText`.
        case text(Range<Int>)
    }

    struct Unsupported: Error {}

    let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private(set) var open: [Range<Int>] = []
    /// For the second half of a sheet read in two (see `FastPartParsers`): it
    /// starts inside elements opened before, whose end tags it records here.
    private let startsInside: Bool
    private(set) var closedFromBefore: [Range<Int>] = []
    /// Where the first half stops: at the token that starts there.
    private let stop: Int
    /// The current start tag's attributes: local names and raw values, the
    /// first `attributeCount` of them (the array is reused, not emptied).
    private var attributes: [(name: Range<Int>, value: Range<Int>)] = []
    private var attributeCount = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0, stop: Int = Int.max) {
        self.bytes = bytes
        index = start
        startsInside = start > 0
        self.stop = stop
        open.reserveCapacity(16)
        attributes.reserveCapacity(8)
    }

    mutating func next() throws(Unsupported) -> Token? {
        let n = bytes.count
        while index < n {
            if index >= stop {
                // Stopping anywhere but at a token's start would lose part of one.
                guard index == stop else { throw Unsupported() }
                return nil
            }
            if bytes[index] != UInt8(ascii: "<") {
                let start = index
                while index < n, bytes[index] != UInt8(ascii: "<") { index += 1 }
                return .text(start..<index)
            }
            guard index + 1 < n else { throw Unsupported() }
            switch bytes[index + 1] {
            case UInt8(ascii: "?"):
                try skip(past: UInt8(ascii: "?"), UInt8(ascii: ">"), nil)
            case UInt8(ascii: "!"):
                // Comments as XMLScanner skips them; CDATA and declarations are its business.
                guard index + 3 < n, bytes[index + 2] == UInt8(ascii: "-"), bytes[index + 3] == UInt8(ascii: "-") else { throw Unsupported() }
                try skip(past: UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: ">"))
            case UInt8(ascii: "/"):
                index += 2
                let name = try readName()
                skipSpace()
                guard index < n, bytes[index] == UInt8(ascii: ">") else { throw Unsupported() }
                index += 1
                if open.isEmpty, startsInside {
                    closedFromBefore.append(name)
                    return .end(name: name)
                }
                guard let expected = open.popLast(), same(expected, name) else { throw Unsupported() }
                return .end(name: name)
            default:
                index += 1
                let name = try readName()
                attributeCount = 0
                while true {
                    skipSpace()
                    guard index < n else { throw Unsupported() }
                    if bytes[index] == UInt8(ascii: ">") {
                        index += 1
                        open.append(name)
                        return .start(name: name, selfClosing: false)
                    }
                    if bytes[index] == UInt8(ascii: "/") {
                        guard index + 1 < n, bytes[index + 1] == UInt8(ascii: ">") else { throw Unsupported() }
                        index += 2
                        return .start(name: name, selfClosing: true)
                    }
                    let attribute = try readName()
                    skipSpace()
                    guard index < n, bytes[index] == UInt8(ascii: "=") else { throw Unsupported() }
                    index += 1
                    skipSpace()
                    guard index < n, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else { throw Unsupported() }
                    let quote = bytes[index]
                    let start = index + 1
                    index = start
                    while index < n, bytes[index] != quote {
                        // XMLScanner decodes every value; an entity in one is left to it.
                        if bytes[index] == UInt8(ascii: "&") { throw Unsupported() }
                        index += 1
                    }
                    guard index < n else { throw Unsupported() }
                    if attributeCount < attributes.count { attributes[attributeCount] = (attribute, start..<index) } else { attributes.append((attribute, start..<index)) }
                    attributeCount += 1
                    index += 1
                }
            }
        }
        if !open.isEmpty { throw Unsupported() }
        return nil
    }

    /// The first attribute of the current start tag with this local name, as XMLScanner's lookup answers.
    func attribute(_ name: StaticString) -> Range<Int>? {
        for k in 0..<attributeCount where equals(attributes[k].name, name) { return attributes[k].value }
        return nil
    }

    func equals(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard range.count == count else { return false }
        let pointer = literal.utf8Start
        for k in 0..<count where bytes[range.lowerBound + k] != pointer[k] { return false }
        return true
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The decimal value of a range of ASCII digits, as `Int(string(range))`
    /// would give; nil when that needs the general parse (signs, spaces, length).
    func digits(_ range: Range<Int>) -> Int? {
        Self.digits(UnsafeBufferPointer(rebasing: bytes[range]))
    }

    static func digits(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for b in bytes {
            let d = b &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            value = value * 10 + Int(d)
        }
        return value
    }

    /// Appends the decoded text of `range` as XMLScanner's `text` decodes it.
    func appendText(_ range: Range<Int>, to out: inout [UInt8]) throws(Unsupported) {
        var k = range.lowerBound
        let end = range.upperBound
        // Nearly all text has no entity: one copy.
        while k < end, bytes[k] != UInt8(ascii: "&") { k += 1 }
        if k == end { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range])); return }
        try decodeText(range, to: &out)
    }

    private func decodeText(_ range: Range<Int>, to out: inout [UInt8]) throws(Unsupported) {
        var k = range.lowerBound
        let end = range.upperBound
        var copied = k
        while k < end {
            guard bytes[k] == UInt8(ascii: "&") else { k += 1; continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<k]))
            var semicolon = k + 1
            while semicolon < end, bytes[semicolon] != UInt8(ascii: ";") { semicolon += 1 }
            guard semicolon < end, semicolon - k <= 12 else { throw Unsupported() }
            let entity = (k + 1)..<semicolon
            if equals(entity, "lt") { out.append(UInt8(ascii: "<")) }
            else if equals(entity, "gt") { out.append(UInt8(ascii: ">")) }
            else if equals(entity, "amp") { out.append(UInt8(ascii: "&")) }
            else if equals(entity, "quot") { out.append(UInt8(ascii: "\"")) }
            else if equals(entity, "apos") { out.append(UInt8(ascii: "'")) }
            else {
                guard let scalar = numericReference(entity) else { throw Unsupported() }
                out.append(contentsOf: String(Character(scalar)).utf8)
            }
            k = semicolon + 1
            copied = k
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<end]))
    }

    /// `#123` or `#x7B` with digits only (XMLScanner also takes what Swift's
    /// integer parser takes, such as a `+`: those go to it).
    private func numericReference(_ entity: Range<Int>) -> Unicode.Scalar? {
        guard entity.count >= 2, bytes[entity.lowerBound] == UInt8(ascii: "#") else { return nil }
        var k = entity.lowerBound + 1
        var radix: UInt32 = 10
        if bytes[k] == UInt8(ascii: "x") || bytes[k] == UInt8(ascii: "X") { radix = 16; k += 1 }
        guard k < entity.upperBound else { return nil }
        var value: UInt32 = 0
        while k < entity.upperBound {
            let b = bytes[k]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = UInt32(b - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: digit = UInt32(b - UInt8(ascii: "A")) + 10
            default: return nil
            }
            let (times, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = times.addingReportingOverflow(digit)
            guard !o1, !o2 else { return nil }
            value = sum
            k += 1
        }
        return Unicode.Scalar(value)
    }

    // MARK: - Lexing, as XMLScanner does it

    func same(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        var i = a.lowerBound, j = b.lowerBound
        while i < a.upperBound {
            if bytes[i] != bytes[j] { return false }
            i += 1; j += 1
        }
        return true
    }

    /// Moves past the first occurrence, from the current `<`, of two or three bytes.
    private mutating func skip(past a: UInt8, _ b: UInt8, _ c: UInt8?) throws(Unsupported) {
        let length = c == nil ? 2 : 3
        var k = index
        while k + length <= bytes.count {
            if bytes[k] == a, bytes[k + 1] == b, c == nil || bytes[k + 2] == c! {
                index = k + length
                return
            }
            k += 1
        }
        throw Unsupported()
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            let b = bytes[index]
            guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return }
            index += 1
        }
    }

    /// A name up to whitespace, `=`, `>` or `/`, without its prefix.
    private mutating func readName() throws(Unsupported) -> Range<Int> {
        let start = index
        var from = start
        while index < bytes.count {
            let b = bytes[index]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: "=")
                || b == UInt8(ascii: ">") || b == UInt8(ascii: "/") { break }
            if b == UInt8(ascii: ":") { from = index + 1 }
            index += 1
        }
        guard index > start else { throw Unsupported() }
        return from..<index
    }
}

/// Decoded character data collected over one or more text tokens. XMLScanner's
/// readers decode each token to a `String` and join them; the pieces are kept
/// apart so that a `String` made here repairs bad UTF-8 exactly as theirs did.
struct TextCollector {
    private(set) var bytes: [UInt8] = []
    private var pieceEnds: [Int] = []

    var isEmpty: Bool { bytes.isEmpty }
    var pieces: Int { pieceEnds.count }

    mutating func reset() {
        if !bytes.isEmpty { bytes.removeAll(keepingCapacity: true) }
        if !pieceEnds.isEmpty { pieceEnds.removeAll(keepingCapacity: true) }
    }

    mutating func append(_ range: Range<Int>, from scanner: borrowing FastXMLScanner) throws(FastXMLScanner.Unsupported) {
        try scanner.appendText(range, to: &bytes)
        pieceEnds.append(bytes.count)
    }

    var string: String {
        if pieceEnds.count <= 1 { return String(decoding: bytes, as: UTF8.self) }
        var result = "", start = 0
        for end in pieceEnds {
            result += String(decoding: bytes[start..<end], as: UTF8.self)
            start = end
        }
        return result
    }
}
