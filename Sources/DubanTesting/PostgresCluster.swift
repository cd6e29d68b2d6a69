public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster of the tests' own: `initdb` in a temporary
/// folder, `pg_ctl start` on a Unix socket in that folder (no TCP port),
/// password authentication (SCRAM) for the superuser `duban`, a database
/// `duban`; stopped when the test process exits, however it exits. Not a
/// mock: Debian's `postgresql` server (`.ci/run` installs it).
///
/// `pg_ctl` starts the server in a session of its own, so nothing stops it
/// with the test process: a normal exit stops it (`atexit`), and for every
/// other exit (Ctrl-C, SIGKILL, a crash) a guardian started beside it — in
/// its own session, deaf to the terminal's signals — waits for the end of a
/// pipe only this process holds open, then stops the server and removes the
/// folder. A cluster left by a run older than the guardians (its `owner` is
/// gone) is stopped before a new one starts.
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

    /// A cluster of the caller's own, for a test that stops the server
    /// (`stop()`); the guardian stops it too if the test process ends first.
    public static func startPrivate() throws -> PostgresCluster {
        try start()
    }

    /// Where the clusters live: `/tmp/duban-pg-XXXXXXXX` (`faults/run` uses the same prefix).
    static let folderPrefix = "/tmp/duban-pg-"

    static func start() throws -> PostgresCluster {
        let bin = try serverPrograms()
        stopAbandoned(bin: bin)
        let folder = URL(fileURLWithPath: "\(folderPrefix)\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Whose cluster this is: a later run stops it if this process is gone.
        try "\(getpid())\n".write(to: folder.appendingPathComponent("owner"), atomically: true, encoding: .utf8)
        let cluster = PostgresCluster(folder: folder, bin: bin)
        try cluster.startGuardian()
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

    /// The clusters of test processes that are gone (or folders that name
    /// no owner and are over ten minutes old: a run from before owners were
    /// written): their servers stopped, their folders removed. Another live
    /// run's cluster is left alone.
    static func stopAbandoned(bin: URL) {
        let tmp = URL(fileURLWithPath: folderPrefix).deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
        for name in names where "/tmp/\(name)".hasPrefix(folderPrefix) {
            let folder = tmp.appendingPathComponent(name)
            if let owner = (try? String(contentsOf: folder.appendingPathComponent("owner"), encoding: .utf8)).flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                guard kill(owner, 0) == -1 && errno == ESRCH else { continue }
            } else {
                let modified = (try? FileManager.default.attributesOfItem(atPath: folder.path)[.modificationDate]) as? Date
                guard let modified, Date().timeIntervalSince(modified) > 600 else { continue }
            }
            let stale = PostgresCluster(folder: folder, bin: bin)
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/postmaster.pid").path) { stale.stop() }
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// Starts the guardian: `sh` in a session of its own (`setsid`), ignoring
    /// INT, TERM and HUP, reading a pipe whose writing end only this process
    /// holds (close-on-exec: no child inherits it). The kernel closes it when
    /// this process ends, however it ends; the guardian then stops the server.
    func startGuardian() throws {
        var ends: [Int32] = [0, 0]
        // pipe2(O_CLOEXEC) is not imported (a GNU extension); close-on-exec is set right after.
        guard pipe(&ends) == 0 else { throw ClusterError("cannot make the guardian's pipe: \(String(cString: strerror(errno)))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let script = """
            trap '' INT TERM HUP
            read _ignored
            if [ -f "$1/data/postmaster.pid" ]; then
              if [ "$3" = root ]; then /usr/sbin/runuser -u postgres -- "$2" stop -D "$1/data" -m immediate -w; else "$2" stop -D "$1/data" -m immediate -w; fi
            fi
            rm -rf "$1"
            """
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        try Self.closeInheritedDescriptors(&actions)
        let arguments = ["/usr/bin/setsid", "/bin/sh", "-c", script, "duban-pg-guardian", folder.path,
                         bin.appendingPathComponent("pg_ctl").path, getuid() == 0 ? "root" : "user"]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        close(ends[0])
        guard spawned == 0 else {
            close(ends[1])
            throw ClusterError("cannot start the cluster's guardian: \(String(cString: strerror(spawned)))")
        }
        // ends[1] stays open, unused, until this process ends.
    }

    /// Closes every descriptor from 3 up in a spawned child. The test process holds
    /// other tests' pipes (an SMTP test server's stdin, whose end of file stops the
    /// server) without close-on-exec; the guardian and the server live as long as the
    /// test process, and one that inherited such a pipe kept that server running and
    /// its test waiting in `stop()` for ever — two of them took both threads of the
    /// cooperative pool and hung the whole suite.
    static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) throws {
        // A GNU extension (glibc 2.34) that Swift's Glibc module does not import.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            throw ClusterError("posix_spawn_file_actions_addclosefrom_np is missing: glibc 2.34 or later is needed")
        }
        let status = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        guard status == 0 else { throw ClusterError("cannot ask posix_spawn to close inherited descriptors: \(String(cString: strerror(status)))") }
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
        try closeInheritedDescriptors(&actions)
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

    /// `config` with its digests archived in `folder`. With `[state] url` the archive
    /// defaults to /var/lib/duban/digests, which a test must never write to.
    public static func archivingDigests(_ config: String, in folder: URL) -> String {
        let line = "archive = \"\(folder.appendingPathComponent("digests").path)\"\n"
        guard let table = config.range(of: "\n[digest]\n") else { return config + "\n[digest]\n" + line }
        var config = config
        config.insert(contentsOf: line, at: table.upperBound)
        return config
    }

    /// Stops the server at once (the data is thrown away with the folder).
    public func stop() {
        try? server("pg_ctl", ["stop", "-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w"])
        try? FileManager.default.removeItem(at: folder)
    }
}
