#if canImport(Glibc)
import Glibc
#endif
import Crypto
import SystemIO
public import ZeroMQ

/// Reading and writing jobrun's CURVE key files: `jobrun.key` (the secret key, mode 0600) and `jobrun.pub`
/// (the public key), both one line of Z85 text under `#` comment lines.
///
/// Stateless; safe from any thread. Every error names the file and says what to do.
public enum KeyFiles {
    /// The secret key file's name in a key directory.
    public static let secretKeyName = "jobrun.key"
    /// The public key file's name in a key directory.
    public static let publicKeyName = "jobrun.pub"
    /// The authorized worker keys file's name in the configuration directory.
    public static let authorizedKeysName = "authorized_keys"

    /// Where keys live by default: `$JOBRUN_CONFIG_DIR` when set, else `$HOME/.config/jobrun`.
    ///
    /// - Parameter environment: looks a variable up; the process environment by default.
    public static func configurationDirectory(environment: (String) -> String? = EnvironmentVariable.value) -> String {
        if let custom = environment("JOBRUN_CONFIG_DIR"), !custom.isEmpty { return custom }
        let home = environment("HOME").flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
        return home + "/.config/jobrun"
    }

    /// Generates a key pair and writes `DIRECTORY/jobrun.key` (0600) and `DIRECTORY/jobrun.pub` (0644), creating
    /// the directory (0700) when missing. Refuses to replace existing files unless `replace`.
    ///
    /// - Returns: the new key pair.
    /// - Throws: `SecurityError` when a file exists, cannot be written, or libzmq lacks CURVE.
    @discardableResult
    public static func generate(in directory: String, replace: Bool = false) throws(SecurityError) -> CurveKeyPair {
        let pair: CurveKeyPair
        do {
            pair = try CurveKeyPair.generate()
        } catch {
            throw SecurityError("cannot generate a key pair: \(error)")
        }
        try SecureFile.makeDirectory(directory)
        let secretPath = directory + "/" + secretKeyName
        let publicPath = directory + "/" + publicKeyName
        if !replace {
            for path in [secretPath, publicPath] where SecureFile.exists(path) {
                throw SecurityError("\(path) exists already; remove it first or pass --force to replace it")
            }
        }
        try SecureFile.write(
            "# jobrun CURVE secret key: keep it private (mode 0600)\n\(pair.secretKey)\n", to: secretPath, mode: 0o600,
            replace: replace)
        try SecureFile.write(
            "# jobrun CURVE public key: give it to the other side\n\(pair.publicKey)\n", to: publicPath, mode: 0o644,
            replace: replace)
        return pair
    }

    /// Loads the key pair whose secret key is in `path`, refusing a file group or others may read or write.
    ///
    /// - Throws: `SecurityError` for a missing or unreadable file, loose permissions, or content that is not a key.
    public static func loadKeyPair(_ path: String) throws(SecurityError) -> CurveKeyPair {
        let (text, mode) = try SecureFile.read(path)
        if mode & 0o077 != 0 {
            throw SecurityError(
                "\(path): a secret key must be readable by its owner only, but its mode is \(octal(mode)); "
                    + "run `chmod 600 \(path)`")
        }
        let lines = KeyText.contentLines(text)
        guard let first = lines.first else { throw SecurityError("\(path): no key in the file (only comments or blank lines)") }
        let key = String(KeyText.firstWord(first.text))
        guard Z85.isKey(key) else {
            throw SecurityError("\(path):\(first.line): not a secret key (expected 40 characters of Z85 text, as `jobrun keygen` writes)")
        }
        do {
            return try CurveKeyPair(secretKey: key)
        } catch {
            throw SecurityError("\(path):\(first.line): not a usable secret key: \(error)")
        }
    }

    /// A public key given as its 40-character text, as 64 hex digits (shell-safe, as launchers pass it), or as the path of a file holding it (such as `jobrun.pub`).
    ///
    /// - Throws: `SecurityError` when the text is neither a key nor a readable file with a key in it.
    public static func publicKey(textOrPath: String) throws(SecurityError) -> String {
        if Z85.isKey(textOrPath) { return textOrPath }
        if let key = fromHex(textOrPath) { return key }
        guard SecureFile.exists(textOrPath) else {
            throw SecurityError(
                "\"\(textOrPath)\" is neither a public key (40 characters of Z85 text) nor a file; pass the coordinator's "
                    + "jobrun.pub or its content")
        }
        let (text, _) = try SecureFile.read(textOrPath)
        guard let first = KeyText.contentLines(text).first else { throw SecurityError("\(textOrPath): no key in the file") }
        let key = String(KeyText.firstWord(first.text))
        guard Z85.isKey(key) else {
            throw SecurityError("\(textOrPath):\(first.line): not a public key (expected 40 characters of Z85 text)")
        }
        return key
    }

    /// A short, stable fingerprint of a public key for logs: `SHA256:` and 16 hex digits of the key's bytes' hash.
    public static func fingerprint(ofPublicKey key: String) -> String {
        guard let bytes = Z85.decode(key) else { return "(not a key)" }
        let digest = SHA256.hash(data: bytes)
        return "SHA256:" + digest.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// A key given as 64 hex digits, as Z85 text; `nil` for anything else.
    static func fromHex(_ text: String) -> String? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return Z85.encode(bytes)
    }

    static func octal(_ mode: mode_t) -> String {
        "0" + String(mode & 0o777, radix: 8)
    }
}
