/// How the members of a hook group (`on … --group NAME`) divide a bucket's keys: a fixed number
/// of partitions, each key in one of them by its hash, each partition owned by one member
/// through a lease. A value: the members' names and the current owners in, what this member
/// should claim and release out. No store, no clock.
///
/// Every member computes the same targets from the same member list (sorted names; the first
/// `partitions % members` get one more), so the group converges without a leader: a member over
/// its target releases, one under it claims what is free.
struct GroupPlan: Sendable, Equatable {
    /// Partitions of a group. Fixed for the life of a group: the checkpoints are per partition.
    static let partitionCount = 12

    let partitions: Int

    init(partitions: Int = GroupPlan.partitionCount) {
        precondition(partitions > 0)
        self.partitions = partitions
    }

    /// The partition of `key`: FNV-1a (32-bit) of its UTF-8 bytes, modulo the partition count.
    /// Stable across processes, machines and releases (Swift's `hashValue` is seeded per process).
    func partition(of key: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in key.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int(hash % UInt32(partitions))
    }

    /// How many partitions `member` should own among `members` (its own name included or not):
    /// 0 when it is not among them.
    func target(of member: String, among members: Set<String>) -> Int {
        let sorted = members.sorted()
        guard let rank = sorted.firstIndex(of: member) else { return 0 }
        let base = partitions / sorted.count, extra = partitions % sorted.count
        return base + (rank < extra ? 1 : 0)
    }

    /// What `member` does next.
    struct Moves: Sendable, Equatable {
        /// Free partitions to try to lease, lowest first.
        var claim: [Int] = []
        /// Owned partitions to hand over (stop, save, release), highest first.
        var release: [Int] = []
    }

    /// `owners`: partition → member, for each lease that is held (by a live member or by a dead
    /// one whose lease has not expired yet: not free).
    func moves(for member: String, among members: Set<String>, owners: [Int: String]) -> Moves {
        var members = members
        members.insert(member)
        let target = target(of: member, among: members)
        let owned = owners.filter { $0.value == member }.keys.sorted()
        var moves = Moves()
        if owned.count > target {
            moves.release = Array(owned.suffix(owned.count - target).reversed())
        } else if owned.count < target {
            let free = (0..<partitions).filter { owners[$0] == nil }
            moves.claim = Array(free.prefix(target - owned.count))
        }
        return moves
    }
}
