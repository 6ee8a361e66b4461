#if canImport(Glibc)
import Glibc
#endif
import SystemIO

/// How `jobrun submit` starts its workers through Slurm.
public enum SlurmMode: Sendable, Equatable {
    /// `--slurm`: inside an allocation, one `srun` step with one host agent on every allocated node.
    case allocation
    /// `--slurm-jobs N`: N `sbatch` worker jobs (one host agent each), replaced when Slurm ends one mid-job;
    /// `sbatchArguments` (from `--sbatch-args`) come after jobrun's own, so they win.
    case workerJobs(count: Int, sbatchArguments: [String])
}

extension SlurmMode {
    /// Splits `--sbatch-args` text into arguments the way a shell would for plain words and quotes:
    /// `-p short -t '2:00:00'` gives `-p`, `short`, `-t`, `2:00:00`. No expansions.
    ///
    /// - Throws: `CoordinatorError` for an unclosed quote.
    public static func splitArguments(_ text: String) throws(CoordinatorError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if let open = quote {
                if character == open { quote = nil } else if character == "\\" && open == "\"" { escaped = true } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == "\\" {
                escaped = true
                inWord = true
            } else if character == " " || character == "\t" || character == "\n" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if quote != nil || escaped {
            throw CoordinatorError("--sbatch-args \(text): unclosed quote; quote each argument whole, as in '-p short -t 2:00:00'")
        }
        if inWord { words.append(current) }
        return words
    }

    /// Where a coordinator serving Slurm nodes listens when `--listen` is not given: the IPv4 address this host's
    /// name resolves to, on a free port (`tcp://ADDRESS:0`).
    ///
    /// - Throws: `CoordinatorError` when the name does not resolve (then `--listen` must say where).
    public static func defaultListenEndpoint() throws(CoordinatorError) -> String {
        let name = HostName.current()
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else {
            throw CoordinatorError(
                "this host's name \(name) does not resolve to an address the nodes could reach; pass --listen "
                    + "tcp://ADDRESS:PORT with an address of this host on the cluster's network")
        }
        defer { freeaddrinfo(list) }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        let address = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        var copy = address
        guard inet_ntop(AF_INET, &copy, &text, socklen_t(text.count)) != nil else {
            throw CoordinatorError("cannot print the address of \(name); pass --listen tcp://ADDRESS:PORT")
        }
        return "tcp://\(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)):0"
    }
}
