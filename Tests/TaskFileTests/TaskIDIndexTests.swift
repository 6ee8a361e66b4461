import Testing
@testable import TaskFile

@Suite("TaskFile: the compact id index")
struct TaskIDIndexTests {
    /// Ids that share prefixes, differ only in length, are empty or not ASCII.
    static let awkwardIDs = ["", "1", "12", "121", "21", "1 ", "é", "e", "a\u{0}b", "a", String(repeating: "x", count: 300), String(repeating: "x", count: 299),
        String(repeating: "é", count: 40), String(repeating: "x", count: 64), String(repeating: "x", count: 65)]

    @Test("every distinct id is kept once, and a repeated one brings back its first use", arguments: [UInt32.max, 0])
    func firstUses(fingerprintBits: UInt32) {
        var index = TaskIDIndex(recordsUses: true, expectedCount: 0, fingerprintBits: fingerprintBits)
        for (position, id) in Self.awkwardIDs.enumerated() {
            #expect(index.insert(id, use: .init(position: position, line: position + 10, tag: 1)) == nil)
        }
        #expect(index.count == Self.awkwardIDs.count)
        for (position, id) in Self.awkwardIDs.enumerated() {
            let repeated = index.insert(id, use: .init(position: 99, line: 99))
            #expect(repeated == .init(position: position, line: position + 10, tag: 1), "id \(id.debugDescription)")
            #expect(index.firstUse(of: id)?.position == position)
        }
        #expect(index.count == Self.awkwardIDs.count)
        #expect(!index.contains("2"))
        #expect(index.firstUse(of: "1212") == nil)
    }

    @Test("canonically equivalent Unicode is one id, as when ids are compared as Strings", arguments: [UInt32.max, 0])
    func canonicalEquivalence(fingerprintBits: UInt32) {
        var index = TaskIDIndex(recordsUses: true, expectedCount: 0, fingerprintBits: fingerprintBits)
        #expect(index.insert("caf\u{E9}", use: .init(position: 0, line: 1)) == nil)
        #expect(index.insert("cafe\u{301}", use: .init(position: 1, line: 2)) == .init(position: 0, line: 1))
        #expect(index.insert("cafe", use: .init(position: 2, line: 3)) == nil)
        let long = String(repeating: "long ", count: 20)
        #expect(index.insert(long + "caf\u{E9}", use: .init(position: 3, line: 4)) == nil)
        #expect(index.insert(long + "cafe\u{301}", use: .init(position: 4, line: 5)) == .init(position: 3, line: 4))
        #expect(index.firstUse(of: "cafe\u{301}")?.position == 0)
        #expect(index.count == 3)
    }

    @Test("it grows past its expected size and keeps every id findable")
    func growth() {
        var index = TaskIDIndex(recordsUses: true, expectedCount: 4)
        let count = 100_000
        for position in 0..<count { #expect(index.insert(String(position), use: .init(position: position, line: 1)) == nil) }
        #expect(index.count == count)
        var misplaced = 0
        for position in 0..<count where index.firstUse(of: String(position))?.position != position { misplaced += 1 }
        #expect(misplaced == 0)
        #expect(!index.contains(String(count)))
    }

    @Test("without uses it only answers whether an id was seen")
    func seenOnly() {
        var index = TaskIDIndex(recordsUses: false)
        #expect(index.insert("a", use: .init(position: 0, line: 1)) == nil)
        #expect(index.insert("a", use: .init(position: 5, line: 6)) != nil)
        #expect(index.contains("a"))
        #expect(index.firstUse(of: "a") == nil)
    }
}
