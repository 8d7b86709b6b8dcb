import Synchronization

/// A single-producer, single-consumer async queue with a fixed capacity: `send`
/// waits while it is full, so a slow reader slows the writer instead of growing memory.
public final class BoundedQueue<Element: Sendable>: Sendable {
    private struct State {
        var buffer: [Element] = []
        var head = 0
        var finished = false
        var failure: (any Error)?
        var readerGone = false
        var reader: CheckedContinuation<Element?, any Error>?
        var writer: CheckedContinuation<Bool, Never>?
        var onCancel: (@Sendable () -> Void)?
        var count: Int { buffer.count - head }
    }

    private enum SendStep { case done(Bool), resumed(CheckedContinuation<Element?, any Error>, Element), wait }
    private enum NextStep { case value(Element), end((any Error)?), wait }

    private let state = Mutex(State())
    public let capacity: Int

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Adds an element, waiting while the queue is full.
    /// - Returns: false once the reader has gone; the producer should stop.
    public func send(_ element: Element) async -> Bool {
        await send(contentsOf: CollectionOfOne(element))
    }

    /// Adds the elements in order, waiting while the queue is full. A waiting reader is
    /// woken once for all of them rather than once per element.
    /// - Returns: false once the reader has gone; the producer should stop.
    public func send<C: Collection>(contentsOf elements: C) async -> Bool where C.Element == Element {
        if elements.isEmpty { return state.withLock { !$0.readerGone && !$0.finished } }
        var index = elements.startIndex
        while index != elements.endIndex {
            let step = state.withLock { s -> SendStep in
                if s.readerGone || s.finished { return .done(false) }
                var handover: (CheckedContinuation<Element?, any Error>, Element)?
                if let reader = s.reader {
                    // A waiting reader means an empty buffer: it takes the first element.
                    s.reader = nil
                    handover = (reader, elements[index])
                    index = elements.index(after: index)
                }
                while index != elements.endIndex && s.count < capacity {
                    s.buffer.append(elements[index])
                    index = elements.index(after: index)
                }
                if let handover { return .resumed(handover.0, handover.1) }
                return index == elements.endIndex ? .done(true) : .wait
            }
            switch step {
            case .done(let ok):
                return ok
            case .resumed(let reader, let element):
                reader.resume(returning: element)
            case .wait:
                guard await waitForRoom() else { return false }
            }
        }
        return true
    }

    /// Waits until the reader has drained the queue to half its capacity.
    /// - Returns: false once the reader has gone or the queue was finished.
    private func waitForRoom() async -> Bool {
        await withCheckedContinuation { (cont: CheckedContinuation<Bool, Never>) in
            let now = state.withLock { s -> Bool? in
                if s.readerGone || s.finished { return false }
                if s.count < capacity { return true }
                s.writer = cont
                return nil
            }
            if let now { cont.resume(returning: now) }
        }
    }

    /// Ends the sequence after the buffered elements, with `error` if given.
    public func finish(throwing error: (any Error)? = nil) {
        let (reader, writer) = state.withLock { s in
            guard !s.finished else { return (nil as CheckedContinuation<Element?, any Error>?, nil as CheckedContinuation<Bool, Never>?) }
            s.finished = true
            s.failure = error
            let r = s.count == 0 ? s.reader : nil
            if r != nil { s.reader = nil }
            let w = s.writer
            s.writer = nil
            return (r, w)
        }
        if let reader {
            if let error { reader.resume(throwing: error) } else { reader.resume(returning: nil) }
        }
        writer?.resume(returning: false)
    }

    /// The reader stops; pending and later sends return false.
    public func cancel() {
        let (reader, writer, handler) = state.withLock { s in
            s.readerGone = true
            s.buffer = []
            s.head = 0
            let out = (s.reader, s.writer, s.onCancel)
            s.reader = nil
            s.writer = nil
            s.onCancel = nil
            return out
        }
        reader?.resume(returning: nil)
        writer?.resume(returning: false)
        handler?()
    }

    /// Calls `handler` once when the reader stops (`cancel`), at once if it already has,
    /// so a producer that waits for something else than `send` can stop too.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.readerGone { return true }
            s.onCancel = handler
            return false
        }
        if now { handler() }
    }

    /// The next element, nil at the end; throws the error given to `finish`.
    public func next() async throws -> Element? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Element?, any Error>) in
                var writer: CheckedContinuation<Bool, Never>?
                let step = state.withLock { s -> NextStep in
                    if s.count > 0 {
                        let e = s.buffer[s.head]
                        s.head += 1
                        if s.head > 64 && s.head * 2 > s.buffer.count {
                            s.buffer.removeFirst(s.head)
                            s.head = 0
                        }
                        // Wake a waiting writer only once half the queue is free, so a
                        // full queue costs one writer wake-up per half capacity, not per element.
                        if s.count <= capacity / 2 {
                            writer = s.writer
                            s.writer = nil
                        }
                        return .value(e)
                    }
                    if s.finished || s.readerGone {
                        let f = s.failure
                        s.failure = nil
                        return .end(f)
                    }
                    s.reader = cont
                    return .wait
                }
                writer?.resume(returning: true)
                switch step {
                case .value(let e): cont.resume(returning: e)
                case .end(let error?): cont.resume(throwing: error)
                case .end(nil): cont.resume(returning: nil)
                case .wait: break
                }
            }
        } onCancel: {
            self.cancel()
        }
    }
}
