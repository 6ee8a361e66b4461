#if canImport(Glibc)
import Glibc
#endif
public import Security
public import ZeroMQ

/// How a coordinator serves workers on other machines (`jobrun submit --listen`): where it listens, its CURVE
/// keys, which worker keys it admits, and the hosts it starts workers on itself.
public struct NetworkConfiguration: Sendable {
    /// The TCP endpoint of the register channel, `tcp://ADDRESS:PORT`; results and per-worker task sockets bind
    /// ephemeral ports on the same address.
    public var listenEndpoint: String
    /// The coordinator's key pair; `nil` with `insecure`.
    public var keys: CurveKeyPair?
    /// Worker public keys admitted (the coordinator's own public key is always admitted too).
    public var authorizedKeys: AuthorizedKeys?
    /// No CURVE: plain TCP, any worker admitted. For trusted networks only.
    public var insecure: Bool
    /// Hosts to start workers on through `launchTemplate` (`--hosts`).
    public var hosts: [HostSpec] = []
    /// The command that starts a worker agent on a host; see `LaunchTemplate`.
    public var launchTemplate = LaunchTemplate.defaultTemplate
    /// The jobrun program path used in the launch template's `{jobrun}`.
    public var workerProgram = "jobrun"
    /// Host agents started through Slurm (`--slurm`, `--slurm-jobs`).
    public var slurm: SlurmMode?

    public init(listenEndpoint: String, keys: CurveKeyPair?, authorizedKeys: AuthorizedKeys?, insecure: Bool) {
        self.listenEndpoint = listenEndpoint
        self.keys = keys
        self.authorizedKeys = authorizedKeys
        self.insecure = insecure
    }

    /// Builds the configuration for `--listen`: loads the key pair from `keyPath` (default
    /// `<config dir>/jobrun.key`, generated there when missing, which `notes` says), and the authorized keys from
    /// `authorizedKeysPath` (default `<config dir>/authorized_keys`; a missing default file admits only this
    /// coordinator's own key, which `notes` says).
    ///
    /// - Throws: `CoordinatorError` for a malformed listen endpoint, a bad or loose key file, or a bad
    ///   authorized-keys file (each message names the file and what to do).
    public static func prepare(
        listen: String, keyPath: String?, authorizedKeysPath: String?, insecure: Bool, notes: inout [String]
    ) throws(CoordinatorError) -> NetworkConfiguration {
        guard listen.hasPrefix("tcp://"), let colon = listen.lastIndex(of: ":"),
            listen.distance(from: listen.startIndex, to: colon) > 6, Int(listen[listen.index(after: colon)...]) != nil
        else {
            throw CoordinatorError(
                "--listen \(listen): expected tcp://ADDRESS:PORT, such as tcp://0.0.0.0:7700 (all interfaces) or "
                    + "tcp://10.0.0.1:7700")
        }
        if insecure {
            notes.append(
                "jobrun: WARNING: --insecure: \(listen) is plain TCP without CURVE; any machine that reaches it can "
                    + "join this job and read its tasks")
            return NetworkConfiguration(listenEndpoint: listen, keys: nil, authorizedKeys: nil, insecure: true)
        }
        guard ZeroMQ.has("curve") else {
            throw CoordinatorError("this libzmq has no CURVE support; install one with CURVE, or pass --insecure on a trusted network")
        }
        let directory = KeyFiles.configurationDirectory()
        let secretPath = keyPath ?? directory + "/" + KeyFiles.secretKeyName
        let keys: CurveKeyPair
        do {
            if keyPath == nil, access(secretPath, F_OK) != 0 {
                keys = try KeyFiles.generate(in: directory)
                notes.append(
                    "jobrun: made a key pair for this coordinator: \(secretPath) and \(directory)/\(KeyFiles.publicKeyName)")
            } else {
                keys = try KeyFiles.loadKeyPair(secretPath)
            }
        } catch {
            throw CoordinatorError("\(error)")
        }
        let authorizedPath = authorizedKeysPath ?? directory + "/" + KeyFiles.authorizedKeysName
        var authorized: AuthorizedKeys
        do {
            if authorizedKeysPath == nil, access(authorizedPath, F_OK) != 0 {
                authorized = try AuthorizedKeys(text: "", path: authorizedPath)
                notes.append(
                    "jobrun: no \(authorizedPath): only workers using this coordinator's own key pair can join; add "
                        + "each worker host's jobrun.pub there, one a line")
            } else {
                authorized = try AuthorizedKeys(contentsOf: authorizedPath)
            }
        } catch {
            throw CoordinatorError("\(error)")
        }
        authorized.insert(keys.publicKey, comment: "this coordinator")
        return NetworkConfiguration(listenEndpoint: listen, keys: keys, authorizedKeys: authorized, insecure: false)
    }

    /// The address part of the listen endpoint (`0.0.0.0` in `tcp://0.0.0.0:7700`).
    var bindAddress: String {
        let body = listenEndpoint.dropFirst("tcp://".count)
        return String(body[..<(body.lastIndex(of: ":") ?? body.endIndex)])
    }
}

/// A host to start workers on: `alpha` or `beta:8` (8 workers) in `--hosts`.
public struct HostSpec: Sendable, Equatable {
    /// The name the launch template connects to.
    public var name: String
    /// Worker processes to start there; `nil` lets the host use one per core.
    public var workers: Int?

    public init(name: String, workers: Int?) {
        self.name = name
        self.workers = workers
    }

    /// Parses `H[:N],...`.
    ///
    /// - Throws: `CoordinatorError` naming the bad entry.
    public static func parseList(_ text: String) throws(CoordinatorError) -> [HostSpec] {
        var hosts: [HostSpec] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard !entry.isEmpty, parts.count <= 2, !parts[0].isEmpty else {
                throw CoordinatorError("--hosts: bad entry \"\(entry)\"; expected HOST or HOST:WORKERS, separated by commas")
            }
            var count: Int?
            if parts.count == 2 {
                guard let number = Int(parts[1]), number >= 1 else {
                    throw CoordinatorError("--hosts: bad worker count in \"\(entry)\"; expected HOST:N with N >= 1")
                }
                count = number
            }
            hosts.append(HostSpec(name: String(parts[0]), workers: count))
        }
        return hosts
    }
}
