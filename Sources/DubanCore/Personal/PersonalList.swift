/// The weekly personal list (kind `personal`, 我的整改任务): to an officer,
/// their open tasks; to a supervising leader, the overdue and due-soon tasks
/// they supervise. Nearest deadline first, each with what Duban does next.
public struct PersonalList: Sendable, Equatable {
    public enum Role: String, Sendable, Codable {
        /// 责任人: every open task they are responsible for.
        case officer
        /// 分管领导: the overdue tasks and those due within 7 days that they supervise.
        case leader
    }

    public var role: Role
    /// Has an address: only people Duban can mail get a list.
    public var person: Contact
    public var week: ISOWeek
    public var today: LocalDate
    public var items: [Item]

    public struct Item: Sendable, Equatable {
        public var task: Digest.TaskRow
        /// The next notification about the task, and its day.
        public var next: NotificationIdentity?
        public var nextOn: LocalDate?
    }

    /// One list per person, role and week.
    public var identity: NotificationIdentity {
        NotificationIdentity(task: TaskID("personal:\(role.rawValue):\((person.email ?? person.name).lowercased())"), kind: .personal,
                             step: 0, about: week.monday)
    }

    public var overdue: Int { items.count { $0.task.light == .red } }
    public var dueSoon: Int { items.count { ($0.task.daysLeft ?? -1) >= 0 && ($0.task.daysLeft ?? 0) <= 7 } }
}

/// Builds the week's personal lists from the ledger. Pure.
public struct PersonalListBuilder: Sendable {
    public var planner: Planner

    public init(planner: Planner) {
        self.planner = planner
    }

    /// `optedOut` says whether a person turned the list off (the people
    /// directory's 个人清单 column). People without an address get none;
    /// the digest names them under data quality.
    public func build(_ snapshot: LedgerSnapshot, log: Set<NotificationIdentity>, week: ISOWeek, today: LocalDate,
                      optedOut: (Contact) -> Bool = { _ in false }) -> [PersonalList] {
        let digestBuilder = DigestBuilder(planner: planner)
        let problems = Dictionary(snapshot.problems.map { ($0.number, $0.description) }, uniquingKeysWith: { first, _ in first })
        var officers: [String: PersonalList] = [:], leaders: [String: PersonalList] = [:]
        var officerOrder: [String] = [], leaderOrder: [String] = []
        for task in snapshot.tasks where !task.status.isDone && !DigestBuilder.isStanding(task) {
            let row = digestBuilder.row(task, today: today, problems: problems, escalation: nil)
            let next = planner.nextNotice(for: task, log: log, today: today)
            let item = PersonalList.Item(task: row, next: next?.identity, nextOn: next?.day)
            if let officer = task.officer, let email = officer.email, !optedOut(officer) {
                let key = email.lowercased()
                if officers[key] == nil {
                    officerOrder.append(key)
                    officers[key] = PersonalList(role: .officer, person: officer, week: week, today: today, items: [])
                }
                officers[key]!.items.append(item)
            }
            let urgent = row.light == .red || (row.daysLeft.map { (0...7).contains($0) } ?? false)
            if urgent, let leader = task.leader, let email = leader.email, !optedOut(leader) {
                let key = email.lowercased()
                if leaders[key] == nil {
                    leaderOrder.append(key)
                    leaders[key] = PersonalList(role: .leader, person: leader, week: week, today: today, items: [])
                }
                leaders[key]!.items.append(item)
            }
        }
        // Nearest deadline first (the most overdue leads); undated last.
        func sorted(_ list: PersonalList) -> PersonalList {
            var list = list
            list.items.sort { a, b in
                switch (a.task.dueDate, b.task.dueDate) {
                case let (x?, y?): return (x, TaskID(a.task.id)) < (y, TaskID(b.task.id))
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return TaskID(a.task.id) < TaskID(b.task.id)
                }
            }
            return list
        }
        return officerOrder.map { sorted(officers[$0]!) } + leaderOrder.map { sorted(leaders[$0]!) }
    }
}
