import ArgumentParser
import Security
import ZeroMQ

/// `jobrun keygen [--out DIR]`: writes a CURVE key pair for a coordinator or a worker host.
struct KeygenCommand: StatusCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a CURVE key pair: DIR/jobrun.key (secret, mode 0600) and DIR/jobrun.pub.",
        discussion: """
            Coordinators and remote workers authenticate each other with these keys. Put each worker host's \
            jobrun.pub on a line of the coordinator's authorized_keys, and give workers the coordinator's jobrun.pub \
            (--server-key). DIR defaults to $JOBRUN_CONFIG_DIR or ~/.config/jobrun.
            """
    )

    @Option(name: .long, help: "Directory for jobrun.key and jobrun.pub (created with mode 0700 if missing).")
    var out: String?

    @Flag(name: .long, help: "Replace existing key files.")
    var force = false

    func runWithStatus() -> Int32 {
        let directory = out ?? KeyFiles.configurationDirectory()
        do {
            let pair = try KeyFiles.generate(in: directory, replace: force)
            print("jobrun: wrote \(directory)/\(KeyFiles.secretKeyName) (secret, 0600) and \(directory)/\(KeyFiles.publicKeyName)")
            print("public key: \(pair.publicKey)  (\(KeyFiles.fingerprint(ofPublicKey: pair.publicKey)))")
            return 0
        } catch {
            printError("jobrun: \(error)")
            return 2
        }
    }
}
