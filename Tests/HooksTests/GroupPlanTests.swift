@testable import Hooks
import Testing

@Suite("Hook group partition plan")
struct GroupPlanTests {
    let plan = GroupPlan()

    @Test("a key's partition is FNV-1a of its bytes: fixed values, so every member and release agree")
    func partitionsAreStable() {
        // FNV-1a 32-bit: "" = 2166136261, "a" = 0xE40C292C, "orders.7" checked by hand below.
        #expect(plan.partition(of: "") == Int(2_166_136_261 % 12))
        #expect(plan.partition(of: "a") == Int(UInt32(0xE40C_292C) % 12))
        var hash: UInt32 = 2_166_136_261
        for byte in Array("orders.7".utf8) { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        #expect(plan.partition(of: "orders.7") == Int(hash % 12))
    }

    @Test("30 keys spread over more than half of the partitions")
    func keysSpread() {
        let used = Set((0..<30).map { plan.partition(of: "k\($0)") })
        #expect(used.count > 6)
        #expect(used.allSatisfy { (0..<12).contains($0) })
    }

    @Test("targets: 12 over 1, 2, 3, 5 members sum to 12, the first in name order get the extra")
    func targets() {
        for names in [["a"], ["a", "b"], ["a", "b", "c"], ["e", "d", "c", "b", "a"]] {
            let members = Set(names)
            #expect(members.map { plan.target(of: $0, among: members) }.reduce(0, +) == 12)
        }
        let five = Set(["a", "b", "c", "d", "e"])
        #expect(["a", "b", "c", "d", "e"].map { plan.target(of: $0, among: five) } == [3, 3, 2, 2, 2])
        #expect(plan.target(of: "z", among: five) == 0)
    }

    @Test("a lone member claims every free partition")
    func loneMemberClaimsAll() {
        #expect(plan.moves(for: "a", among: [], owners: [:]) == .init(claim: Array(0..<12)))
    }

    @Test("a joining member: the owner releases its highest partitions, the newcomer claims what is free")
    func joinHandsOver() {
        let all = Dictionary(uniqueKeysWithValues: (0..<12).map { ($0, "a") })
        #expect(plan.moves(for: "a", among: ["a", "b"], owners: all) == .init(release: [11, 10, 9, 8, 7, 6]))
        #expect(plan.moves(for: "b", among: ["a", "b"], owners: all) == .init())
        let handed = all.filter { $0.key < 6 }
        #expect(plan.moves(for: "b", among: ["a", "b"], owners: handed) == .init(claim: [6, 7, 8, 9, 10, 11]))
    }

    @Test("a dead member's leases are not free until they expire; then the survivors split them")
    func deadMemberTakeover() {
        var owners: [Int: String] = [:]
        for p in 0..<12 { owners[p] = ["a", "b", "c"][p % 3] }
        #expect(plan.moves(for: "a", among: ["a", "b"], owners: owners) == .init(claim: []))
        let expired = owners.filter { $0.value != "c" }
        let a = plan.moves(for: "a", among: ["a", "b"], owners: expired)
        let b = plan.moves(for: "b", among: ["a", "b"], owners: expired)
        #expect(a.claim.count == 2 && b.claim.count == 2 && a.release.isEmpty && b.release.isEmpty)
    }

    @Test("converges: members applying their moves in turn reach one owner per partition and fair shares")
    func converges() {
        let members: Set<String> = ["m1", "m2", "m3"]
        var owners: [Int: String] = [:]
        for _ in 0..<6 {
            for member in members.sorted() {
                let m = plan.moves(for: member, among: members, owners: owners)
                for p in m.release { owners[p] = nil }
                for p in m.claim where owners[p] == nil { owners[p] = member }
            }
        }
        #expect(owners.count == 12)
        #expect(members.allSatisfy { member in owners.values.filter { $0 == member }.count == 4 })
    }
}
