import JSONValue

/// The fields of one task object (or of the defaults, or of a wire-form spec) after each was type-checked on
/// its own; a field that failed its check stays `nil`.
struct TaskFields: Sendable {
    var id: JSONValue?
    var exec: [String]?
    var shell: String?
    var run: String?
    var args: JSONValue?
    var env: [String: String]?
    var cwd: String?
    var stdin: String?

    /// The names of the command fields that are set, in table order.
    var commandNames: [String] {
        var names: [String] = []
        if exec != nil { names.append("exec") }
        if shell != nil { names.append("shell") }
        if run != nil { names.append("run") }
        return names
    }

    /// Whether any of `exec`, `shell` or `run` is set.
    var hasCommand: Bool { exec != nil || shell != nil || run != nil }

    /// These fields with `defaults` filled in where unset.
    ///
    /// The defaults' `exec`, `shell`, `run` and `args` apply only when these fields set none of `exec`,
    /// `shell` and `run`. The defaults' `env` (merged, these keys winning), `cwd` and `stdin` apply only to
    /// tasks that end up running a process (`exec` or `shell`), since built-in kinds cannot use them.
    func merged(over defaults: TaskFields) -> TaskFields {
        var result = self
        if !hasCommand {
            result.exec = defaults.exec
            result.shell = defaults.shell
            result.run = defaults.run
            if result.args == nil { result.args = defaults.args }
        }
        guard result.run == nil else { return result }
        if let defaultEnv = defaults.env {
            result.env = defaultEnv.merging(env ?? [:]) { _, own in own }
        }
        if result.cwd == nil { result.cwd = defaults.cwd }
        if result.stdin == nil { result.stdin = defaults.stdin }
        return result
    }

    /// Problems with how the fields combine: not exactly one command, `args` without `run`, process settings
    /// with `run`.
    func combinationProblems(requireCommand: Bool = true) -> [TaskSpecError] {
        let commandCount = (exec == nil ? 0 : 1) + (shell == nil ? 0 : 1) + (run == nil ? 0 : 1)
        if commandCount == 1 && (run == nil ? args == nil : env == nil && cwd == nil && stdin == nil) {
            return []
        }
        var problems: [TaskSpecError] = []
        let commands = commandNames
        if commands.isEmpty && requireCommand {
            problems.append(
                TaskSpecError(
                    field: nil,
                    message: "no command: set exactly one of \"exec\" (an argv array), \"shell\" (a /bin/sh "
                        + "command line) or \"run\" (a built-in kind)"))
        } else if commands.count > 1 {
            let listed = commands.map { "\"\($0)\"" }.joined(separator: " and ")
            problems.append(
                TaskSpecError(
                    field: commands[1],
                    message: "\(listed) are both set; a task runs exactly one of \"exec\", \"shell\" or \"run\""))
        }
        if args != nil && run == nil {
            let other = commands.first.map { "; this task uses \"\($0)\"" } ?? ""
            problems.append(
                TaskSpecError(field: "args", message: "\"args\" is only valid together with \"run\"\(other)"))
        }
        if run != nil {
            for (name, isSet) in [("env", env != nil), ("cwd", cwd != nil), ("stdin", stdin != nil)] where isSet {
                problems.append(
                    TaskSpecError(
                        field: name,
                        message: "\"\(name)\" is only valid with \"exec\" or \"shell\"; built-in kinds (\"run\") "
                            + "do not start a process"))
            }
        }
        return problems
    }

    /// The spec these fields describe. Only meaningful when `combinationProblems()` is empty.
    func makeSpec() -> TaskSpec {
        let command: TaskCommand
        if let exec {
            command = .exec(exec)
        } else if let shell {
            command = .shell(shell)
        } else {
            command = .run(kind: run ?? "", args: args ?? .object(JSONObject()))
        }
        return TaskSpec(command: command, environment: env ?? [:], workingDirectory: cwd, stdin: stdin)
    }
}
