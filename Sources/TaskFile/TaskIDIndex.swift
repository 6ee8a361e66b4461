#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Task ids and where each was first used, kept compactly for files of millions of tasks.
///
/// A `Set<String>` or `[String: Int]` of every id costs about 40 bytes a task in buckets alone; this keeps the
/// ids' bytes end to end in one buffer and an open-addressing table whose slots hold an entry number and 32 bits
/// of the id's hash (its fingerprint), so most probes never leave the table. Two ids are the same exactly when
/// their Strings are equal (canonically equivalent Unicode is one id, as everywhere else ids are compared): a
/// fingerprint match is checked against the kept bytes, so a collision can never pass for a duplicate. With
/// `recordsUses`, each id's first use (position, line, a caller's tag) is kept too, to name it in a message and to
/// resolve `after`. Not thread-safe; a value type (`Sendable`), copied on write.
public struct TaskIDIndex: Sendable {
    /// Where an id was first used.
    public struct Use: Sendable, Equatable {
        /// The task's 0-based position in the file.
        public var position: Int
        /// The 1-based line where the task starts.
        public var line: Int
        /// What the caller noted about the use (how the id was written).
        public var tag: UInt8

        public init(position: Int, line: Int, tag: UInt8 = 0) {
            self.position = position
            self.line = line
            self.tag = tag
        }
    }

    /// The most ids an index holds (a slot's 32-bit fingerprint must still name its home slot).
    public static let capacity = 1 << 31

    /// Whether each id's first use is kept (otherwise only whether an id was seen).
    public let recordsUses: Bool
    /// Fingerprint bits kept: all but in tests, which keep none to make every id collide with every other.
    private let fingerprintBits: UInt32
    /// Per slot, 0 when empty, else the id's fingerprint in the high 32 bits and 1 + its entry number in the low
    /// ones. The fingerprint's low bits are the slot an id starts probing from, so the table grows without hashing
    /// the ids again. The slot count is a power of two.
    private var slots: [UInt64]
    /// Where each entry's bytes end in `keyBytes` (each starts where the one before ends).
    private var keyEnds: [Int] = []
    /// The UTF-8 bytes of the ids up to `longKeyLength` bytes, end to end.
    private var keyBytes: [UInt8] = []
    /// Ids longer than `longKeyLength` bytes by entry (with no bytes in `keyBytes`): kept as the Strings they are,
    /// whose storage the task's id shares, rather than copied into a buffer that grows by doubling.
    private var longKeys: [Int: String] = [:]
    /// Ids up to this many bytes are copied into `keyBytes`.
    private static let longKeyLength = 64
    /// Each entry's first use, when `recordsUses`.
    private var uses: [Use] = []

    /// An empty index sized for about `expectedCount` ids (it grows past that as needed).
    public init(recordsUses: Bool, expectedCount: Int = 0) {
        self.init(recordsUses: recordsUses, expectedCount: expectedCount, fingerprintBits: .max)
    }

    /// Like `init(recordsUses:expectedCount:)`, keeping only `fingerprintBits` of each fingerprint (tests).
    package init(recordsUses: Bool, expectedCount: Int, fingerprintBits: UInt32) {
        self.recordsUses = recordsUses
        self.fingerprintBits = fingerprintBits
        let wanted = max(16, min(expectedCount, 1 << 26))
        var slotCount = 16
        while slotCount * 3 < wanted * 4 { slotCount <<= 1 }
        slots = [UInt64](repeating: 0, count: slotCount)
        keyEnds.reserveCapacity(wanted)
        if recordsUses { uses.reserveCapacity(wanted) }
    }

    /// Adds `key` with its first `use`; when the key is already there, returns the earlier use instead (and keeps
    /// it). Without `recordsUses`, an earlier use comes back as `use` itself.
    public mutating func insert(_ key: String, use: Use) -> Use? {
        let fingerprint = fingerprint(key)
        var bytesOfKey = key
        return bytesOfKey.withUTF8 { bytes in
            switch find(key, bytes, fingerprint: fingerprint) {
            case .found(let entry):
                return recordsUses ? uses[entry] : use
            case .vacant(let slot):
                append(key, bytes, fingerprint: fingerprint, use: use, into: slot)
                return nil
            }
        }
    }

    /// How many distinct ids the index holds.
    public var count: Int { keyEnds.count }

    /// Whether `key` is in the index.
    public func contains(_ key: String) -> Bool { entry(of: key) != nil }

    /// Where `key` was first used; `nil` when it is not in the index or uses are not recorded.
    public func firstUse(of key: String) -> Use? {
        guard recordsUses, let entry = entry(of: key) else { return nil }
        return uses[entry]
    }

    private func entry(of key: String) -> Int? {
        let fingerprint = fingerprint(key)
        var bytesOfKey = key
        return bytesOfKey.withUTF8 { bytes in
            if case .found(let entry) = find(key, bytes, fingerprint: fingerprint) { return entry }
            return nil
        }
    }

    private enum Probe {
        case found(Int)
        case vacant(Int)
    }

    /// The entry holding `key` (whose UTF-8 is `bytes`), or the empty slot where it belongs. Linear probing; the
    /// table is never more than three quarters full, so a probe always ends.
    private func find(_ key: String, _ bytes: UnsafeBufferPointer<UInt8>, fingerprint: UInt32) -> Probe {
        let mask = slots.count - 1
        var slot = Int(fingerprint) & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { return .vacant(slot) }
            if UInt32(truncatingIfNeeded: stored >> 32) == fingerprint {
                let entry = Int(truncatingIfNeeded: stored & 0xFFFF_FFFF) - 1
                if holds(entry, key, bytes) { return .found(entry) }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Whether `entry` is `key`: the same bytes, or (outside ASCII) a canonically equivalent String.
    private func holds(_ entry: Int, _ key: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = entry == 0 ? 0 : keyEnds[entry - 1]
        let end = keyEnds[entry]
        if start == end, let long = longKeys[entry] { return long == key }
        return keyBytes.withUnsafeBufferPointer { all in
            let kept = UnsafeBufferPointer(rebasing: all[start..<end])
            if kept.count == bytes.count
                && (bytes.isEmpty || memcmp(kept.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
            {
                return true
            }
            if kept.allSatisfy({ $0 < 0x80 }) && bytes.allSatisfy({ $0 < 0x80 }) { return false }
            return String(decoding: kept, as: UTF8.self) == key
        }
    }

    private mutating func append(
        _ key: String, _ bytes: UnsafeBufferPointer<UInt8>, fingerprint: UInt32, use: Use, into slot: Int
    ) {
        let entry = keyEnds.count
        precondition(entry < Self.capacity, "a task file with more than two billion task ids")
        if bytes.count > Self.longKeyLength { longKeys[entry] = key } else { keyBytes.append(contentsOf: bytes) }
        keyEnds.append(keyBytes.count)
        if recordsUses { uses.append(use) }
        slots[slot] = UInt64(fingerprint) << 32 | UInt64(entry + 1)
        if keyEnds.count * 4 > slots.count * 3 { grow() }
    }

    /// Doubles the table and places every entry again, by the fingerprint its slot holds.
    private mutating func grow() {
        var larger = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = larger.count - 1
        for stored in slots where stored != 0 {
            var slot = Int(truncatingIfNeeded: stored >> 32) & mask
            while larger[slot] != 0 { slot = (slot + 1) & mask }
            larger[slot] = stored
        }
        slots = larger
    }

    /// 32 bits of the id's String hash (equal for canonically equivalent Strings; seeded per process, so crafted
    /// ids cannot aim at one slot).
    private func fingerprint(_ key: String) -> UInt32 {
        var hasher = Hasher()
        hasher.combine(key)
        let hash = UInt64(bitPattern: Int64(hasher.finalize()))
        return UInt32(truncatingIfNeeded: hash ^ hash >> 32) & fingerprintBits
    }
}
