/// GNU parallel's `--halt`: when to stop a job early, and how, from the counts of tasks done so far.
///
/// `now` stops the running tasks at once; `soon` starts no new task and lets the running ones finish. The
/// condition is `fail=N` (N tasks failed), `fail=P%` (P percent of the tasks done so far failed, once at least
/// three are done), `success=N`/`success=P%`, or `done=N`/`done=P%`. A pure value: the driver asks
/// `decision` after results are recorded and carries out what it says.
public struct HaltPolicy: Sendable, Equatable {
    /// How to stop.
    public enum Urgency: Sendable, Equatable {
        /// Stop the running tasks at once.
        case now
        /// Start nothing new; let the running tasks finish.
        case soon
    }

    /// What is counted.
    public enum Counted: String, Sendable, Equatable {
        case fail, success, done
    }

    /// A count, or a percentage of the tasks done so far.
    public enum Threshold: Sendable, Equatable {
        case count(Int)
        case percent(Double)
    }

    public let urgency: Urgency
    public let counted: Counted
    public let threshold: Threshold

    /// Parses `now,fail=1`, `soon,fail=30%`, `now,success=1`, `soon,done=50%` (and GNU parallel's short forms
    /// `0` none, `1` = `soon,fail=1`, `2` = `now,fail=1`); `nil` for `never` or `0`.
    ///
    /// - Throws: a message naming what is wrong and the accepted forms.
    public static func parse(_ text: String) throws(HaltPolicyError) -> HaltPolicy? {
        switch text {
        case "never", "0": return nil
        case "1": return HaltPolicy(urgency: .soon, counted: .fail, threshold: .count(1))
        case "2": return HaltPolicy(urgency: .now, counted: .fail, threshold: .count(1))
        default: break
        }
        let parts = text.split(separator: ",", maxSplits: 1).map(String.init)
        guard parts.count == 2, let urgency = ["now": Urgency.now, "soon": .soon][parts[0]] else {
            throw HaltPolicyError(text)
        }
        let condition = parts[1].split(separator: "=", maxSplits: 1).map(String.init)
        guard condition.count == 2, let counted = Counted(rawValue: condition[0]) else { throw HaltPolicyError(text) }
        let value = condition[1]
        if value.hasSuffix("%") {
            guard let percent = Double(value.dropLast()), percent > 0, percent <= 100 else { throw HaltPolicyError(text) }
            return HaltPolicy(urgency: urgency, counted: counted, threshold: .percent(percent))
        }
        guard let count = Int(value), count >= 1, count <= 1_000_000_000 else { throw HaltPolicyError(text) }
        return HaltPolicy(urgency: urgency, counted: counted, threshold: .count(count))
    }

    public init(urgency: Urgency, counted: Counted, threshold: Threshold) {
        self.urgency = urgency
        self.counted = counted
        self.threshold = threshold
    }

    /// How to stop, once the counts meet the condition; `nil` while the job should go on.
    public func decision(succeeded: Int, failed: Int) -> Urgency? {
        let done = succeeded + failed
        let value: Int
        switch counted {
        case .fail: value = failed
        case .success: value = succeeded
        case .done: value = done
        }
        switch threshold {
        case .count(let count):
            return value >= count ? urgency : nil
        case .percent(let percent):
            guard done >= 3 else { return nil }
            return Double(value) * 100 >= percent * Double(done) ? urgency : nil
        }
    }

    /// Why the job stopped early, for its summary.
    public var description: String {
        let limit: String
        switch threshold {
        case .count(let count): limit = "\(count)"
        case .percent(let percent): limit = "\(percent)%"
        }
        return "--halt \(urgency == .now ? "now" : "soon"),\(counted.rawValue)=\(limit)"
    }
}

/// A `--halt` value that cannot be understood.
public struct HaltPolicyError: Error, Sendable, CustomStringConvertible {
    public let text: String
    public init(_ text: String) { self.text = text }
    public var description: String {
        "--halt \(text): expected now|soon,fail|success|done=N or =P% (e.g. now,fail=1 or soon,fail=20%), or never"
    }
}
