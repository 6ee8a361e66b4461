#if canImport(Glibc)
import Glibc
#endif
import Clock
import SystemIO

/// The directory holding every job's state directory on this machine.
///
/// It is `$JOBRUN_STATE_DIR` when set, else `$XDG_STATE_HOME/jobrun/jobs`, else `~/.local/state/jobrun/jobs`.
/// Jobs are subdirectories named by job id (`20261122-003512-a3f9`: the UTC start time and four random hex
/// digits), so sorting ids sorts jobs by age. A value type; safe to share between threads.
public struct StateDirectory: Sendable, Equatable {
    /// The directory's path.
    public let path: String

    /// Names a state directory explicitly.
    public init(path: String) {
        self.path = path
    }

    /// The state directory chosen by the environment (see the type's summary).
    ///
    /// - Parameter environment: looks a variable up; the process environment by default.
    public static func standard(
        environment: (String) -> String? = EnvironmentVariable.value
    ) -> StateDirectory {
        func value(_ name: String) -> String? { environment(name).flatMap { $0.isEmpty ? nil : $0 } }
        if let explicit = value("JOBRUN_STATE_DIR") { return StateDirectory(path: FileText.absolute(explicit)) }
        if let state = value("XDG_STATE_HOME"), state.hasPrefix("/") { return StateDirectory(path: state + "/jobrun/jobs") }
        return StateDirectory(path: homeDirectory(environment: value) + "/.local/state/jobrun/jobs")
    }

    /// The directory of job `id` (which may not exist).
    public func job(_ id: String) -> JobDirectory { JobDirectory(id: id, path: path + "/" + id) }

    /// The ids of every job directory here, oldest first.
    public func jobIDs() -> [String] {
        FileText.names(in: path).filter { JobID.isWellFormed($0) && FileText.isDirectory(path + "/" + $0) }.sorted()
    }

    /// Creates a new, empty job directory (mode 0700) with a fresh id, creating this directory first if needed.
    ///
    /// - Throws: `MonitorError` naming the directory that could not be created.
    public func createJob(nowMicroseconds: Int64 = Clocks.realTimeMicroseconds()) throws(MonitorError) -> JobDirectory {
        try FileText.makeDirectories(path, mode: 0o700)
        for _ in 0..<100 {
            let candidate = job(JobID.make(nowMicroseconds: nowMicroseconds))
            if mkdir(candidate.path, 0o700) == 0 { return candidate }
            guard errno == EEXIST else {
                throw MonitorError("cannot create the job directory \(candidate.path): \(FileText.lastErrorText())")
            }
        }
        throw MonitorError("cannot find a free job id in \(path); remove old job directories there")
    }

    /// How many job directories `prune` keeps by default: `$JOBRUN_KEEP_JOBS` when set (0 keeps all), else 100.
    public static func keptJobs(environment: (String) -> String? = EnvironmentVariable.value) -> Int {
        environment("JOBRUN_KEEP_JOBS").flatMap { Int($0) }.map { max($0, 0) } ?? 100
    }

    /// Removes the oldest job directories beyond the newest `keeping` (0 keeps all). Jobs whose coordinator is
    /// still running are never removed. Problems are ignored: pruning is housekeeping.
    ///
    /// - Returns: the ids removed.
    @discardableResult
    public func prune(keeping: Int) -> [String] {
        guard keeping > 0 else { return [] }
        let ids = jobIDs()
        guard ids.count > keeping else { return [] }
        var removed: [String] = []
        for id in ids.dropLast(keeping) where !JobRecord(directory: job(id)).isLive {
            let directory = job(id)
            for name in FileText.names(in: directory.path) { unlink(directory.path + "/" + name) }
            if rmdir(directory.path) == 0 { removed.append(id) }
        }
        return removed
    }

    private static func homeDirectory(environment: (String) -> String?) -> String {
        if let home = environment("HOME") { return home }
        if let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir { return String(cString: directory) }
        return "/tmp"
    }
}

/// Job ids: `YYYYMMDD-HHMMSS-xxxx`, the UTC time the job was submitted and four random hex digits.
public enum JobID {
    /// A new id for a job submitted at `nowMicroseconds` (since the Unix epoch).
    public static func make(nowMicroseconds: Int64) -> String {
        let stamp = Clocks.rfc3339(microseconds: nowMicroseconds)  // 2026-11-22T00:35:12.123Z
        let digits = stamp.filter { $0.isNumber }
        let date = digits.prefix(8)
        let time = digits.dropFirst(8).prefix(6)
        var random: UInt16 = 0
        if let source = fopen("/dev/urandom", "r") {
            _ = fread(&random, 2, 1, source)
            fclose(source)
        } else {
            random = UInt16(truncatingIfNeeded: nowMicroseconds &* 2_654_435_761 ^ Int64(getpid()))
        }
        let hex = String(random, radix: 16)
        return "\(date)-\(time)-\(String(repeating: "0", count: 4 - hex.count))\(hex)"
    }

    /// Whether `text` has the shape of a job id (so other files in the state directory are ignored).
    public static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[8] == UInt8(ascii: "-"), bytes[15] == UInt8(ascii: "-") else { return false }
        for (index, byte) in bytes.enumerated() where index != 8 && index != 15 {
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            let isHex = isDigit || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            if index < 15 ? !isDigit : !isHex { return false }
        }
        return true
    }
}
