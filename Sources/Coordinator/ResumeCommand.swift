/// The command line that continues a job, shown when it ends with tasks left unrun: the same `submit` arguments
/// with `--resume` (and without `--force`, which would erase what was recorded, or the internal `--job-id`).
public enum ResumeCommand {
    /// `arguments` is the submit command line as typed, program first.
    public static func text(arguments: [String]) -> String {
        guard let program = arguments.first else { return "jobrun submit --resume" }
        var kept: [String] = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--force" || argument == "--detach" || argument.hasPrefix("--job-id=") { continue }
            if argument == "--job-id" {
                index += 1
                continue
            }
            kept.append(argument)
        }
        if !kept.contains("--resume") { kept.append("--resume") }
        let name = program.split(separator: "/").last.map(String.init) == "jobrun" ? "jobrun" : program
        return ([name] + kept).map(quoted).joined(separator: " ")
    }

    /// The argument as the shell reads it back: bare when it holds only safe characters, else in single quotes.
    static func quoted(_ argument: String) -> String {
        let safe = argument.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "-_./=:,+@%".utf8.contains(byte)
        }
        if safe, !argument.isEmpty { return argument }
        return "'" + argument.replacing("'", with: #"'\''"#) + "'"
    }
}
