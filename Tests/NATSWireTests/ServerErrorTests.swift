import NATSWire
import Testing

@Suite("-ERR texts and their kinds")
struct ServerErrorTests {
    // The texts nats-server sends (server/client.go, accounts.go, parser.go, server.go and
    // errors.go), as they come out of `-ERR '…'`.
    @Test(arguments: [
        ("Authorization Violation", ServerError.Kind.authorizationViolation),
        ("Authentication Timeout", .authenticationTimeout),
        ("User Authentication Expired", .authenticationExpired),
        ("Account Authentication Expired", .accountAuthenticationExpired),
        ("User Authentication Revoked", .authenticationRevoked),
        ("Stale Connection", .staleConnection),
        ("maximum connections exceeded", .maximumConnectionsExceeded),
        ("maximum account active connections exceeded", .maximumAccountConnectionsExceeded),
        ("maximum subscriptions exceeded", .maximumSubscriptionsExceeded),
        ("Maximum Payload Violation", .maximumPayloadViolation),
        ("Unknown Protocol Operation", .unknownProtocolOperation),
        ("Secure Connection - TLS Required", .tlsRequired),
        (#"Permissions Violation for Publish to "orders.new""#, .permissionsViolation(.publish, subject: "orders.new")),
        (#"Permissions Violation for Subscription to "$KV.b.>""#, .permissionsViolation(.subscribe, subject: "$KV.b.>")),
        (#"Permissions Violation for Subscription to "q.*" using queue "workers""#,
         .permissionsViolation(.subscribe, subject: "q.*")),
        (#"Permissions Violation for Subscription to "a.b" (sid "7")"#, .permissionsViolation(.subscribe, subject: "a.b")),
        (#"Permissions Violation for Subscription to "a.b.c", too many tokens"#,
         .permissionsViolation(.subscribe, subject: "a.b.c")),
        (#"Permissions Violation for Publish with Reply of "_INBOX.x.1""#,
         .permissionsViolation(.publishReply, subject: "_INBOX.x.1")),
        ("Invalid Publish Subject", .other),
        ("Connection throttling is active. Please try again later.", .other),
        ("", .other),
    ])
    func kinds(_ text: String, _ kind: ServerError.Kind) {
        let error = ServerError(text)
        #expect(error.kind == kind)
        #expect(error.text == text)
        #expect(error.description == text)
    }

    @Test("case does not matter, as in the other NATS clients", arguments: [
        ("AUTHORIZATION VIOLATION", ServerError.Kind.authorizationViolation),
        ("stale connection", .staleConnection),
        ("Maximum Connections Exceeded", .maximumConnectionsExceeded),
        (#"permissions violation for publish to "A.B""#, .permissionsViolation(.publish, subject: "A.B")),
    ])
    func caseInsensitive(_ text: String, _ kind: ServerError.Kind) {
        #expect(ServerError(text).kind == kind)
    }

    @Test("whole phrases only where the server sends nothing after them; detail after a prefix phrase is kept")
    func phrasesAndDetail() {
        #expect(ServerError("Stale Connection now").kind == .other)
        #expect(ServerError("Authorization Violation - bad user").kind == .authorizationViolation)
        #expect(ServerError("Authorization Violation - bad user").text == "Authorization Violation - bad user")
    }

    @Test("a subject in Go quotes is unquoted; a text that does not say one leaves it nil")
    func permissionSubjects() {
        #expect(ServerError(#"Permissions Violation for Publish to "a\"b\\c""#).kind
            == .permissionsViolation(.publish, subject: #"a"b\c"#))
        #expect(ServerError(#"Permissions Violation for Publish to "caf\u00e9.\xff\t""#).kind
            == .permissionsViolation(.publish, subject: "café.\u{FFFD}\t"))
        #expect(ServerError("Permissions Violation for Publish to orders").kind
            == .permissionsViolation(.publish, subject: nil))
        #expect(ServerError(#"Permissions Violation for Publish to "unterminated"#).kind
            == .permissionsViolation(.publish, subject: nil))
        #expect(ServerError(#"Permissions Violation for Publish to "bad \q escape""#).kind
            == .permissionsViolation(.publish, subject: nil))
        #expect(ServerError("Permissions Violation for Something Else").kind == .permissionsViolation(nil, subject: nil))
        #expect(ServerError("Permissions Violation").kind == .permissionsViolation(nil, subject: nil))
    }

    @Test("the parser hands out the kind with the text")
    func parsed() throws {
        guard case .err(let error)? = try parseOne(#"-ERR 'Permissions Violation for Publish to "x.y"'"# + "\r\n") else {
            Issue.record("no -ERR parsed")
            return
        }
        #expect(error.kind == .permissionsViolation(.publish, subject: "x.y"))
        #expect(error.text == #"Permissions Violation for Publish to "x.y""#)
    }
}
