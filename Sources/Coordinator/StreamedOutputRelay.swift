import Scheduler
import TaskFile
import WireProtocol

/// What running tasks write, as it streams in: handed to the observers and, with `showStreamedOutput`, printed in
/// the foreground (tagged as asked), without mixing with the progress line.
///
/// Threads: used on the coordinator's thread only.
final class StreamedOutputRelay {
    private let configuration: JobConfiguration
    private let tally: JobTally
    /// Prints streamed task output in the foreground (`showStreamedOutput`).
    let outputPrinter = TaskOutputPrinter()

    init(configuration: JobConfiguration, tally: JobTally) {
        self.configuration = configuration
        self.tally = tally
    }

    /// Hands lines that running tasks wrote to the observers and, with `showStreamedOutput`, prints them tagged with
    /// their task id. Lines of tasks already recorded (a late copy of a task that ran twice) are skipped.
    func receiveOutput(_ lines: [TaskOutputLine], pending: SequenceTable<PendingTask>) {
        let show = configuration.showStreamedOutput
        let stdoutDescriptor: Int32 = configuration.outputPath == "-" ? 2 : 1
        var queued = false
        for line in lines {
            guard let task = pending[line.sequence] else { continue }
            let text = LosslessText.decode(line.text)
            let isStderr = line.stream == .stderr
            for observer in configuration.observers {
                observer.taskOutput(task.id, stream: isStderr ? "stderr" : "stdout", line: text, cut: line.cut)
            }
            guard show else { continue }
            let shown: String
            switch configuration.streamedLineTag {
            case .taskID: shown = TaggedLine.text(text, id: task.id.key, stderr: isStderr)
            case .none: shown = text
            case .inputs: shown = task.inputs.joined(separator: "\t") + "\t" + text
            }
            outputPrinter.add(shown, to: isStderr ? 2 : stdoutDescriptor)
            queued = true
        }
        if queued { tally.progress.printTaskOutput(with: outputPrinter) }
    }
}
