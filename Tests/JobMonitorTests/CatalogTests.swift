#if canImport(Glibc)
import Glibc
#endif
import JobMonitor
import Testing

@Suite("state directory, metadata and job lookup")
struct CatalogTests {
    @Test("JOBRUN_STATE_DIR wins, then XDG_STATE_HOME, then ~/.local/state")
    func standardLocation() {
        let environment = ["HOME": "/home/ana", "XDG_STATE_HOME": "/var/state/ana"]
        #expect(StateDirectory.standard { environment[$0] }.path == "/var/state/ana/jobrun/jobs")
        #expect(StateDirectory.standard { ["HOME": "/home/ana"][$0] }.path == "/home/ana/.local/state/jobrun/jobs")
        #expect(StateDirectory.standard { ["JOBRUN_STATE_DIR": "/srv/jobs", "HOME": "/home/ana"][$0] }.path == "/srv/jobs")
        // A relative XDG_STATE_HOME is invalid by the spec and ignored.
        #expect(StateDirectory.standard { ["XDG_STATE_HOME": "state", "HOME": "/h"][$0] }.path == "/h/.local/state/jobrun/jobs")
    }

    @Test("job ids sort by time and have a fixed shape")
    func ids() {
        let early = JobID.make(nowMicroseconds: 1_795_308_528_000_000)
        let late = JobID.make(nowMicroseconds: 1_795_308_529_000_000)
        #expect(early.hasPrefix("20261122-004848-"))
        #expect(early < late)
        #expect(JobID.isWellFormed(early))
        #expect(!JobID.isWellFormed("20261122-004848-zzzz"))
        #expect(!JobID.isWellFormed("notes.txt"))
    }

    @Test("metadata survives a write and a read")
    func metadataRoundTrip() throws {
        let scratch = ScratchDirectory()
        let state = StateDirectory(path: scratch.file("jobs"))
        let directory = try state.createJob()
        var metadata = JobSubmission(taskFile: "/data/t.json", outputPath: "/data/out.jsonl", settingsPath: nil, workers: 3, slots: 2)
            .metadata(id: directory.id, detached: true, createdMicroseconds: 42)
        metadata.pid = 77
        metadata.pidStartTime = 1234
        metadata.controlEndpoint = "ipc:///x/control"
        metadata.state = .noWorkers
        metadata.exitStatus = 1
        try metadata.write(to: directory)
        #expect(try JobMetadata.read(from: directory) == metadata)
        #expect(metadata.name == "t.json")
    }

    @Test("a job is found by id, prefix or suffix; unknown ids list the known jobs")
    func resolve() throws {
        let scratch = ScratchDirectory()
        let state = StateDirectory(path: scratch.file("jobs"))
        let catalog = JobCatalog(stateDirectory: state)
        #expect(throws: MonitorError.self) { try catalog.resolve(nil) }
        var ids: [String] = []
        for second in 0..<3 {
            let directory = try state.createJob(nowMicroseconds: 1_795_308_528_000_000 + Int64(second) * 1_000_000)
            var metadata = JobSubmission(taskFile: "t\(second).json", outputPath: "o", settingsPath: nil, workers: 1, slots: 1)
                .metadata(id: directory.id, detached: false)
            metadata.state = .completed
            try metadata.write(to: directory)
            ids.append(directory.id)
        }
        #expect(try catalog.resolve(ids[1]).id == ids[1])
        #expect(try catalog.resolve(String(ids[2].suffix(4))).id == ids[2])
        #expect(try catalog.resolve("20261122-004849").id == ids[1])
        #expect(try catalog.resolve(nil).id == ids[2])
        do {
            _ = try catalog.resolve("nope")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("no job \"nope\" in \(state.path)"))
            for id in ids { #expect(error.description.contains("\(id)  t") && error.description.contains("completed")) }
        }
        do {
            _ = try catalog.resolve("2026")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("ambiguous"))
        }
    }

    @Test("pruning keeps the newest jobs and every live one")
    func prune() throws {
        let scratch = ScratchDirectory()
        let state = StateDirectory(path: scratch.file("jobs"))
        var ids: [String] = []
        for second in 0..<6 {
            let directory = try state.createJob(nowMicroseconds: 1_795_308_528_000_000 + Int64(second) * 1_000_000)
            var metadata = JobSubmission(taskFile: "t.json", outputPath: "o", settingsPath: nil, workers: 1, slots: 1)
                .metadata(id: directory.id, detached: false)
            metadata.state = second == 1 ? .running : .completed
            if second == 1 {
                metadata.pid = getpid()
                metadata.pidStartTime = ProcessProbe.startTime(of: getpid())
            }
            try metadata.write(to: directory)
            scratch.write("jobs/\(directory.id)/events.ndjson", "{}\n")
            ids.append(directory.id)
        }
        #expect(state.prune(keeping: 0).isEmpty)
        #expect(state.prune(keeping: 3) == [ids[0], ids[2]])
        #expect(state.jobIDs() == [ids[1]] + ids.suffix(3))
        #expect(StateDirectory.keptJobs { ["JOBRUN_KEEP_JOBS": "7"][$0] } == 7)
        #expect(StateDirectory.keptJobs { _ in nil } == 100)
    }

    @Test("a running job whose coordinator is gone shows as died")
    func died() throws {
        let scratch = ScratchDirectory()
        let state = StateDirectory(path: scratch.file("jobs"))
        let directory = try state.createJob()
        var metadata = JobSubmission(taskFile: "t.json", outputPath: "o", settingsPath: nil, workers: 1, slots: 1)
            .metadata(id: directory.id, detached: true)
        metadata.state = .running
        metadata.pid = getpid()
        metadata.pidStartTime = ProcessProbe.startTime(of: getpid())
        try metadata.write(to: directory)
        #expect(JobRecord(directory: directory).displayState == "running")
        #expect(JobRecord(directory: directory).isLive)
        // The same pid with another start time is another process: the coordinator is gone.
        metadata.pidStartTime = (metadata.pidStartTime ?? 0) + 1
        try metadata.write(to: directory)
        #expect(JobRecord(directory: directory).displayState == "died")
        #expect(JobRecord(directory: directory).coordinatorDied)
        // An unreadable job.json is shown as unknown, with the reason.
        scratch.write("jobs/\(directory.id)/job.json", "{not json")
        let broken = JobRecord(directory: directory)
        #expect(broken.displayState == "unknown")
        #expect(broken.metadataProblem?.contains("job.json") == true)
    }
}
