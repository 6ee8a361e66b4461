import Glibc
import JSONValue

extension TaskFile {
    /// The format the content of the file at `path` shows, from its first non-blank line: a line that is a
    /// whole JSON object without `tasks` or `defaults` is the first task of a JSONL file; anything else (a
    /// `{"tasks": ...}` document, on one line or many) is JSON. `nil` when the file cannot be read or its first
    /// line is longer than 64 KiB (the name decides then).
    public static func detectFormat(path: String) -> Format? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let capacity = 64 << 10
        var bytes = [UInt8](repeating: 0, count: capacity)
        var count = 0
        while count < capacity {
            let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, capacity - count) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            count += got
        }
        var start = 0
        while true {
            while start < count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[start]) { start += 1 }
            guard start < count else { return nil }
            let end = bytes[start..<count].firstIndex(of: 0x0A) ?? count
            guard end < count || count < capacity else { return nil }
            let parsed: JSONValue? = bytes[start..<end].withUnsafeBytes { try? JSONParser.parse($0) }
            guard case .object(let object)? = parsed else { return .json }
            return object["tasks"] != nil || object["defaults"] != nil ? .json : .jsonl
        }
    }
}
