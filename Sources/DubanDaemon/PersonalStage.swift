public import DubanCore
import DubanMail
public import DubanStore
public import Foundation

/// The weekly personal lists as a stage of the pass. Due on the personal
/// day (`[personal] weekday`, moved to the next working day like the
/// digest, even into the next week) from its time until quiet_from; a day
/// missed while Duban was down is caught up in the sending window of a
/// later working day until the next list's day, like the digest (the same
/// `DigestSchedule.decide`): downtime is caught up, not replayed. Each list
/// is a notification with its own identity (person, role, week), so it goes
/// out once; once a week's lists went out, none of that week follows.
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
        let schedule = settings.schedule
        // The weeks whose lists went out: a week is done once any of its lists is logged.
        let sent = Set(log.lazy.filter { $0.kind == .personal }.map { ISOWeek(containing: $0.about) })
        let decision = schedule.decide(now: now, logged: { sent.contains($0) }, newest: sent.max(), calendar: calendar, clock: clock)
        guard let week = decision.due else { return ([], decision.next) }
        // Like all mail: a working day, before quiet_from, from send_time on except on the list's own day.
        let policy = environment.configuration.policy
        guard calendar.isWorkingDay(today), time < policy.quietFrom, time >= policy.sendTime || today == schedule.day(of: week, calendar: calendar) else {
            let opening = environment.planner.nextWindowOpening(after: now, today: today, time: time)
            return ([], min(opening, decision.next))
        }
        // By address: two people may share a name, and only people with an address get a list.
        let optedOut = Set(environment.people.people.filter { !$0.personalList }.compactMap { $0.email?.lowercased() })
        let lists = PersonalListBuilder(planner: environment.planner).build(snapshot, log: log, week: week, today: today) { contact in
            contact.email.map { optedOut.contains($0.lowercased()) } ?? false
        }
        let due = lists.filter { !log.contains($0.identity) }.map { list in
            Due(message: PlannedMessage(kind: .personal, level: nil, slot: now, to: [list.person], cc: [], items: [], unreachable: [],
                                        extraIdentities: [list.identity]), list: list)
        }
        return (due, decision.next)
    }

    /// The mails of due lists.
    public func mails(_ due: [Due]) -> [OutgoingMail] {
        due.map { entry in
            let mail = environment.composer.composePersonal(entry.list, message: entry.message)
            return OutgoingMail(message: entry.message, subject: mail.subject, sender: mail.from.email ?? "", recipients: mail.envelopeRecipients,
                                mime: MIMEWriter.write(mail))
        }
    }

    /// The subject of a list, for dry runs: the mail's, without rendering its body.
    public func subject(_ due: Due) -> String {
        environment.composer.personalSubject(due.list)
    }
}
