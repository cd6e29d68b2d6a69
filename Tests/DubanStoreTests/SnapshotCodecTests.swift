import DubanCore
@testable import DubanStore
import DubanTesting
import Foundation
import Testing

/// Issue 17: ledger snapshots are stored in `SnapshotCodec`'s binary form.
/// Its round trip must give back exactly what `Codable` (the JSON form, which
/// is complete by construction) gives back, for every field of every type;
/// JSON stored by earlier releases must still read; and a damaged payload
/// must be a `StoreError`, never a crash.
@Suite struct SnapshotCodecTests {
    /// The snapshot's JSON, as the stores wrote it before: compared byte for
    /// byte, so texts that are only canonically equivalent (`é` and `e` +
    /// U+0301, which `String.==` calls equal) must come back as they went in.
    static func json(_ snapshot: LedgerSnapshot) throws -> Data {
        try JSONEncoder.duban.encode(snapshot)
    }

    @Test func theRoundTripGivesBackWhatCodableGivesBackForRandomSnapshots() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SeededRandom(seed: seed)
        for round in 0..<60 {
            let snapshot = RandomSnapshot.make(tasks: Int.random(in: 0...120, using: &random), using: &random)
            let payload = SnapshotCodec.encode(snapshot)
            let decoded = try SnapshotCodec.decode(payload, in: "test")
            let viaJSON = try JSONDecoder.duban.decode(LedgerSnapshot.self, from: try Self.json(snapshot))
            #expect(decoded == snapshot, "seed \(seed), round \(round)")
            #expect(try Self.json(decoded) == Self.json(viaJSON), "seed \(seed), round \(round)")
            #expect(try Self.json(decoded) == Self.json(snapshot), "seed \(seed), round \(round)")
            // Deterministic: the same snapshot, the same bytes (dictionary order is per process).
            #expect(SnapshotCodec.encode(decoded) == payload, "seed \(seed), round \(round)")
        }
    }

    /// The generator above must set every field, or a field added later and
    /// forgotten in the codec would pass the round trip unnoticed: every
    /// stored field of every value in a random sample (found by reflection,
    /// through whatever storage a type uses) must take at least two values.
    @Test func theRandomSnapshotsSetEveryField() throws {
        var random = SeededRandom(seed: 17)
        var values: [String: Set<String>] = [:]
        for _ in 0..<8 {
            Self.collect(Mirror(reflecting: RandomSnapshot.make(tasks: 60, using: &random)), path: "snapshot", into: &values)
        }
        // Paths that are only ever composite (a struct always present) are checked through their children.
        let constant = values.filter { $0.value.count < 2 && !$0.value.contains(Self.composite) }.keys.sorted()
        #expect(constant.isEmpty, "fields the random snapshots never vary: \(constant)")
        #expect(values.keys.contains { $0.hasSuffix(".lookBackResult") } && values.keys.contains { $0.hasSuffix(".coOfficers") || $0.hasSuffix(".storedCoOfficers") })
    }

    static let composite = "<composite>"

    /// Every node's description (a leaf) or `<composite>`, by its path of labels; array and dictionary elements are `[]`.
    static func collect(_ mirror: Mirror, path: String, into values: inout [String: Set<String>]) {
        for child in mirror.children {
            let childPath = path + "." + (child.label ?? "[]")
            let inner = Mirror(reflecting: child.value)
            if inner.children.isEmpty {
                values[childPath, default: []].insert(String(describing: child.value))
            } else {
                values[childPath, default: []].insert(composite)
                collect(inner, path: childPath, into: &values)
            }
        }
    }

    /// As stored before this release: `JSONEncoder.duban` (a payload from
    /// main at 8605cd0 in `aJSONPayloadFromAnEarlierReleaseStillReads` below, and random ones).
    @Test func jsonStoredByEarlierReleasesStillReads() throws {
        var random = SeededRandom(seed: 42)
        for _ in 0..<10 {
            let snapshot = RandomSnapshot.make(tasks: 40, using: &random)
            let decoded = try SnapshotCodec.decode(try Self.json(snapshot), in: "test")
            #expect(try Self.json(decoded) == Self.json(snapshot))
        }
        // Leading white space is still JSON.
        let spaced = Data(" \n".utf8) + (try Self.json(LedgerSnapshot()))
        #expect(try SnapshotCodec.decode(spaced, in: "test") == LedgerSnapshot())
    }

    @Test func aJSONPayloadFromAnEarlierReleaseStillReads() throws {
        // Written by main at 8605cd0 (`JSONEncoder.duban`), and before `coOfficers` and `columns` existed.
        let old = #"{"diagnostics":[{"location":{"file":"l.csv","row":3},"message":"no 销号日期","severity":"warning"}],"problems":[{"category":"作风","description":"会议多","number":"1","source":{"file":"l.csv","row":2}}],"tasks":[{"acceptanceCriterion":"","checkpoints":[{"date":"2026-05-31","label":"方案"}],"deadline":{"date":"2026-06-30","kind":"dated"},"deadlineText":"6月底前","department":"办公室","evidence":"","id":"T1","idIsExplicit":true,"measure":"精简会议","officer":{"email":"zw@example.org","name":"张伟"},"problemNumber":"1","progress":"","remarks":"","source":{"file":"l.csv","row":2},"status":"in_progress","statusText":"整改中"}]}"#
        let snapshot = try SnapshotCodec.decode(Data(old.utf8), in: "test")
        let task = try #require(snapshot.tasks.first)
        #expect(task.id == TaskID("T1") && task.deadline == .by(LocalDate("2026-06-30")!) && task.officer?.email == "zw@example.org")
        #expect(task.checkpoints == [Checkpoint(date: LocalDate("2026-05-31")!, label: "方案")] && task.status == .inProgress)
        #expect(task.coOfficers.isEmpty && snapshot.columns.isEmpty && snapshot.problems[0].category == "作风")
        #expect(snapshot.diagnostics == [.warning(DubanCore.SourceLocation(file: "l.csv", row: 3), "no 销号日期")])
    }

    /// Every shorter prefix, every single flipped byte, a newer version,
    /// something else entirely, and random bodies behind a valid header:
    /// each is a `.corrupt` `StoreError` naming the store and the snapshot.
    @Test func aDamagedPayloadIsAClearErrorNotACrash() throws {
        var random = SeededRandom(seed: 7)
        let payload = SnapshotCodec.encode(RandomSnapshot.make(tasks: 3, using: &random))
        func failure(_ bytes: Data) -> StoreError? {
            do {
                _ = try SnapshotCodec.decode(bytes, in: "/var/lib/duban/duban.sqlite", name: "the last good ledger")
                return nil
            } catch {
                return error
            }
        }
        for length in 0..<payload.count {
            let error = try #require(failure(payload.prefix(length)), "a payload cut to \(length) of \(payload.count) bytes decoded")
            #expect(error.code == .corrupt && error.message.hasPrefix("state database /var/lib/duban/duban.sqlite: the last good ledger ("))
        }
        #expect(failure(payload.prefix(payload.count - 10))?.message.contains("cut short: ") == true)
        for index in payload.indices {
            var flipped = payload
            flipped[index] ^= 0x20
            let error = try #require(failure(flipped), "a payload with byte \(index) flipped decoded")
            #expect(error.code == .corrupt)
        }
        var body = payload
        body[payload.count - 1] ^= 1
        #expect(failure(body)?.message.contains("checksum does not match") == true)
        var newer = payload
        newer[4] = 2
        #expect(failure(newer)?.message.contains("newer Duban") == true)
        #expect(failure(payload + Data([0]))?.message.contains("1 unexpected bytes follow") == true)
        #expect(failure(Data("PK\u{3}\u{4}".utf8))?.message.contains("neither Duban's binary form nor JSON (it starts with 50 4b 03 04)") == true)
        #expect(failure(Data(#"{"tasks": 3}"#.utf8))?.message.contains("(JSON, 12 bytes) does not decode") == true)
        // A checksum is no proof of sense: random bodies behind a valid header are read with bounds checks.
        for _ in 0..<3000 {
            let rest = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Mostly small numbers, as a real body has.
            let body = rest.map { $0 < 200 ? $0 % 6 : $0 }
            var bytes = SnapshotCodec.magic + [SnapshotCodec.version]
            SnapshotCodec.Writer.appendVarint(UInt64(body.count), to: &bytes)
            let checksum = SnapshotCodec.crc(body)
            bytes += [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: checksum >> UInt32($0)) } + body
            if let error = failure(Data(bytes)) { #expect(error.code == .corrupt) }
        }
    }

    /// Equal texts are stored once and decoded to one shared `String`.
    @Test func equalTextsAreStoredOnce() throws {
        let tasks = (1...500).map { n in
            RectificationTask(id: TaskID("T\(n)"), idIsExplicit: true, problemNumber: "1", measure: "按月召开专题会议，逐项对账销号（第\(n % 2)批）",
                              department: "综合管理办公室（党委办公室）", officer: Contact(name: "张伟", email: "zhang.wei@example.org"),
                              deadline: .by(LocalDate("2026-06-30")!), deadlineText: "2026年6月底前", source: DubanCore.SourceLocation(file: "/srv/ledger/台账.xlsx", row: n + 1))
        }
        let snapshot = LedgerSnapshot(tasks: tasks)
        let payload = SnapshotCodec.encode(snapshot)
        let json = try Self.json(snapshot)
        #expect(payload.count * 10 < json.count, "\(payload.count) bytes against JSON's \(json.count)")
        let decoded = try SnapshotCodec.decode(payload, in: "test")
        var departments = Set<UInt>()
        for task in decoded.tasks {
            var department = task.department
            _ = department.withUTF8 { departments.insert(UInt(bitPattern: $0.baseAddress)) }
        }
        #expect(departments.count == 1, "the department text is stored \(departments.count) times in memory")
    }

    /// Reads with the same stored bytes as the read before are decoded once;
    /// the trail is the one that decoding every read gives.
    @Test func identicalConsecutiveReadsAreDecodedOnce() throws {
        var random = SeededRandom(seed: 3)
        // Rows numbered as a ledger's are: the history orders gone rows by row, and random rows would tie.
        func ledger() -> LedgerSnapshot {
            var snapshot = RandomSnapshot.make(tasks: 30, using: &random)
            for index in snapshot.tasks.indices { snapshot.tasks[index].source = DubanCore.SourceLocation(file: "l.csv", row: index + 2) }
            return snapshot
        }
        let a = ledger(), b = ledger()
        let order = [a, a, b, a, a, a]
        let start = LocalDate("2026-06-01")!
        var reads = StoredReads(upTo: start.adding(days: 30))
        var reference = LedgerTrail(upTo: start.adding(days: 30))
        var decodes = 0
        for (day, snapshot) in order.enumerated() {
            reads.add(day: start.adding(days: day), SnapshotCodec.encode(snapshot)) { payload throws(StoreError) in
                decodes += 1
                return try SnapshotCodec.decode(payload, in: "test")
            }
            reference.add(day: start.adding(days: day), snapshot)
        }
        #expect(decodes == 3 && reads.trail.reads == 6 && reads.trail.undecodable == 0)
        // As sets: two equal trails may list their tasks in different orders (each dictionary has its own seed).
        for current in [a, b, LedgerSnapshot()] {
            let found = LedgerHistory.compare(reads.trail, current: current), expected = LedgerHistory.compare(reference, current: current)
            #expect(found.count == expected.count && Set(found) == Set(expected))
        }
        // One that does not decode is counted each time, and the next good one is still read.
        reads.add(day: start.adding(days: 7), Data("x".utf8)) { payload throws(StoreError) in try SnapshotCodec.decode(payload, in: "test") }
        reads.add(day: start.adding(days: 8), Data("x".utf8)) { payload throws(StoreError) in try SnapshotCodec.decode(payload, in: "test") }
        reads.add(day: start.adding(days: 9), SnapshotCodec.encode(a)) { payload throws(StoreError) in try SnapshotCodec.decode(payload, in: "test") }
        #expect(reads.trail.undecodable == 2 && reads.trail.reads == 7)
    }
}

/// Random ledgers that set every field of every type a snapshot holds,
/// texts drawn from a small pool (so some repeat, as departments and people
/// do) and a large one (Chinese, emoji, line breaks, canonically equivalent
/// spellings, the empty text).
enum RandomSnapshot {
    static let pool = ["", "办公室", "张伟", "e\u{301}", "\u{E9}", "🇨🇳", "a\nb", "整改中", "长期坚持", "x", "\u{0}", "\"{}\"", "P1-1a2b3c4d"]

    static func text(using random: inout some RandomNumberGenerator) -> String {
        if Bool.random(using: &random) { return pool.randomElement(using: &random)! }
        let scalars = ["整", "改", "a", "Z", "0", " ", "\u{301}", "😀", "、", "\t", "é"]
        return (0..<Int.random(in: 1...24, using: &random)).map { _ in scalars.randomElement(using: &random)! }.joined()
    }

    static func date(using random: inout some RandomNumberGenerator) -> LocalDate {
        LocalDate(dayNumber: Int.random(in: -1000...40_000, using: &random))
    }

    static func maybe<T, G: RandomNumberGenerator>(_ random: inout G, _ make: (inout G) -> T) -> T? {
        Bool.random(using: &random) ? make(&random) : nil
    }

    static func int(using random: inout some RandomNumberGenerator) -> Int {
        [Int.random(in: -5...5000, using: &random), Int.min, Int.max, 0].randomElement(using: &random)!
    }

    static func location(using random: inout some RandomNumberGenerator) -> DubanCore.SourceLocation {
        DubanCore.SourceLocation(file: text(using: &random), row: maybe(&random) { int(using: &$0) }, column: maybe(&random) { int(using: &$0) })
    }

    static func contact(using random: inout some RandomNumberGenerator) -> Contact {
        Contact(name: text(using: &random), email: maybe(&random) { text(using: &$0) })
    }

    static func deadline(using random: inout some RandomNumberGenerator) -> Deadline {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return .by(date(using: &random))
        case 1: return .byThenOngoing(date(using: &random))
        case 2: return .immediate(maybe(&random) { date(using: &$0) })
        case 3: return .ongoing
        case 4: return .missing
        default: return .unparsed(text(using: &random))
        }
    }

    static func task(_ n: Int, using random: inout some RandomNumberGenerator) -> RectificationTask {
        RectificationTask(
            id: TaskID("\(text(using: &random))#\(n)"), idIsExplicit: Bool.random(using: &random), problemNumber: text(using: &random),
            measure: text(using: &random), department: text(using: &random), officer: maybe(&random) { contact(using: &$0) },
            leader: maybe(&random) { contact(using: &$0) }, deadline: deadline(using: &random), deadlineText: text(using: &random),
            checkpoints: (0..<Int.random(in: 0...3, using: &random)).map { _ in Checkpoint(date: date(using: &random), label: text(using: &random)) },
            acceptanceCriterion: text(using: &random), progress: text(using: &random), status: TaskStatus.allCases.randomElement(using: &random)!,
            statusText: text(using: &random), completedOn: maybe(&random) { date(using: &$0) },
            acceptedOn: maybe(&random) { date(using: &$0) }, closedOn: maybe(&random) { date(using: &$0) },
            evidence: text(using: &random), remarks: text(using: &random),
            deadlineExtension: maybe(&random) { random in
                DeadlineExtension(requested: Bool.random(using: &random), newDeadline: maybe(&random) { date(using: &$0) },
                                  approver: text(using: &random), reason: text(using: &random))
            },
            cadence: maybe(&random) { StandingCadence.allCases.randomElement(using: &$0)! },
            lastExecutedOn: maybe(&random) { date(using: &$0) }, lookBackOn: maybe(&random) { date(using: &$0) },
            lookBackResult: maybe(&random) { LookBackResult.allCases.randomElement(using: &$0)! },
            source: location(using: &random),
            coOfficers: (0..<Int.random(in: 0...2, using: &random)).map { _ in contact(using: &random) })
    }

    static func make(tasks count: Int, using random: inout some RandomNumberGenerator) -> LedgerSnapshot {
        var snapshot = LedgerSnapshot(
            problems: (0..<Int.random(in: 0...5, using: &random)).map { _ in
                Problem(number: text(using: &random), category: text(using: &random), description: text(using: &random), source: location(using: &random))
            },
            tasks: (0..<count).map { task($0, using: &random) },
            diagnostics: (0..<Int.random(in: 0...5, using: &random)).map { _ in
                Diagnostic(Bool.random(using: &random) ? .error : .warning, location(using: &random), text(using: &random))
            })
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            snapshot.columns[text(using: &random)] = Dictionary(
                (0..<Int.random(in: 1...6, using: &random)).map { _ in (LedgerField.allCases.randomElement(using: &random)!, int(using: &random)) },
                uniquingKeysWith: { first, _ in first })
        }
        return snapshot
    }
}
