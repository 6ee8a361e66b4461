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
    var retries: Int?
    var timeout: Double?
    var io: Bool?
    var after: [TaskID]?
    var priority: Int?
    var pool: String?
    var cpus: Int?
    var gpus: Int?
    var resources: [String: Int]?
    var requires: [String: String]?
    var memory: UInt64?

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

    /// Fills in `defaults` where these fields are unset.
    ///
    /// The defaults' `exec`, `shell`, `run` and `args` apply only when these fields set none of `exec`,
    /// `shell` and `run`. The defaults' `env` (merged, these keys winning), `cwd` and `stdin` apply only to
    /// tasks that end up running a process (`exec` or `shell`), since built-in kinds cannot use them.
    mutating func applyDefaults(_ defaults: borrowing TaskFields) {
        if retries == nil { retries = defaults.retries }
        if timeout == nil { timeout = defaults.timeout }
        if after == nil { after = defaults.after }
        if priority == nil { priority = defaults.priority }
        if pool == nil { pool = defaults.pool }
        if cpus == nil { cpus = defaults.cpus }
        if gpus == nil { gpus = defaults.gpus }
        if resources == nil { resources = defaults.resources }
        if requires == nil { requires = defaults.requires }
        if memory == nil { memory = defaults.memory }
        if !hasCommand {
            exec = defaults.exec
            shell = defaults.shell
            run = defaults.run
            if args == nil { args = defaults.args }
        }
        guard run == nil else { return }
        if let defaultEnv = defaults.env {
            if let own = env {
                env = defaultEnv.merging(own) { _, own in own }
            } else {
                env = defaultEnv
            }
        }
        if cwd == nil { cwd = defaults.cwd }
        if stdin == nil { stdin = defaults.stdin }
        if io == nil { io = defaults.io }
    }

    /// Problems with how the fields combine: not exactly one command, `args` without `run`, process settings
    /// with `run`.
    func combinationProblems(requireCommand: Bool = true) -> [TaskSpecError] {
        let commandCount = (exec == nil ? 0 : 1) + (shell == nil ? 0 : 1) + (run == nil ? 0 : 1)
        if commandCount == 1 && (run == nil ? args == nil : env == nil && cwd == nil && stdin == nil && io == nil) {
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
            for (name, isSet) in [("env", env != nil), ("cwd", cwd != nil), ("stdin", stdin != nil), ("io", io != nil)]
            where isSet {
                problems.append(
                    TaskSpecError(
                        field: name,
                        message: "\"\(name)\" is only valid with \"exec\" or \"shell\"; built-in kinds (\"run\") "
                            + "do not start a process"))
            }
        }
        return problems
    }

    /// Where and when the task may run. Call before `makeSpec()`.
    func makeSchedule() -> TaskSchedule {
        TaskSchedule(
            after: after ?? [], priority: priority ?? 0, pool: pool, cpus: cpus ?? 1, gpus: gpus ?? 0,
            resources: resources ?? [:], requires: requires ?? [:])
    }

    /// The spec these fields describe, moving the values out. Only meaningful when `combinationProblems()` is
    /// empty.
    consuming func makeSpec() -> TaskSpec {
        let command: TaskCommand
        if let argv = exec.take() {
            command = .exec(argv)
        } else if let line = shell.take() {
            command = .shell(line)
        } else {
            command = .run(kind: run.take() ?? "", args: args.take() ?? .object(JSONObject()))
        }
        return TaskSpec(
            command: command, environment: env.take() ?? [:], workingDirectory: cwd.take(), stdin: stdin.take(),
            retries: retries, timeout: timeout, io: io ?? false, memoryLimitBytes: memory)
    }
}
