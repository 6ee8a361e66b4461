import Testing
import ZeroMQ

@Suite("PUSH/PULL")
struct PushPullTests {
    @Test("frames arrive in order and intact over inproc")
    func inproc() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        let push = try ZMQSocket(context: context, type: .push)
        defer { push.close() }
        try pull.bind("inproc://push-pull")
        try push.connect("inproc://push-pull")

        let large = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(try push.send(bytes("hello")))
        #expect(try push.send([]))
        #expect(try push.send(large))
        let raw: [UInt8] = [0, 1, 2, 255]
        let rawSent = try raw.withUnsafeBytes { buffer in try push.send(buffer) }
        #expect(rawSent)

        #expect(try receiveFrame(pull) == bytes("hello"))
        #expect(try receiveFrame(pull) == [])
        #expect(try receiveFrame(pull) == large)
        #expect(try receiveFrame(pull) == raw)
        #expect(try pull.receive(dontWait: true) == nil)
    }

    @Test("many messages cross an ipc socket in a fresh temporary directory")
    func ipc() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove(["pull.sock"]) }
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        let push = try ZMQSocket(context: context, type: .push)
        defer { push.close() }
        let endpoint = "ipc://\(directory.path)/pull.sock"
        try pull.bind(endpoint)
        #expect(try pull.lastEndpoint() == endpoint)
        try push.connect(endpoint)

        let count = 2_000
        for index in 0..<count {
            try push.send(bytes("message \(index)"))
        }
        for index in 0..<count {
            let frame = try #require(try receiveFrame(pull), "message \(index) did not arrive")
            #expect(frame == bytes("message \(index)"))
        }
    }

    @Test("a bound PUSH socket with no peer reports would-block for dontWait sends")
    func dontWaitWithoutPeer() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let push = try ZMQSocket(context: context, type: .push)
        defer { push.close() }
        try push.bind("inproc://nobody-listens")

        #expect(try push.send(bytes("x"), dontWait: true) == false)
        #expect(try push.sendMultipart([bytes("a"), bytes("b")], dontWait: true) == false)
        let rawSent = try bytes("raw").withUnsafeBytes { buffer in try push.send(buffer, dontWait: true) }
        #expect(rawSent == false)
    }

    @Test("dontWait sends stop at the high-water mark and resume once the peer drains")
    func highWaterMark() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        let push = try ZMQSocket(context: context, type: .push)
        defer { push.close() }
        try push.setSendHighWaterMark(2)
        try pull.setReceiveHighWaterMark(2)
        try pull.bind("inproc://hwm")
        try push.connect("inproc://hwm")

        var accepted = 0
        while accepted < 10_000, try push.send(bytes("m\(accepted)"), dontWait: true) {
            accepted += 1
        }
        #expect(accepted > 0)
        #expect(accepted < 10_000, "the high-water mark never stopped a dontWait send")

        for index in 0..<accepted {
            #expect(try receiveFrame(pull) == bytes("m\(index)"))
        }
        // The writer learns that the queue drained through a libzmq command, which poll processes.
        var writable = [PollItem(socket: push, events: .writable)]
        #expect(try poll(&writable, within: eventDeadline) == 1)
        #expect(try push.send(bytes("again"), dontWait: true))
        #expect(try receiveFrame(pull) == bytes("again"))
    }

    @Test("receive with dontWait on an empty socket returns nil")
    func receiveEmpty() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        try pull.bind("inproc://empty")

        #expect(try pull.receive(dontWait: true) == nil)
        #expect(try pull.receiveMultipart(dontWait: true) == nil)
    }
}
