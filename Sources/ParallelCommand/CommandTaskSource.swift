import TaskFile

/// The tasks of `jobrun run`: a command template filled in with every combination of its input sources, one
/// shell task (or, when no shell is needed, exec task) per combination, numbered from 1 (`{#}`, and the task's
/// id).
///
/// The first source streams: a pipe or standard input is read as lines arrive, and tasks start while it is
/// still open. Every other source is read whole before the first task (each line and all of them together are
/// bounded by `InputLimits`). Not thread-safe.
public final class CommandTaskSource: TaskSource {
    private let template: CommandTemplate
    /// The first source, when it streams.
    private var stream: InputLineReader?
    /// The values of the first group's sources that do not stream (all of them when none streams).
    private let headValues: [[String]]
    /// Every later group, as its rows (one value per linked source).
    private let rest: [[[String]]]
    /// Which row of the first group comes next.
    private var headIndex = 0
    /// The first group's row being combined with the rest, and the line it came from.
    private var head: (values: [String], line: Int)?
    /// Which row of each later group comes next (an odometer, the last group turning fastest).
    private var odometer: [Int]
    private var jobNumber = 0
    private var finished = false

    /// Opens and reads the inputs of `arguments`.
    ///
    /// - Throws: a `TaskFileProblem` naming the input that cannot be opened or read, or is too large.
    public init(arguments: ParallelArguments) throws(TaskFileProblem) {
        template = CommandTemplate(words: arguments.command)
        var held = 0
        var groups: [[[String]]] = []
        var stream: InputLineReader?
        for (groupIndex, group) in arguments.groups.enumerated() {
            var columns: [[String]] = []
            for (sourceIndex, source) in group.enumerated() {
                switch source {
                case .values(let values):
                    columns.append(values)
                case .file(let path):
                    let reader = try InputLineReader.open(path, blocking: groupIndex > 0 || sourceIndex > 0)
                    if groupIndex == 0 && sourceIndex == 0 {
                        stream = reader
                    } else {
                        columns.append(try Self.readAll(reader, held: &held))
                    }
                }
            }
            groups.append(columns)
        }
        self.stream = stream
        headValues = groups.first ?? []
        rest = groups.dropFirst().map(Self.rows)
        odometer = Array(repeating: 0, count: rest.count)
    }

    public var readinessDescriptor: Int32? { stream?.descriptor }
    public var knownTaskCount: Int? { nil }

    public func next() -> TaskSourceEvent {
        while !finished {
            if head == nil {
                if let other = nextHead() { return other }
            }
            guard let current = head else { continue }
            if rest.contains(where: \.isEmpty) || (!odometer.isEmpty && odometer[0] >= rest[0].count) {
                head = nil
                odometer = Array(repeating: 0, count: rest.count)
                continue
            }
            var inputs = current.values
            for (group, row) in zip(rest, odometer) { inputs += group[row] }
            advanceOdometer()
            if rest.isEmpty { head = nil }
            jobNumber += 1
            return .task(makeDefinition(inputs: inputs, line: current.line))
        }
        return .end
    }

    public func close() {
        finished = true
        stream?.close()
    }

    /// Moves `head` to the first group's next row; `nil` when there is one, else what to answer instead.
    private func nextHead() -> TaskSourceEvent? {
        var values: [String] = []
        var line = headIndex + 1
        if let stream {
            switch stream.next() {
            case .line(let bytes, let number):
                if bytes.contains(0) {
                    close()
                    return .problem(Self.nulProblem(in: stream.name, line: number))
                }
                values.append(LosslessText.decode(bytes))
                line = number
            case .waiting:
                return .waiting
            case .end:
                close()
                return .end
            case .problem(let problem):
                close()
                return .problem(problem)
            }
        } else if headValues.isEmpty {
            close()
            return .end
        }
        // Linked sources go element by element and stop with the shortest.
        for column in headValues {
            guard headIndex < column.count else {
                close()
                return .end
            }
            values.append(column[headIndex])
        }
        headIndex += 1
        head = (values, line)
        return nil
    }

    private func advanceOdometer() {
        var index = odometer.count - 1
        while index >= 0 {
            odometer[index] += 1
            if odometer[index] < rest[index].count || index == 0 { return }
            odometer[index] = 0
            index -= 1
        }
    }

    private func makeDefinition(inputs: [String], line: Int) -> TaskDefinition {
        let command: TaskCommand
        if template.words.isEmpty {
            // No command: each input is itself a command line.
            // A command line's text cannot hold bytes that are not UTF-8: they become U+FFFD, as in the command's words.
            command = .shell(String(decoding: LosslessText.encode(inputs.joined(separator: " ")), as: UTF8.self))
        } else if !inputs.contains(where: LosslessText.hasRawBytes),  // such bytes pass only through the shell (see `ShellQuote`)
            let arguments = template.execArguments(inputs: inputs, jobNumber: jobNumber)
        {
            command = .exec(arguments)
        } else {
            command = .shell(template.shellCommand(inputs: inputs, jobNumber: jobNumber))
        }
        var definition = TaskDefinition(
            position: jobNumber - 1, line: line, id: TaskID(position: jobNumber), spec: TaskSpec(command: command))
        definition.inputs = inputs
        return definition
    }

    /// The rows of a group of linked sources: one value of each, as many rows as the shortest has values.
    static func rows(_ columns: [[String]]) -> [[String]] {
        let count = columns.map(\.count).min() ?? 0
        return (0..<count).map { row in columns.map { $0[row] } }
    }

    /// An input line holding a NUL byte: no argument of a command can carry one, so it is refused where it is.
    static func nulProblem(in name: String, line: Int) -> TaskFileProblem {
        TaskFileProblem(
            path: name, line: line, column: nil, task: nil, field: nil,
            message: "the input holds a NUL byte, which no command argument can carry; remove it (inputs are one a line)")
    }

    /// Every line of `reader`, counting their bytes into `held`.
    private static func readAll(_ reader: InputLineReader, held: inout Int) throws(TaskFileProblem) -> [String] {
        defer { reader.close() }
        var lines: [String] = []
        while true {
            switch reader.next() {
            case .line(let bytes, let number):
                held += bytes.count + 16
                guard held <= InputLimits.maxHeldInputBytes else {
                    throw TaskFileProblem(
                        path: reader.name, line: number, column: nil, task: nil, field: nil,
                        message: "the input sources after the first hold more than \(InputLimits.maxHeldInputBytes >> 20) "
                            + "MiB, the most jobrun keeps in memory; put the largest source first (it is streamed)")
                }
                if bytes.contains(0) { throw nulProblem(in: reader.name, line: number) }
                lines.append(LosslessText.decode(bytes))
            case .waiting:
                continue
            case .end:
                return lines
            case .problem(let problem):
                throw problem
            }
        }
    }
}
