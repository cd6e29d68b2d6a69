import DubanTesting
import Foundation
import Testing

/// Issue 16: `duban export` (and the console's reads, StateStoreTests) work
/// with a PostgreSQL state as with the SQLite file.
@Suite struct PostgresExportTests {
    /// The example configuration with its state in a schema of the tests' cluster.
    static func onPostgreSQL(_ cluster: PostgresCluster) throws -> String {
        let (config, _) = try isolatedExampleConfig()
        var text = try String(contentsOfFile: config, encoding: .utf8)
        let path = try #require(text.range(of: #"\npath = "[^"\n]*duban\.sqlite"\n"#, options: .regularExpression))
        let section = cluster.stateSection(schema: cluster.freshSchema("export"), failoverSeconds: 3)
        text.replaceSubrange(path, with: "\n" + section.replacingOccurrences(of: "[state]\n", with: "") + "\n")
        text = PostgresCluster.archivingDigests(text, in: URL(fileURLWithPath: config).deletingLastPathComponent())
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    /// The same four passes of `run --once` against SQLite and against
    /// PostgreSQL: `export` writes the same 督办记录 from both.
    @Test func exportWritesTheSameRecordFromPostgreSQL() throws {
        let cluster = try PostgresCluster.running()
        let (sqlite, _) = try isolatedExampleConfig()
        let postgres = try Self.onPostgreSQL(cluster)
        for config in [sqlite, postgres] {
            for at in ["2026-06-01T09:00", "2026-06-23T09:00", "2026-07-01T09:00", "2026-07-08T09:00"] {
                let pass = try DubanProcess.run(["run", "--once", "--config", config, "--at", at])
                #expect(pass.status == 0, "\(at): \(pass.stdout)\(pass.stderr)")
            }
        }
        let fromFile = try DubanProcess.run(["export", "--config", sqlite])
        let fromPostgres = try DubanProcess.run(["export", "--config", postgres])
        #expect(fromFile.status == 0 && fromPostgres.status == 0, "\(fromFile.stderr)\(fromPostgres.stderr)")
        let lines = fromPostgres.stdout.split(whereSeparator: \.isNewline)
        #expect(lines.count > 10, "\(fromPostgres.stdout)")
        #expect(lines.contains { $0.contains("二级督办") }, "\(fromPostgres.stdout)")
        #expect(fromPostgres.stdout == fromFile.stdout)
        // One task's record, filtered in the database.
        let one = try DubanProcess.run(["export", "--config", postgres, "--task", "T1-1"])
        #expect(one.status == 0 && one.stdout.split(whereSeparator: \.isNewline).dropFirst().allSatisfy { $0.contains("T1-1") }, "\(one.stdout)\(one.stderr)")
        #expect(one.stdout == (try DubanProcess.run(["export", "--config", sqlite, "--task", "T1-1"])).stdout)
        // The Monday digest of 06-01 went to `[digest] archive`: with `[state] url` the default
        // folder is /var/lib/duban/digests, shared by every programme (and no place for a test).
        let archive = URL(fileURLWithPath: postgres).deletingLastPathComponent().appendingPathComponent("digests")
        let archived = (try? FileManager.default.contentsOfDirectory(atPath: archive.path)) ?? []
        #expect(archived.contains { $0.hasPrefix("2026-W23") && $0.hasSuffix(".html") }, "\(archived)")
    }
}
