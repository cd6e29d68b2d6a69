import DubanConfig
import DubanCore
import DubanTesting
import Foundation
import Testing

@Suite struct ConsoleConfigurationTests {
    /// The shipped example without its (commented-out) [http] and [metrics] sections.
    var base: String {
        let text = try! String(contentsOf: repository.appendingPathComponent("config/duban.toml"), encoding: .utf8)
        return String(text[..<text.range(of: "\n[http]\n")!.lowerBound])
    }

    func parse(_ sections: String) throws(ConfigurationError) -> Configuration {
        try Configuration.parse(base + "\n" + sections, file: repository.appendingPathComponent("config/duban.toml"))
    }

    func line(of key: String, in sections: String) throws -> Int {
        let all = (base + "\n" + sections).split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(all.firstIndex { $0.hasPrefix(key) }) + 1
    }

    @Test func theShippedExampleHasNoListener() throws {
        let configuration = try Configuration.load(from: repository.appendingPathComponent("config/duban.toml"))
        #expect(configuration.http == .init())
        #expect(configuration.metrics.textfile == nil)
    }

    @Test func keysAreRead() throws {
        let configuration = try parse("[http]\nlisten = \"[::1]:8470\"\n[metrics]\ntextfile = \"/var/lib/node/duban.prom\"\n")
        #expect(configuration.http.listen == .init(host: "::1", port: 8470))
        #expect(configuration.metrics.textfile?.path == "/var/lib/node/duban.prom")
        let remote = try parse("[http]\nlisten = \"0.0.0.0:8470\"\nallow_remote = true\nusers_file = \"users\"\n")
        #expect(remote.http.allowRemote && remote.http.usersFile?.lastPathComponent == "users")
    }

    @Test(arguments: [
        // (sections, key whose line is reported, words in the message)
        ("[http]\nlisten = \"0.0.0.0:8470\"\n", "listen", "can be reached from other hosts"),
        ("[http]\nlisten = \"192.0.2.7:80\"\nallow_remote = false\n", "listen", "can be reached from other hosts"),
        ("[http]\nlisten = \"127.0.0.1:8470\"\nallow_remote = true\n", "allow_remote", "needs users_file"),
        ("[http]\nlisten = \"8470\"\n", "listen", "must be \"host:port\""),
        ("[http]\nlisten = \"::1:8470\"\n", "listen", "must be \"host:port\""),
        ("[http]\nallow_remote = \"yes\"\n", "allow_remote", "true or false"),
        ("[http]\nport = 8470\n", "port", "unknown key"),
        ("[metrics]\ntext_file = \"x\"\n", "text_file", "unknown key"),
    ])
    func refusedWithTheLine(sections: String, key: String, words: String) throws {
        #expect { try parse(sections) } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            let expected = (try? line(of: key, in: sections)) ?? -1
            return error.diagnostics.contains { $0.location.row == expected && $0.message.contains(words) }
        }
    }
}
