import Scheduler
import Testing

@Suite("SequenceTable")
struct SequenceTableTests {
    @Test("entries added in order and removed in order come and go like a dictionary's")
    func inOrder() {
        var table = SequenceTable<String>()
        for sequence in UInt64(0)..<10_000 { table[sequence] = "t\(sequence)" }
        #expect(table.count == 10_000)
        #expect(table[9_999] == "t9999")
        for sequence in UInt64(0)..<9_990 { #expect(table.removeValue(forKey: sequence) == "t\(sequence)") }
        #expect(table.count == 10)
        #expect(table[5] == nil)
        #expect(table.entries.map(\.sequence) == Array(9_990..<10_000))
    }

    @Test("an entry that stays while thousands pass it is kept as the window moves on")
    func longLivedEntry() {
        var table = SequenceTable<Int>()
        table[0] = -1
        for sequence in UInt64(1)...50_000 {
            table[sequence] = Int(sequence)
            if sequence > 100 { table[sequence - 100] = nil }
        }
        #expect(table[0] == -1)
        #expect(table.count == 101)
        table[0] = -2
        #expect(table[0] == -2)
        #expect(table.removeValue(forKey: 0) == -2)
        #expect(table[0] == nil)
        #expect(table.count == 100)
        #expect(table.entries.map(\.sequence) == Array(49_901...50_000))
    }

    @Test("gaps, replacements and removals in any order agree with a dictionary")
    func agreesWithDictionary() {
        var table = SequenceTable<UInt64>()
        var model: [UInt64: UInt64] = [:]
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            random ^= random << 13
            random ^= random >> 7
            random ^= random << 17
            return random
        }
        var highest: UInt64 = 0
        for step in UInt64(0)..<60_000 {
            let roll = next() % 100
            if roll < 45 {
                // A new task, sometimes after a gap (tasks a resumed job skips).
                highest += next() % 10 == 0 ? 1 + next() % 5_000 : 1
                table[highest] = step
                model[highest] = step
            } else if roll < 90, highest > 0 {
                // A result for some task at or below the newest, usually a recent one.
                let back = next() % 10 == 0 ? next() % highest : next() % min(highest, 64)
                let sequence = highest - back
                #expect(table.removeValue(forKey: sequence) == model.removeValue(forKey: sequence))
            } else if highest > 0 {
                let sequence = highest - next() % min(highest, 20_000)
                if model[sequence] != nil {
                    table[sequence] = step
                    model[sequence] = step
                }
                #expect(table[sequence] == model[sequence])
            }
        }
        #expect(table.count == model.count)
        #expect(table.entries.map(\.sequence) == model.keys.sorted())
        #expect(table.entries.allSatisfy { model[$0.sequence] == $0.value })
    }
}
