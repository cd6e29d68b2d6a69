import DubanCore

extension LedgerField {
    static let problemLevel = allCases.filter(\.isProblemLevel)

    /// Position in `allCases`, for array-backed maps.
    var ordinal: Int {
        switch self {
        case .problemNumber: return 0
        case .problemCategory: return 1
        case .problemDescription: return 2
        case .taskID: return 3
        case .measure: return 4
        case .department: return 5
        case .officer: return 6
        case .officerEmail: return 7
        case .leader: return 8
        case .leaderEmail: return 9
        case .deadline: return 10
        case .checkpoints: return 11
        case .acceptance: return 12
        case .progress: return 13
        case .status: return 14
        case .completedOn: return 15
        case .acceptedOn: return 16
        case .closedOn: return 17
        case .evidence: return 18
        case .remarks: return 19
        case .extendedTo: return 20
        case .extensionApprover: return 21
        case .extensionReason: return 22
        case .frequency: return 23
        case .lastExecutedOn: return 24
        case .lookBackOn: return 25
        case .lookBackResult: return 26
        }
    }
}

/// A map from field to value backed by an array. A `String`-backed enum
/// hashes its raw value, and the interpreter looks fields up ~40 times per
/// row of a million-row ledger.
struct FieldMap<Value> {
    private var storage = [Value?](repeating: nil, count: LedgerField.allCases.count)

    init() {}

    subscript(field: LedgerField) -> Value? {
        get { storage[field.ordinal] }
        set { storage[field.ordinal] = newValue }
    }

    /// Fields that have a value, in `allCases` order.
    var fields: [LedgerField] { LedgerField.allCases.filter { storage[$0.ordinal] != nil } }
}
