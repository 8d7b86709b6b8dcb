import KeyValue
import Testing

@Suite("BucketConfig.validate")
struct BucketConfigTests {
    private func config(history: Int) -> BucketConfig {
        var c = BucketConfig(bucket: "my-kv")
        c.history = history
        return c
    }

    @Test func defaults() throws {
        let c = BucketConfig(bucket: "my-kv")
        #expect(c.history == 1)
        #expect(c.storage == .file)
        #expect(c.replicas == 1)
        #expect(c.ttlNanos == nil)
        #expect(!c.compression)
        try c.validate()
    }

    @Test("a placement names a cluster, tags or both; an empty name or tag is refused")
    func placement() throws {
        var c = BucketConfig(bucket: "my-kv")
        #expect(c.placement == nil)
        c.placement = Placement(cluster: "east")
        try c.validate()
        c.placement = Placement(tags: ["az:1", "ssd"])
        try c.validate()
        c.placement = Placement(cluster: "", tags: ["az:1"])
        #expect(throws: KeyValueError.invalidConfig("placement cluster name must not be empty")) { try c.validate() }
        c.placement = Placement(cluster: "east", tags: ["az:1", ""])
        #expect(throws: KeyValueError.invalidConfig("placement tags must not be empty")) { try c.validate() }
    }

    @Test(arguments: [1, 2, 63, 64])
    func historyInRange(_ history: Int) throws {
        try config(history: history).validate()
    }

    @Test func historyZero() {
        #expect(throws: KeyValueError.invalidConfig("history must be at least 1")) {
            try config(history: 0).validate()
        }
    }

    @Test(arguments: [65, 100])
    func historyTooLarge(_ history: Int) {
        #expect(throws: KeyValueError.invalidConfig("history limited to a max of 64")) {
            try config(history: history).validate()
        }
        #expect((try? config(history: history).validate()) == nil)
    }

    @Test func historyErrorText() {
        do {
            try config(history: 65).validate()
            Issue.record("validate accepted history 65")
        } catch {
            #expect(error == .invalidConfig("history limited to a max of 64"))
            #expect(error.description == "history limited to a max of 64")
        }
    }

    @Test(arguments: ["", "my kv", "my.kv", "ü"])
    func badName(_ name: String) {
        #expect(throws: KeyValueError.invalidBucketName(name)) { try BucketConfig(bucket: name).validate() }
    }

    @Test func negativeTTL() {
        var c = BucketConfig(bucket: "b")
        c.ttlNanos = -1
        #expect(throws: KeyValueError.invalidConfig("ttl must not be negative")) { try c.validate() }
        c.ttlNanos = 0
        #expect(throws: Never.self) { try c.validate() }
    }

    @Test func sizeLimits() {
        var c = BucketConfig(bucket: "b")
        c.maxValueSize = 0
        #expect(throws: KeyValueError.invalidConfig("max value size must be positive")) { try c.validate() }
        c.maxValueSize = 1024
        c.maxBucketSize = -5
        #expect(throws: KeyValueError.invalidConfig("max bucket size must be positive")) { try c.validate() }
        c.maxBucketSize = 1 << 30
        #expect(throws: Never.self) { try c.validate() }
    }

    @Test(arguments: [0, 6])
    func replicasOutOfRange(_ replicas: Int) {
        var c = BucketConfig(bucket: "b")
        c.replicas = replicas
        #expect(throws: KeyValueError.invalidConfig("replicas must be between 1 and 5")) { try c.validate() }
    }
}
