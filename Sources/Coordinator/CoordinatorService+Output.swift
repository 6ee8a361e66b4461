import Scheduler
import TaskFile
import WireProtocol

extension CoordinatorService {
    /// Hands lines that running tasks wrote to the observers and, with `showStreamedOutput`, prints them tagged with
    /// their task id. Lines of tasks already recorded (a late copy of a task that ran twice) are skipped.
    func receiveOutput(_ lines: [TaskOutputLine]) {
        let show = configuration.showStreamedOutput
        let stdoutDescriptor: Int32 = configuration.outputPath == "-" ? 2 : 1
        var printer = show ? TaggedLinePrinter() : nil
        for line in lines {
            guard let task = pending[line.sequence] else { continue }
            let text = String(decoding: line.text, as: UTF8.self)
            let isStderr = line.stream == .stderr
            for observer in configuration.observers {
                observer.taskOutput(task.id, stream: isStderr ? "stderr" : "stdout", line: text, cut: line.cut)
            }
            printer?.add(TaggedLine.text(text, id: task.id.key, stderr: isStderr), to: isStderr ? 2 : stdoutDescriptor)
        }
        if let printer, !printer.isEmpty { progress.printTaskOutput(printer.runs, with: outputPrinter) }
    }
}

/// Tagged lines to print, gathered into runs of consecutive lines for the same descriptor so that the order of
/// stdout and stderr lines is kept with one `write` per run.
private struct TaggedLinePrinter {
    private(set) var runs: [(descriptor: Int32, text: String)] = []

    var isEmpty: Bool { runs.isEmpty }

    mutating func add(_ line: String, to descriptor: Int32) {
        if runs.last?.descriptor == descriptor {
            runs[runs.count - 1].text += line + "\n"
        } else {
            runs.append((descriptor, line + "\n"))
        }
    }
}
