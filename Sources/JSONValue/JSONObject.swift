/// A JSON object: members in the order they were written or added, with unique keys.
///
/// Lookups are linear for small objects and use a hash index once an object has more than
/// `JSONObject.indexThreshold` members. Equality ignores member order (two objects are equal when they have the
/// same keys with equal values), as JSON semantics say; iteration and serialization keep the stored order.
/// Values are immutable unless mutated through `subscript(_:)`, and `Sendable`.
public struct JSONObject: Sendable, Hashable, Sequence {
    /// One member: a key and its value.
    public typealias Element = (key: String, value: JSONValue)

    /// Objects with more members than this keep a key-to-position index.
    static let indexThreshold = 12

    /// A stored member.
    struct Member: Sendable {
        var key: String
        var value: JSONValue
    }

    private(set) var members: [Member]
    private var index: [String: Int]?

    /// Creates an empty object.
    public init() {
        members = []
        index = nil
    }

    /// Creates an object with the given members in order.
    ///
    /// - Precondition: the keys are unique.
    public init(_ members: [(String, JSONValue)]) {
        self.init()
        self.members.reserveCapacity(members.count)
        for (key, value) in members {
            precondition(position(of: key) == nil, "duplicate key \"\(key)\" in JSONObject")
            append(key: key, value: value)
        }
    }

    /// Creates an object from members whose keys the caller has already checked to be unique.
    @inline(never)
    init(uniqueMembers: [Member]) {
        members = uniqueMembers
        index = nil
        if members.count > Self.indexThreshold { rebuildIndex() }
    }

    /// The value for `key`, or `nil` if absent. Setting a new key appends it at the end, setting an existing key
    /// replaces its value in place, and setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let at = position(of: key) else { return nil }
            return members[at].value
        }
        set {
            let at = position(of: key)
            switch (at, newValue) {
            case (let at?, let value?):
                members[at].value = value
            case (let at?, nil):
                members.remove(at: at)
                if index != nil { rebuildIndex() }
            case (nil, let value?):
                append(key: key, value: value)
            case (nil, nil):
                break
            }
        }
    }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The values in order.
    public var values: [JSONValue] { members.map(\.value) }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// Iterates over the members in order.
    public struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[Member]>

        /// The next member, or `nil` after the last.
        public mutating func next() -> Element? {
            guard let member = base.next() else { return nil }
            return (key: member.key, value: member.value)
        }
    }

    /// An iterator over the members in order.
    public func makeIterator() -> Iterator { Iterator(base: members.makeIterator()) }

    /// The number of members.
    public var underestimatedCount: Int { members.count }

    /// The position of `key` in `members`, if present.
    func position(of key: String) -> Int? {
        if let index { return index[key] }
        return members.firstIndex { $0.key == key }
    }

    private mutating func append(key: String, value: JSONValue) {
        members.append(Member(key: key, value: value))
        if index != nil {
            index![key] = members.count - 1
        } else if members.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    @inline(never)
    private mutating func rebuildIndex() {
        guard members.count > Self.indexThreshold else {
            index = nil
            return
        }
        var built = [String: Int](minimumCapacity: members.count)
        for (at, member) in members.enumerated() { built[member.key] = at }
        index = built
    }

    /// Whether both objects have the same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (at, member) in lhs.members.enumerated() {
            // Same order is the common case; fall back to a lookup otherwise.
            if rhs.members[at].key == member.key {
                guard rhs.members[at].value == member.value else { return false }
            } else {
                guard let other = rhs.position(of: member.key), rhs.members[other].value == member.value else {
                    return false
                }
            }
        }
        return true
    }

    /// Hashes the members independently of their order.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(member.key)
            memberHasher.combine(member.value)
            combined ^= memberHasher.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Creates an object with the members in the order written.
    ///
    /// - Precondition: the keys are unique.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
