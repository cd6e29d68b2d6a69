import DubanCore
import Foundation
import Testing

@Suite struct PeopleDirectoryTests {
    @Test func sameNameIsToldApartByDepartment() {
        let at = SourceLocation(file: "people.csv")
        let directory = PeopleDirectory([
            Person(name: "王伟", department: "财务处", email: "a@x.org", source: at),
            Person(name: "王伟", department: "组织部", email: "b@x.org", source: at),
            Person(name: "李强", email: "c@x.org", source: at),
        ])
        #expect(directory.lookup(name: "李强") == .found(directory.people[2]))
        #expect(directory.lookup(name: "王伟", department: "组织部") == .found(directory.people[1]))
        guard case .ambiguous(let both) = directory.lookup(name: "王伟") else { Issue.record("expected ambiguous"); return }
        #expect(both.count == 2)
        #expect(directory.lookup(name: "赵六") == .unknown)
    }
}
