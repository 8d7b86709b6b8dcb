/// Why a natscli context could not be used. Each message names the context and, where one is
/// involved, the file; none quotes a value from the file (it may be a secret).
enum ContextError: Error, Sendable, Equatable, CustomStringConvertible {
    /// jsm's name rule: not empty, no `..`, no `/` or `\`.
    case invalidName(String, reason: String)
    /// No `NAME.json`; `selectedIn` is the `context.txt` that named it, if that is where the
    /// name came from.
    case notFound(name: String, path: String, selectedIn: String?)
    case unreadable(name: String, path: String, reason: String)
    /// Not JSON, not an object, or a known key of the wrong type (`detail` has the byte
    /// offset of a JSON fault).
    case malformed(name: String, path: String, detail: String)
    /// The legacy `nsc` field, which natscli resolves by running `nsc`.
    case nscField(name: String)
    /// A reference such as `op://…` in `field`, which kvsh does not resolve.
    case unsupportedReference(name: String, field: String, scheme: String)
    /// A field kvsh cannot honour yet (`NATSContext.refusedFields`).
    case unsupported(name: String, field: String)
    /// More than one way to authenticate (`user`, `creds`, `nkey`, `user_jwt`), as jsm's
    /// validation refuses.
    case conflictingCredentials(name: String, fields: [String])
    /// `user_jwt` without `user_seed`, or the reverse.
    case missingPartner(name: String, field: String, partner: String)
    /// `kvsh context show` with no name, no context chosen and none selected.
    case noneSelected
    /// Neither `XDG_CONFIG_HOME` nor `HOME` is set.
    case noConfigDirectory
    /// `context.txt` (or another file of the selection) could not be read or written.
    case selectionFile(path: String, reason: String)

    var description: String {
        switch self {
        case .invalidName(let name, let reason):
            "invalid context name \(quoted(name)): \(reason)"
        case .notFound(let name, let path, let selectedIn):
            "context \(quoted(name)) not found: no file \(path)"
                + (selectedIn.map { " (selected in \($0); 'kvsh context unselect' clears it)" } ?? "")
        case .unreadable(let name, let path, let reason):
            "context \(quoted(name)): cannot read \(path): \(reason)"
        case .malformed(let name, let path, let detail):
            "context \(quoted(name)): \(path) is not a valid context file: \(detail)"
        case .nscField(let name):
            "context \(quoted(name)): the nsc field is not supported; point \"creds\" at a creds file "
                + "(nsc generate creds …)"
        case .unsupportedReference(let name, let field, let scheme):
            "context \(quoted(name)): \(field): \(scheme == "data" ? "data:" : scheme + "://") references are "
                + "not supported; give \(Self.pathFields.contains(field) ? "a file path" : "the value itself")"
                + (Self.valueOrFileFields.contains(field) ? ", or file://PATH" : "")
        case .unsupported(let name, let field):
            "context \(quoted(name)): \(field) is not supported yet"
        case .conflictingCredentials(let name, let fields):
            "context \(quoted(name)): \(fields.joined(separator: " and ")) exclude each other: keep one way to authenticate"
        case .missingPartner(let name, let field, let partner):
            "context \(quoted(name)): \(field) needs \(partner): keep the user JWT and its seed together"
        case .noneSelected:
            "no context selected: give a name, --context NAME or NATS_CONTEXT, or run 'kvsh context select NAME'"
        case .noConfigDirectory:
            "cannot find natscli's contexts: set HOME or XDG_CONFIG_HOME"
        case .selectionFile(let path, let reason):
            "\(path): \(reason)"
        }
    }

    /// The fields that hold a file (a path or `file://PATH`).
    static let pathFields: Set<String> = ["creds", "nkey", "cert", "key", "ca"]
    /// The fields that hold a value, or `file://PATH` for a file holding it.
    static let valueOrFileFields: Set<String> = ["user_jwt", "user_seed"]

    private func quoted(_ text: String) -> String { ArgumentError.quoted(text) }
}
