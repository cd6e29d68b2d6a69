/// Writes JSON byte for byte as Foundation's `JSONEncoder` does with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`, but streaming:
/// values go out as they are written, in pieces handed to `sink`.
///
/// Why: `preview --format json` on a million-task ledger prints ~100 MB,
/// and the encoder first builds a tree of every value, then one `Data`, then
/// a `String` of it — a fifth of the command's time and a few hundred MB.
/// The output is the documented, tested format, so it must not change by a
/// byte (a test compares the two on random values).
///
/// Objects are written key by key by the caller, who must give keys in
/// ascending order (as `.sortedKeys` orders them: by UTF-8 bytes); a key out
/// of order is a programming error and trips an assertion in debug builds.
public struct PrettyJSONWriter {
    private var buffer: [UInt8] = []
    private let sink: ([UInt8]) -> Void
    /// Open containers: whether each has had an element yet, and its last key.
    private var open: [(isObject: Bool, count: Int, lastKey: String?)] = []
    private var afterKey = false
    /// Pieces of this size go to `sink`.
    private let chunk = 1 << 16

    public init(sink: @escaping ([UInt8]) -> Void) {
        self.sink = sink
        buffer.reserveCapacity(chunk + 1024)
    }

    /// Writes what is left; call once at the end.
    public mutating func finish() {
        if !buffer.isEmpty { sink(buffer) }
        buffer.removeAll(keepingCapacity: true)
    }

    public mutating func beginObject() { beginValue(); append("{"); open.append((true, 0, nil)) }
    public mutating func endObject() { endContainer("}") }
    public mutating func beginArray() { beginValue(); append("["); open.append((false, 0, nil)) }
    public mutating func endArray() { endContainer("]") }

    /// The next key of the innermost object.
    public mutating func key(_ key: String) {
        precondition(open.last?.isObject == true, "a JSON key outside an object")
        assert(open[open.count - 1].lastKey.map { Array($0.utf8).lexicographicallyPrecedes(key.utf8) } ?? true,
               "JSON keys out of order: \(open[open.count - 1].lastKey ?? "") before \(key)")
        separate()
        open[open.count - 1].lastKey = key
        writeString(key)
        append(" : ")
        afterKey = true
    }

    public mutating func string(_ value: String) { beginValue(); writeString(value) }

    public mutating func int(_ value: Int) { beginValue(); append(String(value)) }

    /// A finite number as the encoder writes it: `50` for 50.0, `12.5`, `33.3`.
    /// JSON has no NaN or infinity (the encoder refuses them, and `nan` is no
    /// JSON a reader parses): those are written as null, like a figure that
    /// cannot be judged.
    public mutating func double(_ value: Double) {
        beginValue()
        guard value.isFinite else { return append("null") }
        append(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)")
    }

    /// `key` and `value` together; nothing at all for nil, as `encodeIfPresent` does.
    public mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    public mutating func field(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name)
        int(value)
    }

    public mutating func field(_ name: String, _ value: Double?) {
        guard let value else { return }
        key(name)
        double(value)
    }

    public mutating func field(_ name: String, strings: [String]) {
        key(name)
        beginArray()
        for value in strings { string(value) }
        endArray()
    }

    // MARK: - Layout

    private mutating func beginValue() {
        if afterKey { afterKey = false; return }
        separate()
    }

    /// The comma and line break before an element.
    private mutating func separate() {
        guard !open.isEmpty else { return }
        if open[open.count - 1].count > 0 { append(",") }
        open[open.count - 1].count += 1
        newline(open.count)
    }

    private mutating func endContainer(_ close: StaticString) {
        let container = open.removeLast()
        // An empty container is written with a blank line inside: "[\n\n  ]".
        if container.count == 0 { append("\n") }
        newline(open.count)
        append(close)
        if open.isEmpty { flushIfFull() }
    }

    private mutating func newline(_ depth: Int) {
        buffer.append(0x0A)
        for _ in 0..<(depth * 2) { buffer.append(0x20) }
        flushIfFull()
    }

    private mutating func flushIfFull() {
        if buffer.count >= chunk {
            sink(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    private mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }

    /// Quotes and escapes as the encoder does: `"` and `\`, the short forms
    /// \b \f \n \r \t, other control characters as \u00xx (lower-case hex);
    /// everything else, `/` and non-ASCII included, as is.
    private mutating func writeString(_ value: String) {
        buffer.append(0x22)
        for byte in value.utf8 {
            switch byte {
            case 0x22: buffer.append(0x5C); buffer.append(0x22)
            case 0x5C: buffer.append(0x5C); buffer.append(0x5C)
            case 0x08: buffer.append(0x5C); buffer.append(0x62)
            case 0x0C: buffer.append(0x5C); buffer.append(0x66)
            case 0x0A: buffer.append(0x5C); buffer.append(0x6E)
            case 0x0D: buffer.append(0x5C); buffer.append(0x72)
            case 0x09: buffer.append(0x5C); buffer.append(0x74)
            case 0x00..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                buffer.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: buffer.append(byte)
            }
        }
        buffer.append(0x22)
    }
}
