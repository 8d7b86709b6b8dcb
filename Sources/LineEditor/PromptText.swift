/// A prompt as libedit needs it: terminal escape sequences (colours, bold) bracketed by
/// ``PromptText/ignoreMarker`` so they take no columns (`EL_PROMPT_ESC`), plus the visible
/// characters LineEditor uses for its own row arithmetic.
///
/// libedit prints a bracketed sequence together with the visible character that follows it, so:
/// adjacent sequences are merged into one bracket, sequences after the last visible character
/// are moved before it (otherwise libedit would drop them, and a colour reset at the end of a
/// prompt would be lost), and a prompt with no visible character loses its sequences. Other
/// control characters (newlines included: a prompt is one row) are dropped.
struct PromptText: Equatable {
    /// The byte libedit is told to treat as "invisible until the next one".
    static let ignoreMarker: Unicode.Scalar = "\u{1}"

    /// The text handed to libedit.
    let libeditText: String
    /// What the terminal shows.
    let visible: [Unicode.Scalar]

    private enum Piece: Equatable {
        case visible(Unicode.Scalar)
        case escape(String)
    }

    init(_ prompt: String) {
        var pieces = Self.pieces(of: prompt)
        // Escapes after the last visible character: move them in front of it.
        if let lastVisible = pieces.lastIndex(where: { if case .visible = $0 { true } else { false } }) {
            let trailing = pieces[(lastVisible + 1)...]
            if !trailing.isEmpty {
                let moved = Array(trailing)
                pieces.removeSubrange((lastVisible + 1)...)
                pieces.insert(contentsOf: moved, at: lastVisible)
            }
        } else {
            pieces = []
        }
        var text = ""
        var visible: [Unicode.Scalar] = []
        var pendingEscape = ""
        for piece in pieces {
            switch piece {
            case .escape(let sequence):
                pendingEscape += sequence
            case .visible(let scalar):
                if !pendingEscape.isEmpty {
                    text.unicodeScalars.append(Self.ignoreMarker)
                    text += pendingEscape
                    text.unicodeScalars.append(Self.ignoreMarker)
                    pendingEscape = ""
                }
                text.unicodeScalars.append(scalar)
                visible.append(scalar)
            }
        }
        libeditText = text
        self.visible = visible
    }

    /// Splits a prompt into visible characters and escape sequences: CSI (`ESC [ … final`),
    /// OSC (`ESC ] … BEL` or `ESC ] … ESC \`) and two-character `ESC x` sequences.
    private static func pieces(of prompt: String) -> [Piece] {
        let scalars = Array(prompt.unicodeScalars)
        var pieces: [Piece] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\u{1B}" {
                var end = index + 1
                if end < scalars.count, scalars[end] == "[" {
                    end += 1
                    while end < scalars.count, !(0x40...0x7E).contains(scalars[end].value) { end += 1 }
                    end = min(end + 1, scalars.count)
                } else if end < scalars.count, scalars[end] == "]" {
                    end += 1
                    while end < scalars.count {
                        if scalars[end] == "\u{7}" { end += 1; break }
                        if scalars[end] == "\u{1B}", end + 1 < scalars.count, scalars[end + 1] == "\\" {
                            end += 2
                            break
                        }
                        end += 1
                    }
                } else {
                    end = min(end + 1, scalars.count)
                }
                var sequence = ""
                sequence.unicodeScalars.append(contentsOf: scalars[index..<end])
                pieces.append(.escape(sequence))
                index = end
                continue
            }
            if scalar.value >= 0x20, scalar.value != 0x7F, !(0x80..<0xA0).contains(scalar.value) {
                pieces.append(.visible(scalar))
            }
            index += 1
        }
        return pieces
    }
}
