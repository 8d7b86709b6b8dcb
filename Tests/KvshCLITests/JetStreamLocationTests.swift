import Testing
@testable import KvshCLI

/// Where JetStream's API is: `--js-domain`/`--js-api-prefix` over a context's
/// `jetstream_domain`/`jetstream_api_prefix` (pure: no file, no server).
@Suite("Context settings: the JetStream domain and API prefix")
struct JetStreamLocationTests {
    private static func settings(_ words: [String], domain: String = "", prefix: String = "") throws -> ConnectionSettings {
        var context = NATSContext(name: "edge", path: "/c/edge.json")
        context.jetStreamDomain = domain
        context.jetStreamAPIPrefix = prefix
        return ConnectionSettings(options: try GlobalOptions.parse(words), environment: { _ in nil }, context: context)
    }

    @Test("a domain means $JS.<domain>.API.; a prefix gets its dot; neither is the default API")
    func prefixes() throws {
        #expect(try Self.settings(["--js-domain", "hub"]).jetStreamAPIPrefix() == "$JS.hub.API.")
        #expect(try Self.settings(["--domain", "hub"]).jetStreamAPIPrefix() == "$JS.hub.API.")
        #expect(try Self.settings(["--js-api-prefix", "$JS.hub.API"]).jetStreamAPIPrefix() == "$JS.hub.API.")
        #expect(try Self.settings(["--js-api-prefix", "imported.js."]).jetStreamAPIPrefix() == "imported.js.")
        #expect(try Self.settings([]).jetStreamAPIPrefix() == nil)
    }

    @Test("the context's field is used when no flag is given; either flag replaces both of its fields")
    func precedence() throws {
        #expect(try Self.settings([], domain: "hub").jetStreamAPIPrefix() == "$JS.hub.API.")
        #expect(try Self.settings([], prefix: "$JS.x.API").jetStreamAPIPrefix() == "$JS.x.API.")
        #expect(try Self.settings(["--js-domain", "leaf"], domain: "hub").jetStreamAPIPrefix() == "$JS.leaf.API.")
        #expect(try Self.settings(["--js-api-prefix", "p"], domain: "hub").jetStreamAPIPrefix() == "p.")
        #expect(try Self.settings(["--js-domain", "leaf"], domain: "hub", prefix: "$JS.x.API").jetStreamAPIPrefix()
                == "$JS.leaf.API.")
    }

    @Test("both at one level, a domain that is not one token, a prefix that is not a subject: one error each")
    func refused() throws {
        #expect(throws: ArgumentError("--js-domain and --js-api-prefix exclude each other: a domain means the API "
                                      + "prefix $JS.<domain>.API., so give one of them")) {
            try Self.settings(["--js-domain", "a", "--js-api-prefix", "b"]).jetStreamAPIPrefix()
        }
        #expect(throws: ArgumentError("context \"edge\": jetstream_domain and jetstream_api_prefix exclude each "
                                      + "other: a domain means the API prefix $JS.<domain>.API., so give one of them")) {
            try Self.settings([], domain: "a", prefix: "b").jetStreamAPIPrefix()
        }
        for bad in ["a.b", "*", ">", "x y", "tab\there", ""] {
            #expect(throws: ArgumentError.self, "\(bad)") { try Self.settings(["--js-domain", bad]).jetStreamAPIPrefix() }
        }
        #expect(throws: ArgumentError("context \"edge\": jetstream_domain \"a.b\" is not a JetStream domain name (one "
                                      + "token: no \".\", \"*\", \">\" or blanks)")) {
            try Self.settings([], domain: "a.b").jetStreamAPIPrefix()
        }
        for bad in ["a..b", "$JS.*.API", "a.>", ".", "a b", ""] {
            #expect(throws: ArgumentError.self, "\(bad)") { try Self.settings(["--js-api-prefix", bad]).jetStreamAPIPrefix() }
        }
    }
}
