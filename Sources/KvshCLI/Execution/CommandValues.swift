#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KeyValue
import Shell

// The values store commands return for `let NAME = COMMAND`. Records use the member names of
// the `--json` output (`$s.values`, `$s.ttl_ns`, `$a.jetstream.streams`), so a script and a
// `--json` consumer see the same names; `null` members become `null` values.

extension Value {
    /// A JSON document as a value: objects become records (members in order), arrays lists,
    /// integers ints (clamped to `Int`), fractions numbers (`.double`; a NaN or infinity,
    /// which JSON cannot hold, null), `null` the null value.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let n): self = .int(Int(clamping: n))
        case .uint(let n): self = .int(Int(clamping: n))
        case .double(let d): self = d.isFinite ? .double(d) : .null
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(items.map(Value.init))
        case .object(let members): self = .record(Record(members.map { ($0.name, Value($0.value)) }))
        }
    }

    /// `kv status`, `kv add`: the fields of `kv status --json`.
    static func status(_ status: BucketStatus) -> Value { Value(statusJSON(status)) }

    /// What `put`, `create` and `update` return: the entry they wrote, built from the revision
    /// the server acknowledged without another round trip. `created` is this machine's clock at
    /// the acknowledgement (the server's own timestamp needs a `kv get`); `delta` is 0.
    static func written(_ bucket: String, _ key: String, _ value: [UInt8], revision: UInt64,
                        operation: KeyValue.Operation = .put) -> Value {
        .entry(Entry(bucket: bucket, key: key, value: value, revision: revision, created: Date(),
                     delta: 0, operation: operation))
    }
}
