import DubanCore

/// What was worked out from a cell text, by the text's bytes, up to a limit
/// of distinct texts, with the last text asked for kept beside the table.
///
/// Columns such as 验收标准 or 整改进展 often repeat the row above: then the
/// answer comes from comparing the bytes with the last text (a `memcmp`)
/// instead of hashing them (a fresh `Hasher` per lookup, a twentieth of
/// loading a million rows across the interpreter's memos).
struct TextMemo<Value> {
    private var table: [ByteKey: Value] = [:]
    private var last: (text: String, value: Value)?
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// The value remembered for `text`, else `make(text)`, remembered while
    /// the table is under its limit (the last one is always remembered).
    mutating func value(for text: String, _ make: (String) -> Value) -> Value {
        if let last, String.sameBytes(last.text, text) { return last.value }
        let value: Value
        if let known = table[ByteKey(text)] {
            value = known
        } else {
            value = make(text)
            if table.count < limit { table[ByteKey(text)] = value }
        }
        last = (text, value)
        return value
    }
}
