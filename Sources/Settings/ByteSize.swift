/// A size in bytes as people write it on a command line: `512`, `64K`, `10M`, `1G` (powers of 1024; a
/// trailing `B` or `iB` is allowed).
public enum ByteSize {
    /// The number of bytes `text` means, or `nil` when it is not a size or exceeds `limit`.
    public static func parse(_ text: String, limit: Int = 1 << 40) -> Int? {
        var digits = Substring(text.uppercased())
        if digits.hasSuffix("IB") { digits = digits.dropLast(2) } else if digits.hasSuffix("B") { digits = digits.dropLast() }
        var multiplier = 1
        if let last = digits.last, let shift = ["K": 10, "M": 20, "G": 30, "T": 40][String(last)] {
            multiplier = 1 << shift
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count <= 15,
            let value = Int(digits)
        else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow, bytes <= limit else { return nil }
        return bytes
    }
}
