import NATSWire

/// Permissions violations: the server refuses a publish or a subscription with a `-ERR` that
/// names the subject, and otherwise goes on (the connection stays open). Left alone, the work
/// that needed it would wait for its deadline (a request, a publish's acknowledgement) or for
/// ever (a subscription that gets nothing); matched here by subject, it fails at once.
extension ConnectionStateMachine {
    /// A `-ERR` arrived on the live link. A permissions violation that names its subject fails
    /// the work it refused:
    /// - `Publish to S`: the requests published on S, and the subscriptions taking the replies
    ///   of publishes whose subjects include S (`subscribe(…, publishes:)`);
    /// - `Publish with Reply of R`: the request whose reply subject is R, and a reply
    ///   subscription `P.*` that R is under;
    /// - `Subscription to S`: the subscriptions on S (forgotten: the server made none), and
    ///   when S is the request inbox, every request, and each later one until a new link
    ///   subscribes it again.
    /// Anything else, or a violation that matches no work, is emitted as `.serverError`.
    mutating func serverErrorReceived(_ error: ServerError) -> Action {
        guard case .permissionsViolation(let operation?, let subject?) = error.kind else {
            return .emit(.serverError(error))
        }
        var refusal = Refusal(error: .permissionDenied(operation, subject: subject))
        var refusedInbox = false
        switch operation {
        case .publish:
            for (token, request) in requests where request.subject == subject {
                requests.removeValue(forKey: token)
                refusal.requests.append(request.waiter)
            }
            for record in subscriptions.values where record.publishes?(subject) == true {
                refusal.subscribers.append(record.subscriber)
            }
        case .publishReply:
            if let token = Self.replyToken(subject, inbox: inboxPrefix), let request = requests.removeValue(forKey: token) {
                refusal.requests.append(request.waiter)
            }
            for record in subscriptions.values where record.publishes != nil && Self.isReply(subject, of: record.subject) {
                refusal.subscribers.append(record.subscriber)
            }
        case .subscribe:
            if subject == inboxPrefix + ".*" {
                inboxRefusal = refusal.error
                refusedInbox = true
                refusal.requests = requests.values.map(\.waiter)
                requests = [:]
            }
            for (sid, record) in subscriptions where record.subject == subject {
                subscriptions.removeValue(forKey: sid)
                refusal.subscribers.append(record.subscriber)
            }
        }
        if refusal.requests.isEmpty && refusal.subscribers.isEmpty && !refusedInbox {
            return .emit(.serverError(error))
        }
        return .refuse(refusal)
    }

    /// True when `subject` is one token under `pattern`, a reply subscription's `P.*`.
    static func isReply(_ subject: String, of pattern: String) -> Bool {
        guard pattern.utf8.count > 2, pattern.utf8.last == UInt8(ascii: "*") else { return false }
        let parent = pattern.utf8.dropLast()  // `P.`
        let bytes = subject.utf8
        guard bytes.count > parent.count, bytes.starts(with: parent) else { return false }
        return !bytes.dropFirst(parent.count).contains(UInt8(ascii: "."))
    }
}
