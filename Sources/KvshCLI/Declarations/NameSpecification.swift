import ArgumentParser

/// The names of an option or a flag, written as in ArgumentParser (`.long`, `.shortAndLong`,
/// `[.customShort("s"), .long]`).
///
/// kvsh's own type because ArgumentParser keeps its copy inside a closure: this one can be read
/// by the fast path and the command table without ArgumentParser's reflection (see
/// `ArgumentDeclaration`). `argumentParser` is the same names for ArgumentParser.
struct NameSpecification: ExpressibleByArrayLiteral, Sendable {
    struct Element: Hashable, Sendable {
        enum Base: Hashable, Sendable {
            /// `--` and the property's name in kebab case (`maxValueSize` → `--max-value-size`).
            case long
            /// `-` and the property name's first letter.
            case short
            case customLong(String, withSingleDash: Bool)
            case customShort(Character, allowingJoined: Bool)
        }

        var base: Base

        static var long: Element { Element(base: .long) }
        static var short: Element { Element(base: .short) }

        static func customLong(_ name: String, withSingleDash: Bool = false) -> Element {
            Element(base: .customLong(name, withSingleDash: withSingleDash))
        }

        static func customShort(_ char: Character, allowingJoined: Bool = false) -> Element {
            Element(base: .customShort(char, allowingJoined: allowingJoined))
        }
    }

    var elements: [Element]

    init(_ elements: [Element]) {
        self.elements = elements
    }

    init(arrayLiteral elements: Element...) {
        self.init(elements)
    }

    static var long: NameSpecification { [.long] }
    static var short: NameSpecification { [.short] }
    static var shortAndLong: NameSpecification { [.long, .short] }

    static func customLong(_ name: String, withSingleDash: Bool = false) -> NameSpecification {
        [.customLong(name, withSingleDash: withSingleDash)]
    }

    static func customShort(_ char: Character, allowingJoined: Bool = false) -> NameSpecification {
        [.customShort(char, allowingJoined: allowingJoined)]
    }

    /// The same names for ArgumentParser.
    var argumentParser: ArgumentParser.NameSpecification {
        ArgumentParser.NameSpecification(elements.map { element in
            switch element.base {
            case .long: .long
            case .short: .short
            case .customLong(let name, let singleDash): .customLong(name, withSingleDash: singleDash)
            case .customShort(let char, let joined): .customShort(char, allowingJoined: joined)
            }
        })
    }

    /// How the names are typed for a property called `label` (`--server`, `-s`), in the order
    /// declared. With a `prefix` (`no` for `--no-deletes`) the long names get it and the short
    /// ones are left out, as ArgumentParser names a flag's inversion.
    func spellings(for label: String, prefix: String? = nil) -> [String] {
        // Plain concatenation: `joined(separator:)` looks up an associated type at run time.
        let longPrefix = prefix.map { $0 + "-" } ?? ""
        var spellings: [String] = []
        for element in elements {
            switch element.base {
            case .long:
                spellings.append("--" + longPrefix + kebabCased(label))
            case .customLong(let name, let singleDash):
                spellings.append((singleDash ? "-" : "--") + longPrefix + name)
            case .short:
                if prefix == nil, let first = label.first { spellings.append("-" + String(first)) }
            case .customShort(let char, _):
                if prefix == nil { spellings.append("-" + String(char)) }
            }
        }
        return spellings
    }
}

/// `maxValueSize` → `max-value-size`, `tlsCAFile` → `tls-ca-file`: a dash before each word that
/// starts with a capital (a run of capitals is one word, its last letter starting the next
/// word when a lowercase letter follows), everything lowercased. ArgumentParser's rule for
/// `.long` names.
func kebabCased(_ name: String) -> String {
    // Property names are ASCII: bytes, not `Character`s, whose case tests read Unicode tables.
    let bytes = Array(name.utf8)
    guard bytes.allSatisfy({ $0 < 0x80 }) else { return kebabCasedCharacters(name) }
    func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
    func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count + 4)
    for index in bytes.indices {
        let byte = bytes[index]
        if isUpper(byte), index > 0 {
            let previous = bytes[index - 1]
            let startsWord = !isUpper(previous) || (index + 1 < bytes.count && isLower(bytes[index + 1]))
            if startsWord && previous != UInt8(ascii: "-") { result.append(UInt8(ascii: "-")) }
        }
        result.append(isUpper(byte) ? byte + 32 : byte)
    }
    return String(decoding: result, as: UTF8.self)
}

/// `kebabCased` for names beyond ASCII.
private func kebabCasedCharacters(_ name: String) -> String {
    let characters = Array(name)
    var result = ""
    for (index, character) in characters.enumerated() {
        if character.isUppercase, index > 0 {
            let previous = characters[index - 1]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            let startsWord = !previous.isUppercase || next?.isLowercase == true
            if startsWord && previous != "-" { result.append("-") }
        }
        result += character.lowercased()
    }
    return result
}
