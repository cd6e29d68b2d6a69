/// Someone who can receive mail: officers, leaders, the office, the principal.
public struct Person: Hashable, Sendable, Codable {
    public var name: String
    public var department: String
    public var email: String?
    /// The person's own leader (上级), by name; used to find a task's
    /// supervising leader when the ledger does not name one.
    public var leader: String?
    /// Whether the person gets the weekly personal list (the directory's
    /// 个人清单 column; default yes).
    public var personalList: Bool
    public var source: SourceLocation

    public init(name: String, department: String = "", email: String? = nil, leader: String? = nil, personalList: Bool = true,
                source: SourceLocation) {
        self.name = name
        self.department = department
        self.email = email
        self.leader = leader
        self.personalList = personalList
        self.source = source
    }
}

/// The people directory: ledgers carry names, this gives their addresses.
public struct PeopleDirectory: Sendable {
    public private(set) var people: [Person] = []
    private var byName: [String: [Int]] = [:]

    public init(_ people: [Person] = []) {
        for person in people { add(person) }
    }

    public mutating func add(_ person: Person) {
        byName[person.name, default: []].append(people.count)
        people.append(person)
    }

    /// Finds a person by name. Two people may share a name in a large
    /// organisation; the department then tells them apart.
    public func lookup(name: String, department: String? = nil) -> Lookup {
        guard let indices = byName[name], !indices.isEmpty else { return .unknown }
        if indices.count == 1 { return .found(people[indices[0]]) }
        if let department, !department.isEmpty {
            let matching = indices.filter { people[$0].department == department }
            if matching.count == 1 { return .found(people[matching[0]]) }
        }
        return .ambiguous(indices.map { people[$0] })
    }

    public enum Lookup: Hashable, Sendable {
        case found(Person)
        case unknown
        case ambiguous([Person])
    }
}
