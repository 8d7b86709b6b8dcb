@testable import KvshCLI
import Testing

@Suite("HistoryRedaction: what the history file keeps of a line")
struct HistoryRedactionTests {
    @Test("secret option values are masked, the rest is kept as typed", arguments: [
        ("kv ls --password hunter2", "kv ls --password ***"),
        ("kv ls --password 'two words' --json", "kv ls --password *** --json"),
        ("kv ls --token=abc; echo hi", "kv ls --token=***; echo hi"),
        ("kv ls --creds /x.creds --nkey \"/a b\"", "kv ls --creds *** --nkey ***"),
        ("kv ls --jwt eyJh.eyJi.c2ln --seed=SUAB", "kv ls --jwt *** --seed=***"),
        ("echo nats://alice:s3cret@host:4222", "echo nats://***@host:4222"),
        ("kv put b k 'plain value'", "kv put b k 'plain value'"),
        ("echo --password", "echo --password"),
        ("kv ls --password\necho next", "kv ls --password\necho next"),
    ])
    func masked(_ line: String, _ kept: String) {
        #expect(HistoryRedaction.masked(line) == kept)
    }
}
