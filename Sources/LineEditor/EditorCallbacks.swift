import CEditLine
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// libedit calls back into Swift through C function pointers (prompt, read-a-character, key
// functions). They carry no context, so the editor travels in EL_CLIENTDATA. All of them run on
// the thread inside el_wgets, between keystrokes, when libedit's state is consistent.

extension LineEditor {
    /// One-time libedit set-up, after all stored properties exist.
    func configure(programName: String) {
        setPrompt("")
        _ = kv_el_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        _ = kv_el_editor(editLine, "emacs")
        _ = kv_el_signal(editLine, 1)
        _ = kv_el_setty_noisig(editLine)
        _ = kv_el_hist(editLine, history.handle)
        _ = kv_el_prompt_esc(editLine, { editLine in
            LineEditor.from(editLine)?.promptCString
        }, CChar(bitPattern: UInt8(PromptText.ignoreMarker.value)))
        _ = kv_el_getcfn(editLine, { editLine, character in
            guard let character, let editor = LineEditor.from(editLine) else { return -1 }
            return editor.readCharacter(into: character)
        })
        // The user's bindings and editor mode first; the keys LineEditor's contract depends
        // on are bound after them.
        _ = el_source(editLine, nil)
        _ = kv_el_addfn(editLine, "kvsh-complete", "Complete the word before the cursor") { editLine, _ in
            LineEditor.from(editLine)?.complete() ?? UInt8(CC_ERROR)
        }
        _ = kv_el_addfn(editLine, "kvsh-interrupt", "Abandon the line") { editLine, _ in
            LineEditor.from(editLine)?.interrupt() ?? UInt8(CC_ERROR)
        }
        _ = kv_el_addfn(editLine, "kvsh-suspend", "Suspend the program") { editLine, _ in
            LineEditor.from(editLine)?.suspend() ?? UInt8(CC_ERROR)
        }
        _ = kv_el_bind(editLine, "^I", "kvsh-complete")
        _ = kv_el_bind(editLine, "^C", "kvsh-interrupt")
        _ = kv_el_bind(editLine, "^Z", "kvsh-suspend")
        _ = kv_el_bind(editLine, "^R", "em-inc-search-prev")
    }

    static func from(_ editLine: OpaquePointer?) -> LineEditor? {
        guard let editLine, let raw = kv_el_get_clientdata(editLine) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(raw).takeUnretainedValue()
    }

    // MARK: Reading characters

    /// libedit's read function: the next keystroke, showing queued lines while waiting.
    /// Returns 1 with a character, 0 at end of input, -1 on error (errno set).
    func readCharacter(into character: UnsafeMutablePointer<wchar_t>) -> Int32 {
        while true {
            switch input.next() {
            case .character(let scalar):
                keystrokeHandler?()
                character.pointee = wchar_t(bitPattern: scalar.value)
                return 1
            case .wake:
                showPendingLines()
            case .signal:
                // A resize, or a signal after which libedit may have left edit mode (it
                // restores normal mode before passing a signal on): pick up the size, and
                // re-enter edit mode (a no-op when already in it).
                el_resize(editLine)
                _ = kv_el_prep_term(editLine, 1)
            case .endOfFile:
                character.pointee = 0
                return 0
            case .failure(let error):
                character.pointee = 0
                errno = error
                return -1
            }
        }
    }

    /// Prints the queued lines where the prompt was, and redraws prompt and line below them.
    private func showPendingLines() {
        let texts = shared.withLock { state in
            defer { state.pending.removeAll() }
            return state.pending
        }
        guard !texts.isEmpty else { return }
        guard isatty(1) != 0 else {  // no prompt on screen to work around
            EditorTerminal.output(texts.joined())
            return
        }
        EditorTerminal.output(editAreaPosition().eraseSequence + texts.map(EditorTerminal.rawModeLines).joined())
        _ = kv_el_refresh(editLine)
    }

    // MARK: Key functions

    /// Tab.
    func complete() -> UInt8 {
        guard let completion else {
            el_beep(editLine)
            return UInt8(CC_NORM)
        }
        let (line, cursor) = currentLine()
        let before = String(String.UnicodeScalarView(line[..<cursor]))
        let word = CompletionPlan.word(before: before)
        let candidates = completion(String(String.UnicodeScalarView(line)), before.count)
        switch CompletionPlan(word: word, candidates: candidates) {
        case .none:
            el_beep(editLine)
            return UInt8(CC_NORM)
        case .replace(let text):
            el_deletestr(editLine, Int32(word.unicodeScalars.count))
            insert(text)
            return UInt8(CC_REFRESH)
        case .list(let candidates):
            let rows = CompletionPlan.listing(candidates, columns: Int(kv_el_columns(editLine)))
            EditorTerminal.output(editAreaPosition().leaveSequence + rows.map { $0 + "\u{1B}[K\r\n" }.joined())
            _ = kv_el_refresh(editLine)
            return UInt8(CC_NORM)
        }
    }

    /// Ctrl-C: show `^C` after the line, move below it, and end el_wgets (readLine then reports
    /// `.interrupted`). Done here rather than through libedit's newline key, so it does not
    /// depend on how the user bound Enter.
    func interrupt() -> UInt8 {
        interrupted = true
        let erase = editAreaPosition().eraseSequence
        let (line, cursor) = currentLine()
        _ = el_cursor(editLine, Int32(line.count - cursor))
        insert("^C")
        EditorTerminal.output(erase)
        _ = kv_el_refresh(editLine)
        EditorTerminal.output(editAreaPosition().leaveSequence)
        return UInt8(CC_NEWLINE)
    }

    /// Ctrl-Z: leave the edit area, stop the process group (libedit's SIGTSTP handler puts the
    /// terminal back in normal mode first, and edit mode back after SIGCONT), then redraw.
    func suspend() -> UInt8 {
        EditorTerminal.output(editAreaPosition().leaveSequence)
        raise(SIGTSTP)
        _ = kv_el_refresh(editLine)
        return UInt8(CC_NORM)
    }

    // MARK: Line and screen

    /// The edit buffer and the cursor's index in it.
    private func currentLine() -> (line: [Unicode.Scalar], cursor: Int) {
        guard let info = el_wline(editLine)?.pointee else { return ([], 0) }
        let count = info.buffer.distance(to: info.lastchar)
        let line = (0..<max(0, count)).map {
            Unicode.Scalar(UInt32(bitPattern: info.buffer[$0])) ?? "\u{FFFD}"
        }
        return (line, min(max(0, info.buffer.distance(to: info.cursor)), line.count))
    }

    func editAreaPosition() -> EditAreaPosition {
        let (line, cursor) = currentLine()
        return EditAreaPosition(prompt: prompt.visible, line: line, cursor: cursor,
                                columns: Int(kv_el_columns(editLine)))
    }

    private func insert(_ text: String) {
        guard !text.isEmpty else { return }
        var wide = text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        wide.append(0)
        _ = el_winsertstr(editLine, wide)
    }
}
