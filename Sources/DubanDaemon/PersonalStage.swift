public import DubanCore
import DubanMail
public import DubanStore
public import Foundation

/// The weekly personal lists as a stage of the pass. Due on the personal
/// day (`[personal] weekday`, moved to the next working day like the
/// digest) from its time until quiet_from; a day missed while Duban was
/// down is not caught up on a later day: a week-old list would mislead, and
/// next week's comes. Each list is a notification with its own identity
/// (person, role, week), so it goes out once.
public struct PersonalStage: Sendable {
    public var environment: Environment

    public init(environment: Environment) {
        self.environment = environment
    }

    /// A list due now, with the message that carries it.
    public struct Due: Sendable {
        public var message: PlannedMessage
        public var list: PersonalList
    }

    /// The lists due at `now` that the log does not hold yet, and the next
    /// instant lists become due.
    public func due(_ snapshot: LedgerSnapshot, now: Date, log: Set<NotificationIdentity>) -> (due: [Due], next: Date?) {
        let settings = environment.configuration.personal
        guard settings.enabled else { return ([], nil) }
        let clock = environment.clock, calendar = environment.calendar
        let today = clock.date(of: now), time = clock.timeOfDay(of: now)
        let week = ISOWeek(containing: today)
        let slot = settings.schedule.slot(of: week, calendar: calendar, clock: clock)
        let following = settings.schedule.slot(of: ISOWeek(containing: week.monday.adding(days: 7)), calendar: calendar, clock: clock)
        guard today == settings.schedule.day(of: week, calendar: calendar), slot <= now,
              time < environment.configuration.policy.quietFrom else {
            return ([], slot > now ? slot : following)
        }
        let people = environment.people.people
        let optedOutNames = Set(people.filter { !$0.personalList }.map(\.name))
        let optedOutAddresses = Set(people.filter { !$0.personalList }.compactMap { $0.email?.lowercased() })
        let lists = PersonalListBuilder(planner: environment.planner).build(snapshot, log: log, week: week, today: today) { contact in
            optedOutAddresses.contains(contact.email?.lowercased() ?? "") || optedOutNames.contains(contact.name)
        }
        let due = lists.filter { !log.contains($0.identity) }.map { list in
            Due(message: PlannedMessage(kind: .personal, level: nil, slot: now, to: [list.person], cc: [], items: [], unreachable: [],
                                        extraIdentities: [list.identity]), list: list)
        }
        return (due, following)
    }

    /// The mails of due lists.
    public func mails(_ due: [Due]) -> [OutgoingMail] {
        due.map { entry in
            let mail = environment.composer.composePersonal(entry.list, message: entry.message)
            return OutgoingMail(message: entry.message, subject: mail.subject, sender: mail.from.email ?? "", recipients: mail.envelopeRecipients,
                                mime: MIMEWriter.write(mail))
        }
    }

    /// The subject of a list, for dry runs.
    public func subject(_ due: Due) -> String {
        environment.composer.composePersonal(due.list, message: due.message).subject
    }
}
