import Testing
import ZeroMQ

@Suite("Maximum message size")
struct MaxMessageSizeTests {
    @Test("an oversize message is never delivered; a new peer's small message still is")
    func oversizeDropped() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        try pull.setMaxMessageSize(64)
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint()

        // The offending peer: it must not reconnect (and resend) during the test.
        let offender = try ZMQSocket(context: context, type: .push)
        defer { offender.close() }
        try offender.setReconnectInterval(milliseconds: 60_000, max: 60_000)
        try offender.connect(endpoint)
        try offender.send(bytes("small first"))
        #expect(try receiveFrame(pull) == bytes("small first"))
        try offender.send([UInt8](repeating: 7, count: 65))

        let newcomer = try ZMQSocket(context: context, type: .push)
        defer { newcomer.close() }
        try newcomer.connect(endpoint)
        try newcomer.send(bytes("small second"))

        #expect(try receiveFrame(pull) == bytes("small second"))
        // Bounded check that the oversize frame does not turn up late either.
        #expect(try receiveFrame(pull, within: .milliseconds(300)) == nil)
    }
}
