/// Sizes written as people write them: `512M`, `2G`, `1.5GiB`, `4096` (bytes). Suffixes are binary (K = 1024);
/// an optional `B` or `iB` may follow the letter.
public enum ByteSize {
    /// The number of bytes `text` names, or `nil` when it is not a size (empty, negative, unknown suffix, or
    /// more than 2^63 bytes).
    public static func parse(_ text: String) -> UInt64? {
        var digits = Substring(text)
        while digits.first == " " { digits.removeFirst() }
        while digits.last == " " { digits.removeLast() }
        var multiplier: Double = 1
        for suffix in ["iB", "B"] where digits.count > suffix.count && digits.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            break
        }
        if let last = digits.last, last.isLetter {
            switch last.uppercased() {
            case "K": multiplier = 1024
            case "M": multiplier = 1024 * 1024
            case "G": multiplier = 1024 * 1024 * 1024
            case "T": multiplier = 1024 * 1024 * 1024 * 1024
            default: return nil
            }
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let number = Double(digits), number.isFinite, number >= 0
        else { return nil }
        let bytes = (number * multiplier).rounded()
        guard bytes < 9.2e18 else { return nil }
        return UInt64(bytes)
    }

    /// `bytes` for people: `512M`, `1.5G`, `300K`, `12B`.
    public static func describe(_ bytes: UInt64) -> String {
        let units: [(String, Double)] = [("T", 1_099_511_627_776), ("G", 1_073_741_824), ("M", 1_048_576), ("K", 1024)]
        for (name, size) in units where Double(bytes) >= size {
            let value = Double(bytes) / size
            let rounded = (value * 10).rounded() / 10
            return rounded == rounded.rounded() ? "\(Int(rounded))\(name)" : "\(rounded)\(name)"
        }
        return "\(bytes)B"
    }
}
