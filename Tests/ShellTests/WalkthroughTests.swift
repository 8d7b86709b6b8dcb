import Testing
@testable import Shell

/// The walkthrough's patterns, written as a kvsh user would write them.
@Suite("Walkthrough patterns")
struct WalkthroughTests {
    @Test("semaphore: only the first create wins")
    func semaphore() async {
        let host = FakeHost(buckets: ["my-sem"])
        let script = "if kv create my-sem lock1 me { echo won } else { echo lost }"
        let first = await runScript(script, host: host)
        let second = await runScript(script, host: host)
        #expect(first.outLines == ["me", "won"])
        #expect(second.outLines == ["lost"])
        #expect(second.err == "")
        #expect(second.status == 0)
    }

    @Test("semaphore: take, work, release")
    func semaphoreRelease() async {
        let host = FakeHost(buckets: ["my-sem"])
        let r = await runScript("""
            # take the lock named after the file, do the work, let it go
            let lock = kv create my-sem Semaphore1 worker-1
            echo "holding $lock.key at revision $lock.revision"
            kv update my-sem Semaphore1 worker-1 $lock.revision   # keep it alive
            kv del my-sem Semaphore1
            kv create my-sem Semaphore1 worker-2 && echo "the next worker got it"
            """, host: host)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.outLines == ["holding Semaphore1 at revision 1", "worker-1", "worker-2", "the next worker got it"])
    }

    @Test("optimistic lock: update with the revision read; a stale one is a conflict")
    func optimisticLock() async {
        let host = FakeHost(buckets: ["cfg"])
        let r = await runScript("""
            kv put cfg k old
            let e = kv get cfg k; kv update cfg k new $e.revision || echo conflict
            kv update cfg k newer $e.revision || echo "conflict: $error"
            """, host: host)
        #expect(r.outLines == ["old", "new", "conflict: nats: wrong last sequence: 2"])
        #expect(r.status == 0)
        #expect(await host.value("cfg", "k") == "new")
    }

    @Test("optimistic lock: retry until the update wins")
    func retryLoop() async {
        let host = FakeHost(buckets: ["cfg"])
        let r = await runScript("""
            kv put cfg counter 41
            set done no
            while test $done == no {
                let e = kv get cfg counter
                let next = calc $e.value + 1
                if kv update cfg counter $next $e.revision { set done yes } else { echo retrying }
            }
            let final = kv get cfg counter
            echo $final.value
            """, host: host)
        #expect(r.outLines == ["41", "42", "42"], "\(r.err)")
    }

    @Test("the walkthrough's commands in a script, with and without nats")
    func walkthroughScript() async {
        let host = FakeHost()
        let r = await runScript("""
            account info
            nats kv add my-kv
            kv put my-kv Key1 Value1
            nats kv get my-kv Key1
            kv del my-kv Key1
            kv add my-sem
            kv create my-sem Semaphore1 Value1
            kv create my-sem Semaphore1 Value1 || echo taken
            kv update my-sem Semaphore1 Value2 1
            kv update my-sem Semaphore1 Value2 1
            echo never
            """, file: "walk.kvsh", host: host)
        #expect(r.outLines == ["Account Information", "Value1", "my-kv > Key1 revision: 1", "", "Value1", "Value1",
                               "taken", "Value2"])
        #expect(r.err == "walk.kvsh:10:1: nats: wrong last sequence: 2\n")
        #expect(r.status == 1)
    }
}
