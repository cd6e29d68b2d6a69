/// When a task must be done, as the ledger says it.
///
/// Offices write deadlines in words as often as in dates; each form keeps its
/// meaning here so that the planner, not the reader, decides what mail it
/// deserves.
public enum Deadline: Hashable, Sendable {
    /// Done by this date (`2026-06-30`, `6月底前`, an Excel date).
    case by(LocalDate)
    /// Done by this date, then kept up (`2026年底前，并长期坚持`).
    case byThenOngoing(LocalDate)
    /// 立行立改: fix at once, optionally with a date written beside it.
    case immediate(LocalDate?)
    /// 长期坚持: an ongoing obligation with no end date.
    case ongoing
    /// The cell is empty.
    case missing
    /// Text Duban could not read; kept verbatim and reported.
    case unparsed(String)

    /// The date the task is due, if the ledger gives one.
    public var date: LocalDate? {
        switch self {
        case .by(let date), .byThenOngoing(let date): return date
        case .immediate(let date): return date
        case .ongoing, .missing, .unparsed: return nil
        }
    }

    /// A short stable name, used in summaries and JSON.
    public var kind: Kind {
        switch self {
        case .by: return .dated
        case .byThenOngoing: return .datedThenOngoing
        case .immediate: return .immediate
        case .ongoing: return .ongoing
        case .missing: return .missing
        case .unparsed: return .unparsed
        }
    }

    public enum Kind: String, CaseIterable, Sendable, Codable {
        case dated
        case datedThenOngoing = "dated_then_ongoing"
        case immediate
        case ongoing
        case missing
        case unparsed

        /// The words an ops team uses for it.
        public var label: String {
            switch self {
            case .dated: return "有明确时限"
            case .datedThenOngoing: return "限期完成并长期坚持"
            case .immediate: return "立行立改"
            case .ongoing: return "长期坚持"
            case .missing: return "未填写时限"
            case .unparsed: return "无法识别的时限"
            }
        }
    }
}

/// A mid-term checkpoint (中期检查点): a date and what should be done by then.
public struct Checkpoint: Hashable, Sendable, Codable {
    public var date: LocalDate
    public var label: String

    public init(date: LocalDate, label: String) {
        self.date = date
        self.label = label
    }
}

extension Deadline: Codable {
    private enum CodingKeys: String, CodingKey { case kind, date, text }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(Kind.self, forKey: .kind)
        let date = try c.decodeIfPresent(LocalDate.self, forKey: .date)
        switch kind {
        case .dated: self = .by(try c.decode(LocalDate.self, forKey: .date))
        case .datedThenOngoing: self = .byThenOngoing(try c.decode(LocalDate.self, forKey: .date))
        case .immediate: self = .immediate(date)
        case .ongoing: self = .ongoing
        case .missing: self = .missing
        case .unparsed: self = .unparsed(try c.decode(String.self, forKey: .text))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(date, forKey: .date)
        if case .unparsed(let text) = self { try c.encode(text, forKey: .text) }
    }
}
