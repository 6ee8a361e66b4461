import Crypto
public import JSONValue

/// `sha256-chain`: d1 = SHA-256 of `args.seed`'s UTF-8 bytes, d(k+1) = SHA-256 of the 32 raw bytes of dk;
/// returns `{"digest": "<lowercase hex of d_rounds>"}`. Pure CPU work, run on the worker's CPU thread.
public struct SHA256ChainHandler: TaskHandler {
    public let name = "sha256-chain"
    public init() {}

    public func validate(_ arguments: JSONValue) throws(ArgumentError) {
        _ = try Self.parameters(arguments)
    }

    public func run(_ arguments: JSONValue, context: TaskContext) async throws -> JSONValue {
        let (seed, rounds) = try Self.parameters(arguments)
        let digest = try await context.compute { Self.chain(seed: Array(seed.utf8), rounds: rounds) }
        return ["digest": .string(digest)]
    }

    /// Computes the chain and returns the final digest in lowercase hex.
    public static func chain(seed: [UInt8], rounds: Int) -> String {
        var digest = SHA256.hash(data: seed)
        for _ in 1..<max(rounds, 1) {
            digest = digest.withUnsafeBytes { SHA256.hash(data: $0) }
        }
        return digest.withUnsafeBytes { hex($0) }
    }

    private static func parameters(_ arguments: JSONValue) throws(ArgumentError) -> (String, Int) {
        let object = try ArgumentReader(arguments, kind: "sha256-chain", allowed: ["seed", "rounds"])
        return (try object.string("seed"), try object.integer("rounds", atLeast: 1))
    }

    private static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
