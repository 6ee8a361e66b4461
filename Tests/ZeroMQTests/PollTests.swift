import Testing
import ZeroMQ

@Suite("zmqPoll")
struct PollTests {
    @Test("poll reports which socket is readable and which is writable")
    func sockets() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        let idle = try ZMQSocket(context: context, type: .pull)
        defer { idle.close() }
        let push = try ZMQSocket(context: context, type: .push)
        defer { push.close() }
        try pull.bind("inproc://poll")
        try idle.bind("inproc://idle")
        try push.connect("inproc://poll")

        var items = [
            PollItem(socket: pull, events: .readable),
            PollItem(socket: idle, events: .readable),
        ]
        #expect(try zmqPoll(&items, timeoutMilliseconds: 0) == 0)
        #expect(items.allSatisfy { $0.returnedEvents.isEmpty })

        try push.send(bytes("wake"))
        #expect(try poll(&items, within: eventDeadline) == 1)
        #expect(items[0].returnedEvents == .readable)
        #expect(items[1].returnedEvents.isEmpty)
        #expect(try pull.receive(dontWait: true) == bytes("wake"))

        var writable = [PollItem(socket: push, events: [.readable, .writable])]
        #expect(try zmqPoll(&writable, timeoutMilliseconds: 0) == 1)
        #expect(writable[0].returnedEvents == .writable)
    }

    @Test("a write to a pipe from another thread wakes a poll that also waits on a socket")
    func fileDescriptor() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        try pull.bind("inproc://fd")
        let pipe = try Pipe()
        defer { pipe.closeBoth() }

        var items = [
            PollItem(socket: pull, events: .readable),
            PollItem(fileDescriptor: pipe.readEnd, events: .readable),
        ]
        #expect(try zmqPoll(&items, timeoutMilliseconds: 0) == 0)

        try startThread { pipe.signal() }
        #expect(try poll(&items, within: eventDeadline) == 1)
        #expect(items[0].returnedEvents.isEmpty)
        #expect(items[1].returnedEvents.contains(.readable))
    }

    @Test("an empty item list just waits for the timeout")
    func emptyItems() throws {
        var items: [PollItem] = []
        #expect(try zmqPoll(&items, timeoutMilliseconds: 1) == 0)
    }

    @Test("polling a closed socket throws instead of polling a stale handle")
    func closedSocket() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context: context, type: .pull)
        var items = [PollItem(socket: pull, events: .readable)]
        pull.close()
        let error = #expect(throws: ZMQError.self) {
            try zmqPoll(&items, timeoutMilliseconds: 0)
        }
        #expect(error?.isClosedSocket == true)
    }
}
