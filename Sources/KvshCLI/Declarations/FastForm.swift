@_spi(Reflection) import Swift
import Synchronization

/// What a command type accepts and how to fill it, read from its declarations for the fast path
/// (`QuickParse`) and for the names the command line moves (`GlobalOptions.valued`).
///
/// Read with the standard library's field reflection, comparing each field's type with the
/// wrapper types listed in `field(_:_:_:_:)`. A cast to a protocol — `Mirror` asks for `CustomReflectable`,
/// ArgumentParser for its own protocols — makes the Swift runtime scan every protocol
/// conformance record of the binary once per type (about 155,000 instructions each here), so
/// none is made. A property of a type not listed there leaves the command to ArgumentParser.
struct FastForm<Root>: Sendable {
    var fields: [FastField]
    /// The global options (`@OptionGroup var global: GlobalOptions`), filled as one value.
    var globals: (fields: [FastField], set: @Sendable (inout Root, GlobalOptions) -> Void)?

    /// Fills `field` of `root`; false when the input does not fit (see `FastField.fill`).
    static func fill(_ field: FastField, of root: inout Root, with input: FastInput) -> Bool {
        withUnsafeMutableBytes(of: &root) { bytes in field.fill(bytes.baseAddress.unsafelyUnwrapped, input) }
    }
}

/// One declared property as the fast path fills it. Not generic over its command type: each
/// instantiation of a generic element type would cost an array storage class made at run time.
struct FastField: Sendable {
    /// The property's name (`maxValueSize`).
    var label: String
    var declaration: ArgumentDeclaration
    /// How an option or flag is typed (`--server`, `-s`); an inversion's names separately.
    var spellings: [String]
    var negatedSpellings: [String]
    /// Sets the property in the command value at the pointer (its bytes) from what the words
    /// gave it; false when they cannot (a number that is not one), which leaves the line to
    /// ArgumentParser and its message.
    var fill: @Sendable (UnsafeMutableRawPointer, FastInput) -> Bool
}

// Generic types here take no constraints: instantiating a constrained generic type from its
// mangled name makes the runtime check the constraint, a conformance lookup. The functions
// carry them instead (their witness tables are passed, nothing is looked up).
extension FastForm where Root: DeclaredArguments {
    /// The form of `Root`, read once per process; nil when some property is of a kind the fast
    /// path does not fill.
    static var cached: FastForm? {
        let key = ObjectIdentifier(Root.self)
        // A list, not a dictionary: `ObjectIdentifier: Hashable` would be looked up.
        if let known = fastForms.withLock({ $0.first { $0.type == key } }) { return known.form as? FastForm }
        let form = read()
        fastForms.withLock { $0.append((key, form as any Sendable)) }
        return form
    }

    private static func read() -> FastForm? {
        let prototype = Root()
        var form = FastForm(fields: [], globals: nil)
        var supported = true
        _ = _forEachField(of: Root.self, options: eachFieldOptions) { name, offset, type, _ in
            let label = propertyLabel(name)
            if type == OptionGroup<GlobalOptions>.self, form.globals == nil,
               let globals = FastForm<GlobalOptions>.cached {
                let group = StoredProperty<Root, OptionGroup<GlobalOptions>>(offset: offset)
                form.globals = (globals.fields, { root, value in group.set(&root, .parsed(value)) })
            } else if let field = field(label, offset, type, prototype) {
                form.fields.append(field)
            } else {
                supported = false
            }
            return supported
        }
        return supported ? form : nil
    }

    /// The field for a property of one of the types the fast path fills.
    private static func field(_ label: String, _ offset: Int, _ type: Any.Type, _ prototype: Root) -> FastField? {
        // Most frequent first: each type's metadata is made on its first comparison.
        if type == Option<String?>.self {
            return make(label, StoredProperty<Root, Option<String?>>(offset: offset), prototype) {
                if case .text(let t) = $0 { .some(t) } else { nil }
            }
        } else if type == Flag<Bool>.self {
            return make(label, StoredProperty<Root, Flag<Bool>>(offset: offset), prototype) {
                if case .flag(let on) = $0 { on } else { nil }
            }
        } else if type == Argument<String>.self {
            return make(label, StoredProperty<Root, Argument<String>>(offset: offset), prototype) {
                if case .text(let t) = $0 { t } else { nil }
            }
        } else if type == Argument<String?>.self {
            return make(label, StoredProperty<Root, Argument<String?>>(offset: offset), prototype) {
                if case .text(let t) = $0 { .some(t) } else { nil }
            }
        } else if type == Option<String>.self {
            return make(label, StoredProperty<Root, Option<String>>(offset: offset), prototype) {
                if case .text(let t) = $0 { t } else { nil }
            }
        } else if type == Argument<[String]>.self {
            return make(label, StoredProperty<Root, Argument<[String]>>(offset: offset), prototype) {
                if case .list(let words) = $0 { words } else { nil }
            }
        } else if type == Option<[String]>.self {
            // Given once: a list of one. Given twice, the line goes to ArgumentParser.
            return make(label, StoredProperty<Root, Option<[String]>>(offset: offset), prototype) {
                if case .text(let t) = $0 { [t] } else { nil }
            }
        } else if type == Option<Int>.self {
            return make(label, StoredProperty<Root, Option<Int>>(offset: offset), prototype) {
                if case .text(let t) = $0 { Int(t) } else { nil }
            }
        } else if type == Option<Int?>.self {
            return make(label, StoredProperty<Root, Option<Int?>>(offset: offset), prototype) {
                if case .text(let t) = $0, let n = Int(t) { .some(n) } else { nil }
            }
        }
        return nil
    }

    private static func make<P: StatefulProperty>(_ label: String, _ property: StoredProperty<Root, P>, _ prototype: Root,
                                                  _ value: @escaping @Sendable (FastInput) -> P.Value?) -> FastField? {
        guard let declared = property.state(of: prototype).declared else { return nil }
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
        return FastField(label: label, declaration: declaration, spellings: spellings, negatedSpellings: negated) {
            bytes, input in
            let given: P.Value?
            if case .absent = input { given = initial } else { given = value(input) }
            guard let given else { return false }
            property.set(in: bytes, .parsed(given))
            return true
        }
    }
}

/// A stored property of type `P` at a byte offset in `Root` (a struct), as the standard
/// library's field reflection reports it: read and written in place, where a key path would
/// cost a class instantiation per property type. Only made after comparing the field's type
/// with `P`.
struct StoredProperty<Root, P: StatefulProperty>: Sendable {
    let offset: Int

    func state(of root: Root) -> PropertyState<P.Value> {
        withUnsafeBytes(of: root) { bytes in
            bytes.baseAddress.unsafelyUnwrapped.advanced(by: offset).assumingMemoryBound(to: P.self).pointee.state
        }
    }

    func set(_ root: inout Root, _ state: PropertyState<P.Value>) {
        withUnsafeMutableBytes(of: &root) { bytes in set(in: bytes.baseAddress.unsafelyUnwrapped, state) }
    }

    /// Sets the property in the bytes of a `Root`.
    func set(in root: UnsafeMutableRawPointer, _ state: PropertyState<P.Value>) {
        root.advanced(by: offset).assumingMemoryBound(to: P.self).pointee.state = state
    }
}

/// What a command's words gave one property.
enum FastInput: Sendable {
    case absent
    case text(String)
    case flag(Bool)
    case list([String])
}

/// The forms read so far, by type.
private let fastForms = Mutex<[(type: ObjectIdentifier, form: any Sendable)]>([])
