import Testing
import ZeroMQ

@Suite("ROUTER/DEALER")
struct RouterDealerTests {
    @Test("multipart messages round-trip with the dealer's routing id")
    func roundTrip() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let router = try ZMQSocket(context: context, type: .router)
        defer { router.close() }
        try router.setRouterMandatory(true)
        let dealer = try ZMQSocket(context: context, type: .dealer)
        defer { dealer.close() }
        try dealer.setRoutingID(bytes("worker-1"))
        try router.bind("inproc://router")
        try dealer.connect("inproc://router")

        #expect(try dealer.sendMultipart([bytes("ready"), [], bytes("payload")]))
        let request = try #require(try receiveMultipart(router))
        #expect(request == [bytes("worker-1"), bytes("ready"), [], bytes("payload")])

        #expect(try router.sendMultipart([bytes("worker-1"), bytes("task"), bytes("42")]))
        #expect(try receiveMultipart(dealer) == [bytes("task"), bytes("42")])

        // Frame-by-frame sends build the same kind of message.
        try router.send(bytes("worker-1"), more: true)
        try router.send(bytes("part-1"), more: true)
        try router.send(bytes("part-2"))
        #expect(try receiveMultipart(dealer) == [bytes("part-1"), bytes("part-2")])
    }

    @Test("receive returns the first frame and drops the rest of that message only")
    func receiveDropsExtraFrames() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let router = try ZMQSocket(context: context, type: .router)
        defer { router.close() }
        let dealer = try ZMQSocket(context: context, type: .dealer)
        defer { dealer.close() }
        try dealer.setRoutingID(bytes("w"))
        try router.bind("inproc://drop")
        try dealer.connect("inproc://drop")

        try dealer.sendMultipart([bytes("a"), bytes("b"), bytes("c")])
        try dealer.sendMultipart([bytes("d")])
        #expect(try receiveFrame(router) == bytes("w"))
        #expect(try receiveMultipart(router) == [bytes("w"), bytes("d")])
        #expect(try router.receive(dontWait: true) == nil)
    }

    @Test("a mandatory router refuses an unknown routing id with EHOSTUNREACH")
    func unknownPeer() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let router = try ZMQSocket(context: context, type: .router)
        defer { router.close() }
        try router.setRouterMandatory(true)
        try router.bind("inproc://mandatory")

        let error = #expect(throws: ZMQError.self) {
            try router.sendMultipart([bytes("ghost"), bytes("x")])
        }
        #expect(error?.isWouldBlock == false)
        #expect(error?.description.contains("send frame 1 of 2") == true)
    }
}
