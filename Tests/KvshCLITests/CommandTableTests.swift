// The command table and the fast path's forms are read from the declarations by kvsh's own
// readers; these tests hold them to ArgumentParser's reading of the same declarations
// (`_dumpHelp()`, its ToolInfo JSON), so a name rule or a declaration form the readers get
// wrong fails here.

import ArgumentParser
import Foundation
import Testing
@testable import KvshCLI

/// The part of ArgumentParser's ToolInfo JSON compared here.
private struct ToolInfo: Decodable {
    struct Command: Decodable {
        var commandName: String
        var aliases: [String]?
        var subcommands: [Command]?
        var arguments: [Argument]?
    }

    struct Argument: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
            var spelling: String { kind == "long" ? "--" + name : "-" + name }
        }

        var kind: String
        var names: [Name]?
        var valueName: String?
        var isOptional: Bool
        var isRepeating: Bool
        var defaultValue: String?
        var shouldDisplay: Bool
    }

    var command: Command
}

@Suite("the command table: the declarations as ArgumentParser reads them")
struct CommandTableTests {
    private static let dump = try! JSONDecoder().decode(ToolInfo.self, from: Data(KvshRoot._dumpHelp().utf8))

    /// Every command ArgumentParser knows, with its words.
    private static func commands(_ command: ToolInfo.Command, path: [String] = []) -> [([String], ToolInfo.Command)] {
        let here = path.isEmpty ? [] : [(path, command)]
        return here + (command.subcommands ?? []).filter { $0.commandName != "help" }.flatMap {
            commands($0, path: path + [$0.commandName])
        }
    }

    static let paths = commands(dump.command).map(\.0)

    @Test("every command has ArgumentParser's names, aliases, options, flags, operands and defaults", arguments: paths)
    func sameCommand(_ path: [String]) throws {
        let parsed = try #require(Self.commands(Self.dump.command).first { $0.0 == path }?.1)
        let command = try #require(CommandTable.kvsh.command(path), "\(path)")
        #expect(command.aliases == (parsed.aliases ?? []), "\(path)")
        #expect(Set(command.subcommands.map(\.name)) == Set((parsed.subcommands ?? []).map(\.commandName)).subtracting(["help"]))
        let builtIn: Set<String> = ["-h", "--help", "--version"]
        let arguments = parsed.arguments ?? []
        func spellings(_ kind: String) -> Set<String> {
            Set(arguments.filter { $0.kind == kind }.flatMap { ($0.names ?? []).map(\.spelling) }).subtracting(builtIn)
        }
        let declared = command.arguments.filter { !$0.isBuiltIn }
        #expect(Set(declared.filter { $0.kind == .option }.flatMap(\.spellings)) == spellings("option"), "\(path)")
        #expect(Set(declared.filter { $0.kind == .flag }.flatMap(\.spellings)) == spellings("flag"), "\(path)")
        let operands = arguments.filter { $0.kind == "positional" }
        #expect(declared.filter { $0.kind == .operand }.map(\.valueName) == operands.map { $0.valueName ?? "" }, "\(path)")
        #expect(declared.filter { $0.kind == .operand }.map(\.declaration.isOptional) == operands.map(\.isOptional))
        #expect(declared.filter { $0.kind == .operand }.map(\.declaration.isRepeating) == operands.map(\.isRepeating))
        for option in arguments where option.kind == "option" {
            let spelling = try #require(option.names?.first?.spelling)
            let mine = try #require(declared.first { $0.spellings.contains(spelling) })
            #expect(mine.declaration.defaultText() == option.defaultValue, "\(path) \(spelling)")
            #expect(mine.declaration.isShown == option.shouldDisplay, "\(path) \(spelling)")
        }
    }

    @Test("the root's own options are ArgumentParser's; its script operands are kvsh's (run before ArgumentParser)")
    func root() {
        let root = CommandTable.kvsh.root
        let parsed = Set((Self.dump.command.arguments ?? []).flatMap { ($0.names ?? []).map(\.spelling) })
        #expect(Set(root.arguments.filter { $0.kind != .operand }.flatMap(\.spellings)) == parsed)
        #expect(root.arguments(.operand).map(\.valueName) == ["script", "arguments"])
        #expect(root.arguments.contains { $0.spellings == ["-c"] && $0.kind == .option })
    }

    @Test("every command type declared with kvsh's property wrappers is read by ArgumentParser (DeclaredArguments)")
    func declaredTypes() {
        func types(_ type: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
            [type] + type.configuration.subcommands.flatMap(types)
        }
        for type in types(KvshRoot.self) + [GlobalOptions.self as any ParsableArguments.Type] as [any ParsableArguments.Type] {
            guard !(type is any DeclaredArguments.Type) else { continue }
            // Without `DeclaredArguments` ArgumentParser would see none of the arguments.
            let wrapped = Mirror(reflecting: type.init()).children.filter { $0.value is any DeclaredProperty }
            #expect(wrapped.isEmpty, "\(type) declares \(wrapped.compactMap(\.label)) but is not DeclaredArguments")
        }
    }

    @Test("the fast path reads every everyday command and the global options as the table does")
    func fastForms() throws {
        for entry in QuickParse.everydayCommands {
            let name = entry.type.commandWord
            let command = try #require(CommandTable.kvsh.command([KVCommand.commandWord, name]))
            let words = try #require(fastSpellings(entry.type), "\(name)")
            #expect(words == Set(command.arguments.filter { !$0.isBuiltIn && $0.kind != .operand }.flatMap(\.spellings)),
                    "\(name)")
        }
        let global = Set(CommandTable.arguments(of: GlobalOptions.self).filter { $0.kind == .option }.flatMap(\.spellings))
        #expect(Set(GlobalOptions.valued) == global)
        #expect(GlobalOptions.valued.contains("-s") && GlobalOptions.flags.contains("--json"))
    }

    private func fastSpellings(_ type: any KvshCommand.Type) -> Set<String>? {
        func spellings<C: KvshCommand>(_: C.Type) -> Set<String>? {
            guard let form = FastForm<C>.cached else { return nil }
            return Set((form.fields + (form.globals?.fields ?? [])).flatMap { $0.spellings + $0.negatedSpellings })
        }
        return spellings(type)
    }
}
