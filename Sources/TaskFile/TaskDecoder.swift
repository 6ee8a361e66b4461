import JSONValue

/// Turns the task file's scanned values into `TaskDefinition`s: checks every field, applies the defaults,
/// validates built-in kinds and tracks ids for duplicates. Used by both `TaskFile.check` (which collects every
/// problem) and `TaskFileReader` (which stops at the first). Not thread-safe.
struct TaskDecoder {
    /// How an id was written, kept as its first use's tag for the duplicate message.
    private enum IDTag {
        static let explicit: UInt8 = 1
        static let string: UInt8 = 2
    }

    /// What the decoder is used for.
    enum Purpose {
        /// Checking a whole file: no definitions are built; duplicate ids name where the id was first used.
        case check
        /// Reading tasks: definitions are built; duplicate ids are only detected.
        case read
    }

    let path: String
    let validateKind: KindValidator
    let purpose: Purpose
    /// Whether a checking decoder builds definitions too (to keep them for the read that follows).
    let keepsDefinitions: Bool

    private var defaults = TaskFields()
    /// Whether the defaults set any field (if not, merging is skipped).
    private var hasDefaults = false
    /// Whether problems that depend on the defaults would be misleading (the defaults are broken or unknown).
    private var defaultsUnreliable = false
    /// Whether the defaults' `run` names an unknown kind (reported once, for the defaults).
    private var defaultKindIsUnknown = false
    /// The verdict on the defaults' own `run` + `args`, when both are set: checked once for every task that
    /// inherits both.
    private var defaultArgsAreValid: Bool?
    /// Every id used so far; when checking, with where it was first used.
    private(set) var ids: TaskIDIndex
    /// Dependencies, pools and resource requests, checked once the whole file was read.
    private(set) var workflow: WorkflowCheck

    /// A decoder for the file at `path` of `fileSize` bytes (used to size the id table up front).
    init(
        path: String, validateKind: @escaping KindValidator, purpose: Purpose, fileSize: Int,
        keepsDefinitions: Bool = false
    ) {
        self.path = path
        self.validateKind = validateKind
        self.purpose = purpose
        self.keepsDefinitions = keepsDefinitions
        workflow = WorkflowCheck(path: path)
        // Tasks take at least a few dozen bytes each; reserving for that many avoids most rehashing.
        ids = TaskIDIndex(recordsUses: purpose == .check, expectedCount: min(fileSize / 32, 1 << 20))
    }

    /// Notes that the defaults cannot be known (the file is broken before them).
    mutating func defaultsAreUnknown() {
        defaultsUnreliable = true
    }

    /// Checks and adopts the `defaults` object found at `position`; returns its problems.
    mutating func setDefaults(_ value: JSONValue, at position: JSONTextPosition) -> [TaskFileProblem] {
        func problem(_ error: TaskSpecError) -> TaskFileProblem {
            TaskFileProblem(
                path: path, line: position.line, column: position.column, task: nil,
                field: "defaults" + (error.field.map { ".\($0)" } ?? ""), message: error.message)
        }
        guard case .object(let object) = value else {
            defaultsUnreliable = true
            return [
                TaskFileProblem(
                    path: path, at: position, field: "defaults",
                    message: "expected an object of fields every task gets unless it sets them, got "
                        + value.briefDescription)
            ]
        }
        var errors: [TaskSpecError] = []
        var fields = TaskFields()
        let commandFieldFailed = TaskField.decode(object, scope: .defaults, into: &fields, errors: &errors)
        defaults = fields
        hasDefaults = !object.isEmpty
        // Two commands, or `args` without `run`, are wrong in the defaults too; `env`, `cwd` and `stdin` next
        // to `run` are fine there, since they only apply to tasks that run a process.
        let commandNames = defaults.commandNames
        let commandErrors =
            commandFieldFailed
            ? []
            : defaults.combinationProblems(requireCommand: false).filter {
                $0.field == "args" || commandNames.contains($0.field ?? "")
            }
        errors += commandErrors
        if commandFieldFailed || !commandErrors.isEmpty { defaultsUnreliable = true }
        if !defaultsUnreliable, let kind = defaults.run {
            let verdict = kindProblems(kind: kind, args: defaults.args ?? .object(JSONObject()))
            if verdict.contains(where: { $0.field == "run" }) {
                defaultKindIsUnknown = true
                errors += verdict
            } else if defaults.args != nil {
                // Without default args, tasks bring their own and are checked one by one.
                defaultArgsAreValid = verdict.isEmpty
                errors += verdict
            }
        }
        return errors.map(problem)
    }

    /// Checks and adopts the file's `pools` object found at `position`; returns its problems.
    mutating func setPools(_ value: JSONValue, at position: JSONTextPosition) -> [TaskFileProblem] {
        switch PoolLimit.parse(file: value) {
        case .success(let pools):
            workflow.declare(pools)
            return []
        case .failure(let error):
            return [
                TaskFileProblem(
                    path: path, line: position.line, column: position.column, task: nil, field: error.field,
                    message: error.message)
            ]
        }
    }

    /// Checks task entry `value` at `position` in the task list, starting at `start`: the definition when it
    /// is valid (only when reading), or every problem found.
    mutating func decodeTask(_ value: JSONValue, position: Int, at start: JSONTextPosition) -> TaskOutcome {
        guard case .object(let object) = value else {
            let problem = TaskFileProblem(
                path: path, line: start.line, column: start.column, task: "task at position \(position)",
                field: nil, message: "expected a task object, got \(value.briefDescription)")
            return .invalid([problem])
        }
        var errors: [TaskSpecError] = []
        var fields = TaskFields()
        let commandFieldFailed = TaskField.decode(object, scope: .taskFile, into: &fields, errors: &errors)

        var explicitID: TaskID?
        if let raw = fields.id {
            if let given = TaskID(json: raw), !given.key.isEmpty {
                explicitID = given
            } else {
                errors.append(
                    TaskSpecError(
                        field: "id",
                        message: "expected a non-empty string or an integer, got \(raw.briefDescription)"))
            }
        }

        let ownCommand = fields.hasCommand
        let ownArgs = fields.args != nil
        if hasDefaults { fields.applyDefaults(defaults) }
        if !commandFieldFailed && !(defaultsUnreliable && !ownCommand) {
            let problems = fields.combinationProblems()
            if !problems.isEmpty { errors += problems }
        }
        if errors.isEmpty, let kind = fields.run {
            let inheritsRun = !ownCommand
            let inheritsArgs = inheritsRun && !ownArgs && defaults.args != nil
            if (inheritsRun && defaultKindIsUnknown) || (inheritsArgs && defaultArgsAreValid == false) {
                // Reported once, for the defaults.
                return .invalid([])
            }
            if !(inheritsArgs && defaultArgsAreValid == true) {
                let problems = kindProblems(kind: kind, args: fields.args ?? .object(JSONObject()))
                if !problems.isEmpty { errors += problems }
            }
        }
        let id: TaskID
        if let explicitID { id = explicitID } else { id = TaskID(position: position) }
        if let duplicate = duplicateProblem(id, explicit: explicitID != nil, position: position, line: start.line) {
            errors.append(duplicate)
        }

        guard errors.isEmpty else {
            let label = explicitID != nil ? "task \(id)" : "task at position \(position)"
            let problems = errors.map {
                TaskFileProblem(
                    path: path, line: start.line, column: start.column, task: label, field: $0.field,
                    message: $0.message)
            }
            return .invalid(problems)
        }
        let schedule = fields.makeSchedule()
        if purpose == .check { workflow.note(position: position, line: start.line, id: id, schedule: schedule) }
        guard purpose == .read || keepsDefinitions else { return .checked }
        return .valid(
            TaskDefinition(
                position: position, line: start.line, id: id, spec: (consume fields).makeSpec(), schedule: schedule))
    }

    /// The validator's verdict as field errors.
    private func kindProblems(kind: String, args: JSONValue) -> [TaskSpecError] {
        switch validateKind(kind, args) {
        case .valid:
            return []
        case .unknownKind(let known):
            let list =
                known.isEmpty ? "no built-in kinds are available" : "known kinds: \(known.joined(separator: ", "))"
            return [TaskSpecError(field: "run", message: "unknown kind \(JSONValue.string(kind).text); \(list)")]
        case .invalid(let field, let message):
            return [TaskSpecError(field: Self.argumentPath(field), message: message)]
        }
    }

    /// The full field path for a path a validator reported: empty means `args`; a path already starting with
    /// `args` (`args`, `args.rounds`, `args[0]`) is kept; any other is taken as relative to `args`.
    static func argumentPath(_ field: String) -> String {
        if field.isEmpty || field == "args" { return "args" }
        if field.hasPrefix("args.") || field.hasPrefix("args[") { return field }
        return field.hasPrefix("[") ? "args\(field)" : "args.\(field)"
    }

    /// Records `id`'s use; a problem when it was used before.
    private mutating func duplicateProblem(
        _ id: TaskID, explicit: Bool, position: Int, line: Int
    ) -> TaskSpecError? {
        let note = #" (a task without "id" uses its position as its id)"#
        let isString = id.original.stringValue != nil
        let tag = (explicit ? IDTag.explicit : 0) | (isString ? IDTag.string : 0)
        guard ids.count < TaskIDIndex.capacity else {
            return TaskSpecError(
                field: nil,
                message: "the file holds more than \(TaskIDIndex.capacity - 1) tasks, the most one job takes; split it "
                    + "into several task files")
        }
        guard let first = ids.insert(id.key, use: TaskIDIndex.Use(position: position, line: line, tag: tag))
        else { return nil }
        if purpose == .read {
            return TaskSpecError(
                field: explicit ? "id" : nil,
                message: "duplicate id \(id) at position \(position): an earlier task has the same id"
                    + (explicit ? "" : note))
        }
        let firstExplicit = first.tag & IDTag.explicit != 0
        var message =
            "duplicate id \(id) at position \(position): the task at position \(first.position) (line \(first.line)) "
            + "already uses it"
        if !explicit || !firstExplicit { message += note }
        if isString != (first.tag & IDTag.string != 0) {
            message += "; the number \(id.key) and the string \"\(id.key)\" are the same id"
        }
        message += "; give every task a unique id"
        return TaskSpecError(field: explicit ? "id" : nil, message: message)
    }
}

/// What `TaskDecoder.decodeTask` found.
enum TaskOutcome {
    /// A valid task, when reading (or checking and keeping definitions).
    case valid(TaskDefinition)
    /// A valid task, when checking (no definition is built).
    case checked
    /// The task's problems; empty when they were already reported for the defaults.
    case invalid([TaskFileProblem])
}
