@testable import DubanLedger
import Testing

/// The interpreter's memos answer from the last text, from the table, or by
/// working the value out: whichever way, the answer must be what working it
/// out gives, also once the table is full.
@Suite struct TextMemoTests {
    @Test(arguments: [0, 3, 1000])
    func answersAsWorkingTheValueOutEachTime(limit: Int) {
        var rng = SystemRandomNumberGenerator()
        // Few distinct texts, long and short, ASCII and not, often repeated back to back.
        // "é" precomposed and as e + combining accent: equal as Strings, different
        // bytes; a memo that answered for one with the other's value would change output.
        let pool = ["", "a", "已完成", "整改中", "针对问题1制定第2项整改措施并抓好落实", "针对问题1制定第2项整改措施并抓好落实 ", "2026/6/30", "2026/6/3O", "b",
                    "caf\u{E9}", "cafe\u{301}"]
        var memo = TextMemo<String>(limit: limit)
        var made = 0
        var previous = pool[0]
        for _ in 0..<5000 {
            let text = Bool.random(using: &rng) ? previous : pool.randomElement(using: &rng)!
            // A fresh string each time, as each cell read is.
            let fresh = String(decoding: Array(text.utf8), as: UTF8.self)
            let answer = memo.value(for: fresh) { made += 1; return "<\($0)>" }
            #expect(Array(answer.utf8) == Array("<\(text)>".utf8))
            previous = text
        }
        // With room for every text, each is worked out once.
        if limit >= pool.count { #expect(made <= pool.count) }
    }
}
