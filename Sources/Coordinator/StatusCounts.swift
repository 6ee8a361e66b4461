public import JSONValue

/// How many tasks were recorded with each status a result line's `status` field holds (`ok`, `failed`, `timeout`,
/// `cancelled`, `skipped`), so every view counts a cancelled or skipped task as what it is instead of as a failure.
///
/// The coordinator derives it from its statistics; events, `job.json` and snapshots carry it as a `statuses` object;
/// `cancel`, `status`, `tail` and `report` print it with `phrase(notStarted:)`. A value type.
public struct StatusCounts: Sendable, Equatable {
    /// Tasks recorded `ok`.
    public var ok: Int
    /// Tasks recorded `failed` (a status this version does not know counts here too).
    public var failed: Int
    /// Tasks recorded `timeout`.
    public var timeout: Int
    /// Tasks recorded `cancelled` (stopped by Ctrl-C, `jobrun cancel` or `--halt now`).
    public var cancelled: Int
    /// Tasks recorded `skipped` (a task they wait for did not succeed).
    public var skipped: Int

    /// Counts; all zero by default.
    public init(ok: Int = 0, failed: Int = 0, timeout: Int = 0, cancelled: Int = 0, skipped: Int = 0) {
        self.ok = ok
        self.failed = failed
        self.timeout = timeout
        self.cancelled = cancelled
        self.skipped = skipped
    }

    /// Tasks with a result.
    public var recorded: Int { ok + failed + timeout + cancelled + skipped }

    /// Tasks with a result other than `ok`.
    public var notOK: Int { recorded - ok }

    /// Counts one more task recorded with `status`.
    public mutating func add(status: String) {
        switch status {
        case "ok": ok += 1
        case "timeout": timeout += 1
        case "cancelled": cancelled += 1
        case "skipped": skipped += 1
        default: failed += 1
        }
    }

    /// The counts as a phrase: `3 ok, 1 failed, 2 cancelled, 4 not started`. `ok` (unless `includingOK` is false)
    /// and `failed` always appear, the other statuses when some task has them, `not started` when `notStarted` is
    /// more than 0.
    public func phrase(notStarted: Int = 0, includingOK: Bool = true) -> String {
        var parts = includingOK ? ["\(ok) ok", "\(failed) failed"] : ["\(failed) failed"]
        if timeout > 0 { parts.append("\(timeout) timed out") }
        if cancelled > 0 { parts.append("\(cancelled) cancelled") }
        if skipped > 0 { parts.append("\(skipped) skipped") }
        if notStarted > 0 { parts.append("\(notStarted) not started") }
        return parts.joined(separator: ", ")
    }

    /// The `statuses` object of events, snapshots and `job.json`: one member per status, and `not_started` when given.
    public func json(notStarted: Int? = nil) -> JSONValue {
        func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
        var members: [(String, JSONValue)] = [
            ("ok", int(ok)), ("failed", int(failed)), ("timeout", int(timeout)), ("cancelled", int(cancelled)),
            ("skipped", int(skipped)),
        ]
        if let notStarted { members.append(("not_started", int(notStarted))) }
        return .object(JSONObject(members))
    }

    /// Reads a `statuses` object; a missing member counts 0.
    ///
    /// - Returns: nil when `json` is not an object, or a member is not a non-negative integer.
    public init?(json: JSONValue?) {
        guard let object = json?.objectValue else { return nil }
        func count(_ key: String) -> Int? {
            guard let value = object[key] else { return 0 }
            guard let number = value.intValue, number >= 0 else { return nil }
            return number
        }
        guard let ok = count("ok"), let failed = count("failed"), let timeout = count("timeout"),
            let cancelled = count("cancelled"), let skipped = count("skipped")
        else { return nil }
        self.init(ok: ok, failed: failed, timeout: timeout, cancelled: cancelled, skipped: skipped)
    }
}
