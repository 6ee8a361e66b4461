#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import ZeroMQ

@Suite("Errors and endpoints")
struct ErrorTests {
    @Test("binding a malformed endpoint throws an error that names it and says what is expected")
    func malformedEndpoint() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let socket = try ZMQSocket(context: context, type: .pull)
        defer { socket.close() }

        let invalid = #expect(throws: ZMQError.self) { try socket.bind("not-an-endpoint") }
        #expect(invalid?.code == EINVAL)
        #expect(invalid?.isWouldBlock == false)
        let text = invalid?.description ?? ""
        #expect(text.contains("bind pull socket to \"not-an-endpoint\""))
        #expect(text.contains("Invalid argument"))
        #expect(text.contains("tcp://HOST:PORT"))

        let transport = #expect(throws: ZMQError.self) { try socket.connect("carrier-pigeon://coop") }
        #expect(transport?.description.contains("carrier-pigeon://coop") == true)
        #expect(transport?.hint != nil)

        #expect(throws: ZMQError.self) { try socket.bind("tcp://127.0.0.1:not-a-port") }
    }

    @Test("binding tcp://127.0.0.1:* picks a free port that lastEndpoint reports")
    func wildcardPort() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        let push = try ZMQSocket(context: context, type: .push)
        defer { push.close() }

        #expect(try pull.lastEndpoint() == "")
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint()
        let prefix = "tcp://127.0.0.1:"
        try #require(endpoint.hasPrefix(prefix), "unexpected endpoint \(endpoint)")
        let port = try #require(Int(endpoint.dropFirst(prefix.count)))
        #expect((1...65_535).contains(port))

        let second = try ZMQSocket(context: context, type: .pull)
        defer { second.close() }
        let inUse = #expect(throws: ZMQError.self) { try second.bind(endpoint) }
        #expect(inUse?.code == EADDRINUSE)

        try push.connect(endpoint)
        try push.send(bytes("over tcp"))
        #expect(try receiveFrame(pull) == bytes("over tcp"))
    }

    @Test("errors compare by value and describe themselves")
    func errorValue() {
        let error = ZMQError(code: EAGAIN, operation: "send 3-byte frame on push socket")
        #expect(error.isWouldBlock)
        #expect(error == ZMQError(code: EAGAIN, operation: "send 3-byte frame on push socket"))
        #expect(error != ZMQError(code: EINVAL, operation: "send 3-byte frame on push socket"))
        #expect(error.description.hasPrefix("send 3-byte frame on push socket failed: "))
        #expect(error.description.contains("(errno \(EAGAIN))"))
    }

    @Test("version and capabilities come from the linked libzmq")
    func library() {
        let version = ZeroMQ.version
        #expect(version.major == 4)
        #expect(version.minor >= 0)
        #expect(ZeroMQ.has("ipc"))
        #expect(!ZeroMQ.has("no-such-capability"))
    }
}
