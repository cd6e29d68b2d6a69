/// A cell address such as `B7`: zero-based column and one-based row.
struct CellReference: Hashable {
    var column: Int
    var row: Int

    /// Parses `A1`-style references; `$` absolute markers are ignored.
    init?<S: StringProtocol>(_ text: S) {
        self.init(utf8: text.utf8)
    }

    init?<Bytes: Sequence<UInt8>>(utf8: Bytes) {
        var column = 0, row = 0, sawLetter = false, sawDigit = false
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "$"): continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                guard !sawDigit else { return nil }
                column = column * 26 + Int((byte & 0xDF) - UInt8(ascii: "A")) + 1
                sawLetter = true
                guard column <= 16_384 else { return nil }  // Excel's last column, XFD
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                row = row * 10 + Int(byte - UInt8(ascii: "0"))
                sawDigit = true
                guard row <= 1_048_576 else { return nil }  // Excel's last row
            default: return nil
            }
        }
        guard sawLetter, sawDigit, row >= 1 else { return nil }
        self.column = column - 1
        self.row = row
    }

    init(column: Int, row: Int) {
        self.column = column
        self.row = row
    }
}

/// A rectangular range such as `A3:A5` (a merged cell).
struct CellRange: Hashable {
    var topLeft: CellReference
    var bottomRight: CellReference

    init?(_ text: String) {
        self.init(utf8: Array(text.utf8)[...])
    }

    /// As `split(separator: ":")` splits it: empty pieces are dropped.
    init?(utf8 text: some Collection<UInt8>) {
        let parts = text.split(separator: UInt8(ascii: ":"))
        guard let first = parts.first, let a = CellReference(utf8: first) else { return nil }
        let b = parts.count > 1 ? CellReference(utf8: parts[1]) : a
        guard let b, parts.count <= 2 else { return nil }
        topLeft = CellReference(column: min(a.column, b.column), row: min(a.row, b.row))
        bottomRight = CellReference(column: max(a.column, b.column), row: max(a.row, b.row))
    }
}
