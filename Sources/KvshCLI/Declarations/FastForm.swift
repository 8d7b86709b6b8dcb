@_spi(Reflection) import Swift
import Synchronization

/// What a command type accepts and how to fill it, read from its declarations for the fast path
/// (`QuickParse`) and for the names the command line moves (`GlobalOptions.valued`).
///
/// Read with the standard library's field reflection and casts to concrete key path types,
/// which compare type metadata. A cast to a protocol — `Mirror` asks for `CustomReflectable`,
/// ArgumentParser for its own protocols — makes the Swift runtime scan every protocol
/// conformance record of the binary once per type (about 155,000 instructions each here), so
/// none is made. A property of a type not listed in `field(_:_:_:)` leaves the command to
/// ArgumentParser.
struct FastForm<Root: DeclaredArguments>: Sendable {
    struct Field: Sendable {
        /// The property's name (`maxValueSize`).
        var label: String
        var declaration: ArgumentDeclaration
        /// How an option or flag is typed (`--server`, `-s`); an inversion's names separately.
        var spellings: [String]
        var negatedSpellings: [String]
        /// Sets the property from what the words gave it; false when they cannot (a number
        /// that is not one), which leaves the line to ArgumentParser and its message.
        var fill: @Sendable (inout Root, FastInput) -> Bool
    }

    var fields: [Field]
    /// The global options (`@OptionGroup var global: GlobalOptions`), filled as one value.
    var globals: (fields: [FastForm<GlobalOptions>.Field], set: @Sendable (inout Root, GlobalOptions) -> Void)?

    /// The form of `Root`, read once per process; nil when some property is of a kind the fast
    /// path does not fill.
    static var cached: FastForm? {
        let key = ObjectIdentifier(Root.self)
        if let form = fastForms.withLock({ $0[key] }) { return form as? FastForm }
        let form = read()
        fastForms.withLock { $0[key] = form as any Sendable }
        return form
    }

    private static func read() -> FastForm? {
        let prototype = Root()
        var fields: [Field] = []
        var globals: (fields: [FastForm<GlobalOptions>.Field], set: @Sendable (inout Root, GlobalOptions) -> Void)?
        var supported = true
        _ = _forEachFieldWithKeyPath(of: Root.self, options: eachFieldOptions) { name, path in
            let label = propertyLabel(name)
            if let group = path as? WritableKeyPath<Root, OptionGroup<GlobalOptions>>,
               globals == nil, let form = FastForm<GlobalOptions>.cached {
                let group = SharedKeyPath(group)
                globals = (form.fields, { root, value in root[keyPath: group.path].wrappedValue = value })
            } else if let field = field(label, path, prototype) {
                fields.append(field)
            } else {
                supported = false
            }
            return supported
        }
        return supported ? FastForm(fields: fields, globals: globals) : nil
    }

    /// The field for a property of one of the types the fast path fills.
    private static func field(_ label: String, _ path: PartialKeyPath<Root>, _ prototype: Root) -> Field? {
        if let p = path as? WritableKeyPath<Root, Option<String?>> {
            return make(label, p, prototype) { if case .text(let t) = $0 { .some(t) } else { nil } }
        } else if let p = path as? WritableKeyPath<Root, Option<String>> {
            return make(label, p, prototype) { if case .text(let t) = $0 { t } else { nil } }
        } else if let p = path as? WritableKeyPath<Root, Option<Int>> {
            return make(label, p, prototype) { if case .text(let t) = $0 { Int(t) } else { nil } }
        } else if let p = path as? WritableKeyPath<Root, Option<Int?>> {
            return make(label, p, prototype) { if case .text(let t) = $0, let n = Int(t) { .some(n) } else { nil } }
        } else if let p = path as? WritableKeyPath<Root, Flag<Bool>> {
            return make(label, p, prototype) { if case .flag(let on) = $0 { on } else { nil } }
        } else if let p = path as? WritableKeyPath<Root, Argument<String>> {
            return make(label, p, prototype) { if case .text(let t) = $0 { t } else { nil } }
        } else if let p = path as? WritableKeyPath<Root, Argument<String?>> {
            return make(label, p, prototype) { if case .text(let t) = $0 { .some(t) } else { nil } }
        } else if let p = path as? WritableKeyPath<Root, Argument<[String]>> {
            return make(label, p, prototype) { if case .list(let words) = $0 { words } else { nil } }
        }
        return nil
    }

    private static func make<P: StatefulProperty>(_ label: String, _ path: WritableKeyPath<Root, P>, _ prototype: Root,
                                                  _ value: @escaping @Sendable (FastInput) -> P.Value?) -> Field? {
        guard let declared = prototype[keyPath: path].state.declared else { return nil }
        let initial = declared.initial
        let declaration = declared.declaration
        var spellings: [String] = []
        var negated: [String] = []
        if declaration.kind == .option || declaration.kind == .flag {
            spellings = declaration.names.spellings(for: label)
            if let inversion = declaration.inversion {
                // Only `--no-…` is read here; other inversions leave the command to ArgumentParser.
                guard inversion == .prefixedNo else { return nil }
                negated = declaration.names.spellings(for: label, prefix: "no")
            }
        }
        if declaration.kind == .operand && declaration.parsing != .remaining { return nil }
        let path = SharedKeyPath(path)
        return Field(label: label, declaration: declaration, spellings: spellings, negatedSpellings: negated) { root, input in
            let given: P.Value?
            if case .absent = input { given = initial } else { given = value(input) }
            guard let given else { return false }
            root[keyPath: path.path].state = .parsed(given)
            return true
        }
    }
}

/// What a command's words gave one property.
enum FastInput: Sendable {
    case absent
    case text(String)
    case flag(Bool)
    case list([String])
}

/// A kvsh property wrapper, for the fast path's generic code (used as a constraint only: never
/// cast to, see `FastForm`).
protocol StatefulProperty: SendableMetatype {
    associatedtype Value: Sendable
    var state: PropertyState<Value> { get set }
}

extension Option: StatefulProperty {}
extension Flag: StatefulProperty {}
extension Argument: StatefulProperty {}

/// A stored property's key path, which is immutable and so safe to share.
struct SharedKeyPath<Root, Value>: @unchecked Sendable {
    let path: WritableKeyPath<Root, Value>
    init(_ path: WritableKeyPath<Root, Value>) { self.path = path }
}

/// The forms read so far, by type.
private let fastForms = Mutex<[ObjectIdentifier: any Sendable]>([:])
