import Synchronization

/// The tasks of the last successful `TaskFile.check()` of a small file, kept so that the `makeReader()` that
/// usually follows need not read and parse the file again.
///
/// Shared by all copies of a `TaskFile`. Thread-safe: a mutex guards the one entry. An entry is used once, and
/// only for the same unchanged file (see `FileIdentity`).
final class CheckedTaskCache: Sendable {
    /// Files up to this size have their checked tasks kept (a few tens of thousands of small tasks).
    static let maximumFileSize = 4 << 20

    /// The tasks of one checked file version.
    struct Entry: Sendable {
        let identity: FileIdentity
        let definitions: [TaskDefinition]
    }

    private let entry = Mutex<Entry?>(nil)

    /// Replaces the kept tasks (`nil` forgets them).
    func store(_ newEntry: Entry?) {
        entry.withLock { $0 = newEntry }
    }

    /// The kept tasks if they are for `identity`, forgetting them either way.
    func take(matching identity: FileIdentity) -> [TaskDefinition]? {
        let stored = entry.withLock { current -> Entry? in
            let taken = current
            current = nil
            return taken
        }
        guard let stored, stored.identity == identity else { return nil }
        return stored.definitions
    }
}
