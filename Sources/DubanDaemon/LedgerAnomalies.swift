public import DubanCore
public import DubanStore
public import Foundation

extension Environment {
    /// What the reads kept in the state database up to `now` say, each read on its local day.
    public func ledgerTrail(_ database: any StateStore, now: Date) async throws -> LedgerTrail {
        let clock = clock
        return try await database.ledgerTrail(upTo: now, today: clock.date(of: now), day: { clock.date(of: $0) })
    }
}

extension LedgerTrail {
    /// Said wherever the history is used: which stored reads it leaves out.
    public var undecodableWarning: String? {
        undecodable == 0 ? nil : "\(undecodable) stored reads could not be decoded and are left out of the 台账异常 history"
    }
}
