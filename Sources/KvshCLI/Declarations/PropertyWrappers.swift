import ArgumentParser

// kvsh's `@Option`, `@Flag`, `@Argument` and `@OptionGroup`: ArgumentParser's parameters, and
// ArgumentParser's wrapper made from them (`Declared.argumentParserWrapper`) when
// ArgumentParser reflects the command. Only the initializers kvsh's commands use are here; a
// declaration that needs another one fails to compile until it is added.
//
// Declared here, they shadow ArgumentParser's in this module, so commands are written exactly
// as ArgumentParser's documentation shows. After parsing each holds its value, whichever parser
// set it (ArgumentParser through `init(from:)`, the fast path through `wrappedValue`).

@propertyWrapper
struct Option<Value: Sendable>: Decodable, DeclaredProperty, StatefulProperty, Sendable {
    var state: PropertyState<Value>

    var wrappedValue: Value {
        get { state.value }
        set { state = .parsed(newValue) }
    }

    init(from decoder: any Decoder) throws {
        state = .parsed(try ArgumentParser.Option<Value>(from: decoder).wrappedValue)
    }
}

extension Option where Value: ExpressibleByArgument {
    init(wrappedValue: Value, name: NameSpecification = .long, help: ArgumentHelp? = nil,
         completion: Completion? = nil) {
        let declaration = ArgumentDeclaration(kind: .option, names: name, help: help, completion: completion,
                                              isOptional: true, defaultText: { wrappedValue.defaultValueDescription })
        state = .declared(Declared(declaration: declaration, initial: wrappedValue) {
            ArgumentParser.Option(wrappedValue: wrappedValue, name: name.argumentParser, help: help,
                                  completion: completion?.argumentParser)
        })
    }
}

extension Option {
    init<T: ExpressibleByArgument>(name: NameSpecification = .long, help: ArgumentHelp? = nil,
                                   completion: Completion? = nil) where Value == T? {
        let declaration = ArgumentDeclaration(kind: .option, names: name, help: help, completion: completion,
                                              isOptional: true)
        state = .declared(Declared(declaration: declaration, initial: .some(nil)) {
            ArgumentParser.Option<T?>(name: name.argumentParser, help: help, completion: completion?.argumentParser)
        })
    }
}

extension Option {
    /// An option that may be given any number of times (`--tags a --tags b`).
    init<T: ExpressibleByArgument>(wrappedValue: [T], name: NameSpecification = .long, help: ArgumentHelp? = nil,
                                   completion: Completion? = nil) where Value == [T] {
        let declaration = ArgumentDeclaration(kind: .option, names: name, help: help, completion: completion,
                                              isOptional: true, isRepeating: true)
        state = .declared(Declared(declaration: declaration, initial: wrappedValue) {
            ArgumentParser.Option<[T]>(wrappedValue: wrappedValue, name: name.argumentParser, parsing: .singleValue,
                                       help: help, completion: completion?.argumentParser)
        })
    }
}

@propertyWrapper
struct Flag<Value: Sendable>: Decodable, DeclaredProperty, StatefulProperty, Sendable {
    var state: PropertyState<Value>

    var wrappedValue: Value {
        get { state.value }
        set { state = .parsed(newValue) }
    }

    init(from decoder: any Decoder) throws {
        state = .parsed(try ArgumentParser.Flag<Value>(from: decoder).wrappedValue)
    }
}

extension Flag where Value == Bool {
    init(wrappedValue: Bool, name: NameSpecification = .long, help: ArgumentHelp? = nil) {
        let declaration = ArgumentDeclaration(kind: .flag, names: name, help: help, isOptional: true)
        state = .declared(Declared(declaration: declaration, initial: wrappedValue) {
            ArgumentParser.Flag(wrappedValue: wrappedValue, name: name.argumentParser, help: help)
        })
    }

    init(wrappedValue: Bool, name: NameSpecification = .long, inversion: FlagInversion, help: ArgumentHelp? = nil) {
        let declaration = ArgumentDeclaration(kind: .flag, names: name, inversion: inversion, help: help,
                                              isOptional: true, invertedFlagDefault: wrappedValue)
        state = .declared(Declared(declaration: declaration, initial: wrappedValue) {
            ArgumentParser.Flag(wrappedValue: wrappedValue, name: name.argumentParser, inversion: inversion,
                                help: help)
        })
    }
}

@propertyWrapper
struct Argument<Value: Sendable>: Decodable, DeclaredProperty, StatefulProperty, Sendable {
    var state: PropertyState<Value>

    var wrappedValue: Value {
        get { state.value }
        set { state = .parsed(newValue) }
    }

    init(from decoder: any Decoder) throws {
        state = .parsed(try ArgumentParser.Argument<Value>(from: decoder).wrappedValue)
    }
}

extension Argument where Value: ExpressibleByArgument {
    /// A required operand.
    init(help: ArgumentHelp? = nil, completion: Completion? = nil) {
        let declaration = ArgumentDeclaration(kind: .operand, help: help, completion: completion)
        state = .declared(Declared(declaration: declaration, initial: nil) {
            ArgumentParser.Argument<Value>(help: help, completion: completion?.argumentParser)
        })
    }
}

extension Argument {
    /// An operand that may be left out.
    init<T: ExpressibleByArgument>(help: ArgumentHelp? = nil, completion: Completion? = nil) where Value == T? {
        let declaration = ArgumentDeclaration(kind: .operand, help: help, completion: completion, isOptional: true)
        state = .declared(Declared(declaration: declaration, initial: .some(nil)) {
            ArgumentParser.Argument<T?>(help: help, completion: completion?.argumentParser)
        })
    }

    /// The operands left, any number of them.
    init<T: ExpressibleByArgument>(wrappedValue: [T], parsing: ArgumentArrayParsingStrategy = .remaining,
                                   help: ArgumentHelp? = nil, completion: Completion? = nil) where Value == [T] {
        let declaration = ArgumentDeclaration(kind: .operand, help: help, completion: completion, isOptional: true,
                                              isRepeating: true, parsing: parsing)
        state = .declared(Declared(declaration: declaration, initial: wrappedValue) {
            ArgumentParser.Argument<[T]>(wrappedValue: wrappedValue, parsing: parsing, help: help,
                                         completion: completion?.argumentParser)
        })
    }
}

@propertyWrapper
struct OptionGroup<Value: Sendable>: DeclaredProperty, StatefulProperty, Sendable {
    var state: PropertyState<Value>

    var wrappedValue: Value {
        get { state.value }
        set { state = .parsed(newValue) }
    }

    // In the type's body: the compiler does not find a property wrapper's `init()` in an extension.
    init() where Value: DeclaredArguments {
        let declaration = ArgumentDeclaration(kind: .group, isOptional: true, group: Value.self)
        state = .declared(Declared(declaration: declaration, initial: nil) { ArgumentParser.OptionGroup<Value>() })
    }
}

extension OptionGroup: Decodable where Value: ParsableArguments {
    init(from decoder: any Decoder) throws {
        state = .parsed(try ArgumentParser.OptionGroup<Value>(from: decoder).wrappedValue)
    }
}

/// A kvsh property wrapper: its state, for the fast path's generic code (as a constraint, never
/// cast to: see `FastForm`), and what the four wrappers share. `wrappedValue` stays in each:
/// the compiler looks for it in the wrapper's own declaration.
protocol StatefulProperty: SendableMetatype {
    associatedtype Value: Sendable
    var state: PropertyState<Value> { get set }
}

extension StatefulProperty {
    var declaration: ArgumentDeclaration? { state.declared?.declaration }
    var mirrorValue: Any { state.declared.map { $0.argumentParserWrapper() } ?? state.value }
}
