import Testing
import TaskFile

@Suite("TaskDefaults: the job's --timeout and --memory for tasks that leave them out")
struct TaskDefaultsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let own: (timeout: Double?, memory: UInt64?)
        let defaults: TaskDefaults
        /// The effective timeout and memory limit, or `nil` when the task is sent as read.
        let effective: (timeout: Double?, memory: UInt64?)?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no defaults: sent as read", own: (nil, nil), defaults: TaskDefaults(), effective: nil),
        Case(name: "the default timeout fills a missing one", own: (nil, nil), defaults: TaskDefaults(timeout: 30),
             effective: (30, nil)),
        Case(name: "a task's own timeout wins", own: (5, nil), defaults: TaskDefaults(timeout: 30), effective: nil),
        Case(name: "a task's own short timeout still wins", own: (0.5, nil), defaults: TaskDefaults(timeout: 30),
             effective: nil),
        Case(name: "the default memory limit fills a missing one", own: (nil, nil),
             defaults: TaskDefaults(memoryLimitBytes: 1 << 20), effective: (nil, 1 << 20)),
        Case(name: "a task's own memory limit wins", own: (nil, 2 << 20), defaults: TaskDefaults(memoryLimitBytes: 1 << 20),
             effective: nil),
        Case(name: "both defaults fill both gaps", own: (nil, nil),
             defaults: TaskDefaults(timeout: 7, memoryLimitBytes: 1 << 20), effective: (7, 1 << 20)),
        Case(name: "own timeout kept, default memory added", own: (3, nil),
             defaults: TaskDefaults(timeout: 7, memoryLimitBytes: 1 << 20), effective: (3, 1 << 20)),
        Case(name: "own memory kept, default timeout added", own: (nil, 4 << 20),
             defaults: TaskDefaults(timeout: 7, memoryLimitBytes: 1 << 20), effective: (7, 4 << 20)),
        Case(name: "a task that sets both is sent as read", own: (3, 4 << 20),
             defaults: TaskDefaults(timeout: 7, memoryLimitBytes: 1 << 20), effective: nil),
    ]

    @Test("effective timeout and memory limit", arguments: cases)
    func effective(_ row: Case) {
        let spec = TaskSpec(
            command: .shell("true"), retries: 2, timeout: row.own.timeout, memoryLimitBytes: row.own.memory)
        let applied = row.defaults.applied(to: spec)
        #expect(applied?.timeout == row.effective?.timeout)
        #expect(applied?.memoryLimitBytes == row.effective?.memory)
        #expect((applied == nil) == (row.effective == nil))
        if let applied {
            // Only the missing fields change: the command and the task's own retries stay.
            #expect(applied.command == spec.command)
            #expect(applied.retries == 2)
            #expect(applied.serializedJSON != spec.serializedJSON)
        }
    }
}
