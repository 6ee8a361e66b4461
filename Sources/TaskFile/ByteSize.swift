/// An amount of memory written as people write it: `512M`, `1.5G`, `64K`, `2T`, or a plain number of bytes.
///
/// Suffixes are powers of 1024 and case-insensitive; a trailing `B` or `iB` is allowed (`512MB`, `512MiB`).
/// Used for a task's `memory` limit (task files, `defaults`, `--memory`) and for any other size option, so every
/// place reads sizes the same way and says the same thing about a bad one.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The size in bytes.
    public let bytes: UInt64

    public init(bytes: UInt64) {
        self.bytes = bytes
    }

    /// The smallest size a memory limit may have: below it no program starts.
    public static let minimumMemoryLimit = ByteSize(bytes: 1 << 20)
    /// The largest size accepted anywhere (1 EiB).
    public static let maximum = ByteSize(bytes: 1 << 60)

    /// Why a size was refused, as a sentence that names what was expected (the caller adds where it was).
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Parses `text`; throws when it is not a size, or is outside `minimum...ByteSize.maximum`.
    public init(parsing text: String, minimum: ByteSize = ByteSize(bytes: 1)) throws(ParseError) {
        let expected = "expected a size such as 512M, 1.5G or 65536 (bytes; suffixes K, M, G, T are powers of 1024)"
        var digits = Substring(text.uppercased().trimmingSpaces)
        let binary = digits.hasSuffix("IB")
        if binary {
            digits = digits.dropLast(2)
        } else if digits.hasSuffix("B") {
            digits = digits.dropLast()
        }
        var multiplier: Double = 1
        if let last = digits.last, let power = ["K", "M", "G", "T"].firstIndex(of: last) {
            multiplier = Double(UInt64(1) << (10 * (power + 1)))
            digits = digits.dropLast()
        } else if binary {
            throw ParseError(description: "\(expected), got \"\(text)\"")
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            digits.filter({ $0 == "." }).count <= 1, digits.first != ".", digits.last != ".",
            let number = Double(digits)
        else {
            throw ParseError(description: "\(expected), got \"\(text)\"")
        }
        let value = number * multiplier
        guard value >= Double(minimum.bytes), value <= Double(Self.maximum.bytes) else {
            throw ParseError(description: "\"\(text)\" is out of range: a size from \(minimum) to \(Self.maximum)")
        }
        bytes = UInt64(value.rounded(.down))
    }

    /// `512 MiB`, `1.5 GiB`, `300 B`.
    public var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
