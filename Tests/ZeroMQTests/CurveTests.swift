import Testing
import ZeroMQ

@Suite("CURVE and ZAP")
struct CurveTests {
    @Test("Z85 round-trips bytes and rejects bad lengths and characters")
    func z85() throws {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(Z85.encode(bytes) == "HelloWorld")
        #expect(Z85.decode("HelloWorld") == bytes)
        #expect(Z85.encode([1, 2, 3]) == nil)
        #expect(Z85.decode("Hello") != nil)
        #expect(Z85.decode("Hell") == nil)
        #expect(Z85.decode("Hell~") == nil)
    }

    @Test("a generated key pair derives its own public key")
    func keyPair() throws {
        try #require(ZeroMQ.has("curve"))
        let pair = try CurveKeyPair.generate()
        #expect(Z85.isKey(pair.publicKey) && Z85.isKey(pair.secretKey))
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(throws: ZMQError.self) { try CurveKeyPair(secretKey: "short") }
    }

    @Test("a ZAP handler admits a listed client key and rejects another")
    func zapAdmitsOnlyListedKeys() throws {
        try #require(ZeroMQ.has("curve"))
        let context = try ZMQContext()
        defer { context.terminate() }
        let zap = try ZMQSocket(context: context, type: .rep)
        defer { zap.close() }
        try zap.bind(ZAPRequest.endpoint)
        let server = try CurveKeyPair.generate()
        let good = try CurveKeyPair.generate()
        let bad = try CurveKeyPair.generate()
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        try pull.makeCurveServer(keys: server, domain: "test")
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try pull.lastEndpoint()

        var seen: [String] = []
        func answer() throws {
            guard let frames = try receiveMultipart(zap), let request = ZAPRequest(frames: frames) else { return }
            #expect(request.mechanism == "CURVE" && request.domain == "test" && request.address == "127.0.0.1")
            let key = request.curvePublicKey ?? ""
            seen.append(key)
            try zap.sendMultipart(request.reply(allowed: key == good.publicKey, userID: "w", reason: "not listed"))
        }
        let rejected = try ZMQSocket(context: context, type: .push)
        defer { rejected.close() }
        try rejected.makeCurveClient(keys: bad, serverKey: server.publicKey)
        try rejected.connect(endpoint)
        try rejected.send(bytes("from bad"))
        try answer()
        let admitted = try ZMQSocket(context: context, type: .push)
        defer { admitted.close() }
        try admitted.makeCurveClient(keys: good, serverKey: server.publicKey)
        try admitted.connect(endpoint)
        try admitted.send(bytes("from good"))
        // The rejected client may retry; answer until the admitted message arrives (bounded).
        var received: [UInt8]?
        for _ in 0..<20 where received == nil {
            var items = [PollItem(socket: zap, events: .readable), PollItem(socket: pull, events: .readable)]
            _ = try poll(&items, within: eventDeadline)
            if items[0].returnedEvents.contains(.readable) { try answer() }
            if items[1].returnedEvents.contains(.readable) { received = try pull.receive(dontWait: true) }
        }
        #expect(received == bytes("from good"))
        #expect(seen.first == bad.publicKey)
        #expect(seen.contains(good.publicKey))
        #expect(try pull.receive(dontWait: true) == nil)
    }
}
