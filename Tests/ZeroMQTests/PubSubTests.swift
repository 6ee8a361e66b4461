import Testing
import ZeroMQ

@Suite("PUB/SUB")
struct PubSubTests {
    @Test("a subscriber receives only messages matching its prefix")
    func subscriptionFilter() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let publisher = try ZMQSocket(context: context, type: .pub)
        defer { publisher.close() }
        let subscriber = try ZMQSocket(context: context, type: .sub)
        defer { subscriber.close() }
        try publisher.bind("tcp://127.0.0.1:*")
        try subscriber.subscribe(bytes("jobs."))
        try subscriber.connect(try publisher.lastEndpoint())

        // Subscriptions reach the publisher asynchronously: publish a probe until one arrives.
        var joined = false
        for _ in 0..<500 where !joined {
            try publisher.send(bytes("jobs.probe"))
            joined = try receiveFrame(subscriber, within: .milliseconds(20)) != nil
        }
        try #require(joined, "the subscription never reached the publisher")

        try publisher.send(bytes("other.ignored"))
        try publisher.sendMultipart([bytes("jobs.done"), bytes("body")])

        // Messages from one publisher arrive in order, so everything before "jobs.done" is a probe.
        var received: [[UInt8]]?
        for _ in 0..<1_000 {
            received = try receiveMultipart(subscriber)
            if received?.first != bytes("jobs.probe") { break }
        }
        #expect(received == [bytes("jobs.done"), bytes("body")])
        #expect(try subscriber.receive(dontWait: true) == nil)
    }
}
