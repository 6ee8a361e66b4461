/// One captured stream: keeps the first `cap` bytes and counts all of them.
struct CappedOutput {
    /// The most bytes kept.
    let cap: Int
    /// The kept bytes.
    private(set) var bytes: [UInt8] = []
    /// Every byte appended, kept or not.
    private(set) var total = 0

    init(cap: Int) {
        self.cap = max(0, cap)
    }

    /// Whether bytes were dropped.
    var truncated: Bool { total > bytes.count }

    /// Counts `chunk` and keeps as much of it as fits under the cap.
    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        total += chunk.count
        let room = cap - bytes.count
        if room > 0 {
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk.prefix(room)))
        }
    }
}
