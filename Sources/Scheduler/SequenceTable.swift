/// A map from task sequence numbers to values, built for how a job uses them: sequences are added in increasing
/// order and mostly leave in about that order.
///
/// The entries live in an array window indexed by `sequence - base`, so a lookup is an index, not a hash; the
/// window's empty front is dropped as it grows. An entry that stays while the window moves far past it (a long
/// task among many short ones) moves to a small dictionary, so memory follows the number of entries, not the
/// span of sequences between the oldest and the newest.
public struct SequenceTable<Value>: Sendable where Value: Sendable {
    /// The sequence of `window[0]`.
    @usableFromInline var base: UInt64 = 0
    @usableFromInline var window: [Value?] = []
    /// Every slot before this index is empty.
    @usableFromInline var head = 0
    @usableFromInline var liveInWindow = 0
    /// Entries older than `base`.
    @usableFromInline var stragglers: [UInt64: Value] = [:]

    @inlinable public init() {}

    /// Entries in the table.
    @inlinable public var count: Int { liveInWindow + stragglers.count }
    @inlinable public var isEmpty: Bool { count == 0 }

    @inlinable public subscript(sequence: UInt64) -> Value? {
        get {
            guard sequence >= base else { return stragglers[sequence] }
            let index = Int(sequence - base)
            return index < window.count ? window[index] : nil
        }
        set {
            if let newValue { store(newValue, at: sequence) } else { _ = removeValue(forKey: sequence) }
        }
    }

    /// Removes and returns the entry for `sequence`, if any.
    @inlinable @discardableResult
    public mutating func removeValue(forKey sequence: UInt64) -> Value? {
        guard sequence >= base else { return stragglers.removeValue(forKey: sequence) }
        let index = Int(sequence - base)
        guard index < window.count, let value = window[index] else { return nil }
        window[index] = nil
        liveInWindow -= 1
        if index == head { advanceHead() }
        return value
    }

    /// Every entry, in increasing sequence order.
    @inlinable public var entries: [(sequence: UInt64, value: Value)] {
        var all = stragglers.map { (sequence: $0.key, value: $0.value) }.sorted { $0.sequence < $1.sequence }
        for index in head..<window.count {
            if let value = window[index] { all.append((base + UInt64(index), value)) }
        }
        return all
    }

    @inlinable mutating func store(_ value: Value, at sequence: UInt64) {
        if sequence < base {
            stragglers[sequence] = value
            return
        }
        if liveInWindow == 0 {
            // An empty window restarts at the new sequence, whatever gap came before it.
            window.removeAll(keepingCapacity: true)
            base = sequence
            head = 0
        }
        let index = Int(sequence - base)
        if index < window.count {
            if window[index] == nil { liveInWindow += 1 }
            window[index] = value
            return
        }
        let span = window.count - head
        if span >= 4096, liveInWindow * 4 < span {
            retireWindow(before: sequence)
            store(value, at: sequence)
            return
        }
        if index > window.count { window.append(contentsOf: repeatElement(nil, count: index - window.count)) }
        window.append(value)
        liveInWindow += 1
    }

    /// Moves the few entries left in a mostly empty window to `stragglers` and starts a new window at `sequence`.
    @inlinable mutating func retireWindow(before sequence: UInt64) {
        for index in head..<window.count {
            if let value = window[index] { stragglers[base + UInt64(index)] = value }
        }
        window.removeAll(keepingCapacity: true)
        liveInWindow = 0
        base = sequence
        head = 0
    }

    @inlinable mutating func advanceHead() {
        while head < window.count, window[head] == nil { head += 1 }
        if head >= 1024, head * 2 >= window.count {
            window.removeFirst(head)
            base += UInt64(head)
            head = 0
        }
    }
}
