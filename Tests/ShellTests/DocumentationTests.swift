#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import Shell

/// The examples in docs/language.md must at least parse, so the documentation cannot drift
/// from the grammar.
@Suite("Documentation")
struct DocumentationTests {
    static let languageDoc: String? = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return try? ScriptFile.read(path + "/docs/language.md")
    }()

    @Test("every kvsh example in docs/language.md parses")
    func examplesParse() throws {
        let doc = try #require(Self.languageDoc)
        var examples: [String] = []
        var current: String?
        for line in doc.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```kvsh" {
                current = ""
            } else if let text = current, line == "```" {
                examples.append(text)
                current = nil
            } else if current != nil {
                current! += line + "\n"
            }
        }
        #expect(examples.count >= 6)
        for example in examples {
            #expect(Parser.syntaxError(in: example, file: "doc") == nil, "\(example)")
        }
    }

    @Test("the documentation describes every built-in")
    func builtinsDocumented() throws {
        let doc = try #require(Self.languageDoc)
        for builtin in Builtin.allCases {
            #expect(doc.contains("`\(builtin.usage.split(separator: " |")[0])"), "\(builtin)")
        }
    }
}
