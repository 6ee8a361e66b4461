#if canImport(Glibc)
import JSONValue
import ChildProcess
import Settings
import SystemIO
import Glibc
#endif

/// The progress shown on stderr while a job runs.
///
/// On a terminal: one line redrawn in place, at most every `refreshNanoseconds`. Otherwise: a plain line every
/// `plainIntervalNanoseconds`, without escape codes. Quiet: nothing.
struct ProgressDisplay {
    enum Mode {
        case live, plain, quiet
    }

    let mode: Mode
    /// The latest progress a running task reported, shown after the counts.
    var detail: String?
    /// Why tasks wait (dependencies, pools, resources), when some do.
    var waiting = ""
    private let interval: UInt64
    private var lastDrawn: UInt64 = 0
    private var lineShown = false

    init(quiet: Bool, refreshMilliseconds: Int, plainMilliseconds: Int) {
        if quiet {
            mode = .quiet
        } else if isatty(2) != 0 {
            mode = .live
        } else {
            mode = .plain
        }
        interval = UInt64(mode == .live ? refreshMilliseconds : plainMilliseconds) * 1_000_000
    }

    /// Redraws if the interval has passed.
    mutating func update(_ statistics: JobStatistics, busyWorkers: Int, workers: Int, now: UInt64) {
        guard mode != .quiet, now - lastDrawn >= interval else { return }
        lastDrawn = now
        var line = Self.describe(statistics, busyWorkers: busyWorkers, workers: workers, now: now)
        if !waiting.isEmpty { line += " | " + waiting }
        if let detail, mode == .live { line += " | " + String(detail.prefix(60)) }
        if mode == .live {
            Self.write("\r\u{1B}[2K" + line)
            lineShown = true
        } else if now - statistics.startedAt >= interval {
            Self.write(line + "\n")
        }
    }

    /// Ends the live line so the next output starts on a fresh line.
    mutating func finish() {
        if lineShown {
            Self.write("\r\u{1B}[2K")
            lineShown = false
        }
    }

    /// Prints a message on its own line, keeping the live line intact below it.
    mutating func message(_ text: String) {
        finish()
        Self.write(text + "\n")
        lastDrawn = 0
    }

    /// Prints the task output queued in `printer` above the live line: clears it, has `printer` write what its
    /// readers take (it never blocks), and has the next update redraw the line. Plain progress lines keep their
    /// pace. Printed in every mode; whether to print at all is the caller's choice.
    mutating func printTaskOutput(with printer: TaskOutputPrinter) {
        finish()
        printer.flush()
        if mode == .live { lastDrawn = 0 }
    }

    static func describe(_ statistics: JobStatistics, busyWorkers: Int, workers: Int, now: UInt64) -> String {
        let total = statistics.totalIsKnown ? "/\(statistics.totalTasks)" : " of \(statistics.totalTasks) read so far"
        var parts = ["\(statistics.recorded + statistics.skipped)\(total) done"]
        if statistics.failed > 0 { parts.append(statistics.statuses.phrase(includingOK: false)) }
        parts.append("\(formatRate(statistics.rate(now: now))) tasks/s")
        parts.append("\(formatDuration(statistics.elapsedSeconds(now: now))) elapsed")
        if let left = statistics.estimatedSecondsLeft(now: now) { parts.append("ETA \(formatDuration(left))") }
        parts.append("\(busyWorkers)/\(workers) workers busy")
        return "jobrun: " + parts.joined(separator: ", ")
    }

    static func formatRate(_ rate: Double) -> String {
        rate >= 100 ? String(Int(rate.rounded())) : String(Double(Int(rate * 10)) / 10)
    }

    /// `0:07`, `12:03`, `1:02:03`.
    static func formatDuration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" : "\(minutes):\(twoDigits(secs))"
    }

    static func write(_ text: String) { StandardError.write(text) }
}
