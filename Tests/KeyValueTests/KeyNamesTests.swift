import KeyValue
import Testing

@Suite("Bucket names")
struct BucketNameTests {
    @Test(arguments: ["my-kv", "a", "A_b-9", "KV_x", String(repeating: "b", count: 200)])
    func valid(_ name: String) throws {
        #expect(KeyNames.isValidBucket(name))
        try KeyNames.validateBucket(name)
    }

    @Test(arguments: ["", " ", "my kv", "my.kv", "kv*", "kv>", "a/b", "é", "桶", "a\n", "a$"])
    func invalid(_ name: String) {
        #expect(!KeyNames.isValidBucket(name))
        #expect(throws: KeyValueError.invalidBucketName(name)) { try KeyNames.validateBucket(name) }
    }
}

@Suite("Keys")
struct KeyTests {
    @Test(arguments: ["Key1", "a.b", "a/b=c_d-e", "a.b.c.d", "_kv", "A-Z.0-9", "x=y"])
    func valid(_ key: String) throws {
        #expect(KeyNames.isValidKey(key))
        try KeyNames.validateKey(key)
    }

    @Test(arguments: [
        ("", "a key must not be empty"),
        (".a", "a key must not start or end with '.'"),
        ("a.", "a key must not start or end with '.'"),
        (".", "a key must not start or end with '.'"),
        ("a..b", "a key must not contain '..'"),
        ("*", "wildcards '*' and '>' are only allowed in filters"),
        (">", "wildcards '*' and '>' are only allowed in filters"),
        ("a.*", "wildcards '*' and '>' are only allowed in filters"),
        ("a.>", "wildcards '*' and '>' are only allowed in filters"),
        ("a*", "wildcards '*' and '>' are only allowed in filters"),
        ("a b", "use letters, digits and - / _ = . only"),
        ("$KV", "use letters, digits and - / _ = . only"),
        ("ключ", "use letters, digits and - / _ = . only"),
        ("a\tb", "use letters, digits and - / _ = . only"),
    ])
    func invalid(_ key: String, reason: String) {
        #expect(!KeyNames.isValidKey(key))
        #expect(throws: KeyValueError.invalidKey(key, reason: reason)) { try KeyNames.validateKey(key) }
    }
}

@Suite("Key filters")
struct FilterTests {
    @Test(arguments: ["a.*", "a.>", ">", "*", "*.b", "a.*.c", "*.*.>", "plain", "a.b"])
    func valid(_ filter: String) throws {
        try KeyNames.validateFilter(filter)
    }

    @Test(arguments: [
        ("a.>.b", "'>' must be the last token"),
        (">.a", "'>' must be the last token"),
        ("a*", "wildcards must be whole tokens between dots"),
        ("a.b>", "wildcards must be whole tokens between dots"),
        ("", "a key must not be empty"),
        ("a..*", "a key must not contain '..'"),
        ("a.", "a key must not start or end with '.'"),
        ("a b.*", "use letters, digits and - / _ = . only"),
    ])
    func invalid(_ filter: String, reason: String) {
        #expect(throws: KeyValueError.invalidKey(filter, reason: reason)) { try KeyNames.validateFilter(filter) }
    }

    @Test(arguments: [
        ("a.*", "a.b", true),
        ("a.*", "a.b.c", false),
        ("a.*", "a", false),
        ("a.*", "b.c", false),
        ("a.>", "a", false),
        ("a.>", "a.b", true),
        ("a.>", "a.b.c", true),
        ("a.>", "b.c", false),
        (">", "a", true),
        (">", "a.b.c", true),
        ("*", "a", true),
        ("*", "a.b", false),
        ("*.b", "a.b", true),
        ("a.*.c", "a.x.c", true),
        ("a.*.c", "a.x.d", false),
        ("a.b", "a.b", true),
        ("a.b", "a.bc", false),
        ("a.b", "a.b.c", false),
        ("a.b", "a", false),
        ("Key1", "Key1", true),
        ("Key1", "key1", false),
    ])
    func matches(_ pattern: String, _ key: String, _ expected: Bool) {
        #expect(KeyNames.matches(pattern, key) == expected)
    }
}
