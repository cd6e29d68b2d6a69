import DubanCore
@testable import DubanMail
import DubanTesting
import Foundation
import Testing

/// Against a real SMTP server: aiosmtpd on loopback, started per test.
@Suite(.serialized) struct SMTPTransportTests {
    func settings(_ server: SMTPTestServer, security: SMTPSettings.Security = .plain, host: String = "127.0.0.1",
                  user: String? = nil, password: String? = nil, caFile: String? = nil, timeout: Int = 10) -> SMTPSettings {
        SMTPSettings(host: host, port: server.port, security: security, username: user, password: password, caFile: caFile,
                     timeoutSeconds: timeout, heloName: "duban.test")
    }

    @Test func aBatchOverOneConnectionArrivesIntactAndParses() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let batch = (1...5).map { envelope("m\($0)", to: ["zhang.wei@example.org", "li.qiang@example.org"]) }
        let results = await SMTPTransport(settings: settings(server)).deliver(batch)
        #expect(results.allSatisfy { if case .delivered(let r) = $0 { return r.isEmpty } else { return false } })
        #expect(server.received.count == 5)
        let parsed = try parseWithPython(server.received)
        #expect(parsed.map(\.message_id) == (1...5).map { "<m\($0)@example.org>" })
        #expect(parsed.allSatisfy { $0.defects.isEmpty && $0.subject == "【整改提醒】测试" })
        // Dot-stuffing survived the trip: lines starting with dots are intact.
        #expect(parsed[0].text == "正文\n.\n..以点开头的行\n")
        #expect(server.recipients(of: server.received[0]) == ["zhang.wei@example.org", "li.qiang@example.org"])
    }

    @Test func starttlsWithAuthAndAVerifiedCertificate() async throws {
        let (cert, key) = try makeCertificate()
        let server = try SMTPTestServer(["--security", "starttls", "--cert", cert, "--key", key, "--auth", "duban:s3cret"])
        defer { server.stop() }
        let ok = await SMTPTransport(settings: settings(server, security: .starttls, host: "localhost", user: "duban", password: "s3cret", caFile: cert))
            .deliver([envelope("tls1", to: ["a@example.org"])])
        guard case .delivered = ok[0] else { Issue.record("\(ok[0])"); return }
        #expect(server.received.count == 1)

        // A wrong password fails at AUTH, and the error never contains the password.
        let wrong = await SMTPTransport(settings: settings(server, security: .starttls, host: "localhost", user: "duban", password: "hunter2", caFile: cert))
            .deliver([envelope("tls2", to: ["a@example.org"])])
        guard case .failed(let error) = wrong[0] else { Issue.record("expected failure"); return }
        #expect(error.stage == .auth)
        #expect(!error.description.contains("hunter2"))

        // Without trusting the self-signed certificate, TLS verification fails.
        let untrusted = await SMTPTransport(settings: settings(server, security: .starttls, host: "localhost", user: "duban", password: "s3cret"))
            .deliver([envelope("tls3", to: ["a@example.org"])])
        guard case .failed(let tlsError) = untrusted[0] else { Issue.record("expected failure"); return }
        #expect(tlsError.stage == .tls)
        #expect(server.received.count == 1)
    }

    @Test func implicitTLS() async throws {
        let (cert, key) = try makeCertificate()
        let server = try SMTPTestServer(["--security", "tls", "--cert", cert, "--key", key])
        defer { server.stop() }
        let results = await SMTPTransport(settings: settings(server, security: .tls, host: "localhost", caFile: cert))
            .deliver([envelope("implicit", to: ["a@example.org"])])
        guard case .delivered = results[0] else { Issue.record("\(results[0])"); return }
        #expect(server.received.count == 1)
    }

    @Test func plaintextIsRefusedForANonLoopbackHost() async throws {
        // A name that merely starts like a loopback address is looked up in DNS: it is not loopback.
        for host in ["mail.example.org", "127.attacker.example", "127.0.0.1.nip.io"] {
            let results = await SMTPTransport(settings: SMTPSettings(host: host, port: 25, security: .plain))
                .deliver([envelope("x", to: ["a@example.org"])])
            guard case .failed(let error) = results[0] else { Issue.record("expected refusal for \(host)"); continue }
            #expect(error.stage == .configuration && !error.isTransient, "\(host): \(error)")
        }
        for host in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"] { #expect(SMTPSettings.isLoopback(host), "\(host)") }
        for host in ["127.attacker.example", "127.0.0.1.nip.io", "127.0.0.256", "1127.0.0.1", "localhost.example"] {
            #expect(!SMTPSettings.isLoopback(host), "\(host)")
        }
    }

    @Test func aRejectedRecipientDoesNotFailTheOthers() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let results = await SMTPTransport(settings: settings(server)).deliver([
            envelope("r1", to: ["reject.me@example.org", "ok@example.org"]),
            envelope("r2", to: ["reject.too@example.org"]),
            envelope("r3", to: ["later@example.org"]),
            envelope("r4", to: ["fine@example.org"]),
        ])
        guard case .delivered(let rejected) = results[0] else { Issue.record("\(results[0])"); return }
        #expect(rejected.keys.sorted() == ["reject.me@example.org"])
        #expect(rejected["reject.me@example.org"]?.hasPrefix("550") == true)
        guard case .failed(let permanent) = results[1] else { Issue.record("\(results[1])"); return }
        #expect(!permanent.isTransient)
        guard case .failed(let temporary) = results[2] else { Issue.record("\(results[2])"); return }
        #expect(temporary.isTransient)
        guard case .delivered = results[3] else { Issue.record("\(results[3])"); return }
        #expect(server.received.count == 2)
        #expect(server.recipients(of: server.received[0]) == ["ok@example.org"])
    }

    @Test func a421MidBatchLeavesTheRestForLater() async throws {
        let server = try SMTPTestServer(["--fail-after", "2"])
        defer { server.stop() }
        let results = await SMTPTransport(settings: settings(server)).deliver((1...5).map { envelope("b\($0)", to: ["a@example.org"]) })
        let delivered = results.filter { if case .delivered = $0 { return true } else { return false } }.count
        #expect(delivered == 2)
        for result in results.dropFirst(2) {
            guard case .failed(let error) = result else { Issue.record("\(result)"); continue }
            #expect(error.isTransient)
        }
    }

    @Test func aServerWithoutSTARTTLSIsAConfigurationErrorNotARetry() async throws {
        let server = try SMTPTestServer()   // plain: EHLO offers no STARTTLS
        defer { server.stop() }
        let results = await SMTPTransport(settings: settings(server, security: .starttls)).deliver([envelope("nostarttls", to: ["a@example.org"])])
        guard case .failed(let error) = results[0] else { Issue.record("expected failure: \(results[0])"); return }
        #expect(error.stage == .configuration && !error.isTransient, "\(error)")
        #expect(error.message.contains("[mail.smtp] security"), "\(error)")
        #expect(server.received.isEmpty)
    }

    @Test func aNonASCIIAddressIsRefusedPerRecipientWithoutSMTPUTF8() async throws {
        let server = try EnvelopeRecordingServer(smtputf8: false)
        defer { server.stop() }
        let results = await SMTPTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, security: .plain, timeoutSeconds: 10)).deliver([
            envelope("u1", to: ["张伟@例子.中国", "ok@example.org"]),
            envelope("u2", to: ["李强@example.org"]),
        ])
        guard case .delivered(let refused) = results[0] else { Issue.record("\(results[0])"); return }
        #expect(refused.keys.sorted() == ["张伟@例子.中国"])
        let reason = refused["张伟@例子.中国"] ?? ""
        #expect(reason.hasPrefix("553") && reason.contains("SMTPUTF8"), "\(reason)")
        guard case .failed(let only) = results[1] else { Issue.record("\(results[1])"); return }
        #expect(!only.isTransient && only.message.contains("SMTPUTF8"), "\(only)")
        let received = try server.received()
        #expect(received.map(\.rcpt_tos) == [["ok@example.org"]])
    }

    @Test func aServerOfferingSMTPUTF8GetsTheParameter() async throws {
        let server = try EnvelopeRecordingServer(smtputf8: true)
        defer { server.stop() }
        let results = await SMTPTransport(settings: SMTPSettings(host: "127.0.0.1", port: server.port, security: .plain, timeoutSeconds: 10))
            .deliver([envelope("u3", to: ["张伟@例子.中国"]), envelope("u4", to: ["ascii@example.org"])])
        guard case .delivered(let refused) = results[0], refused.isEmpty else { Issue.record("\(results[0])"); return }
        let received = try server.received()
        #expect(received.count == 2)
        #expect(received.first?.rcpt_tos == ["张伟@例子.中国"])
        #expect(received.first?.smtp_utf8 == true)
        #expect(received.last?.smtp_utf8 == false)   // only mail that needs it asks for it
    }

    @Test func serverDownIsATransientConnectFailure() async throws {
        let server = try SMTPTestServer()
        let port = server.port
        server.stop()
        let results = await SMTPTransport(settings: SMTPSettings(host: "127.0.0.1", port: port, security: .plain, timeoutSeconds: 5))
            .deliver([envelope("down", to: ["a@example.org"])])
        guard case .failed(let error) = results[0] else { Issue.record("expected failure"); return }
        #expect(error.stage == .connect && error.isTransient)
        #expect(error.message.contains("127.0.0.1:\(port)"))
    }

    @Test func aSlowServerHitsTheTimeout() async throws {
        let server = try SMTPTestServer(["--slow", "5"])
        defer { server.stop() }
        let results = await SMTPTransport(settings: settings(server, timeout: 1)).deliver([envelope("slow", to: ["a@example.org"])])
        guard case .failed(let error) = results[0] else { Issue.record("expected timeout"); return }
        #expect(error.stage == .timeout && error.isTransient)
    }

    @Test func unknownHostIsADNSFailure() async throws {
        let results = await SMTPTransport(settings: SMTPSettings(host: "no-such-host.invalid", port: 587, security: .starttls, timeoutSeconds: 5))
            .deliver([envelope("dns", to: ["a@example.org"])])
        guard case .failed(let error) = results[0] else { Issue.record("expected failure"); return }
        #expect(error.stage == .dns || error.stage == .connect)
    }
}
