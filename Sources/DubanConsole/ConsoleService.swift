public import DubanConfig
import Hummingbird
public import Logging
public import ServiceLifecycle

/// The console as a swift-service-lifecycle `Service`, to run in the daemon's
/// `ServiceGroup` beside the planning loop. It opens its listener only after
/// the daemon's first pass (so it never shows an empty ledger), shares
/// nothing with the loop but the `ConsoleSource` actor, and stops with the
/// group on SIGTERM.
public struct ConsoleService: Service {
    public let source: ConsoleSource
    let application: Application<RouterResponder<BasicRequestContext>>

    /// Reads the users file when the console is reachable from other hosts.
    /// Throws when it is missing or malformed: the daemon must refuse to
    /// start rather than serve without a password.
    public init(source: ConsoleSource, http: Configuration.HTTP, listen: Configuration.HTTP.Address, logger: Logger) throws(ConsoleError) {
        self.source = source
        var users: ConsoleUsers?
        if http.allowRemote {
            guard let file = http.usersFile else { throw ConsoleError("[http] allow_remote = true needs users_file") }
            users = try ConsoleUsers.load(from: file)
        }
        application = Application(
            router: ConsoleRouter.make(source: source, users: users),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: nil),
            logger: logger)
    }

    public func run() async throws {
        let ready = try await cancelWhenGracefulShutdown { await source.waitForFirstPass() }
        guard ready else { return }
        try await application.run()
    }
}
