import DubanConfig
import DubanCore
@testable import DubanDaemon
import DubanStore
import DubanTesting
import Foundation
import Testing

@Suite struct LedgerShrinkTests {
    @Test(arguments: [
        // (before, after, held back?) — a save that loses a tenth of the ledger waits for confirmation
        (200, 100, true), (200, 181, false), (200, 179, true), (10, 8, true), (3, 2, false), (1, 0, false), (0, 0, false),
    ])
    func sharpShrinksWaitForConfirmation(before: Int, after: Int, held: Bool) {
        #expect(Daemon.shrankSharply(from: before, to: after) == held)
    }
}
