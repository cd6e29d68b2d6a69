public import DubanCore
public import Foundation
import GRDB

extension DubanDatabase {
    /// Moves everything recorded under the old ids of `mapping` to the new
    /// ids, in one transaction, and records `scheme` as the ids' form: the
    /// notification log (its keys begin with the task id), the observations,
    /// the 延期 tables (`v4-ext`: a pending request's first read, the due
    /// date last read, deadline changes), the loop's status and deadline
    /// sightings (`v4-loop`), and the stored ledger snapshots. After it,
    /// nothing Duban remembers about a task is lost to a change in how ids
    /// are derived, so nothing is sent again and no pause or loop restarts.
    /// A table added later that is keyed by task id belongs here too.
    public func adoptTaskIDs(_ mapping: [TaskID: TaskID], scheme: String) async throws(StoreError) {
        try await write("carrying history over to new task ids") { db in
            for (old, new) in mapping where old != new {
                // OR IGNORE: an identity already recorded under the new id wins.
                try db.execute(sql: """
                    UPDATE OR IGNORE notificationLog SET taskID = ?, key = ? || substr(key, ?) WHERE taskID = ?
                    """, arguments: [new.rawValue, new.rawValue, old.rawValue.unicodeScalars.count + 1, old.rawValue])  // substr counts code points
                try db.execute(sql: "UPDATE OR IGNORE taskObservation SET taskID = ? WHERE taskID = ?", arguments: [new.rawValue, old.rawValue])
                try db.execute(sql: "UPDATE OR IGNORE deadlineObservation SET taskID = ? WHERE taskID = ?", arguments: [new.rawValue, old.rawValue])
                try db.execute(sql: "UPDATE OR IGNORE extensionRequest SET taskID = ? WHERE taskID = ?", arguments: [new.rawValue, old.rawValue])
                try db.execute(sql: "UPDATE OR IGNORE dueDateSeen SET taskID = ? WHERE taskID = ?", arguments: [new.rawValue, old.rawValue])
                // Histories keyed by row id: every row moves, in its order.
                for table in ["deadlineChange", "statusSighting", "deadlineSighting"] {
                    try db.execute(sql: "UPDATE \(table) SET taskID = ? WHERE taskID = ?", arguments: [new.rawValue, old.rawValue])
                }
            }
            if !mapping.isEmpty {
                for var record in try SnapshotRecord.fetchAll(db) {
                    var snapshot = try self.decodeSnapshot(record.payload)
                    var changed = false
                    for index in snapshot.tasks.indices {
                        if let new = mapping[snapshot.tasks[index].id] { snapshot.tasks[index].id = new; changed = true }
                    }
                    guard changed else { continue }
                    record.payload = self.encodeSnapshot(snapshot)
                    try record.update(db)
                }
            }
            try MetaRecord(key: "task_id_scheme", value: scheme).save(db)
        }
    }
}
