import DubanTesting
import Foundation
import Testing

@Suite struct DigestCommandTests {
    @Test func digestWritesTheArchiveAndSendsOnce() throws {
        let (config, folder) = try isolatedExampleConfig()

        let render = try DubanProcess.run(["digest", "--config", config, "--at", "2026-07-06T09:00"])
        #expect(render.status == 0, "\(render.stderr)")
        #expect(render.stdout.contains("digest 2026-W28: 7 tasks, completion rate 50.0%, 1 overdue"))
        #expect(render.stdout.contains("wrote \(folder.path)/state/digests/2026-W28.html"))
        let out = folder.appendingPathComponent("out").path
        let elsewhere = try DubanProcess.run(["digest", "--config", config, "--week", "2026-W27", "--at", "2026-07-06T09:00", "--out", out])
        #expect(elsewhere.stdout.contains("wrote \(out)/2026-W27.txt"))

        let send = try DubanProcess.run(["digest", "--config", config, "--at", "2026-07-06T09:00", "--send"])
        #expect(send.status == 0, "\(send.stdout) \(send.stderr)")
        #expect(send.stdout.contains("sent 1 digest mail(s)"))
        // The daemon's pass later that day does not send this week's digest again.
        let pass = try DubanProcess.run(["run", "--once", "--at", "2026-07-06T10:00", "--config", config])
        #expect(pass.status == 0)
        let mails = try FileManager.default.contentsOfDirectory(at: folder.appendingPathComponent("mail"), includingPropertiesForKeys: nil)
        let digests = try parseWithPython(mails).filter { $0.subject.hasPrefix("【整改周报】") }
        #expect(digests.count == 1)
    }
}
