import ZeroMQ

/// The worker public keys a coordinator admits: an `authorized_keys` file with one key a line, optionally
/// followed by a comment (such as the host name), `#` starting a comment line.
///
/// A value type; safe to share across threads once loaded.
public struct AuthorizedKeys: Sendable, Equatable {
    /// The admitted keys (Z85 text), mapped to the comment that followed them on their line.
    public private(set) var keys: [String: String] = [:]
    /// Where the keys came from, for messages.
    public let path: String

    /// Parses the content of an authorized-keys file; `path` only labels errors.
    ///
    /// - Throws: `SecurityError` naming the file and line of the first line that is not a key.
    public init(text: String, path: String) throws(SecurityError) {
        self.path = path
        for (line, content) in KeyText.contentLines(text) {
            let key = KeyText.firstWord(content)
            guard Z85.isKey(String(key)) else {
                throw SecurityError(
                    "\(path):\(line): not a public key: \"\(key.prefix(60))\"; each line holds one worker's jobrun.pub "
                        + "(40 characters), optionally followed by a comment")
            }
            let comment = content.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
            keys[String(key)] = String(comment)
        }
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: `SecurityError` for a missing or unreadable file or a bad line.
    public init(contentsOf path: String) throws(SecurityError) {
        let (text, _) = try SecureFile.read(path)
        try self.init(text: text, path: path)
    }

    /// Whether `publicKey` (Z85 text) is admitted.
    public func contains(_ publicKey: String) -> Bool { keys[publicKey] != nil }

    /// Adds a key (for instance a coordinator's own worker key); `comment` labels it.
    public mutating func insert(_ publicKey: String, comment: String = "") { keys[publicKey] = comment }
}
