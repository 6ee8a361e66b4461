import JSONValue
import Testing
@testable import JobMonitor

@Suite("the event log's budget for task output")
struct OutputLogBudgetTests {
    @Test("lines are logged up to the limit; after it every line is counted per task, even ones that would fit")
    func budget() {
        var budget = OutputLogBudget(limitBytes: 100)
        let admitted = [
            budget.admit(bytes: 60, key: "a", id: "a"), budget.admit(bytes: 40, key: "b", id: 2),
            budget.admit(bytes: 1, key: "b", id: 2), budget.admit(bytes: 50, key: "a", id: "a"),
            budget.admit(bytes: 50, key: "b", id: 2),
        ]
        #expect(admitted == [true, true, false, false, false])
        #expect(budget.loggedBytes == 100)
        #expect(budget.droppedLines == 3)
        #expect(budget.droppedOrder.map(\.key) == ["b", "a"])
        #expect(budget.dropped == ["a": 1, "b": 2])
        #expect(budget.note(count: 2) == "[jobrun: 2 lines not logged: the event log keeps at most 100 bytes of task output per job (output_log_bytes)]")
    }
}
