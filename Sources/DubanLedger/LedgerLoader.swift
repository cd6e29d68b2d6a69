public import DubanCore
public import Foundation

/// Reads every ledger file into one snapshot and resolves the people in it.
///
/// A file that cannot be read is an error in the snapshot's diagnostics, not
/// a thrown error: the other files still load (the daemon decides whether to
/// keep its last good snapshot).
public struct LedgerLoader: Sendable {
    public var sheet: String?
    public var columns: [LedgerField: [String]]
    public var feedbackDate: LocalDate?
    /// A file larger than this is refused before it is read (`[ledger] max_bytes`).
    public var maxBytes: Int

    public init(sheet: String? = nil, columns: [LedgerField: [String]] = [:], feedbackDate: LocalDate? = nil,
                maxBytes: Int = LedgerFile.defaultMaxBytes) {
        self.sheet = sheet
        self.columns = columns
        self.feedbackDate = feedbackDate
        self.maxBytes = maxBytes
    }

    /// Reads one file.
    public func load(_ url: URL) -> LedgerSnapshot {
        var interpreter = LedgerInterpreter(file: url.path, matcher: HeaderMatcher(overrides: columns), feedbackDate: feedbackDate)
        var fileDiagnostics: [Diagnostic]
        do {
            let reader = try TableFormat(for: url).reader(maxBytes: maxBytes)
            fileDiagnostics = try reader.read(url, sheet: sheet) { interpreter.consume($0) }
        } catch let error as TableReadError {
            return LedgerSnapshot(diagnostics: [.error(error.location, error.message)])
        } catch {
            return LedgerSnapshot(diagnostics: [.error(SourceLocation(file: url.path), "cannot read: \(error)")])
        }
        var snapshot = interpreter.finish()
        snapshot.diagnostics.insert(contentsOf: fileDiagnostics, at: 0)
        return snapshot
    }

    /// Reads all files and resolves officers and leaders through `people`.
    public func load(_ urls: [URL], people: PeopleDirectory) -> LedgerSnapshot {
        var snapshot = LedgerSnapshot()
        for url in urls { snapshot.merge(load(url)) }
        PeopleResolver(directory: people).resolve(&snapshot)
        return snapshot
    }
}

/// Fills in addresses from the people directory. An address written in the
/// ledger wins; a task without a leader gets its officer's leader from the
/// directory. Each unknown or unreachable person is reported once, at the
/// first row that names them, with how many tasks it affects.
public struct PeopleResolver: Sendable {
    public var directory: PeopleDirectory

    public init(directory: PeopleDirectory) {
        self.directory = directory
    }

    /// The role a second or later name of a 责任人 cell is looked up and reported in.
    static let coOfficerRole = "责任人 (抄送)"

    public func resolve(_ snapshot: inout LedgerSnapshot) {
        struct Trouble { var first: SourceLocation; var role: String; var name: String; var tasks: Int; var why: String }
        struct PersonKey: Hashable { var name: ByteKey; var department: ByteKey }
        // The same few hundred names recur on every row: each is looked up
        // in the directory once, and a cache hit costs one hash of the name
        // (and department), not three keys and a second lookup for the leader.
        struct Entry { var found: PeopleDirectory.Lookup; var seen = false; var trouble: Int? }
        var troubles: [Trouble] = []
        var officers: [PersonKey: Entry] = [:], coOfficers: [PersonKey: Entry] = [:]
        var leaders: [ByteKey: Entry] = [:]

        /// Fills in `contact`'s address from `entry`, noting trouble at the first task that needs it.
        func resolve(_ contact: inout Contact, _ entry: inout Entry, role: String, at source: SourceLocation) {
            guard contact.email == nil else { return }
            if entry.seen {
                if let index = entry.trouble { troubles[index].tasks += 1 }
            } else {
                entry.seen = true
                func note(_ why: String) {
                    entry.trouble = troubles.count
                    troubles.append(Trouble(first: source, role: role, name: contact.name, tasks: 1, why: why))
                }
                switch entry.found {
                case .found(let person):
                    if person.email == nil { note("has no email address in the people directory") }
                case .unknown:
                    note("is not in the people directory and the ledger gives no email")
                case .ambiguous(let people):
                    note("matches \(people.count) people in the directory (departments: \(people.map(\.department).joined(separator: ", "))); give the 责任部门 or an email column")
                }
            }
            if case .found(let person) = entry.found { contact.email = person.email }
        }
        func officer(_ contact: Contact, department: String, role: String = "责任人", at source: SourceLocation) -> (Contact, PeopleDirectory.Lookup) {
            var contact = contact
            var found = PeopleDirectory.Lookup.unknown
            func visit(_ entry: inout Entry) {
                resolve(&contact, &entry, role: role, at: source)
                found = entry.found
            }
            let name = contact.name
            let key = PersonKey(name: ByteKey(name), department: ByteKey(department))
            // Copied names are reported in their own role, so they have their own entries.
            if role == Self.coOfficerRole {
                visit(&coOfficers[key, default: Entry(found: directory.lookup(name: name, department: department))])
            } else {
                visit(&officers[key, default: Entry(found: directory.lookup(name: name, department: department))])
            }
            return (contact, found)
        }

        // In place: copying each task out and back retained and released its
        // dozen strings, a tenth of loading a million tasks.
        snapshot.tasks.withUnsafeMutableBufferPointer { tasks in
            for index in tasks.indices {
                let department = tasks[index].department, source = tasks[index].source
                var officerFound: PeopleDirectory.Lookup?
                if let contact = tasks[index].officer {
                    let (resolved, found) = officer(contact, department: department, at: source)
                    tasks[index].officer = resolved
                    officerFound = found
                }
                // Each name of a several-name 责任人 cell is looked up on its own.
                if !tasks[index].coOfficers.isEmpty {
                    tasks[index].coOfficers = tasks[index].coOfficers.map { officer($0, department: department, role: Self.coOfficerRole, at: source).0 }
                }
                if tasks[index].leader == nil, case .found(let person)? = officerFound, let leaderName = person.leader {
                    tasks[index].leader = Contact(name: leaderName)
                }
                if var leader = tasks[index].leader, leader.email == nil {
                    let name = leader.name
                    resolve(&leader, &leaders[ByteKey(name), default: Entry(found: directory.lookup(name: name, department: ""))],
                            role: "分管领导", at: source)
                    tasks[index].leader = leader
                }
            }
        }
        // One line per person (across departments), however many tasks name them.
        struct Named: Hashable { var role: String; var name: ByteKey }
        var totals: [Named: Int] = [:]
        var firstIndex: [Named: Int] = [:]
        for (index, trouble) in troubles.enumerated() {
            let person = Named(role: trouble.role, name: ByteKey(trouble.name))
            totals[person, default: 0] += trouble.tasks
            if firstIndex[person] == nil { firstIndex[person] = index }
        }
        for (person, index) in firstIndex.sorted(by: { $0.value < $1.value }) {
            let trouble = troubles[index]
            // A copied name without an address is not replaced by the office (the officer still gets the mail).
            let outcome = trouble.role == Self.coOfficerRole
                ? "\(trouble.name) is not copied on the mail of their \(totals[person]!) task(s); the officer still gets the mail"
                : "mail for their \(totals[person]!) task(s) goes to the office instead"
            snapshot.diagnostics.append(.warning(trouble.first, "\(trouble.role) \(trouble.name) \(trouble.why); \(outcome)"))
        }
    }
}
