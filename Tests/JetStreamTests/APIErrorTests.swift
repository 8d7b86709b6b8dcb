#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NATSWire
import NIOCore
import Testing
@testable import JetStream

@Suite("API error codes and the fields read from API errors")
struct APIErrorTests {
    // The numbers are nats-server's (server/errors.json), named as its constants are.
    @Test(arguments: [
        (APIErrorCode.clusterNotAvailable, 10008), (.insufficientResources, 10023), (.maximumConsumersLimit, 10026),
        (.noMessageFound, 10037), (.notEnabledForAccount, 10039), (.messageExceedsMaximum, 10054),
        (.streamNameInUse, 10058), (.streamNotFound, 10059), (.wrongLastSequence, 10071), (.notEnabled, 10076),
        (.streamStoreFailed, 10077), (.overlappingFilterSubjects, 10138), (.wrongLastSequenceConstant, 10164),
    ])
    func namedCodes(_ code: APIErrorCode, _ number: Int) {
        #expect(code.rawValue == number)
        #expect(APIErrorCode(rawValue: number) == code)
        guard case .other = APIErrorCode(rawValue: number) else { return }
        Issue.record("\(number) has a name but came back as other")
    }

    @Test("a code without a name stays other and goes back out as it came in", arguments: [0, 1, 10003, 10999, -5])
    func unknownCodesRoundTrip(_ number: Int) throws {
        let code = APIErrorCode(rawValue: number)
        #expect(code == .other(number))
        #expect(code.rawValue == number)
        let json = #"{"code":400,"err_code":\#(number),"description":"something new"}"#
        let decoded = try JSONDecoder().decode(APIError.self, from: Data(json.utf8))
        #expect(decoded.errCode == .other(number))
        let again = try JSONDecoder().decode(APIError.self, from: try JSONEncoder().encode(decoded))
        #expect(again == decoded)
        #expect(again.errCode.rawValue == number)
    }

    @Test("codes compare by number, so a hand-made other of a named code is the same code")
    func equalityByNumber() {
        #expect(APIErrorCode.other(10059) == .streamNotFound)
        #expect(Set([APIErrorCode.other(10059), .streamNotFound]).count == 1)
        #expect(APIErrorCode.streamNotFound != .noMessageFound)
    }

    @Test("wrong last sequence: the revision in the server's text becomes a field, once, when decoded")
    func lastSequenceOfWrongLastSequence() throws {
        let json = #"{"code":400,"err_code":10071,"description":"wrong last sequence: 14"}"#
        let error = try JSONDecoder().decode(APIError.self, from: Data(json.utf8))
        #expect(error.errCode == .wrongLastSequence)
        #expect(error.lastSequence == 14)
        #expect(APIError(code: 400, errCode: .wrongLastSequence, description: "wrong last sequence: 0").lastSequence == 0)
        #expect(APIError(code: 400, errCode: .wrongLastSequence,
                         description: "wrong last sequence: 18446744073709551615").lastSequence == UInt64.max)
    }

    @Test("no revision where the server gives none, or for another code", arguments: [
        (APIErrorCode.wrongLastSequenceConstant, "wrong last sequence"),
        (.wrongLastSequence, "wrong last sequence"),
        (.wrongLastSequence, "wrong last sequence: "),
        (.wrongLastSequence, "wrong last sequence: -1"),
        (.wrongLastSequence, "wrong last sequence: 1x"),
        (.wrongLastSequence, "wrong last sequence: 18446744073709551616"),
        (.streamNotFound, "stream not found: 3"),
        (.other(10999), "wrong last sequence: 3"),
    ])
    func noLastSequence(_ code: APIErrorCode, _ text: String) {
        #expect(APIError(code: 400, errCode: code, description: text).lastSequence == nil)
    }

    @Test("a publish rejected for its expected sequence carries the revision in its error")
    func rejectedPublish() {
        let reply = InboundMessage(subject: "x", sid: 1, payload: ByteBuffer(string:
            #"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 2"},"stream":"KV_b","seq":0}"#))
        let error = #expect(throws: JetStreamError.self) {
            try JetStreamContext.decodeAck(reply, publishedOn: "$KV.b.k")
        }
        guard case .api(let api)? = error else {
            Issue.record("not an API error: \(String(describing: error))")
            return
        }
        #expect(api.errCode == .wrongLastSequence && api.lastSequence == 2)
    }

    @Test("descriptions are nats.go's wording without its nats: prefix")
    func descriptions() {
        let api = APIError(code: 404, errCode: .streamNotFound, description: "stream not found")
        #expect(api.description == "API error: code=404 err_code=10059 description=stream not found")
        #expect(JetStreamError.api(api).description == api.description)
        #expect(JetStreamError.api(api).errCode == .streamNotFound)
        #expect(JetStreamError.notEnabled.errCode == nil)
        #expect(JetStreamError.noStreamResponse(subject: "$KV.b.k").description == "no response from stream for $KV.b.k")
        for error in [JetStreamError.api(api), .notEnabled, .noStreamResponse(subject: "s"), .invalidResponse("x")] {
            #expect(!error.description.hasPrefix("nats: "), "\(error)")
        }
    }
}
