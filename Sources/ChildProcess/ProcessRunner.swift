import CChildProcess
import Glibc

/// Runs child processes to completion and collects their output: the worker's way to run
/// `exec` and `shell` tasks.
public enum ProcessRunner {
    /// Runs a child to completion on the calling thread and returns its status and output.
    ///
    /// It blocks, so callers give it a dedicated thread. It feeds `configuration.stdin`, reads
    /// stdout and stderr together with `poll(2)` (no deadlock whatever the sizes), keeps up to
    /// `outputCap` bytes of each, and reaps the child. It returns once both output streams reach end
    /// of file and the child has exited: background processes that keep the child's stdout or
    /// stderr open delay it (signal the process group to end them).
    ///
    /// `started` is called on this thread with the running process right after it starts, so it
    /// can be handed to another thread that may `signal` it (for example SIGTERM on cancellation).
    ///
    /// `onLine`, when given and output is captured, also receives every line of stdout and stderr on this thread
    /// as soon as it is complete (see `OutputLineSplitter`: lines of at most 64 KiB, a stream's unterminated last
    /// line at its end). Lines of one stream come in order; the capture in the result is unchanged. `sink`, when
    /// given instead, receives the output a chunk at a time (see `OutputSink`).
    ///
    /// With `configuration.processTree`, the child joins the tree before it executes, and the run ends when the child
    /// ends: whatever it left running (background jobs, `setsid` escapees) is killed then, the pipes are read for a
    /// moment more, and `ProcessOutput.memory` reports the tree's memory use (the tree is killed as soon as it goes
    /// over its memory limit).
    ///
    /// A child that exits without reading its stdin is fine: writing stops at `EPIPE`, and the
    /// `SIGPIPE` that raises is discarded on this thread. Throws `SpawnError` when the child cannot
    /// be started; what happens afterwards is reported in the returned `ExitStatus`.
    public static func run(
        _ configuration: SpawnConfiguration,
        started: (SpawnedProcess) -> Void = { _ in },
        onLine: ((OutputLine) -> Void)? = nil,
        sink: (any OutputSink)? = nil
    ) throws(SpawnError) -> ProcessOutput {
        var configuration = configuration
        let tree = configuration.processTree
        if let tree, tree.tracking == .processScan {
            configuration.environment[tree.marker.name] = tree.marker.value
        }
        let plan = try LaunchPlan(configuration)
        var streams = try ChildStreams(configuration)
        let machineOOMKillsBefore = tree?.machineOOMKillsBeforeStart()
        // A tree's child starts inside the tree's groups and comes with a pidfd, which tells the pump when the program
        // itself ended.
        let pid: pid_t
        var programEnd: Int32 = -1
        do {
            if let tree {
                let groups = tree.launchGroups()
                defer {
                    Descriptors.close(groups.directory)
                    for fd in groups.procs { Descriptors.close(fd) }
                }
                let launched = try Launcher.launchTracked(
                    plan, stdin: streams.childStdin, stdout: streams.childStdout, stderr: streams.childStderr,
                    newProcessGroup: configuration.newProcessGroup,
                    parentDeathSignal: configuration.parentDeathSignal, groups: groups)
                pid = launched.pid
                programEnd = launched.pidfd
            } else {
                pid = try Launcher.launch(
                    plan, stdin: streams.childStdin, stdout: streams.childStdout, stderr: streams.childStderr,
                    newProcessGroup: configuration.newProcessGroup, parentDeathSignal: configuration.parentDeathSignal)
            }
        } catch {
            streams.closeAll()
            throw error
        }
        // With a pidfd the pump learns of the program's end from it, so this process keeps its own copies of the
        // output pipes' write ends until then (see `PumpWatch.heldWriters`).
        let heldWriters = streams.closeChildEnds(keepingOutputWriters: programEnd >= 0)
        tree?.started(leader: pid)
        let process = SpawnedProcess(pid: pid, leadsProcessGroup: configuration.newProcessGroup)
        started(process)

        var pump = OutputPump(
            stdout: streams.parentStdout, stderr: streams.parentStderr, stdin: streams.parentStdin,
            input: configuration.stdin ?? [], inputOffset: streams.inputWritten, cap: configuration.outputCap)
        let watch = tree.map { tree in
            PumpWatch(
                programEnd: programEnd, heldWriters: heldWriters, onProgramEnd: { tree.programEnded() },
                tickNanoseconds: ProcessRunner.memoryCheckNanoseconds, onTick: { tree.enforceMemoryLimit() },
                drainMilliseconds: ProcessRunner.drainAfterEndMilliseconds)
        }
        pump.run(sink: sink ?? onLine.map { LineSplittingSink(onLine: $0) }, watch: watch)
        // With a watch the pump ran until the program ended, so it is reaped at once; without, it may still run.
        let status = process.tryWait() ?? process.wait()
        // Only a SIGKILL can be the out-of-memory killer's, so the machine's count is read again only then.
        let memory = tree?.finish(
            kernelOOMKillsBefore: machineOOMKillsBefore,
            kernelOOMKillsAfter: status.signal == SIGKILL && machineOOMKillsBefore != nil ? tree?.machineOOMKillsAfterEnd() : nil)
        return ProcessOutput(
            status: status,
            stdout: pump.stdout.bytes, stderr: pump.stderr.bytes,
            stdoutTruncated: pump.stdout.truncated, stderrTruncated: pump.stderr.truncated,
            stdoutBytes: pump.stdout.total, stderrBytes: pump.stderr.total, memory: memory)
    }

    /// How often a process tree's memory is checked while it runs.
    static let memoryCheckNanoseconds: UInt64 = 100_000_000
    /// How long the output pipes are still read after the program ended and its leftovers were stopped.
    static let drainAfterEndMilliseconds = 500
}

/// The pipes between `ProcessRunner.run` and one child. Stdin that fits in the pipe is written
/// before the child starts, so the common small-input case needs no feeding (and no `SIGPIPE`
/// handling) afterwards.
private struct ChildStreams {
    var childStdin = Launcher.StreamSource.devNull
    var childStdout = Launcher.StreamSource.inherit
    var childStderr = Launcher.StreamSource.inherit
    /// Parent ends, -1 when there is none (or, for stdin, when everything was written up front).
    var parentStdin: Int32 = -1
    var parentStdout: Int32 = -1
    var parentStderr: Int32 = -1
    /// How many stdin bytes went into the pipe before the child started.
    var inputWritten = 0

    init(_ configuration: SpawnConfiguration) throws(SpawnError) {
        let executable = configuration.executable
        do {
            if let input = configuration.stdin, !input.isEmpty {
                let pipe = try Descriptors.pipe(for: executable)
                childStdin = .descriptor(pipe.read)
                parentStdin = pipe.write
                Descriptors.setNonBlocking(pipe.write)
                prefill(input)
            }
            if configuration.captureOutput {
                let out = try Descriptors.pipe(for: executable)
                childStdout = .descriptor(out.write)
                parentStdout = out.read
                let err = try Descriptors.pipe(for: executable)
                childStderr = .descriptor(err.write)
                parentStderr = err.read
            }
        } catch {
            closeAll()
            throw error
        }
    }

    /// Writes as much of `input` as the empty pipe takes; closes the write end if that is all of it.
    /// Nothing can fail with `EPIPE` here, since this process still holds the read end.
    private mutating func prefill(_ input: [UInt8]) {
        while inputWritten < input.count {
            guard case .wrote(let count) = Descriptors.write(parentStdin, input, from: inputWritten) else {
                return
            }
            inputWritten += count
        }
        Descriptors.close(&parentStdin)
    }

    /// Closes the ends the child received (it has its own copies now), except, with `keepingOutputWriters`, the
    /// write ends of its stdout and stderr pipes, which are returned for the caller to close.
    @discardableResult
    mutating func closeChildEnds(keepingOutputWriters: Bool = false) -> [Int32] {
        var kept: [Int32] = []
        if case .descriptor(let fd) = childStdin { Descriptors.close(fd) }
        for source in [childStdout, childStderr] {
            if case .descriptor(let fd) = source {
                if keepingOutputWriters { kept.append(fd) } else { Descriptors.close(fd) }
            }
        }
        childStdin = .devNull
        childStdout = .inherit
        childStderr = .inherit
        return kept
    }

    /// Closes every descriptor (after a failed start).
    mutating func closeAll() {
        closeChildEnds()
        Descriptors.close(&parentStdin)
        Descriptors.close(&parentStdout)
        Descriptors.close(&parentStderr)
    }
}
