import Testing

@testable import TaskFile

/// `LosslessText` keeps every byte: any byte string decodes to text that encodes back to the same bytes, and
/// valid UTF-8 decodes exactly as Swift decodes it.
struct LosslessTextTests {
    @Test("every byte string round-trips; valid UTF-8 is plain text")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        let samples: [[UInt8]] = [
            [], [0xFF, 0xFE], Array("ünïcødé ✓ 𝄞".utf8), [0x61, 0xC3, 0xA9, 0xFF, 0x62, 0x80], [0x78, 0xE2, 0x82],
            [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x9F, 0x98, 0x80], [0x00, 0x0A, 0x7F],
        ] + (0..<2000).map { _ in (0..<Int.random(in: 0...12, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        for bytes in samples {
            let text = LosslessText.decode(bytes)
            #expect(LosslessText.encode(text) == bytes, "\(bytes)")
            if let valid = String(validating: bytes, as: UTF8.self) {
                #expect(text == valid)
                #expect(!LosslessText.hasRawBytes(text))
            } else {
                #expect(LosslessText.hasRawBytes(text), "\(bytes)")
            }
        }
    }

    @Test("each byte that is not UTF-8 is one escape; the valid sequences around it stay")
    func escapes() {
        let text = LosslessText.decode([0x61, 0xC3, 0xA9, 0xFF, 0xE2, 0x82])
        #expect(Array(text.unicodeScalars.map(\.value)) == [0x61, 0xE9, 0x10FFFF, 0x10FF80 + 0x62, 0x10FF80 + 0x02])
    }
}
