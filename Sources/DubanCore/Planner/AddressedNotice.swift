public import Foundation

/// A notice about a task that the log shows as sent (or queued and still
/// going out), with whom it was addressed to: what the store reads back and
/// what a 约谈 dossier lists.
public struct AddressedNotice: Sendable, Equatable {
    public var identity: NotificationIdentity
    public var at: Date
    public var to: [String]
    public var cc: [String]

    public init(identity: NotificationIdentity, at: Date, to: [String], cc: [String]) {
        self.identity = identity
        self.at = at
        self.to = to
        self.cc = cc
    }
}
