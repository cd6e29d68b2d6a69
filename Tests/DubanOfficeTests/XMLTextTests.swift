@testable import DubanOffice
import Testing

@Suite struct XMLTextTests {
    @Test(arguments: [
        // Markup characters become entities.
        ("<b>A & B</b> \"q\"", "&lt;b&gt;A &amp; B&lt;/b&gt; &quot;q&quot;"),
        // Tab and LF are allowed as they are; CR is kept as a reference so a parser does not turn it into LF.
        ("a\tb\nc\rd", "a\tb\nc&#13;d"),
        // Controls XML 1.0 forbids are shown as their Control Pictures, not dropped.
        ("bell\u{07}nul\u{00}esc\u{1B}", "bell\u{2407}nul\u{2400}esc\u{241B}"),
        // Noncharacters U+FFFE/U+FFFF become the replacement character.
        ("x\u{FFFE}y\u{FFFF}", "x\u{FFFD}y\u{FFFD}"),
        // Plain CJK text is untouched.
        ("整改措施：制定计划", "整改措施：制定计划"),
    ])
    func escapes(input: String, expected: String) {
        #expect(XMLText.escape(input) == expected)
    }
}
