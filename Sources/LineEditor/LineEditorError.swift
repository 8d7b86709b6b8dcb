/// Why a ``LineEditor`` could not be created, or could not save its history.
public enum LineEditorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libedit could not set up the editor (or its wake-up pipe). The caller should fall back to
    /// plain line reading.
    case editorUnavailable(reason: String)
    /// The history file exists but could not be loaded. Nothing was written to it; the caller
    /// can start again without a history file (or with another one).
    case historyUnreadable(path: String, reason: String)
    /// The line was added to the in-memory history but the history file could not be written.
    case historyNotSaved(path: String, reason: String)

    public var description: String {
        switch self {
        case .editorUnavailable(let reason):
            return "cannot start the line editor: \(reason); reading lines without editing instead"
        case .historyUnreadable(let path, let reason):
            return "cannot load the history file \(path): \(reason); "
                + "move it away or choose another history file"
        case .historyNotSaved(let path, let reason):
            return "cannot save the history file \(path): \(reason); "
                + "history of this session is kept in memory only"
        }
    }
}
