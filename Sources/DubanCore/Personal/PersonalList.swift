/// The weekly personal list (kind `personal`, 我的整改任务): one mail per
/// person and week, with their own open tasks (as 责任人) and, as a second
/// section, the overdue and due-soon tasks of the people they supervise (as
/// 分管领导). Nearest deadline first, each with what Duban does next.
public struct PersonalList: Sendable, Equatable {
    /// Which identity a list has: `officer` when the person has open tasks
    /// of their own, `leader` when the list holds only tasks they supervise.
    public enum Role: String, Sendable, Codable {
        /// 责任人: every open task they are responsible for.
        case officer
        /// 分管领导: the overdue tasks and those due within 7 days that they supervise.
        case leader
    }

    /// Has an address: only people Duban can mail get a list.
    public var person: Contact
    public var week: ISOWeek
    public var today: LocalDate
    /// Their own open tasks (as 责任人).
    public var items: [Item]
    /// The overdue tasks and those due within 7 days of the people they
    /// supervise (as 分管领导).
    public var supervised: [Item]

    public struct Item: Sendable, Equatable {
        public var task: Digest.TaskRow
        /// The next notification about the task, and its day.
        public var next: NotificationIdentity?
        public var nextOn: LocalDate?
    }

    public init(person: Contact, week: ISOWeek, today: LocalDate, items: [Item] = [], supervised: [Item] = []) {
        self.person = person
        self.week = week
        self.today = today
        self.items = items
        self.supervised = supervised
    }

    public var role: Role { items.isEmpty ? .leader : .officer }

    /// One list per person and week. Before one mail carried both sections,
    /// an officer who also supervised got two lists, `personal:officer:` and
    /// `personal:leader:`; the merged list keeps the officer's identity when
    /// there are own tasks and the leader's otherwise, so a list the log
    /// already holds from before an upgrade is not sent again.
    public var identity: NotificationIdentity {
        NotificationIdentity(task: TaskID("personal:\(role.rawValue):\((person.email ?? person.name).lowercased())"), kind: .personal,
                             step: 0, about: week.monday)
    }

    public var overdue: Int { Self.overdue(items) }
    public var dueSoon: Int { Self.dueSoon(items) }
    public var supervisedOverdue: Int { Self.overdue(supervised) }
    public var supervisedDueSoon: Int { Self.dueSoon(supervised) }

    static func overdue(_ items: [Item]) -> Int { items.count { $0.task.light == .red } }
    static func dueSoon(_ items: [Item]) -> Int { items.count { ($0.task.daysLeft ?? -1) >= 0 && ($0.task.daysLeft ?? 0) <= 7 } }
}

/// Builds the week's personal lists from the ledger. Pure.
public struct PersonalListBuilder: Sendable {
    public var planner: Planner

    public init(planner: Planner) {
        self.planner = planner
    }

    /// `optedOut` says whether a person turned the list off (the people
    /// directory's 个人清单 column). People without an address get none;
    /// the digest names them under data quality. One list per address:
    /// those with own tasks in the order the ledger first names each
    /// officer, then those of leaders only, as their lists came before.
    public func build(_ snapshot: LedgerSnapshot, log: Set<NotificationIdentity>, week: ISOWeek, today: LocalDate,
                      optedOut: (Contact) -> Bool = { _ in false }) -> [PersonalList] {
        let digestBuilder = DigestBuilder(planner: planner)
        let problems = Dictionary(snapshot.problems.map { ($0.number, $0.description) }, uniquingKeysWith: { first, _ in first })
        var lists: [String: PersonalList] = [:]
        var officerOrder: [String] = [], leaderOrder: [String] = []
        // One memo for the whole ledger: tasks share deadlines, and each
        // deadline's working days are looked up once.
        var memo = Memo()
        func add(_ item: PersonalList.Item, to person: Contact, email: String, supervised: Bool) {
            let key = email.lowercased()
            if lists[key] == nil { lists[key] = PersonalList(person: person, week: week, today: today) }
            if supervised {
                if lists[key]!.supervised.isEmpty { leaderOrder.append(key) }
                lists[key]!.supervised.append(item)
            } else {
                if lists[key]!.items.isEmpty { officerOrder.append(key) }
                lists[key]!.items.append(item)
            }
        }
        for task in snapshot.tasks where !task.status.isDone && !DigestBuilder.isStanding(task) {
            let officer = task.officer.flatMap { contact in contact.email.map { (contact, $0) } }.flatMap { optedOut($0.0) ? nil : $0 }
            let row = digestBuilder.row(task, today: today, problems: problems, escalation: nil)
            let urgent = row.light == .red || (row.daysLeft.map { (0...7).contains($0) } ?? false)
            let leader = urgent ? task.leader.flatMap { contact in contact.email.map { (contact, $0) } }.flatMap { optedOut($0.0) ? nil : $0 } : nil
            guard officer != nil || leader != nil else { continue }
            let next = planner.nextNotice(for: task, log: log, today: today, memo: &memo)
            let item = PersonalList.Item(task: row, next: next?.identity, nextOn: next?.day)
            if let (contact, email) = officer { add(item, to: contact, email: email, supervised: false) }
            // A task its officer also supervises is theirs: listed (and counted) once, not under both headings.
            if let (contact, email) = leader, officer.map({ $0.1.lowercased() != email.lowercased() }) ?? true {
                add(item, to: contact, email: email, supervised: true)
            }
        }
        // Nearest deadline first (the most overdue leads); undated last.
        func sorted(_ items: [PersonalList.Item]) -> [PersonalList.Item] {
            items.sorted { a, b in
                switch (a.task.dueDate, b.task.dueDate) {
                case let (x?, y?): return (x, TaskID(a.task.id)) < (y, TaskID(b.task.id))
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return TaskID(a.task.id) < TaskID(b.task.id)
                }
            }
        }
        let leadersOnly = leaderOrder.filter { lists[$0]!.items.isEmpty }
        return (officerOrder + leadersOnly).map { key in
            var list = lists[key]!
            list.items = sorted(list.items)
            list.supervised = sorted(list.supervised)
            return list
        }
    }
}
