import Testing

@testable import Scheduler

@Suite("StopRequests: what each request to stop a job means")
struct StopRequestsTests {
    static let failOnce = HaltPolicy(urgency: .soon, counted: .fail, threshold: .count(1))
    static let failNow = HaltPolicy(urgency: .now, counted: .fail, threshold: .count(1))

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let requests: [StopRequests.Request]
        /// The outcome of each request, in order.
        let outcomes: [StopRequests.Outcome]
        /// How far stopping went: 1, running tasks may finish; 2 or more, they are being stopped.
        let level: Int
        let haltedBy: HaltPolicy?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one interrupt lets tasks finish", requests: [.interrupt],
             outcomes: [.init(interrupts: 1, notice: .lettingTasksFinish)], level: 1, haltedBy: nil),
        Case(name: "a second interrupt stops them; a third says nothing more but still reaches the scheduler",
             requests: [.interrupt, .interrupt, .interrupt],
             outcomes: [.init(interrupts: 1, notice: .lettingTasksFinish), .init(interrupts: 1, notice: .stoppingTasks),
                        .init(interrupts: 1)], level: 3, haltedBy: nil),
        Case(name: "halt soon counts as the first interrupt", requests: [.halt(failOnce, .soon)],
             outcomes: [.init(interrupts: 1, notice: .halted(failOnce, .soon))], level: 1, haltedBy: failOnce),
        Case(name: "halt now counts as both", requests: [.halt(failNow, .now)],
             outcomes: [.init(interrupts: 2, notice: .halted(failNow, .now))], level: 2, haltedBy: failNow),
        Case(name: "halt now after one interrupt adds the second only", requests: [.interrupt, .halt(failNow, .now)],
             outcomes: [.init(interrupts: 1, notice: .lettingTasksFinish), .init(interrupts: 1, notice: .halted(failNow, .now))],
             level: 2, haltedBy: failNow),
        Case(name: "halt soon after an interrupt is noted but adds nothing", requests: [.interrupt, .halt(failOnce, .soon)],
             outcomes: [.init(interrupts: 1, notice: .lettingTasksFinish), .init(interrupts: 0, notice: .halted(failOnce, .soon))],
             level: 1, haltedBy: failOnce),
        Case(name: "a halt is met once", requests: [.halt(failOnce, .soon), .halt(failNow, .now)],
             outcomes: [.init(interrupts: 1, notice: .halted(failOnce, .soon)), .init(interrupts: 0)], level: 1, haltedBy: failOnce),
        Case(name: "a gone reader stops everything, quietly, once", requests: [.readerGone, .readerGone],
             outcomes: [.init(interrupts: 2), .init(interrupts: 0)], level: 2, haltedBy: nil),
        Case(name: "a gone reader after one interrupt still asks for two", requests: [.interrupt, .readerGone],
             outcomes: [.init(interrupts: 1, notice: .lettingTasksFinish), .init(interrupts: 2)], level: 2, haltedBy: nil),
        Case(name: "a gone reader after running tasks are stopped asks for nothing",
             requests: [.interrupt, .interrupt, .readerGone],
             outcomes: [.init(interrupts: 1, notice: .lettingTasksFinish), .init(interrupts: 1, notice: .stoppingTasks),
                        .init(interrupts: 0)], level: 2, haltedBy: nil),
        Case(name: "an interrupt after a gone reader is the third", requests: [.readerGone, .interrupt],
             outcomes: [.init(interrupts: 2), .init(interrupts: 1)], level: 3, haltedBy: nil),
    ]

    @Test("requests in order and their outcomes", arguments: cases)
    func outcomes(_ row: Case) {
        var stops = StopRequests()
        let outcomes = row.requests.map { stops.handle($0) }
        #expect(outcomes == row.outcomes)
        #expect(stops.haltedBy == row.haltedBy)
        #expect(stops.interruptCount == row.level)
    }
}
