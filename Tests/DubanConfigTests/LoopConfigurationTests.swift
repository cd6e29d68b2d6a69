import DubanConfig
import DubanCore
import Foundation
import Testing

/// Issue 12: every number of the loop after 完成 is configurable, with the
/// documented defaults, and a bad value names its key.
@Suite struct LoopConfigurationTests: ConfigurationSuite {
    @Test func defaultsAreTheDocumentedOnes() throws {
        let policy = try Configuration.parse(minimal, file: file).policy
        #expect(policy.acceptanceRepeatEvery == 10 && policy.acceptanceMaxRepeats == 3)
        #expect(policy.closureAfterWorkingDays == 10 && policy.closureRepeatEvery == 10 && policy.closureMaxRepeats == 3)
        #expect(policy.lookBackFollowUpAfter == 10 && policy.interviewAfter == 5)
    }

    @Test func everyKeyIsRead() throws {
        // `minimal` ends in [chain]: the discipline office joins it.
        let config = try Configuration.parse(minimal + """

            discipline = { name = "纪委办公室", email = "jiwei@example.org" }
            [escalation]
            interview_after = 7
            [acceptance]
            repeat_every = 4
            max_repeats = 2
            [closure]
            after_working_days = 6
            repeat_every = 8
            max_repeats = 0
            [lookback]
            follow_up_after = 12
            """, file: file)
        let policy = config.policy
        #expect(policy.interviewAfter == 7 && policy.acceptanceRepeatEvery == 4 && policy.acceptanceMaxRepeats == 2)
        #expect(policy.closureAfterWorkingDays == 6 && policy.closureRepeatEvery == 8 && policy.closureMaxRepeats == 0)
        #expect(policy.lookBackFollowUpAfter == 12)
        #expect(config.chain.discipline == Contact(name: "纪委办公室", email: "jiwei@example.org"))
    }

    @Test func badValuesNameTheirKey() {
        let messages = errors(minimal + """

            [closure]
            repeat_every = 0
            sometimes = 1
            [lookback]
            follow_up_after = "soon"
            """).map(\.message)
        #expect(messages.contains { $0.hasPrefix("closure.repeat_every:") })
        #expect(messages.contains { $0.contains("sometimes") })
        #expect(messages.contains { $0.hasPrefix("lookback.follow_up_after:") })
    }
}
