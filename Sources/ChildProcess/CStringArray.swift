import Glibc

/// A NULL-terminated `char *[]` for `argv` / `envp`: borrowed pointers first, then copies of
/// Swift strings laid out in a single allocation. Freed when the value goes away.
///
/// The strings must not contain NUL bytes (check with `firstIndexContainingNul` first).
struct CStringArray: ~Copyable {
    /// The array, valid as long as this value lives (and the borrowed strings stay valid).
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let storage: UnsafeMutableRawPointer

    /// Copies `strings` after the pointers in `borrowed`.
    init(borrowing borrowed: [UnsafeMutablePointer<CChar>] = [], copying strings: [String]) {
        var byteCount = 0
        for string in strings {
            byteCount += string.utf8.count + 1
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 1)
        let pointers = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(
            capacity: borrowed.count + strings.count + 1)
        var slot = 0
        for pointer in borrowed {
            pointers[slot] = pointer
            slot += 1
        }
        var offset = 0
        for string in strings {
            var copy = string
            let length = copy.withUTF8 { utf8 in
                if let base = utf8.baseAddress {
                    (storage + offset).copyMemory(from: base, byteCount: utf8.count)
                }
                return utf8.count
            }
            storage.storeBytes(of: 0, toByteOffset: offset + length, as: UInt8.self)
            pointers[slot] = (storage + offset).assumingMemoryBound(to: CChar.self)
            slot += 1
            offset += length + 1
        }
        pointers[slot] = nil
        self.pointers = pointers
        self.storage = storage
    }

    deinit {
        pointers.deallocate()
        storage.deallocate()
    }

    /// The index of the first string that contains a NUL byte, which C strings cannot carry.
    static func firstIndexContainingNul(_ strings: [String]) -> Int? {
        strings.firstIndex { $0.utf8.contains(0) }
    }
}
