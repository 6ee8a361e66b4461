import ChildProcess
import Glibc
import Testing

@Suite struct ParentDeathSignalTests {
    @Test func theChildGetsTheSignalWhenTheSpawningThreadExits() throws {
        let spawned = Shared<SpawnedProcess?>(nil)
        let failure = Shared<String?>(nil)
        runOnNewThread {
            do {
                spawned.value = try SpawnedProcess.spawn(SpawnConfiguration(
                    executable: "sleep", arguments: ["30"], captureOutput: false, parentDeathSignal: SIGTERM))
            } catch {
                failure.value = "\(error)"
            }
        }
        #expect(failure.value == nil)
        let process = try #require(spawned.value)
        // The spawning thread is gone; the child was reparented to another thread of this process.
        let ended = eventually(within: 10) { process.tryWait() != nil }
        if !ended { process.signal(SIGKILL) }
        #expect(ended)
        #expect(process.wait() == .killed(by: SIGTERM))
    }

    @Test func withoutADeathSignalTheChildOutlivesTheSpawningThread() throws {
        let spawned = Shared<SpawnedProcess?>(nil)
        runOnNewThread {
            spawned.value = try? SpawnedProcess.spawn(
                SpawnConfiguration(executable: "sleep", arguments: ["30"], captureOutput: false))
        }
        let process = try #require(spawned.value)
        #expect(process.tryWait() == nil)
        process.signal(SIGKILL)
        #expect(process.wait() == .killed(by: SIGKILL))
    }
}
