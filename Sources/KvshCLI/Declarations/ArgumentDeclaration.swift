@_spi(Reflection) import Swift
import ArgumentParser

// kvsh declares its commands the way swift-argument-parser does — `@Option`, `@Flag`,
// `@Argument` and `@OptionGroup` on the properties of a `ParsableCommand` — but the property
// wrappers are kvsh's (PropertyWrappers.swift). Each keeps what it was declared with as plain
// values (`ArgumentDeclaration`) and makes ArgumentParser's wrapper from them when
// ArgumentParser reflects the type (`DeclaredArguments.customMirror`). ArgumentParser parses,
// writes help and errors exactly as if its own wrappers had been written; the fast path for
// everyday lines, the shell's option handling, Tab completion, the completion scripts and the
// manual read the same declarations without ArgumentParser's reflection, whose protocol
// conformance lookups were most of the cost of a cold one-shot command (docs/architecture.md,
// "Start-up").

/// What one property was declared with.
struct ArgumentDeclaration: Sendable {
    enum Kind: Sendable, Equatable {
        /// `--name value`
        case option
        /// `--name`, maybe with an inversion (`--no-name`)
        case flag
        /// A positional argument.
        case operand
        /// `@OptionGroup`: the properties of another type.
        case group
    }

    var kind: Kind
    var names: NameSpecification = .long
    var inversion: FlagInversion?
    var help: ArgumentHelp?
    var completion: Completion?
    /// May be left out: it has a default, is optional or repeats.
    var isOptional = false
    var isRepeating = false
    var parsing: ArgumentArrayParsingStrategy = .remaining
    /// The default as help shows it (`5s`); nil when there is none to show. A function: the
    /// text costs dynamic casts, and only help and the manual need it.
    var defaultText: @Sendable () -> String? = { nil }
    /// The value of a flag with an inversion when neither name is given.
    var invertedFlagDefault: Bool?
    /// A group's type.
    var group: (any DeclaredArguments.Type)?

    /// Shown in help, completion and the manual.
    var isShown: Bool { (help?.visibility ?? .default) == .default }
}

/// What Tab completes for an argument: at the prompt and in the `kvsh completion` scripts.
enum Completion: Sendable, Equatable {
    case list([String])
    case file(extensions: [String])
    /// A bucket name from the store.
    case bucket
    /// A key of the bucket named before it.
    case key
    /// A key filter (`orders.>`); keys are offered.
    case keyFilter

    /// The same for ArgumentParser (whose own completion scripts kvsh does not use).
    var argumentParser: CompletionKind? {
        switch self {
        case .list(let words): .list(words)
        case .file(let extensions): .file(extensions: extensions)
        case .bucket, .key, .keyFilter: nil
        }
    }
}

/// A property as declared, until a parser gives it its value.
struct Declared<Value: Sendable>: Sendable {
    var declaration: ArgumentDeclaration
    /// The value when the command line leaves the property out; nil when it must be given.
    var initial: Value?
    /// ArgumentParser's property wrapper for the same declaration.
    var argumentParserWrapper: @Sendable () -> Any
}

/// A kvsh property wrapper's state: what ArgumentParser's own wrappers keep as a definition
/// or a value.
enum PropertyState<Value: Sendable>: Sendable {
    case declared(Declared<Value>)
    case parsed(Value)

    var value: Value {
        guard case .parsed(let value) = self else {
            preconditionFailure("a declared argument was read before a parser gave it a value")
        }
        return value
    }

    var declared: Declared<Value>? {
        if case .declared(let declared) = self { declared } else { nil }
    }
}

/// Any of kvsh's property wrappers, for reading a type's declarations where reflection's cost
/// does not matter (help, the shell's table, completion scripts).
protocol DeclaredProperty {
    var declaration: ArgumentDeclaration? { get }
    /// What a mirror shows: ArgumentParser's wrapper while declared, then the value.
    var mirrorValue: Any { get }
}

/// A `ParsableArguments` type whose properties use kvsh's property wrappers. Its mirror shows
/// ArgumentParser's wrappers (made from the declarations), which is how ArgumentParser finds
/// its arguments.
protocol DeclaredArguments: ParsableArguments, CustomReflectable {}

extension DeclaredArguments {
    var customMirror: Mirror {
        var children: [Mirror.Child] = []
        // `Mirror(reflecting: self)` would ask for this mirror again; the fields are read directly.
        _ = _forEachFieldWithKeyPath(of: Self.self, options: eachFieldOptions) { name, path in
            let value = self[keyPath: path]
            children.append((String(cString: name), (value as? any DeclaredProperty)?.mirrorValue ?? value))
            return true
        }
        return Mirror(self, children: children, displayStyle: .struct)
    }

    /// The declared properties, in order: their Swift names (without the wrapper's `_`) and
    /// declarations. Uses dynamic casts: not for the cold path (see `FastForm`).
    static var declaredProperties: [(label: String, declaration: ArgumentDeclaration)] {
        let prototype = Self()
        var properties: [(String, ArgumentDeclaration)] = []
        _ = _forEachFieldWithKeyPath(of: Self.self, options: eachFieldOptions) { name, path in
            if let declaration = (prototype[keyPath: path] as? any DeclaredProperty)?.declaration {
                properties.append((propertyLabel(name), declaration))
            }
            return true
        }
        return properties
    }
}

/// `_forEachFieldWithKeyPath`'s options, spelled without an array literal (whose generic
/// `SetAlgebra` initializer costs a conformance lookup).
let eachFieldOptions = _EachFieldOptions(rawValue: 0)

/// A stored property's name as the property was declared: a wrapper's storage is `_name`.
func propertyLabel(_ field: UnsafePointer<CChar>) -> String {
    let name = String(cString: field)
    return name.hasPrefix("_") ? String(name.dropFirst()) : name
}
