import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

@Suite struct DigestComposerTests {
    let clock = LocalClock(timeZone: TimeZone(identifier: "Asia/Shanghai")!)
    let today = LocalDate("2026-07-06")!

    func composer(_ locale: String) throws -> Composer {
        let (templates, errors) = TemplateSet.load(searchPath: [repository.appendingPathComponent("config/templates")], locale: locale)
        #expect(errors.isEmpty, "\(errors)")
        return Composer(templates: try #require(templates), from: Contact(name: "整改办", email: "duban@example.org"),
                        organization: "XX单位", programme: "2026年巡察整改", clock: clock, lookBackMonths: 3)
    }

    /// Three overdue tasks, escalated to level 1, level 2, and level 2 for the first repeat.
    func digest() -> Digest {
        let planner = Planner(calendar: WorkCalendar(years: [WorkCalendar.Year(year: 2026)]), policy: Policy(),
                              chain: Chain(office: Contact(name: "整改办", email: "zgb@example.org")), clock: clock,
                              feedbackDate: LocalDate("2026-03-15"))
        let tasks = ["L1", "L2", "R1"].map {
            RectificationTask(id: TaskID($0), idIsExplicit: true, problemNumber: "1", measure: "措施\($0)", department: "办公室",
                              officer: Contact(name: "孙丽"), deadline: .by(LocalDate("2026-06-01")!), status: .inProgress,
                              source: SourceLocation(file: "l"))
        }
        return DigestBuilder(planner: planner).build(week: ISOWeek(containing: today), today: today,
                                                     .init(snapshot: LedgerSnapshot(tasks: tasks),
                                                           highestEscalation: [TaskID("L1"): 1, TaskID("L2"): 2, TaskID("R1"): 3]))
    }

    @Test func theHighestEscalationIsWordedInTheReadersLanguage() throws {
        let digest = digest()
        let english = try composer("en").renderDigest(digest, audience: nil)
        #expect(english.text.contains("day(s) overdue, escalated to the supervising leader\n"), "\(english.text)")
        #expect(english.text.contains("escalated to the principal (repeat 1)"))
        #expect(!english.text.contains("escalation L"))
        let chinese = try composer("zh-CN").renderDigest(digest, audience: nil)
        #expect(chinese.text.contains("天，已报主要负责人（再督办1次）"), "\(chinese.text)")
        #expect(chinese.text.contains("天，已报分管领导\n"))

        // The CSV words it too: it used to carry the rule's English name in a Chinese sheet.
        let csv = String(decoding: DigestCSV.bytes(digest, english: false).dropFirst(3), as: UTF8.self)
        #expect(csv.contains(",报主要负责人（再督办1次）,"), "\(csv)")
        #expect(!csv.contains("escalation L"))
    }

    @Test func csvCellsShowControlAndFormatCharactersEscaped() {
        #expect(DigestCSV.quote("a\u{0}b\u{1B}c\u{202E}d") == "a<U+0000>b<U+001B>c<U+202E>d")
        #expect(DigestCSV.quote("第一行\n第二行") == "\"第一行\n第二行\"")   // a line break stays a quoted line break
        #expect(DigestCSV.quote("=1+1") == "'=1+1")
    }
}
