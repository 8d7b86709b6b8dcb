/// Bytes from the server that do not follow the NATS client protocol.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
