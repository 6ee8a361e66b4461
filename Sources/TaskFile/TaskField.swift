#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

/// The fields a task object may have: the one place that knows every field, where it is allowed and how its
/// value is checked.
///
/// To add a field, add a case here (with its checks in `decode`), its storage and merge rule in
/// `TaskFields`, and its place in `TaskSpec` and `TaskSpec.json`.
enum TaskField: String, CaseIterable, Sendable {
    case id, exec, shell, run, args, env, cwd, stdin, retries, timeout, io
    case after, priority, pool, cpus, gpus, resources, requires, memory

    /// The field named `name`, if there is one. (Faster than `init(rawValue:)`, which compares the name with
    /// every case in turn.)
    init?(name: String) {
        var text = name
        let found = text.withUTF8 { bytes -> TaskField? in
            guard bytes.count >= 2 else { return nil }
            let candidate: TaskField
            switch (bytes.count, bytes[0]) {
            case (2, UInt8(ascii: "i")): candidate = bytes[1] == UInt8(ascii: "d") ? .id : .io
            case (4, UInt8(ascii: "e")): candidate = .exec
            case (5, UInt8(ascii: "s")): candidate = bytes[1] == UInt8(ascii: "h") ? .shell : .stdin
            case (3, UInt8(ascii: "r")): candidate = .run
            case (4, UInt8(ascii: "a")): candidate = .args
            case (3, UInt8(ascii: "e")): candidate = .env
            case (3, UInt8(ascii: "c")): candidate = .cwd
            case (7, UInt8(ascii: "r")): candidate = .retries
            case (7, UInt8(ascii: "t")): candidate = .timeout
            case (5, UInt8(ascii: "a")): candidate = .after
            case (8, UInt8(ascii: "p")): candidate = .priority
            case (4, UInt8(ascii: "p")): candidate = .pool
            case (4, UInt8(ascii: "c")): candidate = .cpus
            case (4, UInt8(ascii: "g")): candidate = .gpus
            case (9, UInt8(ascii: "r")): candidate = .resources
            case (8, UInt8(ascii: "r")): candidate = .requires
            case (6, UInt8(ascii: "m")): candidate = .memory
            default: return nil
            }
            let expected = candidate.name
            return memcmp(bytes.baseAddress!, expected.utf8Start, bytes.count) == 0 ? candidate : nil
        }
        guard let found else { return nil }
        self = found
    }

    /// The field's name.
    var name: StaticString {
        switch self {
        case .id: "id"
        case .exec: "exec"
        case .shell: "shell"
        case .run: "run"
        case .args: "args"
        case .env: "env"
        case .cwd: "cwd"
        case .stdin: "stdin"
        case .retries: "retries"
        case .timeout: "timeout"
        case .io: "io"
        case .after: "after"
        case .priority: "priority"
        case .pool: "pool"
        case .cpus: "cpus"
        case .gpus: "gpus"
        case .resources: "resources"
        case .requires: "requires"
        case .memory: "memory"
        }
    }

    /// Whether the field may appear in `defaults` and in the wire form (`id` may not).
    var isSpecField: Bool { self != .id }

    /// Whether the field takes part in choosing the command.
    var isCommandField: Bool {
        switch self {
        case .exec, .shell, .run, .args: true
        case .id, .env, .cwd, .stdin, .retries, .timeout, .io, .after, .priority, .pool, .cpus, .gpus, .resources,
            .requires, .memory:
            false
        }
    }

    /// Checks `value` for this field and stores it in `fields`.
    func decode(_ value: JSONValue, into fields: inout TaskFields) throws(TaskSpecError) {
        switch self {
        case .id:
            fields.id = value
        case .exec:
            let expected = "expected a non-empty array of strings (the program and its arguments)"
            guard case .array(let elements) = value, !elements.isEmpty else {
                throw TaskSpecError(field: "exec", message: "\(expected), got \(value.briefDescription)")
            }
            var argv: [String] = []
            argv.reserveCapacity(elements.count)
            for (position, element) in elements.enumerated() {
                argv.append(try Self.systemString(element, field: "exec[\(position)]", expected: "a string"))
            }
            if argv[0].isEmpty {
                throw TaskSpecError(field: "exec[0]", message: "the program name must not be empty")
            }
            fields.exec = argv
        case .shell:
            fields.shell = try Self.systemString(
                value, field: "shell", expected: "a non-empty string (a command line for /bin/sh -c)", nonEmpty: true)
        case .run:
            fields.run = try Self.systemString(
                value, field: "run", expected: "the name of a built-in task kind (a non-empty string)", nonEmpty: true)
        case .args:
            fields.args = value
        case .env:
            fields.env = try Self.environment(value)
        case .cwd:
            fields.cwd = try Self.systemString(
                value, field: "cwd", expected: "a directory path (a non-empty string)", nonEmpty: true)
        case .stdin:
            guard case .string(let text) = value else {
                throw TaskSpecError(field: "stdin", message: "expected a string, got \(value.briefDescription)")
            }
            fields.stdin = text
        case .retries:
            guard let count = value.intValue, (0...Self.maximumRetries).contains(count) else {
                throw TaskSpecError(
                    field: "retries",
                    message: "expected a whole number from 0 to \(Self.maximumRetries) (how many times to retry a "
                        + "failure), got \(value.briefDescription)")
            }
            fields.retries = count
        case .timeout:
            guard case .number(let number) = value, number.doubleValue >= Self.minimumTimeout,
                number.doubleValue <= Self.maximumTimeout
            else {
                throw TaskSpecError(
                    field: "timeout",
                    message: "expected a number of seconds from \(Self.minimumTimeout) (the timer's resolution) to "
                        + "\(Int(Self.maximumTimeout)) (a year), got \(value.briefDescription)")
            }
            fields.timeout = number.doubleValue
        case .io:
            guard case .bool(let flag) = value else {
                throw TaskSpecError(
                    field: "io",
                    message: "expected true or false (true: the command mostly waits, so it holds no CPU slot), got "
                        + "\(value.briefDescription)")
            }
            fields.io = flag
        case .after:
            fields.after = try Self.dependencies(value)
        case .priority:
            guard let priority = value.intValue, abs(priority) <= 1_000_000_000 else {
                throw TaskSpecError(
                    field: "priority",
                    message: "expected a whole number (higher runs first, 0 by default), got \(value.briefDescription)")
            }
            fields.priority = priority
        case .pool:
            fields.pool = try Self.name(value, field: "pool", expected: "the name of a pool (a non-empty string)")
        case .cpus:
            fields.cpus = try Self.count(value, field: "cpus", what: "CPU slots the task takes", minimum: 1)
        case .gpus:
            fields.gpus = try Self.count(value, field: "gpus", what: "GPUs the task takes", minimum: 0)
        case .resources:
            fields.resources = try Self.namedMembers(
                value, field: "resources", expected: "an object of resource names to amounts ({\"licence\": 1})"
            ) { amount, field throws(TaskSpecError) in
                try Self.count(amount, field: field, what: "units of the resource", minimum: 0)
            }
        case .requires:
            fields.requires = try Self.namedMembers(
                value, field: "requires", expected: "an object of worker labels to values ({\"zone\": \"eu\"})"
            ) { wanted, field throws(TaskSpecError) in
                try Self.name(wanted, field: field, expected: "the label's value (a non-empty string)")
            }
        case .memory:
            fields.memory = try Self.memoryLimit(value)
        }
    }

    /// A `memory` value: a size text (`"512M"`) or a number of bytes (the wire form), at least 1 MiB.
    private static func memoryLimit(_ value: JSONValue) throws(TaskSpecError) -> UInt64 {
        let text: String
        switch value {
        case .string(let string): text = string
        case .number(let number): text = number.text
        default:
            throw TaskSpecError(
                field: "memory",
                message: "expected a size such as \"512M\" or \"2G\" (the most memory the task and everything it "
                    + "starts may use), got \(value.briefDescription)")
        }
        do {
            return try ByteSize(parsing: text, minimum: .minimumMemoryLimit).bytes
        } catch {
            throw TaskSpecError(field: "memory", message: error.description)
        }
    }

    /// The `after` list: task ids (strings or integers), without repeats.
    private static func dependencies(_ value: JSONValue) throws(TaskSpecError) -> [TaskID] {
        let expected = "expected an array of task ids (strings or integers) that must end ok first"
        guard case .array(let elements) = value else {
            throw TaskSpecError(field: "after", message: "\(expected), got \(value.briefDescription)")
        }
        var ids: [TaskID] = []
        ids.reserveCapacity(elements.count)
        for (position, element) in elements.enumerated() {
            guard let id = TaskID(json: element), !id.key.isEmpty else {
                throw TaskSpecError(
                    field: "after[\(position)]",
                    message: "expected a task id (a non-empty string or an integer), got \(element.briefDescription)")
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// An object whose member names are names (see `name`) and whose values `check` turns into `Value`s.
    private static func namedMembers<Value>(
        _ value: JSONValue, field: String, expected: String,
        _ check: (JSONValue, String) throws(TaskSpecError) -> Value
    ) throws(TaskSpecError) -> [String: Value] {
        guard case .object(let object) = value else {
            throw TaskSpecError(field: field, message: "expected \(expected), got \(value.briefDescription)")
        }
        var members: [String: Value] = [:]
        for (name, member) in object {
            let path = "\(field).\(name)"
            _ = try Self.name(.string(name), field: path, expected: "a name")
            members[name] = try check(member, path)
        }
        return members
    }

    /// A whole number from `minimum` to a million.
    private static func count(
        _ value: JSONValue, field: String, what: String, minimum: Int
    ) throws(TaskSpecError) -> Int {
        guard let count = value.intValue, (minimum...1_000_000).contains(count) else {
            throw TaskSpecError(
                field: field,
                message: "expected a whole number of \(what), at least \(minimum), got \(value.briefDescription)")
        }
        return count
    }

    /// A name: a non-empty string of at most 200 characters without NUL, `=` or `,` (so it can be given on the
    /// command line as `name=value`).
    private static func name(_ value: JSONValue, field: String, expected: String) throws(TaskSpecError) -> String {
        guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= 200,
            !text.utf8.contains(where: { $0 == 0 || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: ",") })
        else {
            throw TaskSpecError(
                field: field,
                message: "expected \(expected): 1 to 200 characters without '=', ',' or NUL, got \(value.briefDescription)")
        }
        return text
    }

    /// The most retries a task may ask for.
    static let maximumRetries = 1000
    /// The shortest timeout a task may set, in seconds: timeouts are measured in milliseconds.
    static let minimumTimeout = 0.001
    /// The longest timeout a task may set, in seconds (a year).
    static let maximumTimeout = 31_536_000.0

    /// The field names allowed in a scope, for messages: `id, exec, shell, ...`.
    static func knownNames(in scope: TaskFieldScope) -> String {
        allCases.filter { scope == .taskFile || $0.isSpecField }.map(\.rawValue).joined(separator: ", ")
    }

    /// Checks every member of `object` and stores the valid ones in `fields`, appending one error per bad
    /// member to `errors`. Returns whether a command field (`exec`, `shell`, `run`, `args`) failed its check,
    /// in which case problems with how the commands combine would be misleading.
    static func decode(
        _ object: JSONObject, scope: TaskFieldScope, into fields: inout TaskFields, errors: inout [TaskSpecError]
    ) -> Bool {
        var commandFieldFailed = false
        for (name, value) in object {
            guard let field = TaskField(name: name) else {
                errors.append(
                    TaskSpecError(
                        field: name,
                        message: "unknown field \(JSONValue.string(name).text); known fields: "
                            + knownNames(in: scope)))
                continue
            }
            guard scope == .taskFile || field.isSpecField else {
                let message =
                    scope == .defaults
                    ? "\"\(name)\" is not allowed in \"defaults\"; give each task its own id "
                        + "(or none, to use its position)"
                    : "unknown field \"\(name)\"; known fields: \(knownNames(in: scope))"
                errors.append(TaskSpecError(field: name, message: message))
                continue
            }
            do {
                try field.decode(value, into: &fields)
            } catch {
                errors.append(error)
                if field.isCommandField { commandFieldFailed = true }
            }
        }
        return commandFieldFailed
    }

    /// The `env` object as a dictionary of valid variable names to strings.
    private static func environment(_ value: JSONValue) throws(TaskSpecError) -> [String: String] {
        guard case .object(let object) = value else {
            throw TaskSpecError(
                field: "env", message: "expected an object of string values, got \(value.briefDescription)")
        }
        var environment: [String: String] = [:]
        environment.reserveCapacity(object.count)
        for (name, variable) in object {
            if name.isEmpty || name.utf8.contains(UInt8(ascii: "=")) || containsNUL(name) {
                throw TaskSpecError(
                    field: "env",
                    message: "invalid variable name \(JSONValue.string(name).text): names must be non-empty and "
                        + "contain no '=' or NUL")
            }
            environment[name] = try systemString(variable, field: "env.\(name)", expected: "a string")
        }
        return environment
    }

    /// The string in `value`, which is passed to the operating system and so may not contain NUL.
    private static func systemString(
        _ value: JSONValue, field: String, expected: String, nonEmpty: Bool = false
    ) throws(TaskSpecError) -> String {
        guard case .string(let text) = value, !(nonEmpty && text.isEmpty) else {
            throw TaskSpecError(field: field, message: "expected \(expected), got \(value.briefDescription)")
        }
        if containsNUL(text) {
            throw TaskSpecError(field: field, message: "must not contain a NUL character (\\u0000)")
        }
        return text
    }
}

/// Whether `text` contains a NUL character.
private func containsNUL(_ text: String) -> Bool {
    var copy = text
    return copy.withUTF8 { bytes in
        bytes.count > 0 && memchr(bytes.baseAddress!, 0, bytes.count) != nil
    }
}
