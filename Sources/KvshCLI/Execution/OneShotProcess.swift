#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import NATSClient
import NIOCore
import NIOPosix
import Synchronization

extension KvshCommandLine {
    /// Runs one command line as the `kvsh` process and exits with its status (see `run`).
    ///
    /// A one-shot command on a server (`kv …` or `account …` with `--server`, `NATS_URL` or
    /// a natscli context)
    /// turns the main thread into its connection's event loop before anything is parsed,
    /// and runs on it from its first job: the process has that one thread (no cooperative
    /// pool, no loop thread to start and hand work to). Once its output is written and its
    /// replies are in, it exits without closing the connection (the kernel closes the
    /// socket; nothing is left to send). Anything else runs on the cooperative pool.
    public static func runProcess(_ arguments: [String]) -> Never {
        OneShotProcess.exitsWhenDone.store(true, ordering: .relaxed)
        if OneShotProcess.namesServerCommand(arguments, natsURL: StoreBackend.environment("NATS_URL"),
                                             contextSelected: OneShotProcess.contextSelected) {
            MultiThreadedEventLoopGroup.withCurrentThreadAsEventLoop { loop in
                OneShotProcess.lend(loop)
                Task(executorPreference: EventLoopTaskExecutor(loop)) {
                    OneShotProcess.exit(await run(arguments))
                }
            }
            // The loop stops only when shut down, which nothing here does.
            OneShotProcess.exit(ExitStatus.failure)
        }
        Task { OneShotProcess.exit(await run(arguments)) }
        dispatchMain()
    }
}

/// What the `kvsh` process does for its one-shot command that a library caller must not:
/// the main thread as the connection's event loop, and the exit once the command is done.
enum OneShotProcess {
    /// Set by `runProcess` only: `runOneShot` may then end the process itself.
    static let exitsWhenDone = Atomic<Bool>(false)

    /// Ends the process (a name of its own: inside a command, `exit` is ArgumentParser's).
    static func exit(_ status: Int32) -> Never {
        #if canImport(Glibc)
        Glibc.exit(status)
        #else
        Darwin.exit(status)
        #endif
    }

    /// The main thread's loop, until the command's `runOneShot` takes it.
    private static let lent = Mutex<(any EventLoop)?>(nil)

    static func lend(_ loop: any EventLoop) {
        lent.withLock { $0 = loop }
    }

    /// The loop `runProcess` lent, once; nil when it lent none or it was taken.
    static func takeLoop() -> (any EventLoop)? {
        lent.withLock { loop in
            defer { loop = nil }
            return loop
        }
    }

    /// True for `[global options] [nats] kv|account …` with a server named by `-s`/`--server`,
    /// `natsURL` or a natscli context (`--context`, or `contextSelected`, asked last: it reads
    /// a file), and no `--store`. A guess from the words alone, made before parsing: a
    /// wrong one only moves where the command runs (`runOneShot` decides with the parsed
    /// options whether the loop serves a connection).
    static func namesServerCommand(_ arguments: [String], natsURL: String?,
                                   contextSelected: () -> Bool = { false }) -> Bool {
        var rest = arguments[...]
        var leading: [String] = []
        KvshCommandLine.takeGlobalOptions(from: &rest, into: &leading)
        if rest.first == "nats" {
            rest.removeFirst()
            KvshCommandLine.takeGlobalOptions(from: &rest, into: &leading)
        }
        guard rest.first == "kv" || rest.first == "account" else { return false }
        var server = natsURL != nil
        var context: Bool?
        for word in arguments {
            if word == "--store" || word.hasPrefix("--store=") { return false }
            if word == "-s" || word == "--server" || word.hasPrefix("--server=") { server = true }
            if word == "--no-context" { context = false }
            if context == nil, word == "--context" || word.hasPrefix("--context=") { context = true }
        }
        return server || (context ?? contextSelected())
    }

    /// `NATS_CONTEXT` is set, or `context.txt` selects a context.
    static func contextSelected() -> Bool {
        if StoreBackend.environment("NATS_CONTEXT") != nil { return true }
        guard let directory = ContextDirectory(environment: StoreBackend.environment) else { return false }
        return (try? directory.selection()).flatMap { $0 } != nil
    }
}
