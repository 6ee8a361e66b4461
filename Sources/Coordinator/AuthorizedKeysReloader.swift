import Glibc
import Security

/// Keeps a coordinator's authorized worker keys in step with their file: a key added while the job runs is
/// admitted at the worker's next attempt, without a restart.
///
/// The file is read again only when a worker is about to be refused and the file changed since it was read
/// (its inode, size or modification time), so a flood of refused connections costs one `stat` each.
/// Not thread-safe: used on the coordinator's loop.
struct AuthorizedKeysReloader {
    private(set) var keys: AuthorizedKeys?
    private var stamp: [Int64]?

    init(_ keys: AuthorizedKeys?) {
        self.keys = keys
        stamp = keys.flatMap { Self.stamp(of: $0.path) }
    }

    /// Whether `publicKey` is admitted, rereading the file first if it changed; `note` says what a reread found.
    mutating func admits(_ publicKey: String, note: inout String?) -> Bool {
        if keys?.contains(publicKey) == true { return true }
        guard let path = keys?.path, !path.isEmpty, let current = Self.stamp(of: path), current != stamp else {
            return false
        }
        stamp = current
        do {
            let reread = try AuthorizedKeys(contentsOf: path)
            note = "jobrun: \(path) changed; reread it: \(reread.keys.count) authorized worker key(s)"
            keys = reread
        } catch {
            note = "jobrun: \(path) changed but cannot be used (\(error)); keeping the keys read before"
        }
        return keys?.contains(publicKey) == true
    }

    /// Inode, size and modification time of `path`, or `nil` when it cannot be read.
    static func stamp(of path: String) -> [Int64]? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return [Int64(status.st_ino), Int64(status.st_size), Int64(status.st_mtim.tv_sec), Int64(status.st_mtim.tv_nsec)]
    }
}
