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

    public init(sheet: String? = nil, columns: [LedgerField: [String]] = [:], feedbackDate: LocalDate? = nil) {
        self.sheet = sheet
        self.columns = columns
        self.feedbackDate = feedbackDate
    }

    /// Reads one file.
    public func load(_ url: URL) -> LedgerSnapshot {
        var interpreter = LedgerInterpreter(file: url.path, matcher: HeaderMatcher(overrides: columns), feedbackDate: feedbackDate)
        var fileDiagnostics: [Diagnostic]
        do {
            let reader = try TableFormat(for: url).reader
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

    public func resolve(_ snapshot: inout LedgerSnapshot) {
        struct Trouble { var first: SourceLocation; var role: String; var tasks: Int; var why: String }
        var troubles: [String: Trouble] = [:]
        var order: [String] = []

        func resolve(_ contact: Contact?, department: String, role: String, at source: SourceLocation) -> Contact? {
            guard var contact else { return nil }
            if contact.email != nil { return contact }
            switch directory.lookup(name: contact.name, department: department) {
            case .found(let person):
                contact.email = person.email
                if person.email == nil { note(contact.name, role, source, "has no email address in the people directory") }
            case .unknown:
                note(contact.name, role, source, "is not in the people directory and the ledger gives no email")
            case .ambiguous(let people):
                note(contact.name, role, source, "matches \(people.count) people in the directory (departments: \(people.map(\.department).joined(separator: ", "))); give the 责任部门 or an email column")
            }
            return contact
        }
        func note(_ name: String, _ role: String, _ source: SourceLocation, _ why: String) {
            let key = "\(role)\u{0}\(name)"
            if troubles[key] == nil { order.append(key); troubles[key] = Trouble(first: source, role: role, tasks: 0, why: why) }
            troubles[key]!.tasks += 1
        }

        for index in snapshot.tasks.indices {
            var task = snapshot.tasks[index]
            task.officer = resolve(task.officer, department: task.department, role: "责任人", at: task.source)
            if task.leader == nil, let officer = task.officer,
               case .found(let person) = directory.lookup(name: officer.name, department: task.department),
               let leaderName = person.leader {
                task.leader = Contact(name: leaderName)
            }
            task.leader = resolve(task.leader, department: "", role: "分管领导", at: task.source)
            snapshot.tasks[index] = task
        }
        for key in order {
            let trouble = troubles[key]!
            let name = String(key.split(separator: "\u{0}").last ?? "")
            snapshot.diagnostics.append(.warning(trouble.first,
                "\(trouble.role) \(name) \(trouble.why); mail for their \(trouble.tasks) task(s) goes to the office instead"))
        }
    }
}
