public import DubanCore

/// Turns the rows of one table into problems and tasks, with a diagnostic for
/// every cell it could not understand. Rows are fed one at a time, so a
/// million-row CSV is never held in memory as cells.
///
/// Nothing is dropped: a task with an unreadable deadline is kept (as
/// `.unparsed`) and reported; a duplicated id is reported and the task kept
/// under a row-qualified id.
public struct LedgerInterpreter {
    public let file: String
    private let matcher: HeaderMatcher
    private let deadlines: DeadlineParser
    private let checkpoints: CheckpointParser
    private let dates: DateText

    private var header: HeaderMatcher.Header?
    /// The header's columns, as an array-backed map and as a list in column order.
    private var columnOf = FieldMap<Int>()
    private var mapped: [(field: LedgerField, column: Int)] = []
    private var rowsSeen = 0
    private var snapshot = LedgerSnapshot()
    private var current: CurrentProblem?
    private var problemIndex: [String: Int] = [:]
    /// Per problem (as in `snapshot.problems`): whether a task row follows it.
    private var problemHasTasks: [Bool] = []
    /// The row that first had each id (the file is this interpreter's).
    private var taskRows: [TaskID: Int] = [:]
    private var derivedIDs = 0
    /// Derived ids given so far: the row and content that first had each, and how many have it.
    private var derivedSeen: [TaskID: (row: Int, content: DerivedTaskID.Content, count: Int)] = [:]
    private var closedWithoutDate = 0
    // Deadline and status words repeat down a ledger; parse each text once.
    private var deadlineMemo = TextMemo<DeadlineParser.Parsed>(limit: 100_000)
    private var statusMemo = TextMemo<StatusParser.Parsed>(limit: 10_000)
    private var dateMemo = TextMemo<DateText.Result>(limit: 100_000)
    private var checkpointMemo = TextMemo<CheckpointParser.Parsed>(limit: 100_000)
    /// See `intern`: one memo per column, so that each keeps the last text of its own column.
    private var interned = [TextMemo<String>](repeating: TextMemo(limit: 100_000), count: LedgerField.allCases.count)
    /// Names (责任人, 分管领导, 延期批准人) repeat down a ledger: each raw
    /// cell text is cleaned and trimmed once (see `name`).
    private var nameMemo = TextMemo<(clean: String, removed: [Unicode.Scalar], trimmed: String)>(limit: 100_000)

    private struct CurrentProblem {
        var number: String
        var index: Int
        var values: FieldMap<Cell>
    }

    public init(file: String, matcher: HeaderMatcher, feedbackDate: LocalDate?) {
        self.file = file
        self.matcher = matcher
        self.deadlines = DeadlineParser(reference: feedbackDate)
        self.checkpoints = CheckpointParser(reference: feedbackDate)
        self.dates = DateText(reference: feedbackDate)
    }

    private func at(_ row: Int, _ field: LedgerField? = nil) -> SourceLocation {
        SourceLocation(file: file, row: row, column: field.flatMap { columnOf[$0] }.map { $0 + 1 })
    }

    private mutating func report(_ severity: Diagnostic.Severity, _ row: Int, _ field: LedgerField?, _ message: String) {
        snapshot.diagnostics.append(Diagnostic(severity, at(row, field), message))
    }

    public mutating func consume(_ row: TableRow) {
        rowsSeen += 1
        guard let header else {
            if row.isBlank { return }
            if let found = matcher.match(row, file: file) {
                self.header = found
                for (field, column) in found.columns.sorted(by: { $0.value < $1.value }) {
                    columnOf[field] = column
                    mapped.append((field, column))
                }
                snapshot.diagnostics += found.diagnostics
                checkColumns(found)
            }
            return
        }
        guard !row.isBlank else { return }
        // A header repeated further down (printed pages, pasted blocks) is not a task.
        // Compared cell by cell, stopping at the first difference: on a task row
        // that is the first cell, instead of trimming every cell of every row.
        if row.cells.count == header.texts.count,
           zip(row.cells, header.texts).allSatisfy({ $0.text == $1 }) { return }

        var values = FieldMap<Cell>()
        for (field, column) in mapped {
            let value = row[column]
            if case .invalid(let reason) = value {
                report(.error, row.number, field, "\(field.heading): \(reason)")
            }
            if !value.isBlank { values[field] = value }
        }

        // Which problem is this row under? A new 序号 starts one; a blank 序号
        // continues the one above (CSV from a merged sheet, or an unmerged copy).
        let number = values[.problemNumber]?.text ?? ""
        if !number.isEmpty, number != current?.number {
            startProblem(number: number, values: values, row: row.number)
        } else if number.isEmpty, columnOf[.problemNumber] == nil,
                  let description = values[.problemDescription]?.text, description != current?.values[.problemDescription]?.text {
            // No 序号 column at all: a new problem text starts a new problem.
            startProblem(number: String((snapshot.problems.count) + 1), values: values, row: row.number)
        } else if current == nil {
            let generated = "R\(row.number)"
            report(.warning, row.number, .problemNumber, "no 序号 for this row's problem; it is numbered \(generated) after its row")
            startProblem(number: generated, values: values, row: row.number)
        }
        guard var problem = current else { return }
        for field in LedgerField.problemLevel {
            if values[field] == nil {
                values[field] = problem.values[field]
            } else if problem.values[field] == nil {
                problem.values[field] = values[field]
            }
        }
        current = problem

        guard Self.taskFields.contains(where: { values[$0] != nil }) else { return }  // a problem-only row
        problemHasTasks[problem.index] = true
        addTask(values, problem: problem.number, row: row.number)
    }

    /// Fields that make a row a task row (a static: not an array built per row).
    private static let taskFields: [LedgerField] = [.taskID, .measure, .deadline, .department, .officer, .status]

    private mutating func startProblem(number: String, values: FieldMap<Cell>, row: Int) {
        var problemValues = FieldMap<Cell>()
        for field in LedgerField.problemLevel { problemValues[field] = values[field] }
        if let index = problemIndex[number] {
            current = CurrentProblem(number: number, index: index, values: problemValues)
            report(.warning, row, .problemNumber,
                   "problem \(number) appears again (first at row \(snapshot.problems[index].source.row ?? 0)); these tasks are added to it")
            return
        }
        current = CurrentProblem(number: number, index: snapshot.problems.count, values: problemValues)
        problemIndex[number] = snapshot.problems.count
        problemHasTasks.append(false)
        snapshot.problems.append(Problem(
            number: number,
            category: values[.problemCategory]?.text ?? "",
            description: values[.problemDescription]?.text ?? "",
            source: at(row, .problemNumber)))
    }

    private mutating func addTask(_ values: FieldMap<Cell>, problem: String, row: Int) {
        func text(_ field: LedgerField) -> String { values[field]?.text ?? "" }
        let source = at(row)

        let officerName = name(.officer, values, row: row), leaderName = name(.leader, values, row: row)

        // Identity: the 任务编号, else derived from the task's content, so that a
        // row inserted or deleted elsewhere cannot move one task's history onto another.
        var id: TaskID
        let explicit = !text(.taskID).isEmpty
        if explicit {
            id = TaskID(text(.taskID))
        } else {
            let content = DerivedTaskID.Content(problem: text(.problemDescription), measure: text(.measure), officer: officerName)
            let base = DerivedTaskID.make(problem: problem, content: content)
            derivedIDs += 1
            if let earlier = derivedSeen[base] {
                // Identical rows: told apart by their order among themselves only.
                derivedSeen[base]!.count += 1
                id = TaskID("\(base.rawValue)-\(derivedSeen[base]!.count)")
                let why = earlier.content == content
                    ? "repeats the problem, 整改措施 and 责任人 of row \(earlier.row)"
                    : "has a derived id that collides with row \(earlier.row)"
                report(.warning, row, .measure, "this row \(why); it is kept as task \(id), which follows the order of these rows only. Give each task a 任务编号")
            } else {
                derivedSeen[base] = (row, content, 1)
                id = base
            }
            if columnOf[.taskID] != nil {
                report(.warning, row, .taskID, "no 任务编号; using \(id), derived from the problem, 整改措施 and 责任人, which changes if one of them is edited")
            }
        }
        // One hash of the id for a new one (nearly all): the row goes in, and
        // only a repeated id puts its first row back.
        if let first = taskRows.updateValue(row, forKey: id) {
            taskRows[id] = first
            let unique = TaskID("\(id.rawValue)@\(row)")
            report(.error, row, explicit ? .taskID : .problemNumber,
                   "task id \(id) is used twice (first at \(at(first))); this task is kept as \(unique) until the 任务编号 is fixed")
            id = unique
            taskRows[id] = row
        }

        // Deadline.
        let deadlineCell = values[.deadline] ?? .empty
        let parsed: DeadlineParser.Parsed
        if case .text(let raw) = deadlineCell {
            parsed = deadlineMemo.value(for: raw) { deadlines.parse($0) }
        } else {
            parsed = deadlines.parse(deadlineCell)
        }
        if let problem = parsed.problem {
            report(.error, row, .deadline, "整改时限: \(problem); the task is kept but gets no deadline mail until this is fixed")
        } else if parsed.deadline == .missing, columnOf[.deadline] != nil {
            report(.error, row, .deadline, "整改时限 is empty; every task needs a deadline (or 立行立改 / 长期坚持)")
        }

        // Checkpoints: readable ones kept, each unreadable one reported.
        let checkpointCell = values[.checkpoints] ?? .empty
        let checkpointResult: CheckpointParser.Parsed
        if case .text(let raw) = checkpointCell {
            checkpointResult = checkpointMemo.value(for: raw) { checkpoints.parse(.text($0)) }
        } else {
            checkpointResult = checkpoints.parse(checkpointCell)
        }
        for problem in checkpointResult.problems { report(.error, row, .checkpoints, "中期检查点: \(problem)") }

        let completedOn = date(values[.completedOn], row: row, field: .completedOn)
        let acceptedOn = date(values[.acceptedOn], row: row, field: .acceptedOn)
        var closedOn: LocalDate?
        var closedByWord = false
        if let cell = values[.closedOn] {
            // 销号情况 often holds a word (已销号) rather than a date.
            if case .text(let raw) = cell, case .notADate = memoisedDate(raw),
               case .known(.closed) = StatusParser.parse(raw) {
                closedByWord = true
            } else {
                closedOn = date(cell, row: row, field: .closedOn)
            }
        }

        // Status: the word, else inferred from dates; an unknown word counts as in progress.
        let statusText = text(.status)
        var status: TaskStatus
        let statusWord: StatusParser.Parsed
        statusWord = statusMemo.value(for: statusText) { StatusParser.parse($0) }
        var extensionRequested = false
        switch statusWord {
        case .known(let s): status = s
        case .extensionRequested:
            status = .inProgress
            extensionRequested = true
        case .unknown:
            status = .inProgress
            report(.warning, row, .status, "完成情况 \"\(statusText)\" is not a known status; counted as 整改中 (in progress). Known: 未整改, 整改中, 已完成, 待验收, 已验收, 已销号, 长期坚持, 申请延期")
        case .empty:
            if closedOn != nil || closedByWord { status = .closed }
            else if acceptedOn != nil { status = .accepted }
            else if completedOn != nil { status = .completed }
            else if parsed.deadline == .ongoing { status = .ongoing }
            else { status = .notStarted }
        }
        if status == .closed, closedOn == nil { closedWithoutDate += 1 }

        let deadlineExtension = extensionOf(values, requested: extensionRequested, due: parsed.deadline.date, row: row)
        let (cadence, lastExecutedOn) = standing(values, status: status, deadline: parsed.deadline, row: row)
        // 回头看: the day it was done and what it found.
        let lookBackOn = date(values[.lookBackOn], row: row, field: .lookBackOn)
        let resultText = text(.lookBackResult)
        let lookBackResult = resultText.isEmpty ? nil : LookBackResult.parse(resultText)
        if !resultText.isEmpty, lookBackResult == nil {
            report(.error, row, .lookBackResult, "回头看结果 \"\(resultText)\" is not a known result; expected 有效 or 已巩固 (the fix held), 部分有效, or 反弹 / 未巩固 (a rebound); until this is fixed it counts as no result recorded")
        }

        let officerEmail = email(values[.officerEmail], row: row, field: .officerEmail)
        // Several names in one cell: the first is the officer, the others are copied (LedgerAudit reports it).
        let officers = NameList.split(officerName)
        let leaderEmail = email(values[.leaderEmail], row: row, field: .leaderEmail)
        snapshot.tasks.append(RectificationTask(
            id: id, idIsExplicit: explicit, problemNumber: problem,
            measure: text(.measure).isEmpty ? text(.problemDescription) : text(.measure),
            department: intern(text(.department), .department),
            officer: officers.first.map { Contact(name: $0, email: officerEmail) },
            leader: leaderName.isEmpty ? nil : Contact(name: leaderName, email: leaderEmail),
            deadline: parsed.deadline, deadlineText: intern(deadlineCell.text, .deadline),
            checkpoints: checkpointResult.checkpoints + parsed.stages,
            acceptanceCriterion: intern(text(.acceptance), .acceptance), progress: intern(text(.progress), .progress),
            status: status, statusText: intern(statusText, .status),
            completedOn: completedOn, acceptedOn: acceptedOn, closedOn: closedOn,
            evidence: intern(text(.evidence), .evidence), remarks: intern(text(.remarks), .remarks),
            deadlineExtension: deadlineExtension, cadence: cadence, lastExecutedOn: lastExecutedOn,
            lookBackOn: lookBackOn, lookBackResult: lookBackResult, source: source,
            coOfficers: officers.dropFirst().map { Contact(name: $0) }))
    }

    /// 延期: the request (from the status) and the three cells. Half an
    /// approval moves nothing, and says so at the cell.
    private mutating func extensionOf(_ values: FieldMap<Cell>, requested: Bool, due: LocalDate?, row: Int) -> DeadlineExtension? {
        let newDeadline = date(values[.extendedTo], row: row, field: .extendedTo)
        let approver = name(.extensionApprover, values, row: row)
        let reason = values[.extensionReason]?.text.trimmingWhitespace() ?? ""
        guard requested || newDeadline != nil || !approver.isEmpty || !reason.isEmpty else { return nil }
        let result = DeadlineExtension(requested: requested, newDeadline: newDeadline, approver: approver, reason: reason)
        if let newDeadline, approver.isEmpty, !requested {
            report(.warning, row, .extensionApprover, "延期至 \(newDeadline) has no 延期批准人: the deadline stays \(due?.description ?? "as written") until the approver is recorded")
        }
        if !approver.isEmpty, newDeadline == nil, values[.extendedTo] == nil {
            report(.warning, row, .extendedTo, "延期批准人 \(approver) is filled but 延期至 is empty: no new deadline, nothing is moved")
        }
        if requested, reason.isEmpty, !result.isApproved {
            report(.warning, row, .extensionReason, "the status asks for an extension (申请延期) but 延期原因 is empty; the office is told without a reason")
        }
        if result.isApproved, let newDeadline, let due, newDeadline <= due {
            report(.warning, row, .extendedTo, "延期至 \(newDeadline) is not after the 整改时限 \(due); it is used as the deadline all the same")
        }
        return result
    }

    /// 执行频次 and 最近执行日期. A standing measure without a readable
    /// cadence (from the column or the 整改措施 text) gets no periodic mail,
    /// and the row is named.
    private mutating func standing(_ values: FieldMap<Cell>, status: TaskStatus, deadline: Deadline, row: Int)
        -> (StandingCadence?, LocalDate?) {
        let lastExecutedOn = date(values[.lastExecutedOn], row: row, field: .lastExecutedOn)
        let isStanding = status == .ongoing || (!status.isDone && deadline.kind == .ongoing)
        var cadence: StandingCadence?
        var unreadableCell = false
        if let cell = values[.frequency] {
            switch CadenceParser.parse(cell: cell.text) {
            case .cadence(let found): cadence = found
            case .none: break
            case .unreadable(let why):
                unreadableCell = true
                report(.warning, row, .frequency, "执行频次: \(why)")
            }
        }
        if cadence == nil, isStanding || deadline.kind == .datedThenOngoing {
            cadence = CadenceParser.parse(text: values[.measure]?.text ?? "")
        }
        if isStanding, cadence == nil, !unreadableCell {
            report(.warning, row, columnOf[.frequency] != nil ? .frequency : .measure,
                   "row \(row) is a standing measure (长期坚持) without a readable cadence, so nobody is asked to carry it out; fill 执行频次 (每周, 每月, 每季度, 每半年, 每年) or write it in the 整改措施 (每季度抽查一次)")
        }
        return (cadence, lastExecutedOn)
    }

    private mutating func date(_ cell: Cell?, row: Int, field: LedgerField) -> LocalDate? {
        guard let cell else { return nil }
        switch cell {
        case .date(let d): return d
        case .text(let raw):
            switch memoisedDate(raw) {
            case .date(let d): return d
            case .invalid(let why): report(.error, row, field, "\(field.heading): \(why)")
            case .notADate: report(.error, row, field, "\(field.heading): \"\(raw)\" is not a date; expected e.g. 2026-06-30")
            }
        case .invalid: break  // already reported
        default: report(.error, row, field, "\(field.heading): \(cell.text) is not a date; expected e.g. 2026-06-30")
        }
        return nil
    }

    /// The one copy of a text seen before. 验收标准, 整改进展, departments and
    /// deadline words repeat down a ledger, and each cell read is a string
    /// of its own: a million tasks kept a million copies of one 验收标准.
    /// Short texts (up to 15 bytes) live inside the string value already.
    private mutating func intern(_ text: String, _ field: LedgerField) -> String {
        guard text.utf8.count > 15 else { return text }
        return interned[field.ordinal].value(for: text) { $0 }
    }

    /// A date cell's text read as a date, each distinct text parsed once.
    private mutating func memoisedDate(_ raw: String) -> DateText.Result {
        dateMemo.value(for: raw) { dates.parse(DeadlineParser.strip($0)) }
    }

    /// A person's name without control and format characters (a right-to-left
    /// override would make the name display as something else in mail); what
    /// was removed is reported at the cell.
    private mutating func name(_ field: LedgerField, _ values: FieldMap<Cell>, row: Int) -> String {
        let raw = values[field]?.text ?? ""
        let clean: String, removed: [Unicode.Scalar], trimmed: String
        (clean, removed, trimmed) = nameMemo.value(for: raw) { raw in
            let (clean, removed) = InvisibleCharacters.stripped(raw)
            return (clean, removed, clean.trimmingWhitespace())
        }
        if !removed.isEmpty {
            report(.warning, row, field, "\(field.heading): invisible control or format characters (\(InvisibleCharacters.describe(removed))) removed from the name; it is used as \"\(clean)\"")
        }
        return trimmed
    }

    private mutating func email(_ cell: Cell?, row: Int, field: LedgerField) -> String? {
        guard let raw = cell?.text, !raw.isEmpty else { return nil }
        guard EmailAddress.isValid(raw) else {
            report(.error, row, field, "\(field.heading): \"\(raw)\" is not a valid email address; the people directory is used instead")
            return nil
        }
        return raw
    }

    private mutating func checkColumns(_ header: HeaderMatcher.Header) {
        func missing(_ field: LedgerField) -> String {
            "\(field.heading) (also accepted: \(field.aliases.dropFirst().joined(separator: "、")); or map your heading in [ledger.columns] \(field.rawValue))"
        }
        let row = header.row
        if header.columns[.deadline] == nil {
            snapshot.diagnostics.append(.error(SourceLocation(file: file, row: row), "no deadline column: expected \(missing(.deadline)); tasks are loaded without deadlines"))
        }
        if header.columns[.measure] == nil && header.columns[.problemDescription] == nil {
            snapshot.diagnostics.append(.error(SourceLocation(file: file, row: row), "no task column: expected \(missing(.measure))"))
        }
        if header.columns[.officer] == nil && header.columns[.officerEmail] == nil {
            snapshot.diagnostics.append(.warning(SourceLocation(file: file, row: row), "no officer column: expected \(missing(.officer)); reminders will go to the office"))
        }
        if header.columns[.taskID] == nil {
            snapshot.diagnostics.append(.warning(SourceLocation(file: file, row: row), "no 任务编号 column: task ids are derived from each task's problem, 整改措施 and 责任人, so editing one of them makes it a new task whose reminders start over; an explicit 任务编号 column keeps a task's history through edits"))
        }
    }

    /// Ends the table and returns what was read.
    public mutating func finish() -> LedgerSnapshot {
        if !mapped.isEmpty {
            snapshot.columns[file] = Dictionary(mapped.map { ($0.field, $0.column + 1) }, uniquingKeysWith: { first, _ in first })
        }
        if header == nil {
            let message = rowsSeen == 0
                ? "the sheet is empty"
                : "no header row found in the first rows; expected headings such as 序号, 整改措施, 责任部门, 责任人, 整改时限 (other headings can be mapped in [ledger.columns])"
            snapshot.diagnostics.append(.error(SourceLocation(file: file), message))
        } else if snapshot.tasks.isEmpty {
            snapshot.diagnostics.append(.warning(SourceLocation(file: file), "the header was found but no task rows follow it"))
        }
        if closedWithoutDate > 0 {
            snapshot.diagnostics.append(.warning(SourceLocation(file: file), "\(closedWithoutDate) closed task(s) have no 销号日期, so their 回头看 look-back cannot be scheduled"))
        }
        for (problem, hasTasks) in zip(snapshot.problems, problemHasTasks) where !hasTasks {
            snapshot.diagnostics.append(.warning(problem.source, "problem \(problem.number) has no task rows"))
        }
        return snapshot
    }
}
