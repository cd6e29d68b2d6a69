public import DubanCore

/// Reads a 中期检查点 cell: one or more `date label` pairs, separated by
/// `；;` or line breaks, e.g. `2026-12-15 方案完成；2027-01-15 试运行评估`.
/// The label may also come first (`方案完成 2026-12-15`).
public struct CheckpointParser: Sendable {
    public var dates: DateText

    public init(reference: LocalDate?) {
        dates = DateText(reference: reference)
    }

    public struct Parsed: Equatable, Sendable {
        public var checkpoints: [Checkpoint]
        /// Items that could not be read; the readable ones are kept.
        public var problems: [String]
    }

    public func parse(_ cell: Cell) -> Parsed {
        switch cell {
        case .empty: return Parsed(checkpoints: [], problems: [])
        case .date(let date): return Parsed(checkpoints: [Checkpoint(date: date, label: "")], problems: [])
        case .invalid(let reason): return Parsed(checkpoints: [], problems: [reason])
        case .number, .bool, .excelError:
            return Parsed(checkpoints: [], problems: ["\(cell.text) is not a checkpoint; write a date and what is due, e.g. 2026-12-15 方案完成"])
        case .text(let text): return parse(text)
        }
    }

    public func parse(_ text: String) -> Parsed {
        var result = Parsed(checkpoints: [], problems: [])
        let items = text.split(whereSeparator: { "；;\n\r".contains($0) }).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        for item in items {
            if let checkpoint = parseItem(item) {
                result.checkpoints.append(checkpoint)
            } else {
                result.problems.append("cannot read checkpoint \"\(item)\"; expected a date and a label, e.g. 2026-12-15 方案完成")
            }
        }
        result.checkpoints.sort { $0.date < $1.date }
        return result
    }

    /// Tries every split of the item into a date part and a label part at a
    /// space, colon or the boundary between digits/date words and text.
    private func parseItem(_ item: String) -> Checkpoint? {
        let folded = item.foldingFullWidth()
        let separators: Set<Character> = [" ", ":", "：", "\t", "，", ","]
        // The usual shape, `date label`: try the text before the first separator.
        if let cut = folded.firstIndex(where: { separators.contains($0) }),
           case .date(let date) = dates.parse(DeadlineParser.strip(String(folded[..<cut]))) {
            return Checkpoint(date: date, label: String(folded[cut...]).trimmingCharacters(in: separators))
        }
        // Date first: the longest prefix that parses as a date.
        let chars = Array(folded)
        for end in stride(from: chars.count, through: 1, by: -1) {
            let head = DeadlineParser.strip(String(chars[0..<end]))
            if case .date(let date) = dates.parse(head) {
                let label = String(chars[end...]).trimmingCharacters(in: separators)
                return Checkpoint(date: date, label: label)
            }
        }
        // Label first: the longest suffix that parses as a date.
        for start in 1..<max(chars.count, 1) {
            let tail = DeadlineParser.strip(String(chars[start...]))
            if case .date(let date) = dates.parse(tail) {
                let label = String(chars[0..<start]).trimmingCharacters(in: separators)
                return Checkpoint(date: date, label: label)
            }
        }
        return nil
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let first = s.first, set.contains(first) || first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, set.contains(last) || last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
