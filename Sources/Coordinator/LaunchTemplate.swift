#if canImport(Glibc)
import Glibc
#endif

/// The command that starts a worker agent on another host, with placeholders filled in per host.
///
/// Placeholders: `{host}`, `{jobrun}` (the jobrun program), `{endpoint}` (the coordinator's register endpoint as
/// that host should reach it), `{n}` (workers on that host, or `auto` for one per core), `{slots}`,
/// `{server_key}` (the coordinator's public key in hex, safe in any shell; empty with `--insecure`) and
/// `{security}` (`--server-key HEX`, or `--insecure`). Every value is shell-quoted; the filled-in text runs with
/// `/bin/sh -c`. Pure value type, safe from any thread.
public struct LaunchTemplate: Sendable, Equatable {
    /// ssh in batch mode (no password prompts), serving this one job and exiting after it.
    public static let defaultTemplate = LaunchTemplate(
        "ssh -o BatchMode=yes {host} {jobrun} worker --connect {endpoint} --workers {n} --slots {slots} {security} "
            + "--once --idle-exit 30")

    /// The template text.
    public var text: String

    /// The template for runs without `--launch-template`: the first line of `launch_template` in the
    /// configuration directory (`$JOBRUN_CONFIG_DIR` or `~/.config/jobrun`) that is neither blank nor a `#`
    /// comment, else `defaultTemplate`.
    public static func configured(inDirectory directory: String) -> LaunchTemplate {
        guard let file = fopen(directory + "/launch_template", "r") else { return defaultTemplate }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        for _ in 0..<1000 {
            guard getline(&line, &capacity, file) > 0, let line else { break }
            let text = String(cString: line).split(separator: "\n").first.map(String.init) ?? ""
            let trimmed = text.drop { $0 == " " || $0 == "\t" }
            if !trimmed.isEmpty, !trimmed.hasPrefix("#") { return LaunchTemplate(String(trimmed)) }
        }
        return defaultTemplate
    }

    public init(_ text: String) { self.text = text }

    /// The shell command for one host.
    public func command(
        host: String, program: String, endpoint: String, workers: Int?, slots: Int, serverKeyHex: String?
    ) -> String {
        let values: [String: String] = [
            "host": host, "jobrun": program, "endpoint": endpoint, "n": workers.map(String.init) ?? "auto",
            "slots": String(slots), "server_key": serverKeyHex ?? "",
        ]
        var output = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            output += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            if name == "security" {
                output += serverKeyHex.map { "--server-key " + Self.quote($0) } ?? "--insecure"
            } else if let value = values[name] {
                output += Self.quote(value)
            } else {
                output += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return output
    }

    /// `value` quoted for `/bin/sh` when it holds anything but plain word characters.
    static func quote(_ value: String) -> String {
        let plain = value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "-_./:=@,+%".utf8.contains(byte)
        }
        if plain, !value.isEmpty { return value }
        var quoted = "'"
        for character in value { quoted += character == "'" ? "'\\''" : String(character) }
        return quoted + "'"
    }
}
