import KeyValue
import Testing

@Suite("KeyValueError descriptions")
struct KeyValueErrorTests {
    // nats.go's error texts without their `nats: ` (the command line's `ErrorMessage` adds it;
    // KvshCLITests' ErrorMessageTests check the whole line).
    @Test(arguments: [
        (KeyValueError.keyExists(bucket: "b", key: "Semaphore1", lastRevision: 1), "wrong last sequence: 1: key exists"),
        (.wrongLastRevision(bucket: "b", key: "Semaphore1", expected: 13, actual: 14), "wrong last sequence: 14"),
        (.wrongLastRevision(bucket: "b", key: "Semaphore1", expected: 13, actual: nil), "wrong last sequence"),
        (.keyNotFound(bucket: "b", key: "Key1"), "key not found"),
        (.bucketNotFound("my-kv"), "bucket not found: my-kv"),
        (.bucketExists("my-kv"), "bucket name already in use: my-kv"),
        (.notKeyValueBucket("my-kv"), "bucket not valid key-value store: my-kv"),
        (.invalidConfig("history limited to a max of 64"), "history limited to a max of 64"),
        (.invalidBucketName("my kv"), "invalid bucket name \"my kv\": use letters, digits, '_' and '-'"),
        (.invalidKey("a..b", reason: "a key must not contain '..'"),
         "invalid key \"a..b\": a key must not contain '..'"),
        (.valueTooLarge(size: 2048, limit: 1024),
         "value of 2048 bytes is larger than the maximum of 1024 bytes"),
        (.bucketFull("my-kv"), "bucket my-kv is full: maximum bytes exceeded"),
        (.backend("connection closed"), "connection closed"),
    ])
    func description(_ error: KeyValueError, _ expected: String) {
        #expect(error.description == expected)
        #expect("\(error)" == expected)
        #expect(!error.description.hasPrefix("nats: "))
    }

    @Test("the fields are data: bucket, key, expected and actual revision")
    func structuredFields() {
        let conflict = KeyValueError.wrongLastRevision(bucket: "b", key: "k", expected: 3, actual: 5)
        guard case .wrongLastRevision(let bucket, let key, let expected, let actual) = conflict else {
            Issue.record("not a wrongLastRevision")
            return
        }
        #expect(bucket == "b" && key == "k" && expected == 3 && actual == 5)
        #expect(conflict != .wrongLastRevision(bucket: "b", key: "k", expected: 4, actual: 5))
        #expect(KeyValueError.keyNotFound(bucket: "a", key: "k") != .keyNotFound(bucket: "b", key: "k"))
    }

    @Test func quotingEscapesControlCharactersAndQuotes() {
        #expect(KeyValueError.invalidKey("a\nb", reason: "r").description == "invalid key \"a\\nb\": r")
        #expect(KeyValueError.invalidBucketName("a\"b\\").description
            == "invalid bucket name \"a\\\"b\\\\\": use letters, digits, '_' and '-'")
        #expect(KeyValueError.invalidBucketName("\u{1B}[2J").description
            == "invalid bucket name \"\\x1b[2J\": use letters, digits, '_' and '-'")
    }

    @Test func operationDisplayNames() {
        #expect(Operation.put.displayName == "PUT")
        #expect(Operation.delete.displayName == "DELETE")
        #expect(Operation.purge.displayName == "PURGE")
        #expect(Operation.delete.rawValue == "DEL")
    }
}
