import JSONValue

/// Where a task object is being decoded, which decides the fields allowed.
enum TaskFieldScope: Sendable {
    /// A task in a task file: every field.
    case taskFile
    /// The task file's `defaults`: every field except `id`.
    case defaults
    /// A `TaskSpec` wire form: every field except `id`.
    case wire
}

/// One task field: its name, where it is allowed and how its value is checked and stored.
struct TaskFieldRule: Sendable {
    /// The field name as written in task files.
    let name: String
    /// Whether the field may appear in `defaults` and in the wire form (`id` may not).
    let isSpecField: Bool
    /// Whether the field takes part in choosing the command (`exec`, `shell`, `run`, `args`).
    let isCommandField: Bool
    /// Checks the value and stores it in the fields.
    let decode: @Sendable (JSONValue, inout TaskFields) throws(TaskSpecError) -> Void
}

/// The table of task fields: the one place that knows every field a task object may have.
///
/// To add a field, add its storage to `TaskFields` (and its merge rule), its rule here, and its place in
/// `TaskSpec` and `TaskSpec.json`.
enum TaskFieldTable {
    static let rules: [TaskFieldRule] = [
        TaskFieldRule(name: "id", isSpecField: false, isCommandField: false) { value, fields throws(TaskSpecError) in
            fields.id = value
        },
        TaskFieldRule(name: "exec", isSpecField: true, isCommandField: true) { value, fields throws(TaskSpecError) in
            let expected = "expected a non-empty array of strings (the program and its arguments)"
            guard case .array(let elements) = value, !elements.isEmpty else {
                throw TaskSpecError(field: "exec", message: "\(expected), got \(value.briefDescription)")
            }
            var argv: [String] = []
            argv.reserveCapacity(elements.count)
            for (position, element) in elements.enumerated() {
                argv.append(try systemString(element, field: "exec[\(position)]", expected: "a string"))
            }
            if argv[0].isEmpty {
                throw TaskSpecError(field: "exec[0]", message: "the program name must not be empty")
            }
            fields.exec = argv
        },
        TaskFieldRule(name: "shell", isSpecField: true, isCommandField: true) { value, fields throws(TaskSpecError) in
            fields.shell = try systemString(
                value, field: "shell", expected: "a non-empty string (a command line for /bin/sh -c)", nonEmpty: true)
        },
        TaskFieldRule(name: "run", isSpecField: true, isCommandField: true) { value, fields throws(TaskSpecError) in
            fields.run = try systemString(
                value, field: "run", expected: "the name of a built-in task kind (a non-empty string)", nonEmpty: true)
        },
        TaskFieldRule(name: "args", isSpecField: true, isCommandField: true) { value, fields throws(TaskSpecError) in
            fields.args = value
        },
        TaskFieldRule(name: "env", isSpecField: true, isCommandField: false) { value, fields throws(TaskSpecError) in
            guard case .object(let object) = value else {
                throw TaskSpecError(
                    field: "env", message: "expected an object of string values, got \(value.briefDescription)")
            }
            var environment: [String: String] = [:]
            environment.reserveCapacity(object.count)
            for (name, variable) in object {
                if name.isEmpty || name.utf8.contains(UInt8(ascii: "=")) || name.utf8.contains(0) {
                    throw TaskSpecError(
                        field: "env",
                        message: "invalid variable name \(JSONValue.string(name).text): names must be non-empty and "
                            + "contain no '=' or NUL")
                }
                environment[name] = try systemString(variable, field: "env.\(name)", expected: "a string")
            }
            fields.env = environment
        },
        TaskFieldRule(name: "cwd", isSpecField: true, isCommandField: false) { value, fields throws(TaskSpecError) in
            fields.cwd = try systemString(
                value, field: "cwd", expected: "a directory path (a non-empty string)", nonEmpty: true)
        },
        TaskFieldRule(name: "stdin", isSpecField: true, isCommandField: false) { value, fields throws(TaskSpecError) in
            guard case .string(let text) = value else {
                throw TaskSpecError(field: "stdin", message: "expected a string, got \(value.briefDescription)")
            }
            fields.stdin = text
        },
    ]

    /// Rule positions by field name.
    private static let positions: [String: Int] = Dictionary(
        uniqueKeysWithValues: rules.enumerated().map { ($0.element.name, $0.offset) })

    /// The field names allowed in a scope, for messages: `id, exec, shell, ...`.
    static func knownNames(in scope: TaskFieldScope) -> String {
        rules.filter { scope == .taskFile || $0.isSpecField }.map(\.name).joined(separator: ", ")
    }

    /// The outcome of decoding one object.
    struct Decoded {
        /// The fields that passed their checks.
        var fields = TaskFields()
        /// Whether a command field (`exec`, `shell`, `run`, `args`) failed its check, so that problems with
        /// how the commands combine would be misleading.
        var commandFieldFailed = false
    }

    /// Checks every member of `object` against the table, appending one error per bad member to `errors`.
    static func decode(_ object: JSONObject, scope: TaskFieldScope, errors: inout [TaskSpecError]) -> Decoded {
        var decoded = Decoded()
        for (name, value) in object {
            guard let position = positions[name] else {
                errors.append(
                    TaskSpecError(
                        field: name,
                        message: "unknown field \(JSONValue.string(name).text); known fields: \(knownNames(in: scope))"))
                continue
            }
            let rule = rules[position]
            guard scope == .taskFile || rule.isSpecField else {
                let message =
                    scope == .defaults
                    ? "\"\(name)\" is not allowed in \"defaults\"; give each task its own id (or none, to use its position)"
                    : "unknown field \"\(name)\"; known fields: \(knownNames(in: scope))"
                errors.append(TaskSpecError(field: name, message: message))
                continue
            }
            do {
                try rule.decode(value, &decoded.fields)
            } catch {
                errors.append(error)
                if rule.isCommandField { decoded.commandFieldFailed = true }
            }
        }
        return decoded
    }

    /// The string in `value`, which is passed to the operating system and so may not contain NUL.
    private static func systemString(
        _ value: JSONValue, field: String, expected: String, nonEmpty: Bool = false
    ) throws(TaskSpecError) -> String {
        guard case .string(let text) = value, !(nonEmpty && text.isEmpty) else {
            throw TaskSpecError(field: field, message: "expected \(expected), got \(value.briefDescription)")
        }
        if text.utf8.contains(0) {
            throw TaskSpecError(field: field, message: "must not contain a NUL character (\\u0000)")
        }
        return text
    }
}
