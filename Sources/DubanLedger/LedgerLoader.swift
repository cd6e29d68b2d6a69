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
        struct TroubleKey: Hashable { var role: ByteKey; var name: ByteKey; var department: ByteKey }
        var troubles: [Trouble] = []
        var troubleIndex: [TroubleKey: Int] = [:]
        // The same few hundred names recur on every row: resolve each once.
        var cache: [TroubleKey: Contact] = [:]

        func resolve(_ contact: Contact?, department: String, role: String, at source: SourceLocation) -> Contact? {
            guard var contact else { return nil }
            if contact.email != nil { return contact }
            let key = TroubleKey(role: ByteKey(role), name: ByteKey(contact.name), department: ByteKey(department))
            if let known = cache[key] {
                if let index = troubleIndex[key] { troubles[index].tasks += 1 }
                return known
            }
            defer { cache[key] = contact }
            switch directory.lookup(name: contact.name, department: department) {
            case .found(let person):
                contact.email = person.email
                if person.email == nil { note(key, source, "has no email address in the people directory") }
            case .unknown:
                note(key, source, "is not in the people directory and the ledger gives no email")
            case .ambiguous(let people):
                note(key, source, "matches \(people.count) people in the directory (departments: \(people.map(\.department).joined(separator: ", "))); give the 责任部门 or an email column")
            }
            return contact
        }
        func note(_ key: TroubleKey, _ source: SourceLocation, _ why: String) {
            troubleIndex[key] = troubles.count
            troubles.append(Trouble(first: source, role: key.role.string, name: key.name.string, tasks: 1, why: why))
        }

        // In place: copying each task out and back retained and released its
        // dozen strings, a tenth of loading a million tasks.
        snapshot.tasks.withUnsafeMutableBufferPointer { tasks in
            for index in tasks.indices {
                tasks[index].officer = resolve(tasks[index].officer, department: tasks[index].department, role: "责任人", at: tasks[index].source)
                // Each name of a several-name 责任人 cell is looked up on its own.
                if !tasks[index].coOfficers.isEmpty {
                    tasks[index].coOfficers = tasks[index].coOfficers.compactMap {
                        resolve($0, department: tasks[index].department, role: Self.coOfficerRole, at: tasks[index].source)
                    }
                }
                if tasks[index].leader == nil, let officer = tasks[index].officer,
                   case .found(let person) = directory.lookup(name: officer.name, department: tasks[index].department),
                   let leaderName = person.leader {
                    tasks[index].leader = Contact(name: leaderName)
                }
                tasks[index].leader = resolve(tasks[index].leader, department: "", role: "分管领导", at: tasks[index].source)
            }
        }
        // One line per person (across departments), however many tasks name them.
        var totals: [TroubleKey: Int] = [:]
        var firstIndex: [TroubleKey: Int] = [:]
        for (key, index) in troubleIndex {
            let person = TroubleKey(role: key.role, name: key.name, department: ByteKey(""))
            totals[person, default: 0] += troubles[index].tasks
            firstIndex[person] = min(firstIndex[person] ?? index, index)
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
