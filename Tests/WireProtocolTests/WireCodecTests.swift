import Testing
import WireProtocol

@Suite("Wire codec")
struct WireCodecTests {
    static let samples: [WireMessage] = [
        .hello(Hello(host: "alpha", pid: 4242, slots: 2, token: "abc")),
        .hello(Hello(host: "gpu-7", pid: 1, slots: 8, token: "", offer: HostOffer(
            labels: ["zone": "eu", "disk": "ssd", "ünï": "çödé"], resources: ["licence": 2, "scratch": 0, "max": 1_000_000],
            gpus: 1024, memoryBytes: 64 << 30, availableMemoryBytes: 3 << 30))),
        .hello(Hello(host: "beta", pid: -5, slots: 1, token: "t", offer: HostOffer(gpus: 0, memoryBytes: 0))),
        .heartbeat(workerID: 9, availableMemoryBytes: 3 << 30),
        .heartbeat(workerID: 9, availableMemoryBytes: 0),
        .heartbeat(workerID: 2, availableMemoryBytes: UInt64.max),
        .welcome(Welcome(workerID: 7, taskEndpoint: "ipc:///tmp/x/w7", resultEndpoint: "ipc:///tmp/x/results",
                         heartbeatMilliseconds: 1000, heartbeatMisses: 3, outputCapBytes: 65536, killGraceMilliseconds: 2000)),
        .refusal(reason: "no"),
        .ready(workerID: 7),
        .assign([TaskAssignment(sequence: 0, attempt: 1, spec: Array(#"{"run":"echo"}"#.utf8)),
                 TaskAssignment(sequence: UInt64.max, attempt: UInt32.max, spec: [])]),
        .results(workerID: 3, started: [StartedTask(sequence: 9, attempt: 1)],
                 [TaskResult(sequence: 5, attempt: 2, outcome: .timeout, retryable: true, startedAtMicroseconds: -1,
                             durationMicroseconds: 123_456, body: Array(#"{"error":"x"}"#.utf8))]),
        .results(workerID: 4, started: [], [TaskResult(sequence: 1, attempt: 1, outcome: .ok, retryable: false,
                                                       startedAtMicroseconds: 1, durationMicroseconds: 2, body: [])]),
        .returned(workerID: 3, sequences: [1, 2, 300_000]),
        .heartbeat(workerID: 0),
        .drain(graceMilliseconds: 2000, cancelRunning: true),
        .shutdown,
        .reclaim(count: 12),
        .welcome(Welcome(workerID: 8, taskEndpoint: "tcp://10.0.0.1:7701", resultEndpoint: "tcp://10.0.0.1:7700",
                         heartbeatMilliseconds: 500, heartbeatMisses: 2, outputCapBytes: 0, killGraceMilliseconds: 1,
                         streamOutput: true)),
        .progress(workerID: 2, [ProgressReport(sequence: 3, permille: 1000, message: "almost"),
                                ProgressReport(sequence: 4, permille: nil, message: "")]),
        .output(workerID: 5, [TaskOutputLine(sequence: 1, attempt: 1, stream: .stdout, text: Array("task-a-1".utf8)),
                              TaskOutputLine(sequence: 1, attempt: 1, stream: .stderr, text: [0xFF, 0x00, 0x0D], cut: true),
                              TaskOutputLine(sequence: UInt64.max, attempt: UInt32.max, stream: .stdout, text: [])]),
        .output(workerID: 5, []),
        .outputCredit(handledBytes: 1 << 40),
    ]

    @Test("every message survives a round trip", arguments: samples)
    func roundTrip(message: WireMessage) throws {
        #expect(try WireMessage(decoding: message.encoded()) == message)
    }

    @Test("every truncation of every message is rejected, never a crash", arguments: samples)
    func truncations(message: WireMessage) {
        let frame = message.encoded()
        for length in 0..<frame.count {
            #expect(throws: WireDecodingError.self) { try WireMessage(decoding: Array(frame.prefix(length))) }
        }
    }

    @Test("trailing bytes, unknown types and other versions are rejected")
    func rejectsMalformed() throws {
        #expect(throws: WireDecodingError.malformed("1 unexpected trailing bytes")) {
            try WireMessage(decoding: WireMessage.shutdown.encoded() + [0])
        }
        #expect(throws: WireDecodingError.unknownMessageType(77)) { try WireMessage(decoding: [WireMessage.protocolVersion, 77]) }
        var other = WireMessage.heartbeat(workerID: 1).encoded()
        other[0] = 9
        #expect(throws: WireDecodingError.unsupportedVersion(9)) { try WireMessage(decoding: other) }
    }

    @Test("output line flags beyond stream and cut, and stream-output flags beyond 1, are rejected")
    func rejectsBadFlags() {
        var line = WireMessage.output(workerID: 1, [TaskOutputLine(sequence: 1, attempt: 1, stream: .stderr, text: [65])]).encoded()
        // [version][type][worker 1][count 1][sequence 1][attempt 1][flags][length 1][65]
        #expect(line[6] == 1)
        line[6] = 4
        #expect(throws: WireDecodingError.malformed("output line flags 4")) { try WireMessage(decoding: line) }
        var welcome = WireMessage.welcome(Welcome(workerID: 1, taskEndpoint: "t", resultEndpoint: "r", heartbeatMilliseconds: 1,
                                                  heartbeatMisses: 2, outputCapBytes: 3, killGraceMilliseconds: 4,
                                                  maxFrameBytes: 1024)).encoded()
        // The flag, then the frame limit 1024 as two varint bytes.
        welcome[welcome.count - 3] = 2
        #expect(throws: WireDecodingError.malformed("stream-output flag 2")) { try WireMessage(decoding: welcome) }
        welcome[welcome.count - 3] = 0
        welcome[welcome.count - 1] = 0
        #expect(throws: WireDecodingError.malformed("max frame bytes 0")) { try WireMessage(decoding: welcome) }
    }

    @Test("a hello declaring more than the limits allow is refused, naming what is too much")
    func helloLimits() {
        func decodes(_ offer: HostOffer) -> WireDecodingError? {
            let frame = WireMessage.hello(Hello(host: "h", pid: 1, slots: 1, token: "", offer: offer)).encoded()
            do {
                #expect(try WireMessage(decoding: frame) == .hello(Hello(host: "h", pid: 1, slots: 1, token: "", offer: offer)))
                return nil
            } catch {
                return error
            }
        }
        let many = Dictionary(uniqueKeysWithValues: (0..<HostOffer.maximumEntries).map { ("l\($0)", "v") })
        let long = String(repeating: "x", count: HostOffer.maximumNameBytes)
        #expect(decodes(HostOffer(labels: many, resources: many.mapValues { _ in 1 })) == nil)
        #expect(decodes(HostOffer(labels: [long: long], resources: [long: HostOffer.maximumResourceAmount])) == nil)
        #expect(decodes(HostOffer(labels: many.merging(["one": "more"]) { $1 })) == .malformed("65 labels (at most 64)"))
        #expect(decodes(HostOffer(resources: many.mapValues { _ in 1 }.merging(["x": 1]) { $1 }))
            == .malformed("65 resources (at most 64)"))
        #expect(decodes(HostOffer(labels: [long + "y": "v"])) == .malformed("label name of 201 bytes (1 to 200)"))
        #expect(decodes(HostOffer(labels: ["k": long + "y"])) == .malformed("label value of 201 bytes (1 to 200)"))
        #expect(decodes(HostOffer(labels: ["k": ""])) == .malformed("label value of 0 bytes (1 to 200)"))
        #expect(decodes(HostOffer(resources: ["": 1])) == .malformed("resource name of 0 bytes (1 to 200)"))
        #expect(decodes(HostOffer(resources: ["r": 1_000_001])) == .malformed("resource r amount 1000001 (at most 1000000)"))
        #expect(decodes(HostOffer(gpus: 1025)) == .malformed("1025 GPUs (at most 1024)"))
        for host in ["", String(repeating: "h", count: Hello.maximumHostBytes + 1)] {
            let frame = WireMessage.hello(Hello(host: host, pid: 1, slots: 1, token: "")).encoded()
            #expect(throws: WireDecodingError.malformed("host name of \(host.utf8.count) bytes (1 to 255)")) {
                try WireMessage(decoding: frame)
            }
        }
        // The same label twice (a map cannot say so: forge the frame).
        var encoder = WireEncoder()
        encoder.write(byte: WireMessage.protocolVersion)
        encoder.write(byte: 1)
        encoder.write(byte: WireMessage.protocolVersion)
        encoder.write(text: "h")
        encoder.write(signed: 1)
        encoder.write(1)
        encoder.write(1)
        encoder.write(text: "")
        encoder.write(list: ["a", "a"]) { encoder, name in
            encoder.write(text: name)
            encoder.write(text: "v")
        }
        encoder.write(0)
        encoder.write(0)
        encoder.write(optional: nil)
        encoder.write(optional: nil)
        #expect(WireMessage.isHello(encoder.bytes))
        #expect(throws: WireDecodingError.malformed("a name declared twice")) { try WireMessage(decoding: encoder.bytes) }
        // A million labels claimed in a small frame is refused before anything is reserved.
        var forged = Array(encoder.bytes.prefix(9))
        var count = WireEncoder()
        count.write(1_000_000)
        forged += count.bytes + [1, 65, 1, 66]
        #expect(throws: WireDecodingError.self) { try WireMessage(decoding: forged) }
    }

    @Test("a heartbeat's memory presence flag beyond 1 is rejected")
    func heartbeatPresenceFlag() {
        var frame = WireMessage.heartbeat(workerID: 1, availableMemoryBytes: nil).encoded()
        #expect(frame.last == 0)
        frame[frame.count - 1] = 2
        #expect(throws: WireDecodingError.malformed("presence flag 2")) { try WireMessage(decoding: frame) }
    }

    @Test("a refusal is readable whatever version sent it")
    func refusalAcrossVersions() throws {
        var frame = WireMessage.refusal(reason: "upgrade").encoded()
        frame[0] = 200
        #expect(try WireMessage(decoding: frame) == .refusal(reason: "upgrade"))
    }

    @Test("a forged element count cannot make the decoder allocate beyond the frame")
    func forgedCounts() {
        // assign with a count of 2^62 elements and no bodies
        var encoder = WireEncoder()
        encoder.write(byte: WireMessage.protocolVersion)
        encoder.write(byte: 4)
        encoder.write(UInt64(1) << 62)
        #expect(throws: WireDecodingError.self) { try WireMessage(decoding: encoder.bytes) }
    }

    @Test("random bytes never crash the decoder")
    func randomGarbage() {
        var generator = SplitMix(seed: 42)
        var decoded = 0
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 64)
            var frame = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if frame.count >= 2, generator.next() % 2 == 0 {
                frame[0] = WireMessage.protocolVersion
                frame[1] = UInt8(1 + generator.next() % 12)
            }
            if (try? WireMessage(decoding: frame)) != nil { decoded += 1 }
        }
        // Some well-formed frames arise by chance (e.g. `shutdown`); what matters is that none crashed.
        #expect(decoded < 20_000)
    }

    @Test("varints round-trip at their edges")
    func varints() throws {
        for value: UInt64 in [0, 1, 127, 128, 16_383, 16_384, UInt64(UInt32.max), UInt64.max] {
            var encoder = WireEncoder()
            encoder.write(value)
            var decoder = WireDecoder(encoder.bytes)
            #expect(try decoder.readUInt64() == value)
        }
        for value: Int64 in [0, -1, 1, Int64.min, Int64.max] {
            var encoder = WireEncoder()
            encoder.write(signed: value)
            var decoder = WireDecoder(encoder.bytes)
            #expect(try decoder.readInt64() == value)
        }
        var overlong = WireDecoder([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        #expect(throws: WireDecodingError.self) { try overlong.readUInt64() }
    }
}

/// A small deterministic generator so the garbage test is repeatable.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
