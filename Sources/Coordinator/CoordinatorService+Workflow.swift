#if canImport(Glibc)
import Glibc
#endif
import Clock
import JSONValue
import Scheduler
import TaskFile

extension CoordinatorService {

    /// What a worker offers beyond its slots. Local workers have the host's declared labels, GPUs and resources
    /// (`--label`, `--gpus`, `--resources`) and its physical memory.
    func capacity(of worker: WorkerConnection) -> WorkerCapacity {
        guard localWorkers.isLocal(worker.id) else {
            return WorkerCapacity(host: worker.identity.host)
        }
        localHostName = worker.identity.host
        return WorkerCapacity(
            host: worker.identity.host, labels: configuration.labels, gpus: configuration.gpus ?? Self.countGPUs(),
            resources: configuration.resources, memoryBytes: Self.memoryInfo("MemTotal:"))
    }

    /// Tells the scheduler how much memory this host has free, for `--memfree`.
    func measureFreeMemory() {
        guard configuration.memfreeBytes != nil, let host = localHostName, let free = Self.memoryInfo("MemAvailable:")
        else { return }
        perform(scheduler.handle(.hostMemory(host: host, freeBytes: free), now: now()), batch: nil)
    }

    /// Why tasks wait, as one phrase for the progress line and observers; worked out at most twice a second.
    func waitingText(now: UInt64) -> String {
        if now &- waitingCache.at < 500_000_000 { return waitingCache.text }
        let counts = scheduler.waitingCounts
        var parts: [String] = []
        if counts.dependencies > 0 { parts.append("\(counts.dependencies) for dependencies") }
        if counts.pools > 0 { parts.append("\(counts.pools) for pool places") }
        if counts.resources > 0 { parts.append("\(counts.resources) for free resources") }
        if counts.unplaceable > 0 { parts.append("\(counts.unplaceable) for a worker able to run them") }
        var text = parts.isEmpty ? "" : "waiting: " + parts.joined(separator: ", ")
        if counts.lowMemoryHosts > 0 {
            text += (text.isEmpty ? "" : "; ") + "\(counts.lowMemoryHosts) host(s) below --memfree, starting nothing"
        }
        waitingCache = (now, text)
        return text
    }

    /// GPUs of this host: the NVIDIA device files `/dev/nvidia0`, `/dev/nvidia1`, ...
    static func countGPUs() -> Int {
        guard let directory = opendir("/dev") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix("nvidia") else { continue }
            let suffix = name.dropFirst(6)
            if !suffix.isEmpty, suffix.allSatisfy(\.isNumber) { count += 1 }
        }
        return count
    }

    /// A `/proc/meminfo` figure in bytes (`MemTotal:`, `MemAvailable:`).
    static func memoryInfo(_ key: String) -> UInt64? {
        guard let file = fopen("/proc/meminfo", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 1 << 14)
        let count = fread(&buffer, 1, buffer.count, file)
        let text = String(decoding: buffer.prefix(count), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.dropFirst(key.count).split(separator: " ")
            guard let kilobytes = fields.first.flatMap({ UInt64($0) }) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

}
