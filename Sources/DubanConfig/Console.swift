import DubanTOML
public import Foundation
import TOMLKit

extension Configuration {
    /// `[http]`: the read-only web console, /healthz and /metrics.
    public struct HTTP: Sendable, Equatable {
        /// Where the console listens. Default nil: no listener.
        public var listen: Address?
        /// Accept connections from other hosts (default false). Requires
        /// `usersFile`: every request then needs HTTP basic auth.
        public var allowRemote: Bool
        /// `name:bcrypt-hash` lines, written by `duban passwd USER`.
        public var usersFile: URL?

        public init(listen: Address? = nil, allowRemote: Bool = false, usersFile: URL? = nil) {
            self.listen = listen
            self.allowRemote = allowRemote
            self.usersFile = usersFile
        }

        /// A host and a TCP port: `127.0.0.1:8470`, `[::1]:8470`, `localhost:8470`.
        public struct Address: Sendable, Equatable, CustomStringConvertible {
            public var host: String
            public var port: Int

            public init(host: String, port: Int) {
                self.host = host
                self.port = port
            }

            /// Parses `host:port`; an IPv6 host is written in brackets.
            public init?(_ text: String) {
                let host: Substring, port: Substring
                if text.hasPrefix("[") {
                    guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
                    host = text[text.index(after: text.startIndex)..<close]
                    port = text[text.index(close, offsetBy: 2)...]
                } else {
                    guard let colon = text.lastIndex(of: ":") else { return nil }
                    host = text[..<colon]
                    port = text[text.index(after: colon)...]
                    if host.contains(":") { return nil }  // an IPv6 address without brackets
                }
                guard !host.isEmpty, let number = Int(port), (0...65_535).contains(number) else { return nil }
                self.init(host: String(host), port: number)
            }

            /// True for addresses only this machine can reach.
            public var isLoopback: Bool {
                host == "localhost" || host == "::1" || host.hasPrefix("127.")
            }

            public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
        }
    }

    /// `[metrics]`: the Prometheus figures as a file, for node_exporter's textfile collector.
    public struct Metrics: Sendable, Equatable {
        /// Written atomically after each pass. Default nil: no file.
        public var textfile: URL?

        public init(textfile: URL? = nil) {
            self.textfile = textfile
        }
    }
}

extension TOMLChecker {
    /// Reads `[http]` and `[metrics]`. A listener other hosts can reach must
    /// be asked for (`allow_remote`) and must have users to let in.
    mutating func consoleSections(_ root: TOMLTable) -> (Configuration.HTTP, Configuration.Metrics) {
        var http = Configuration.HTTP()
        if let table = table(root, "http", in: "") {
            if let text = string(table, "listen", in: "http") {
                if let address = Configuration.HTTP.Address(text) {
                    http.listen = address
                } else {
                    error("listen", in: "http", "must be \"host:port\", e.g. \"127.0.0.1:8470\" (IPv6 in brackets: \"[::1]:8470\"), not \"\(text)\"")
                }
            }
            if let value = table["allow_remote"] {
                if let flag = value.bool { http.allowRemote = flag } else { error("allow_remote", in: "http", "must be true or false") }
            }
            http.usersFile = paths(table, "users_file", in: "http").first
            allow(table, in: "http", keys: ["listen", "allow_remote", "users_file"])
            if http.allowRemote && http.usersFile == nil {
                error("allow_remote", in: "http", "allow_remote = true needs users_file (users with bcrypt hashes; `duban passwd USER` writes one): a console other hosts reach must ask for a password")
            }
            if let listen = http.listen, !listen.isLoopback, !http.allowRemote {
                error("listen", in: "http", "\(listen) can be reached from other hosts; listen on 127.0.0.1 (and put a reverse proxy in front), or set allow_remote = true with a users_file")
            }
        }
        var metrics = Configuration.Metrics()
        if let table = table(root, "metrics", in: "") {
            metrics.textfile = paths(table, "textfile", in: "metrics").first
            allow(table, in: "metrics", keys: ["textfile"])
        }
        return (http, metrics)
    }
}
