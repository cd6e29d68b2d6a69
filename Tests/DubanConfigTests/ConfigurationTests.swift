import DubanConfig
import DubanCore
import DubanTesting
import Foundation
import Testing

@Suite struct ConfigurationTests: ConfigurationSuite {
    @Test func defaultsAndRelativePaths() throws {
        let config = try Configuration.parse(minimal, file: file)
        #expect(config.organization.timeZone.identifier == "Asia/Shanghai")
        #expect(config.organization.locale == .zhCN)
        #expect(config.programme.feedbackDate == nil)
        #expect(config.ledger.paths == [URL(fileURLWithPath: "/etc/duban/ledger.xlsx")])
        #expect(config.ledger.sheet == nil)
        #expect(config.people.file == nil)
    }

    /// `[digest] archive`: relative to the configuration's folder like every path; unset,
    /// the archive stays beside the state database (DigestStage decides).
    @Test func theDigestArchiveFolderIsAPath() throws {
        #expect(try Configuration.parse(minimal, file: file).digest.archive == nil)
        let set = try Configuration.parse(minimal + "\n\n[digest]\narchive = \"archive/digests\"\n", file: file)
        #expect(set.digest.archive == URL(fileURLWithPath: "/etc/duban/archive/digests"))
    }

    @Test func theShippedExampleIsValidAndPointsAtRealFiles() throws {
        let example = repository.appendingPathComponent("config/duban.toml")
        let config = try Configuration.load(from: example)
        #expect(config.programme.feedbackDate == LocalDate(year: 2026, month: 3, day: 15))
        for url in config.ledger.paths + [config.people.file!] {
            #expect(FileManager.default.fileExists(atPath: url.path), "\(url.path)")
        }
    }

    @Test func fullForm() throws {
        let config = try Configuration.parse("""
            [organization]
            name = "XX单位"
            timezone = "Europe/Berlin"
            locale = "en"
            [programme]
            name = "整改"
            feedback_date = 2026-03-15
            [ledger]
            paths = ["/srv/a.xlsx", "b.csv"]
            sheet = "台账"
            [ledger.columns]
            deadline = "计划完成时间"
            officer = ["联系人", "具体负责人"]
            [people]
            file = "people.toml"
            [schedule]
            send_time = "08:30"
            quiet_from = 17:30:00
            [reminders]
            lead_days = [1, 7, 7]
            lead_unit = "working"
            [escalation]
            max_repeats = 0
            [chain]
            office = { name = "整改办", email = "zgb@example.org" }
            [chain.principal]
            name = "王书记"
            email = "p@example.org"
            [state]
            path = "state/duban.sqlite"
            """, file: file)
        #expect(config.organization.timeZone.identifier == "Europe/Berlin")
        #expect(config.programme.feedbackDate == LocalDate(year: 2026, month: 3, day: 15))
        #expect(config.ledger.paths.map(\.path) == ["/srv/a.xlsx", "/etc/duban/b.csv"])
        #expect(config.ledger.columns[.deadline] == ["计划完成时间"])
        #expect(config.ledger.columns[.officer] == ["联系人", "具体负责人"])
        #expect(config.people.file?.path == "/etc/duban/people.toml")
        #expect(config.policy.sendTime.description == "08:30")
        #expect(config.policy.quietFrom.description == "17:30")
        #expect(config.policy.reminderLeadDays == [7, 1])
        #expect(config.policy.reminderLeadUnit == .working)
        #expect(config.policy.escalationMaxRepeats == 0)
        #expect(config.chain.principal == Contact(name: "王书记", email: "p@example.org"))
        #expect(config.state.path.path == "/etc/duban/state/duban.sqlite")
        #expect(config.calendars.path == "/etc/duban/calendars")
    }

    @Test func policyDefaultsAreTheDocumentedOnes() throws {
        let config = try Configuration.parse(minimal, file: file)
        let policy = config.policy
        #expect(policy.sendTime.description == "09:00" && policy.quietFrom.description == "18:00")
        #expect(policy.reminderLeadDays == [7] && policy.checkpointLeadDays == [7] && policy.reminderLeadUnit == .calendar)
        #expect(policy.escalationLevel1After == 1 && policy.escalationLevel2After == 5)
        #expect(policy.escalationRepeatEvery == 5 && policy.escalationMaxRepeats == 4)
        #expect(policy.acceptanceAfterWorkingDays == 10 && policy.lookBackMonths == 3 && policy.immediateDays == 30)
        #expect(config.chain.principal == nil)
        #expect(config.state.path.path == "/var/lib/duban/duban.sqlite")
    }

    @Test func policyValuesAreChecked() {
        let found = errors(minimal + """

            [schedule]
            send_time = "25:00"
            quiet_from = "08:00"
            [reminders]
            lead_days = [-1]
            lead_unit = "weeks"
            [escalation]
            level1_after = 5
            level2_after = 3
            """)
        let messages = found.map(\.message)
        #expect(messages.contains("schedule.send_time: must be a time of day such as \"09:00\""))
        #expect(messages.contains("schedule.quiet_from: quiet_from (08:00) must be later than send_time (09:00)"))
        #expect(messages.contains { $0.hasPrefix("reminders.lead_days: must be an array of integers between 0 and 365") })
        #expect(messages.contains("reminders.lead_unit: must be \"calendar\" or \"working\""))
        #expect(messages.contains("escalation.level2_after: level2_after (3) must be later than level1_after (5)"))
    }

    @Test func chainOfficeNeedsAValidAddress() {
        let noChain = errors(minimal.replacingOccurrences(of: "office = { name = \"整改办\", email = \"zgb@example.org\" }", with: "office = { name = \"整改办\", email = \"zgb\" }"))
        #expect(noChain.map(\.message) == ["chain.office: \"zgb\" is not a valid email address"])
    }

    @Test func unknownKeyNamesTheKeyAndItsLine() {
        let found = errors(minimal.replacingOccurrences(of: "paths = \"ledger.xlsx\"", with: "paths = \"ledger.xlsx\"\nsheeet = \"台账\""))
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("ledger.sheeet: unknown key") == true)
        #expect(found.first?.location.row == 9)
    }

    @Test func unknownSectionAndUnknownColumnField() {
        let found = errors(minimal + "\n[ledger.columns]\ndeadlin = \"x\"\n[smtp]\nhost = \"a\"\n")
        #expect(found.contains { $0.message.hasPrefix("ledger.columns.deadlin: unknown field") && $0.location.row == 13 })
        #expect(found.contains { $0.message.hasPrefix("smtp: unknown key") && $0.location.row == 14 })
    }

    @Test func wrongTypesAndMissingRequiredKeys() {
        let found = errors("""
            [organization]
            timezone = "Mars/Olympus"
            [programme]
            name = 42
            feedback_date = "March"
            [ledger]
            paths = [1, 2]
            """)
        let messages = found.map(\.message)
        #expect(messages.contains("organization: missing required key 'name'"))
        #expect(messages.contains { $0.hasPrefix("organization.timezone: unknown time zone 'Mars/Olympus'") })
        #expect(messages.contains("programme.name: must be a string"))
        #expect(messages.contains("programme.feedback_date: must be a date such as 2026-03-15"))
        #expect(messages.contains { $0.hasPrefix("ledger.paths: must be a string or an array of strings") })
        #expect(found.first { $0.message.hasPrefix("programme.name") }?.location.row == 4)
    }

    @Test func missingSectionAndSyntaxError() {
        #expect(errors("[organization]\nname = \"x\"\n").map(\.message).contains("[programme]: missing required section"))
        let syntax = errors("[organization\nname = 1")
        #expect(syntax.count == 1)
        #expect(syntax.first?.location.row == 1)
        #expect(syntax.first?.message.hasPrefix("TOML syntax") == true)
    }

    @Test func unreadableFile() {
        #expect { try Configuration.load(from: URL(fileURLWithPath: "/nonexistent/duban.toml")) } throws: { error in
            (error as? ConfigurationError)?.description.contains("/nonexistent/duban.toml") == true
        }
    }

    func smtp(_ host: String, security: String) -> String {
        minimal + "\n[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"\(host)\"\nsecurity = \"\(security)\"\n"
    }

    /// `127.attacker.example` is a DNS name, not the loopback interface: clear
    /// text to it went wherever DNS said.
    @Test(arguments: ["127.attacker.example", "127.0.0.1.nip.io", "127", "localhost.example.org", "mail.example.org", "10.0.0.1", "::2"])
    func plainSMTPIsRefusedForAnythingButALiteralLoopback(host: String) {
        let found = errors(smtp(host, security: "plain"))
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("mail.smtp.security: \"plain\" (no encryption) is allowed only for a relay on this machine") == true)
        #expect(found.first?.location.row == 16)
    }

    @Test(arguments: ["127.0.0.1", "127.10.20.30", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1"])
    func plainSMTPIsAllowedForLoopback(host: String) throws {
        let config = try Configuration.parse(smtp(host, security: "plain"), file: file)
        #expect(config.mail.smtp?.security == .plain)
        #expect(config.mail.smtp?.port == 25)
    }

    @Test func securityAndLocaleAreClosedSets() throws {
        #expect(try Configuration.parse(smtp("smtp.example.org", security: "tls"), file: file).mail.smtp?.port == 465)
        #expect(try Configuration.parse(minimal + "\n[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"smtp.example.org\"\n", file: file).mail.smtp?.security == .starttls)
        let security = errors(smtp("smtp.example.org", security: "ssl"))
        #expect(security.map(\.message) == ["mail.smtp.security: must be one of \"starttls\", \"tls\", \"plain\", not \"ssl\""])
        #expect(security.first?.location.row == 16)
        let locale = errors(minimal.replacingOccurrences(of: "name = \"XX单位\"", with: "name = \"XX单位\"\nlocale = \"zh-TW\""))
        #expect(locale.map(\.message) == ["organization.locale: must be one of \"zh-CN\", \"en\", not \"zh-TW\""])
        #expect(locale.first?.location.row == 3)
    }

    @Test func ledgerSizeLimit() throws {
        #expect(try Configuration.parse(minimal, file: file).ledger.maxBytes == 256 * 1024 * 1024)
        let raised = minimal.replacingOccurrences(of: "paths = \"ledger.xlsx\"", with: "paths = \"ledger.xlsx\"\nmax_bytes = 1073741824")
        #expect(try Configuration.parse(raised, file: file).ledger.maxBytes == 1 << 30)
        let tiny = minimal.replacingOccurrences(of: "paths = \"ledger.xlsx\"", with: "paths = \"ledger.xlsx\"\nmax_bytes = 10")
        #expect(errors(tiny).map(\.message) == ["ledger.max_bytes: must be between 1024 and 1099511627776, not 10"])
    }
}
