public import DubanCore
public import Foundation
import Synchronization

/// `simulate` keeps one unchanging ledger in an in-memory database and,
/// every simulated week, stores it for the digest and reads every stored
/// copy back for the 台账异常 history: encoding and decoding the same
/// snapshot over and over (as JSON, then) was most of a simulated year. The memo keeps the
/// last snapshot encoded (with its bytes) and the last payload decoded (with
/// its value), so an unchanged snapshot is encoded once and an unchanged
/// payload decoded once. What is stored and what a read returns are exactly
/// what the encoder and decoder give; only in-memory databases keep a memo
/// (a daemon's file database would hold a second copy of its ledger for
/// nothing). Snapshots are compared with `==`, under which canonically
/// equivalent texts are equal: within one in-memory database those are
/// the same ledger.
final class SnapshotMemo: Sendable {
    private struct State {
        var encoded: (snapshot: LedgerSnapshot, payload: Data)?
        var decoded: (payload: Data, snapshot: LedgerSnapshot)?
    }
    private let state = Mutex(State())

    func encode(_ snapshot: LedgerSnapshot) -> Data {
        if let payload = state.withLock({ $0.encoded.flatMap { $0.snapshot == snapshot ? $0.payload : nil } }) { return payload }
        let payload = SnapshotCodec.encode(snapshot)
        state.withLock { $0.encoded = (snapshot, payload) }
        return payload
    }

    func decode(_ payload: Data, in store: String, name: String) throws(StoreError) -> LedgerSnapshot {
        if let snapshot = state.withLock({ $0.decoded.flatMap { $0.payload == payload ? $0.snapshot : nil } }) { return snapshot }
        let snapshot = try SnapshotCodec.decode(payload, in: store, name: name)
        state.withLock { $0.decoded = (payload, snapshot) }
        return snapshot
    }
}

extension DubanDatabase {
    /// A snapshot as stored in `ledgerSnapshot.payload` (`SnapshotCodec`).
    func encodeSnapshot(_ snapshot: LedgerSnapshot) -> Data {
        snapshotMemo?.encode(snapshot) ?? SnapshotCodec.encode(snapshot)
    }

    /// A stored payload read back; a damaged one is a `.corrupt` `StoreError`.
    func decodeSnapshot(_ payload: Data, name: String = "a stored ledger snapshot") throws(StoreError) -> LedgerSnapshot {
        if let snapshotMemo { return try snapshotMemo.decode(payload, in: location, name: name) }
        return try SnapshotCodec.decode(payload, in: location, name: name)
    }
}
