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
        let elsewhere = try DubanProcess.run(["digest", "--config", config, "--at", "2026-07-06T09:00", "--out", out])
        #expect(elsewhere.stdout.contains("wrote \(out)/2026-W28.txt"))

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

    /// `digest --week 2026-W20` used to label today's figures as week 20.
    /// A past week now comes from the ledger its digest kept, as of then, or
    /// is refused; a week not yet begun is refused.
    @Test func aPastWeekComesFromItsSnapshotOrIsRefused() throws {
        let (config, folder) = try isolatedExampleConfig()
        let out = folder.appendingPathComponent("out")
        let never = try DubanProcess.run(["digest", "--config", config, "--week", "2026-W20", "--at", "2026-07-06T09:00", "--out", out.path])
        #expect(never.status == 1)
        #expect(never.stderr.contains("no digest of 2026-W20 was sent") && never.stderr.contains("Nothing was written"), "\(never.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let future = try DubanProcess.run(["digest", "--config", config, "--week", "2026-W30", "--at", "2026-07-06T09:00", "--out", out.path])
        #expect(future.status == 1 && future.stderr.contains("2026-W30 has not begun"), "\(future.stderr)")

        // The daemon sends week 27's digest on 06-29 and keeps the ledger it read.
        let pass = try DubanProcess.run(["run", "--once", "--at", "2026-06-29T09:00", "--config", config])
        #expect(pass.status == 0, "\(pass.stderr)")
        let past = try DubanProcess.run(["digest", "--config", config, "--week", "2026-W27", "--at", "2026-07-06T09:00", "--out", out.path])
        #expect(past.status == 0, "\(past.stderr)")
        // On 06-29, T1-1 (due 06-30) was not yet overdue; on 07-06 it is.
        #expect(past.stdout.contains("digest 2026-W27 (from the ledger kept on 2026-06-29): 7 tasks, completion rate 50.0%, 0 overdue"), "\(past.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("2026-W27.json"))) as! [String: Any]
        #expect(json["week"] as? [String: Int] == ["year": 2026, "week": 27] && json["today"] as? String == "2026-06-29")
        let now = try DubanProcess.run(["digest", "--config", config, "--at", "2026-07-06T09:00", "--out", out.path])
        #expect(now.stdout.contains("digest 2026-W28: 7 tasks, completion rate 50.0%, 1 overdue"), "\(now.stdout)")
    }

    /// After keep_bodies_days the ledger kept with an old digest is dropped:
    /// `digest --week` says the digest was sent and why it cannot be
    /// rendered again, not that it never was.
    @Test func aPastWeekWhoseLedgerWasDroppedIsRefusedTruthfully() throws {
        let (config, folder) = try isolatedExampleConfig()
        let out = folder.appendingPathComponent("out")
        for at in ["2026-06-29T09:00", "2026-10-05T09:00", "2026-10-12T09:00"] {
            let pass = try DubanProcess.run(["run", "--once", "--at", at, "--config", config])
            #expect(pass.status == 0, "\(at): \(pass.stderr)")
        }
        let dropped = try DubanProcess.run(["digest", "--config", config, "--week", "2026-W27", "--at", "2026-10-12T10:00", "--out", out.path])
        #expect(dropped.status == 1)
        #expect(dropped.stderr.contains("the digest of 2026-W27 was sent") && dropped.stderr.contains("keep_bodies_days"), "\(dropped.stderr)")
        #expect(!dropped.stderr.contains("no digest of 2026-W27 was sent"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// `preview --at` a Monday 09:00 omitted the digest that `run --once`
    /// then sent; `simulate` printed its subject with the figures blank.
    @Test func previewAndSimulateShowTheDigestWithItsFigures() throws {
        let (config, folder) = try isolatedExampleConfig()
        let subject = "【整改周报】2026年巡察反馈问题整改 2026-W28：完成率50.0%，逾期1项"
        let preview = try DubanProcess.run(["preview", "--config", config, "--at", "2026-07-06T09:00"])
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.contains("digest         → principal@example.org, zgb@example.org\n    \(subject)\n"
                                        + "    figures: 3 problems (1 rectified), 7 tasks, 3 done, completion rate 50.0%, on-time rate"), "\(preview.stdout)")
        let json = try DubanProcess.run(["preview", "--config", config, "--at", "2026-07-06T09:00", "--format", "json"])
        let output = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let digests = (output["messages"] as! [[String: Any]]).filter { $0["kind"] as? String == "digest" }
        #expect(digests.count == 1)
        let figures = try #require(digests.first?["figures"] as? [String: Any])
        #expect(digests.first?["subject"] as? String == subject)
        #expect(figures["completionRate"] as? Double == 50 && figures["tasks"] as? Int == 7 && figures["overdue"] as? Int == 1
                && figures["problemsRectified"] as? Int == 1 && figures["onTimeRate"] != nil)

        // What the preview showed is what `run --once` sends.
        let pass = try DubanProcess.run(["run", "--once", "--at", "2026-07-06T09:00", "--config", config])
        #expect(pass.status == 0, "\(pass.stderr)")
        let mails = try FileManager.default.contentsOfDirectory(at: folder.appendingPathComponent("mail"), includingPropertiesForKeys: nil)
        #expect(try parseWithPython(mails).filter { $0.subject.hasPrefix("【整改周报】") }.map(\.subject) == [subject])

        // Simulate: every digest's subject with figures, and the note said once.
        let simulate = try DubanProcess.run(["simulate", "--config", config, "--from", "2026-07-06", "--to", "2026-07-20"])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        #expect(!simulate.stdout.contains("：完成率，逾期项"))
        for week in ["2026-W28", "2026-W29", "2026-W30"] {
            #expect(simulate.stdout.contains("2026年巡察反馈问题整改 \(week)：完成率"), "\(week)")
        }
        #expect(simulate.stdout.components(separatedBy: "digest figures are computed from the ledger as it is now").count == 2)
        let simulated = try DubanProcess.run(["simulate", "--config", config, "--from", "2026-07-06", "--to", "2026-07-06", "--format", "json"])
        let timeline = try JSONSerialization.jsonObject(with: Data(simulated.stdout.utf8)) as! [String: Any]
        let digest = try #require((timeline["messages"] as! [[String: Any]]).first { $0["kind"] as? String == "digest" })
        #expect(digest["subject"] as? String == subject && (digest["figures"] as? [String: Any])?["completionRate"] as? Double == 50)
    }
}
