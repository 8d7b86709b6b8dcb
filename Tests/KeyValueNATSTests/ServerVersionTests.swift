import KeyValueTestSupport
import Testing
@testable import KeyValueNATS

@Suite("NATS KV: server feature checks")
struct ServerVersionTests {
    @Test(arguments: [("2.9.10", false), ("2.9.25", false), ("2.10.0", true), ("2.15.1", true), ("3.0.0", true),
                      ("2.11.0-RC.1", true), ("garbage", true)])
    func multiFilterConsumersNeed210(_ version: String, _ expected: Bool) {
        #expect(NATSBucket.serverHasMultiFilter(version) == expected)
    }

    @Test func clientSideFilterMatchesAnyPattern() {
        #expect(NATSBucket.matches(nil, "anything"))
        #expect(NATSBucket.matches(["a.*", "c"], "a.x"))
        #expect(NATSBucket.matches(["a.*", "c"], "c"))
        #expect(!NATSBucket.matches(["a.*", "c"], "a.x.y"))
    }
}
