@testable import LineEditor
import Testing

@Suite("What Tab does with the completion candidates")
struct CompletionPlanTests {
    @Test("the word is what follows the last whitespace before the cursor")
    func word() {
        #expect(CompletionPlan.word(before: "kv get my") == "my")
        #expect(CompletionPlan.word(before: "kv ") == "")
        #expect(CompletionPlan.word(before: "my-s") == "my-s")
        #expect(CompletionPlan.word(before: "") == "")
        #expect(CompletionPlan.word(before: "a\tb") == "b")
    }

    @Test("no candidate beeps, one replaces the word (duplicates count once)")
    func noneAndOne() {
        #expect(CompletionPlan(word: "x", candidates: []) == .none)
        #expect(CompletionPlan(word: "my-s", candidates: ["my-sem "]) == .replace("my-sem "))
        #expect(CompletionPlan(word: "my-s", candidates: ["my-sem ", "my-sem "]) == .replace("my-sem "))
    }

    @Test("several insert their common prefix when it is longer than the word, else are listed")
    func several() {
        #expect(CompletionPlan(word: "m", candidates: ["my-kv ", "my-sem "]) == .replace("my-"))
        #expect(CompletionPlan(word: "my-", candidates: ["my-kv ", "my-sem "]) == .list(["my-kv ", "my-sem "]))
        #expect(CompletionPlan(word: "", candidates: ["kv ", "kv get "]) == .replace("kv "))
        #expect(CompletionPlan.commonPrefix(["naïve", "naïf"]) == "naï")
        #expect(CompletionPlan.commonPrefix(["abc", ""]) == "")
    }

    @Test("the listing fills columns top to bottom, without the candidates' trailing spaces")
    func listing() {
        #expect(CompletionPlan.listing(["a ", "bb ", "ccc "], columns: 80) == ["a    bb   ccc"])
        #expect(CompletionPlan.listing(["a", "bb", "ccc"], columns: 10) == ["a    ccc", "bb"])
        #expect(CompletionPlan.listing(["a-very-long-candidate"], columns: 5) == ["a-very-long-candidate"])
    }

    @Test("a long listing is cut at the limit and says how many were left out")
    func longListing() {
        let candidates = (0..<150).map { "key\($0)" }
        let rows = CompletionPlan.listing(candidates, columns: 80)
        #expect(rows.last == "… and 50 more")
        #expect(rows.dropLast().joined(separator: " ").split(separator: " ").count == CompletionPlan.listLimit)
    }
}
