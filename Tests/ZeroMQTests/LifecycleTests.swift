import Synchronization
import Testing
import ZeroMQ

@Suite("Close and terminate")
struct LifecycleTests {
    @Test("closing sockets with unsent messages, then terminating, finishes promptly")
    func closeThenTerminate() throws {
        let context = try ZMQContext()
        let pipe = try Pipe()
        defer { pipe.closeBoth() }

        // A peer that never answers: the connection attempt and its queue stay pending.
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect("tcp://127.0.0.1:1")
        for index in 0..<100 {
            try push.send(bytes("pending \(index)"))
        }
        let dealer = try ZMQSocket(context: context, type: .dealer)
        try dealer.connect("inproc://never-bound")
        try dealer.sendMultipart([bytes("queued")])
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.bind("tcp://127.0.0.1:*")

        push.close()
        dealer.close()
        pull.close()
        pull.close()
        #expect(push.isClosed && dealer.isClosed && pull.isClosed)

        try startThread {
            context.terminate()
            pipe.signal()
        }
        #expect(try pipe.waitForSignal(), "ZMQContext.terminate() did not return")
        #expect(context.isTerminated)
        context.terminate()
    }

    @Test("a closed socket refuses every operation with a clear error")
    func closedSocket() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let socket = try ZMQSocket(context: context, type: .push)
        socket.close()

        let sendError = #expect(throws: ZMQError.self) { try socket.send(bytes("x")) }
        #expect(sendError?.isClosedSocket == true)
        #expect(sendError?.description.contains("send on push socket") == true)
        #expect(throws: ZMQError.self) { try socket.receive() }
        #expect(throws: ZMQError.self) { try socket.bind("inproc://closed") }
        #expect(throws: ZMQError.self) { try socket.setLinger(milliseconds: 10) }
        #expect(throws: ZMQError.self) { try socket.lastEndpoint() }
    }

    @Test("no socket can be created from a terminated context")
    func terminatedContext() throws {
        let context = try ZMQContext()
        context.terminate()
        let error = #expect(throws: ZMQError.self) { try ZMQSocket(context: context, type: .pull) }
        #expect(error?.isContextTerminated == true)
    }

    @Test("shutdown wakes a receive blocked on another thread with ETERM")
    func shutdownWakesBlockedReceive() throws {
        let context = try ZMQContext()
        let pipe = try Pipe()
        defer { pipe.closeBoth() }
        let outcome = Atomic<Int>(0)  // 1: ETERM seen, 2: anything else

        try startThread {
            do throws(ZMQError) {
                let socket = try ZMQSocket(context: context, type: .pull)
                defer { socket.close() }
                try socket.bind("inproc://blocked")
                _ = try socket.receive()
                outcome.store(2, ordering: .releasing)
            } catch {
                outcome.store(error.isContextTerminated ? 1 : 2, ordering: .releasing)
            }
            pipe.signal()
        }
        context.shutdown()
        #expect(try pipe.waitForSignal(), "the blocked receive never returned")
        #expect(outcome.load(ordering: .acquiring) == 1)
        context.terminate()
    }
}
