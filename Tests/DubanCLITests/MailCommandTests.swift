import DubanTesting
import Foundation
import Testing

@Suite(.serialized) struct MailCommandTests {
    func config(mail: String) throws -> (path: String, folder: URL) {
        try isolatedExampleConfig(mail: mail)
    }

    @Test func runOnceWritesMailFilesOnTheEmbeddedDefaultAndNeverTwice() throws {
        let (path, folder) = try config(mail: "[mail]\ntransport = \"files\"\n")
        let first = try DubanProcess.run(["run", "--once", "--at", "2026-07-07T09:00", "--config", path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("queued 8 message(s), skipped 8; delivered 8"), "\(first.stdout)")
        let mailFolder = folder.appendingPathComponent("state/mail")
        let files = try FileManager.default.contentsOfDirectory(at: mailFolder, includingPropertiesForKeys: nil)
        #expect(files.count == 8)
        let parsed = try parseWithPython(files)
        #expect(Set(parsed.map(\.subject).filter { !$0.hasPrefix("【整改周报】") })
                == ["【督办·升级】1项整改任务逾期仍未完成", "【回头看】1项已销号整改任务到期回头看", "【验收提醒】1项已完成整改任务待验收",
                    "【长期坚持督办】1项长期整改措施上期未执行，请督促落实", "【销号提醒】1项已验收整改任务待销号",
                    // Monday's personal lists, caught up on Tuesday within the same week.
                    "【我的整改任务】2026年巡察反馈问题整改 2026-W28：1项未完成，逾期1项", "【分管整改任务】2026年巡察反馈问题整改 2026-W28：逾期1项"])
        #expect(parsed.contains { $0.subject.hasPrefix("【整改周报】2026年巡察反馈问题整改 2026-W28") })
        // Without [mail] from, the office is the sender.
        #expect(parsed.allSatisfy { $0.defects.isEmpty && $0.from == "整改办 <zgb@example.org>" })

        // The same moment again (cron firing twice, a restart): nothing new.
        let second = try DubanProcess.run(["run", "--once", "--at", "2026-07-07T09:05", "--config", path])
        #expect(second.status == 0)
        #expect(second.stdout.contains("queued 0 message(s), skipped 0; delivered 0"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: mailFolder.path).count == 8)
    }

    @Test func runOnceOverSMTPAndSendTest() throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let (path, _) = try config(mail: "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = \(server.port)\nsecurity = \"plain\"")
        let run = try DubanProcess.run(["run", "--once", "--at", "2026-06-23T09:00", "--config", path])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let parsed = try parseWithPython(server.received)
        let reminder = try #require(parsed.first { $0.subject.hasPrefix("【整改提醒】") })
        #expect(reminder.to == "张伟 <zhang.wei@example.org>")
        #expect(reminder.attachments.first?.events?.first?.start == "2026-06-30")

        let test = try DubanProcess.run(["send-test", "--to", "ops@example.org", "--config", path])
        #expect(test.status == 0, "\(test.stdout)")
        #expect(test.stdout.contains("ok: accepted for ops@example.org"))
        let refused = try DubanProcess.run(["send-test", "--to", "reject.me@example.org", "--config", path])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("550"))
    }

    @Test func sendTestSaysWhereItFailed() throws {
        let probe = try SMTPTestServer()
        let port = probe.port
        probe.stop()
        let (path, _) = try config(mail: "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = \(port)\nsecurity = \"plain\"\ntimeout_seconds = 3")
        let result = try DubanProcess.run(["send-test", "--to", "ops@example.org", "--config", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("failed at connect: cannot connect to 127.0.0.1:\(port)"))
        #expect(result.stdout.contains("temporary"))
    }

    @Test func aPasswordInTheConfigurationIsRefused() throws {
        let (path, _) = try config(mail: "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"mail.example.org\"\nusername = \"u\"\npassword = \"secret\"")
        let result = try DubanProcess.run(["check", "--config", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("mail.smtp.password: passwords do not belong in the configuration file"))
        #expect(!result.stderr.contains("secret\""))
    }
}
