import JSONValue

/// A named pool's limits: at most `limit` of its tasks running at once, and at most `perSecond` of them started in
/// any one second when set.
public struct PoolLimit: Sendable, Hashable {
    public var limit: Int
    public var perSecond: Int?

    public init(limit: Int, perSecond: Int? = nil) {
        self.limit = limit
        self.perSecond = perSecond
    }

    /// Parses `api=3` or `api=3/10` (`--pool`): the name and its limits, or a sentence saying what is wrong.
    public static func parse(option text: String) -> Result<(name: String, limit: PoolLimit), PoolLimitError> {
        let usage = "expected NAME=LIMIT or NAME=LIMIT/PER_SECOND (for example api=3 or api=3/10)"
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            return .failure(PoolLimitError("--pool \(text): \(usage)"))
        }
        let name = String(text[..<equals])
        let parts = text[text.index(after: equals)...].split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let limit = Int(parts[0]), (1...1_000_000).contains(limit) else {
            return .failure(PoolLimitError("--pool \(text): \(usage); LIMIT is a whole number from 1 to 1000000"))
        }
        var perSecond: Int?
        if parts.count == 2 {
            guard let rate = Int(parts[1]), (1...1_000_000).contains(rate) else {
                return .failure(
                    PoolLimitError("--pool \(text): \(usage); PER_SECOND is a whole number from 1 to 1000000"))
            }
            perSecond = rate
        }
        return .success((name, PoolLimit(limit: limit, perSecond: perSecond)))
    }

    /// Parses a task file's `pools` object: `{"api": 3}` or `{"api": {"limit": 3, "per_second": 10}}`.
    static func parse(file value: JSONValue) -> Result<[String: PoolLimit], TaskSpecError> {
        guard case .object(let object) = value else {
            return .failure(
                TaskSpecError(
                    field: "pools",
                    message: "expected an object of pool names to limits ({\"api\": 3} or {\"api\": {\"limit\": 3, "
                        + "\"per_second\": 10}}), got \(value.briefDescription)"))
        }
        var pools: [String: PoolLimit] = [:]
        for (name, entry) in object {
            let field = "pools.\(name)"
            guard !name.isEmpty, name.utf8.count <= 200, !name.contains("="), !name.contains(",") else {
                return .failure(
                    TaskSpecError(field: field, message: "a pool name has 1 to 200 characters without '=' or ','"))
            }
            let expected = "a whole number from 1 to 1000000"
            switch entry {
            case .number:
                guard let limit = entry.intValue, (1...1_000_000).contains(limit) else {
                    return .failure(
                        TaskSpecError(
                            field: field,
                            message: "expected the most tasks of the pool running at once, \(expected), got "
                                + entry.briefDescription))
                }
                pools[name] = PoolLimit(limit: limit)
            case .object(let members):
                var pool = PoolLimit(limit: 0)
                for (key, member) in members {
                    guard key == "limit" || key == "per_second" else {
                        return .failure(
                            TaskSpecError(
                                field: "\(field).\(key)", message: "unknown field; a pool has \"limit\" and \"per_second\""))
                    }
                    guard let number = member.intValue, (1...1_000_000).contains(number) else {
                        return .failure(
                            TaskSpecError(
                                field: "\(field).\(key)", message: "expected \(expected), got \(member.briefDescription)"))
                    }
                    if key == "limit" { pool.limit = number } else { pool.perSecond = number }
                }
                guard pool.limit > 0 else {
                    return .failure(
                        TaskSpecError(
                            field: "\(field).limit", message: "missing: the most tasks of the pool running at once"))
                }
                pools[name] = pool
            default:
                return .failure(
                    TaskSpecError(
                        field: field,
                        message: "expected a limit (\(expected)) or {\"limit\": N, \"per_second\": R}, got "
                            + entry.briefDescription))
            }
        }
        return .success(pools)
    }
}

/// A `--pool` option that cannot be understood.
public struct PoolLimitError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
