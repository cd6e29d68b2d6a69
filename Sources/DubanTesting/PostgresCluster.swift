public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster of the tests' own: `initdb` in a temporary
/// folder, `pg_ctl start` on a Unix socket in that folder (no TCP port),
/// password authentication (SCRAM) for the superuser `duban`, a database
/// `duban`; stopped when the test process exits. Not a mock: Debian's
/// `postgresql` server (`.ci/run` installs it).
///
/// The server refuses to run as root: as root, the folder is given to the
/// `postgres` user and the server programs run through `runuser`.
public final class PostgresCluster: Sendable {
    public let folder: URL
    /// The folder holding the socket (`.s.PGSQL.5432`).
    public var socketFolder: String { folder.path }
    public let port = 5432
    public let username = "duban"
    public let database = "duban"
    /// The superuser's password, in a file (as `[state] password_file` reads it).
    public let passwordFile: URL
    let bin: URL

    /// The cluster of this test process, started at first use. Every test
    /// works in a schema of its own (`freshSchema()`), so tests share it.
    public static let shared: Result<PostgresCluster, ClusterError> = {
        do {
            let cluster = try PostgresCluster.start()
            atexit { PostgresCluster.stopShared() }
            return .success(cluster)
        } catch let error as ClusterError {
            return .failure(error)
        } catch {
            return .failure(ClusterError("\(error)"))
        }
    }()

    public struct ClusterError: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Stops the shared cluster (at the test process's exit).
    static func stopShared() {
        if case .success(let cluster) = shared { cluster.stop() }
    }

    /// The shared cluster, or the reason there is none (a test that needs it fails with it).
    /// For synchronous tests (they block a thread anyway).
    public static func running() throws -> PostgresCluster {
        try shared.get()
    }

    /// The same for async tests: the first use starts the server (seconds),
    /// and every other caller waits for it; that wait is on a Dispatch
    /// thread, not on the cooperative pool the other tests need to progress.
    public static func started() async throws -> PostgresCluster {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: shared.mapError { $0 as any Error }) }
        }
    }

    private init(folder: URL, bin: URL) {
        self.folder = folder
        self.bin = bin
        passwordFile = folder.appendingPathComponent("password")
    }

    /// The newest installed server's programs (`/usr/lib/postgresql/N/bin`).
    static func serverPrograms() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() {
            let bin = root.appendingPathComponent("\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) { return bin }
        }
        throw ClusterError("the PostgreSQL server is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql — the PostgreSQL store tests need a real server (README, Tests)")
    }

    static func start() throws -> PostgresCluster {
        let bin = try serverPrograms()
        let folder = URL(fileURLWithPath: "/tmp/duban-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cluster = PostgresCluster(folder: folder, bin: bin)
        try "duban-test-\(UUID().uuidString)\n".write(to: cluster.passwordFile, atomically: true, encoding: .utf8)
        if getuid() == 0 {
            // The server refuses root; the socket folder and the data are the postgres user's.
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("duban-chown-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: output) }
            guard try spawn("/bin/chown", ["-R", "postgres:postgres", folder.path], output: output).0 == 0,
                  try spawn("/bin/chmod", ["0700", folder.path], output: output).0 == 0 else {
                throw ClusterError("cannot give \(folder.path) to the postgres user")
            }
        }
        let data = folder.appendingPathComponent("data").path
        try cluster.server("initdb", ["-D", data, "-U", cluster.username, "--pwfile=\(cluster.passwordFile.path)", "--auth=scram-sha-256",
                                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        try cluster.server("pg_ctl", ["start", "-D", data, "-w", "-t", "60", "-l", folder.appendingPathComponent("server.log").path, "-o",
                                      "-k \(folder.path) -c listen_addresses='' -p \(cluster.port) -c fsync=off -c max_connections=200"])
        try cluster.psql("CREATE DATABASE \(cluster.database)", database: "postgres")
        return cluster
    }

    /// Runs one of the server's programs, as `postgres` when we are root.
    func server(_ program: String, _ arguments: [String]) throws {
        let path = bin.appendingPathComponent(program).path
        let (status, said) = getuid() == 0
            ? try Self.spawn("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments, output: folder.appendingPathComponent("\(program).out"))
            : try Self.spawn(path, arguments, output: folder.appendingPathComponent("\(program).out"))
        guard status == 0 else {
            let log = (try? String(contentsOf: folder.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            throw ClusterError("\(program) \(arguments.joined(separator: " ")) failed (\(status)): \(said)\n\(log)")
        }
    }

    /// Runs SQL through `psql` as the superuser and returns its unaligned output.
    @discardableResult
    public func psql(_ sql: String, database: String? = nil) throws -> String {
        let password = try String(contentsOf: passwordFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("duban-psql-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let (status, said) = try Self.spawn("/usr/bin/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketFolder, "-p", "\(port)",
                                                              "-U", username, "-d", database ?? self.database, "-c", sql],
                                            output: output, environment: ["PGPASSWORD": password])
        guard status == 0 else { throw ClusterError("psql \(sql): \(said)") }
        return said.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// posix_spawn and waitpid, output (stdout and stderr) to a file. Not
    /// Foundation's `Process`: `pg_ctl start` leaves a server running that
    /// inherits the descriptors (a pipe would never reach its end), and this
    /// runs inside the one-time start of `shared`, where every other test
    /// thread waits.
    static func spawn(_ executable: String, _ arguments: [String], output: URL, environment extra: [String: String] = [:]) throws -> (Int32, String) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw ClusterError("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let said = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        // WIFEXITED/WEXITSTATUS, spelled out (macros do not import).
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), said)
    }

    /// A schema name no other test uses.
    public func freshSchema(_ tag: String = "t") -> String {
        "\(tag)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
    }

    /// `[state]` lines for a configuration using this cluster.
    public func stateSection(schema: String, failoverSeconds: Int = 30) -> String {
        """
        [state]
        url = "postgresql://\(username)@/\(database)?host=\(socketFolder)"
        schema = "\(schema)"
        password_file = "\(passwordFile.path)"
        failover_seconds = \(failoverSeconds)
        """
    }

    /// Stops the server at once (the data is thrown away with the folder).
    public func stop() {
        try? server("pg_ctl", ["stop", "-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w"])
        try? FileManager.default.removeItem(at: folder)
    }
}
