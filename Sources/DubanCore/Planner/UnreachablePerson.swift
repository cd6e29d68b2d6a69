/// The part a person plays for a task. A closed set: the composer and the
/// templates word each role in the reader's language, so adding one is a
/// compile error until every `switch` over it says what to call it.
public enum PersonRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// 责任人, the responsible officer.
    case officer
    /// 分管领导, the supervising leader.
    case leader
    /// 主要负责人, the principal at the top of the chain.
    case principal
    /// 纪检, the discipline inspection contact cc'd on a 约谈 proposal.
    case discipline

    /// The words the previous release stored in outbox payloads.
    static let storedWords: [String: PersonRole] = ["责任人": .officer, "分管领导": .leader, "主要负责人": .principal]
}

/// Someone who should have received a message but has no address: the
/// message went to the office instead and says so, in the reader's words.
public struct UnreachablePerson: Sendable, Hashable, Codable, CustomStringConvertible {
    public var role: PersonRole
    /// Nil when the ledger names nobody for the role.
    public var name: String?

    public init(role: PersonRole, name: String?) {
        self.role = role
        self.name = name
    }

    /// `officer 孙丽`, `principal (not named)`: for logs and `preview`, not for mail.
    public var description: String { "\(role.rawValue) \(name ?? "(not named)")" }

    private enum CodingKeys: String, CodingKey { case role, name }

    /// Also reads what the previous release stored: `"责任人 孙丽"`, or
    /// `"主要负责人 （未填写）"` when nobody was named, so outbox rows queued
    /// before an upgrade still decode.
    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
            guard let word = parts.first, let role = PersonRole.storedWords[word] else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "\"\(text)\" is not a role (责任人, 分管领导 or 主要负责人) followed by a name"))
            }
            let name = parts.count > 1 ? parts[1] : ""
            self.init(role: role, name: name.isEmpty || name == "（未填写）" ? nil : name)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(role: try container.decode(PersonRole.self, forKey: .role), name: try container.decodeIfPresent(String.self, forKey: .name))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encodeIfPresent(name, forKey: .name)
    }
}
