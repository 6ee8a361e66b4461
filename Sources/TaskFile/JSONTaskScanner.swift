import JSONValue

/// Streams a JSON task file (`{"tasks": [...], "defaults": {...}}`) one task at a time, never holding more
/// than one task's bytes plus a read chunk.
///
/// When `"tasks"` comes before `"defaults"`, it looks ahead with a second scanner that skips the rest of the
/// task list (matching brackets only) to find the defaults, so that `.defaults` is always reported before the
/// first task. The look-ahead checks nothing; the main scan reports every problem in order.
/// Not thread-safe.
final class JSONTaskScanner: TaskScanner {
    private enum State {
        case start
        case member(first: Bool)
        case afterMember
        case element(first: Bool)
        case afterElement
        /// Skipping the rest of the task list (looking ahead only).
        case skipTasks
        case trailing
        case done
    }

    /// What is known about the defaults.
    private enum DefaultsState {
        /// Not seen yet.
        case pending
        /// Reported (read before the tasks, or found by looking ahead).
        case delivered
        /// Looked ahead: there are none.
        case absent
        /// Looking ahead failed on a broken file.
        case unknown
    }

    private let file: OpenTaskFile
    private let source: FileByteSource
    /// Whether this scanner only looks ahead for the defaults (it then skips tasks without building them and
    /// reports nothing else).
    private let isLookahead: Bool
    private var state: State
    private var topLevelKeys: Set<String>
    private var defaultsState = DefaultsState.pending
    /// Where a look-ahead scanner started.
    private var startOffset = 0
    private var startPosition = JSONTextPosition()

    /// A scanner for the whole file.
    init(file: OpenTaskFile, chunkSize: Int = 256 << 10) {
        self.file = file
        source = FileByteSource(file: file, chunkSize: chunkSize)
        isLookahead = false
        state = .start
        topLevelKeys = []
    }

    /// A look-ahead scanner starting inside the task list at `offset`, which is at `position`. It does not
    /// track positions as it goes; it works out the defaults' position when it finds them.
    private init(lookaheadIn file: OpenTaskFile, offset: Int, position: JSONTextPosition, keys: Set<String>) {
        self.file = file
        source = FileByteSource(file: file, offset: offset, position: position, tracksPosition: false)
        startOffset = offset
        startPosition = position
        isLookahead = true
        state = .skipTasks
        topLevelKeys = keys
    }

    private var path: String { file.path }

    func next() -> TaskScanEvent {
        do {
            return try step()
        } catch {
            state = .done
            return .failure(TaskFileProblem(path: path, failure: error))
        }
    }

    private func step() throws(ByteSourceFailure) -> TaskScanEvent {
        while true {
            switch state {
            case .done:
                return .end
            case .start:
                if let event = try readStart() { return event }
            case .member(let first):
                guard let byte = try source.peekNonWhitespace(), byte == UInt8(ascii: "\"") else {
                    if try source.peekNonWhitespace() == UInt8(ascii: "}") {
                        if first { return try closeObject() }
                        throw source.syntaxError(
                            "expected a string key after ',', found '}' (trailing commas are not allowed)")
                    }
                    throw try source.unexpected(first ? "a string key or '}'" : "a string key after ','")
                }
                if let event = try readMember() { return event }
            case .afterMember:
                let byte = try source.peekNonWhitespace()
                if byte == UInt8(ascii: ",") {
                    source.consume(1)
                    state = .member(first: false)
                } else if byte == UInt8(ascii: "}") {
                    return try closeObject()
                } else {
                    throw try source.unexpected("',' or '}' after object member")
                }
            case .element(let first):
                let byte = try source.peekNonWhitespace()
                if byte == UInt8(ascii: "]") {
                    guard first else {
                        throw source.syntaxError(
                            "expected a task after ',', found ']' (trailing commas are not allowed)")
                    }
                    source.consume(1)
                    state = .afterMember
                    continue
                }
                guard byte != nil else { throw try source.unexpected(first ? "a task or ']'" : "a task after ','") }
                let position = source.position
                state = .afterElement
                return .task(try source.parseValue(), position)
            case .afterElement:
                let byte = try source.peekNonWhitespace()
                if byte == UInt8(ascii: ",") {
                    source.consume(1)
                    state = .element(first: false)
                } else if byte == UInt8(ascii: "]") {
                    source.consume(1)
                    state = .afterMember
                } else {
                    throw try source.unexpected("',' or ']' after a task")
                }
            case .skipTasks:
                guard try source.skipRestOfArray() else { throw source.syntaxError("unexpected end of input") }
                state = .afterMember
            case .trailing:
                if try source.peekNonWhitespace() != nil {
                    throw try source.unexpected("end of input after the task file's object")
                }
                state = .done
                return .end
            }
        }
    }

    /// Reads the opening brace; a failure when the top level is not an object.
    private func readStart() throws(ByteSourceFailure) -> TaskScanEvent? {
        guard let byte = try source.peekNonWhitespace() else {
            throw source.syntaxError(
                "expected '{' to start the task file (an object with a \"tasks\" array), found end of input "
                    + "(the file is empty)")
        }
        guard byte == UInt8(ascii: "{") else {
            let found: String
            switch byte {
            case UInt8(ascii: "["): found = "an array (write {\"tasks\": [...]})"
            case UInt8(ascii: "\""): found = "a string"
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): found = "a number"
            default: throw try source.unexpected("'{' to start the task file (an object with a \"tasks\" array)")
            }
            state = .done
            return .failure(
                TaskFileProblem(
                    path: path, at: source.position,
                    message: "the task file must be a JSON object with a \"tasks\" array, found \(found)"))
        }
        source.consume(1)
        state = .member(first: true)
        return nil
    }

    /// Reads one top-level member whose key starts at the current position.
    private func readMember() throws(ByteSourceFailure) -> TaskScanEvent? {
        let keyPosition = source.position
        let keyOffset = source.offset
        let key = try source.parseValue().stringValue ?? ""
        guard topLevelKeys.insert(key).inserted else {
            throw .syntax(
                JSONSyntaxError(
                    message: "duplicate key \(JSONValue.string(key).text)", offset: keyOffset,
                    line: keyPosition.line, column: keyPosition.column))
        }
        guard try source.peekNonWhitespace() == UInt8(ascii: ":") else {
            throw try source.unexpected("':' after object key")
        }
        source.consume(1)
        guard try source.peekNonWhitespace() != nil else { throw try source.unexpected("a JSON value") }
        let valuePosition = source.position
        state = .afterMember
        switch key {
        case "tasks":
            return try openTasks(at: valuePosition)
        case "defaults":
            return try readDefaults(at: valuePosition)
        case "pools":
            if isLookahead {
                try source.skipValue()
                return nil
            }
            return .pools(try source.parseValue(), valuePosition)
        default:
            try source.skipValue()
            if isLookahead { return nil }
            return .problem(
                TaskFileProblem(
                    path: path, at: keyPosition,
                    message: "unknown top-level key \(JSONValue.string(key).text); a task file has \"tasks\" "
                        + "(required), \"defaults\" and \"pools\" (optional)"))
        }
    }

    /// Enters the task list, looking ahead for defaults first when they have not been seen.
    private func openTasks(at position: JSONTextPosition) throws(ByteSourceFailure) -> TaskScanEvent? {
        guard try source.peekNonWhitespace() == UInt8(ascii: "[") else {
            let value = try source.parseValue()
            if isLookahead { return nil }
            return .problem(
                TaskFileProblem(
                    path: path, at: position, field: "tasks",
                    message: "expected an array of task objects, got \(value.briefDescription)"))
        }
        source.consume(1)
        state = .element(first: true)
        guard !isLookahead, defaultsState == .pending else { return nil }
        let lookahead = JSONTaskScanner(
            lookaheadIn: file, offset: source.offset, position: source.position, keys: topLevelKeys)
        switch lookahead.next() {
        case .defaults(let value, let position):
            defaultsState = .delivered
            return .defaults(value, position)
        case .failure:
            defaultsState = .unknown
            return .defaultsUnknown
        default:
            defaultsState = .absent
            return nil
        }
    }

    /// Reads the defaults' value, unless the look-ahead already reported it.
    private func readDefaults(at position: JSONTextPosition) throws(ByteSourceFailure) -> TaskScanEvent? {
        if isLookahead {
            let valueOffset = source.offset
            let value = try source.parseValue()
            let valuePosition = try FileByteSource.position(
                of: valueOffset, in: file, from: startOffset, at: startPosition)
            return .defaults(value, valuePosition)
        }
        switch defaultsState {
        case .pending:
            defaultsState = .delivered
            return .defaults(try source.parseValue(), position)
        case .delivered:
            try source.skipValue()
            return nil
        case .absent, .unknown:
            state = .done
            return .failure(
                TaskFileProblem(
                    path: path, at: position,
                    message: "the task file changed while it was being read; run again once it is complete"))
        }
    }

    /// Consumes the top-level closing brace; a problem when there was no task list.
    private func closeObject() throws(ByteSourceFailure) -> TaskScanEvent {
        let position = source.position
        source.consume(1)
        state = .trailing
        if topLevelKeys.contains("tasks") || isLookahead { return try step() }
        return .problem(
            TaskFileProblem(
                path: path, at: position,
                message: "missing \"tasks\": the task file's object needs a \"tasks\" array of task objects"))
    }
}
