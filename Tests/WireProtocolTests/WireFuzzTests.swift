#if canImport(Glibc)
import Glibc
#endif
import PropertyBased
import Testing
import WireProtocol

/// Property-based fuzzing of the wire decoder: whatever bytes arrive, decoding either fails with a
/// `WireDecodingError` or yields a message that survives a round trip. Never a crash, never a hang.
///
/// `JOBRUN_FUZZ_CASES` sets how many inputs each property tries (scripts/test raises it for a longer run).
@Suite("Wire decoder fuzzing")
struct WireFuzzTests {
    static var cases: Int {
        getenv("JOBRUN_FUZZ_CASES").flatMap { Int(String(cString: $0)) } ?? 2000
    }

    static func check(_ frame: [UInt8]) {
        guard let message = try? WireMessage(decoding: frame) else { return }
        #expect((try? WireMessage(decoding: message.encoded())) == message, "round trip of \(message)")
    }

    @Test("arbitrary bytes are rejected or round-trip")
    func arbitraryBytes() async {
        await propertyCheck(count: Self.cases, input: Gen<UInt8>.value().array(of: 0...300)) { bytes in
            Self.check(bytes)
        }
    }

    @Test("arbitrary bodies behind a valid header are rejected or round-trip")
    func validHeaders() async {
        let kinds = Gen<UInt8>.value(in: 1...14)
        let bodies = Gen<UInt8>.value().array(of: 0...200)
        await propertyCheck(count: Self.cases, input: kinds, bodies) { kind, body in
            Self.check([WireMessage.protocolVersion, kind] + body)
        }
    }

    @Test("a hello's declarations round-trip exactly when within the limits, and are refused otherwise")
    func helloOffers() async {
        let counts = Gen<Int>.value(in: 0...70)
        let lengths = Gen<Int>.value(in: 0...205)
        let gpus = Gen<UInt32>.value(in: 0...1030)
        let amounts = Gen<UInt32>.value(in: 0...1_000_005)
        await propertyCheck(count: Self.cases / 40, input: counts, lengths, gpus, amounts) { count, length, gpus, amount in
            // Distinct names of about `length` bytes (two-byte characters), all empty for length 0.
            let names = (0..<count).map { index in length == 0 ? "" : "\(index)-" + String(repeating: "é", count: length / 2) }
            var offer = HostOffer(gpus: gpus, memoryBytes: amount % 2 == 0 ? nil : UInt64(amount) << 20)
            for name in names {
                offer.labels[name] = name
                offer.resources[name] = amount
            }
            let within = count <= HostOffer.maximumEntries && gpus <= HostOffer.maximumGPUs
                && amount <= HostOffer.maximumResourceAmount
                && offer.labels.keys.allSatisfy { !$0.isEmpty && $0.utf8.count <= HostOffer.maximumNameBytes }
            let hello = WireMessage.hello(Hello(host: "h", pid: 2, slots: 3, token: "", offer: offer))
            let decoded = try? WireMessage(decoding: hello.encoded())
            #expect((decoded == hello) == within, "\(count) names of \(length) bytes, \(gpus) GPUs, amount \(amount)")
            if !within { #expect(decoded == nil) }
        }
    }

    @Test("valid frames with bytes changed, cut or added are rejected or round-trip")
    func mutatedFrames() async {
        let frames = WireCodecTests.samples.map { $0.encoded() }
        let choice = Gen<Int>.value(in: 0...(frames.count - 1))
        let position = Gen<Int>.value(in: 0...4096)
        let byte = Gen<UInt8>.value()
        let mode = Gen<Int>.value(in: 0...2)
        await propertyCheck(count: Self.cases, input: choice, position, byte, mode) { index, at, value, how in
            var frame = frames[index]
            let spot = at % (frame.count + 1)
            switch how {
            case 0 where spot < frame.count: frame[spot] = value
            case 1: frame.removeLast(frame.count - spot)
            default: frame.insert(value, at: spot)
            }
            Self.check(frame)
        }
    }
}
