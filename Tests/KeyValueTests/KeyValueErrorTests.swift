import KeyValue
import Testing

@Suite("KeyValueError descriptions")
struct KeyValueErrorTests {
    @Test(arguments: [
        (KeyValueError.keyExists(key: "Semaphore1", lastRevision: 1), "nats: wrong last sequence: 1: key exists"),
        (.wrongLastRevision(key: "Semaphore1", actual: 14), "nats: wrong last sequence: 14"),
        (.keyNotFound("Key1"), "nats: key not found"),
        (.bucketNotFound("my-kv"), "nats: bucket not found: my-kv"),
        (.bucketExists("my-kv"), "nats: bucket name already in use: my-kv"),
        (.invalidConfig("history limited to a max of 64"), "nats: history limited to a max of 64"),
        (.invalidBucketName("my kv"), "nats: invalid bucket name \"my kv\": use letters, digits, '_' and '-'"),
        (.invalidKey("a..b", reason: "a key must not contain '..'"),
         "nats: invalid key \"a..b\": a key must not contain '..'"),
        (.valueTooLarge(size: 2048, limit: 1024),
         "nats: value of 2048 bytes is larger than the maximum of 1024 bytes"),
        (.bucketFull("my-kv"), "nats: bucket my-kv is full: maximum bytes exceeded"),
        (.backend("connection closed"), "connection closed"),
    ])
    func description(_ error: KeyValueError, _ expected: String) {
        #expect(error.description == expected)
        #expect("\(error)" == expected)
    }

    @Test func quotingEscapesControlCharactersAndQuotes() {
        #expect(KeyValueError.invalidKey("a\nb", reason: "r").description == "nats: invalid key \"a\\nb\": r")
        #expect(KeyValueError.invalidBucketName("a\"b\\").description
            == "nats: invalid bucket name \"a\\\"b\\\\\": use letters, digits, '_' and '-'")
        #expect(KeyValueError.invalidBucketName("\u{1B}[2J").description
            == "nats: invalid bucket name \"\\x1b[2J\": use letters, digits, '_' and '-'")
    }

    @Test func operationDisplayNames() {
        #expect(Operation.put.displayName == "PUT")
        #expect(Operation.delete.displayName == "DELETE")
        #expect(Operation.purge.displayName == "PURGE")
        #expect(Operation.delete.rawValue == "DEL")
    }
}
