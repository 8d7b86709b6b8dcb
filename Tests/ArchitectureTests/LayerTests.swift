// The layer table of docs/architecture.md, checked against the code: every module's imports of
// project modules are declared in Package.swift, and none reaches a module the table does not
// let it import (nothing points up the table).

import Foundation
import Testing

@Suite("architecture: layers")
struct LayerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let manifest = PackageManifest(text: read("Package.swift"))
    static let table = LayerTable(markdown: read("docs/architecture.md"))

    static func read(_ path: String) -> String {
        (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) ?? ""
    }

    /// The modules of the package (its targets and the products it uses) each target's Swift
    /// files import; system modules (Foundation, Glibc, …) are not the manifest's business.
    static func imports(of target: PackageManifest.Target) -> [String: Set<String>] {
        let dir = root.appendingPathComponent(target.path)
        var found: [String: Set<String>] = [:]
        guard let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [:] }
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            let name = String(file.path.dropFirst(root.path.count + 1))
            for module in SwiftImports.modules(in: text) where manifest.isPackageModule(module) {
                found[module, default: []].insert(name)
            }
        }
        return found
    }

    @Test("the manifest and the table were read")
    func parsed() {
        #expect(Self.manifest.targets.count > 20, "\(Self.manifest.targets.keys.sorted())")
        #expect(Self.manifest.targets["KvshCLI"]?.dependencies.contains("Shell") == true)
        #expect(Self.manifest.targets["NATSWire"]?.dependencies == ["NIOCore"])
        #expect(Self.manifest.targets["TestSupport"]?.path == "Tests/TestSupport")
        #expect(Self.manifest.products.contains("ArgumentParser"))
        #expect(Self.table.rows.count > 10, "\(Self.table.rows)")
        #expect(Self.table.allowed(for: "NATSClient") == ["NATSWire", "NIOCore", "NIOPosix", "NIOSSL",
                                                           "NIOConcurrencyHelpers", "Logging"])
    }

    @Test("every import of a package module is a declared dependency")
    func importsAreDeclared() {
        var undeclared: [String] = []
        for target in Self.manifest.targets.values.sorted(by: { $0.name < $1.name }) {
            for (module, files) in Self.imports(of: target) where module != target.name {
                if !target.dependencies.contains(module) {
                    undeclared.append("\(target.name) imports \(module) (\(files.sorted().joined(separator: ", ")))")
                }
            }
        }
        #expect(undeclared.isEmpty, "\(undeclared.joined(separator: "\n"))")
    }

    @Test("every module under Sources/ has a row, and imports only what its row allows")
    func nothingPointsUp() {
        let sources = Self.manifest.targets.values.filter { $0.path.hasPrefix("Sources/") }
        #expect(sources.count > 10)
        var problems: [String] = []
        for target in sources.sorted(by: { $0.name < $1.name }) {
            guard let allowed = Self.table.allowed(for: target.name) else {
                problems.append("\(target.name) has no row in docs/architecture.md")
                continue
            }
            for (module, files) in Self.imports(of: target)
            where module != target.name && Self.manifest.targets[module] != nil && !allowed.contains(module) {
                problems.append("\(target.name) imports \(module), which its row does not allow "
                                + "(\(files.sorted().joined(separator: ", ")))")
            }
            for dependency in target.dependencies where Self.manifest.targets[dependency] != nil
                && !allowed.contains(dependency) {
                problems.append("\(target.name) depends on \(dependency) in Package.swift, which its row does not allow")
            }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("the checks see what they check: an import up the table is caught")
    func checksCanFail() {
        #expect(SwiftImports.modules(in: "import Foo\n@testable import Bar\nimport struct Baz.Q\n  // import No\n")
                == ["Foo", "Bar", "Baz"])
        let allowed = Self.table.allowed(for: "KeyValue") ?? []
        #expect(!allowed.contains("KvshCLI") && !allowed.contains("JetStream"), "\(allowed)")
        #expect(Self.table.allowed(for: "KvshCLI")?.contains("Shell") == true)
    }
}

/// The targets of Package.swift, read from its text: names, paths and project dependencies.
struct PackageManifest {
    struct Target {
        var name: String
        var path: String
        var dependencies: Set<String>
    }

    var targets: [String: Target] = [:]

    /// Products the targets use (`.product(name: …)`), as module names.
    var products: Set<String> = []

    init(text: String) {
        let kinds = ["target", "executableTarget", "testTarget", "systemLibrary"]
        var rest = Substring(text)
        while let start = kinds.compactMap({ rest.range(of: ".\($0)(name: \"") })
            .min(by: { $0.lowerBound < $1.lowerBound }) {
            let kind = String(rest[rest.index(after: start.lowerBound)...].prefix { $0 != "(" })
            let body = Self.balanced(rest[start.lowerBound...].drop { $0 != "(" })
            rest = rest[start.upperBound...]
            guard let name = Self.quoted(after: "name: ", in: body) else { continue }
            let directory = kind == "testTarget" ? "Tests" : "Sources"
            let path = Self.quoted(after: "path: ", in: body) ?? "\(directory)/\(name)"
            var dependencies: Set<String> = []
            if let deps = body.range(of: "dependencies: [") {
                let list = Self.balanced(body[body.index(before: deps.upperBound)...])
                // Project targets are bare strings; products are `.product(name: …, package: …)`.
                var scan = Substring(list)
                while let quote = scan.firstIndex(of: "\"") {
                    let before = scan[..<quote]
                    let after = scan[scan.index(after: quote)...]
                    guard let end = after.firstIndex(of: "\"") else { break }
                    let word = String(after[..<end])
                    if before.hasSuffix("name: ") { products.insert(word) }
                    if !before.hasSuffix("package: ") { dependencies.insert(word) }
                    scan = after[after.index(after: end)...]
                }
            }
            targets[name] = Target(name: name, path: path, dependencies: dependencies)
        }
    }

    /// A module this package builds or takes from a dependency.
    func isPackageModule(_ module: String) -> Bool { targets[module] != nil || products.contains(module) }

    /// The text from `text`'s first opening bracket to its matching close.
    static func balanced(_ text: Substring) -> String {
        var depth = 0
        var out = ""
        for c in text {
            if c == "(" || c == "[" { depth += 1 }
            if c == ")" || c == "]" { depth -= 1 }
            out.append(c)
            if depth == 0 && !out.isEmpty && (c == ")" || c == "]") { break }
        }
        return out
    }

    static func quoted(after label: String, in text: String) -> String? {
        guard let r = text.range(of: label + "\"") else { return nil }
        return String(text[r.upperBound...].prefix { $0 != "\"" })
    }
}

/// The "may import" column of docs/architecture.md's layer table.
struct LayerTable {
    struct Row {
        var modules: [String]
        var mayImport: [String]
        var everythingAbove: Bool
    }

    var rows: [Row] = []

    init(markdown: String) {
        for line in markdown.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 5 else { continue }
            let modules = Self.backticked(cells[1])
            let column = cells[3]
            let everythingAbove = column.hasPrefix("everything above")
            let named = column.replacingOccurrences(of: "everything above", with: "")
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && $0.first!.isLetter }
            rows.append(Row(modules: modules, mayImport: named, everythingAbove: everythingAbove))
        }
    }

    static func backticked(_ cell: String) -> [String] {
        cell.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// What a module may import, nil when it has no row.
    func allowed(for module: String) -> [String]? {
        guard let index = rows.firstIndex(where: { $0.modules.contains(module) }) else { return nil }
        let row = rows[index]
        return row.everythingAbove ? rows[..<index].flatMap(\.modules) + row.mayImport : row.mayImport
    }
}

enum SwiftImports {
    /// The modules `text` imports (`import M`, `@testable import M`, `import struct M.T`, …).
    static func modules(in text: String) -> [String] {
        let attributes: Set<String> = ["@testable", "@_implementationOnly", "@preconcurrency", "public", "package",
                                       "internal", "private", "fileprivate"]
        let kinds: Set<String> = ["struct", "class", "enum", "protocol", "func", "typealias", "var", "let"]
        var found: [String] = []
        for line in text.split(separator: "\n") {
            var words = line.split(separator: " ").map(String.init)[...]
            while let first = words.first, attributes.contains(first) { words = words.dropFirst() }
            guard words.first == "import", words.count >= 2 else { continue }
            words = words.dropFirst()
            if let kind = words.first, kinds.contains(kind) { words = words.dropFirst() }
            guard let target = words.first else { continue }
            found.append(String(target.prefix { $0 != "." }))
        }
        return found
    }
}
