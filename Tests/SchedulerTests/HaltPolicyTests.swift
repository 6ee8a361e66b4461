import Testing

@testable import Scheduler

struct HaltPolicyTests {
    @Test(arguments: [
        ("now,fail=1", HaltPolicy(urgency: .now, counted: .fail, threshold: .count(1))),
        ("soon,fail=20%", HaltPolicy(urgency: .soon, counted: .fail, threshold: .percent(20))),
        ("now,success=3", HaltPolicy(urgency: .now, counted: .success, threshold: .count(3))),
        ("soon,done=50%", HaltPolicy(urgency: .soon, counted: .done, threshold: .percent(50))),
        ("2", HaltPolicy(urgency: .now, counted: .fail, threshold: .count(1))),
    ])
    func parses(_ text: String, _ expected: HaltPolicy) throws {
        #expect(try HaltPolicy.parse(text) == expected)
    }

    @Test(arguments: ["later,fail=1", "now", "now,fail", "now,fail=0", "now,fail=-1", "now,fail=x", "now,fail=101%", "now,oops=1", "now,fail=1e99"])
    func rejects(_ text: String) {
        #expect(throws: HaltPolicyError.self) { try HaltPolicy.parse(text) }
    }

    @Test func neverIsNoPolicy() throws {
        #expect(try HaltPolicy.parse("never") == nil)
    }

    /// (succeeded, failed) → decision, for each policy.
    @Test func decidesFromTheCounts() throws {
        let failOne = try #require(try HaltPolicy.parse("now,fail=1"))
        #expect(failOne.decision(succeeded: 10, failed: 0) == nil)
        #expect(failOne.decision(succeeded: 10, failed: 1) == .now)
        let failPercent = try #require(try HaltPolicy.parse("soon,fail=50%"))
        #expect(failPercent.decision(succeeded: 0, failed: 2) == nil, "fewer than three done")
        #expect(failPercent.decision(succeeded: 2, failed: 1) == nil)
        #expect(failPercent.decision(succeeded: 2, failed: 2) == .soon)
        let successTwo = try #require(try HaltPolicy.parse("now,success=2"))
        #expect(successTwo.decision(succeeded: 1, failed: 5) == nil)
        #expect(successTwo.decision(succeeded: 2, failed: 0) == .now)
        let done = try #require(try HaltPolicy.parse("soon,done=4"))
        #expect(done.decision(succeeded: 1, failed: 2) == nil)
        #expect(done.decision(succeeded: 2, failed: 2) == .soon)
    }
}
