/// Collects, while a task file is checked, what only the whole file can tell: whether every `after` names a task
/// of the file, whether the dependencies form a cycle, and whether every `pool` is declared.
struct WorkflowCheck {
    /// A task that waits for others, or joins a pool.
    private struct Entry {
        var position: Int
        var line: Int
        var id: TaskID
        var after: [TaskID]
    }

    private let path: String
    private var entries: [Entry] = []
    /// Whether some task waits for others.
    private(set) var usesAfter = false
    /// The first task to name each pool.
    private var poolUses: [String: (line: Int, id: TaskID)] = [:]
    /// The pools the file declares.
    private(set) var pools: [String: PoolLimit] = [:]
    /// The largest `cpus` any task asks for, and the first task asking it.
    private(set) var largestCPUs: (cpus: Int, line: Int, id: TaskID)?

    init(path: String) { self.path = path }

    /// Notes a valid task.
    mutating func note(position: Int, line: Int, id: TaskID, schedule: TaskSchedule) {
        if !schedule.after.isEmpty {
            usesAfter = true
            entries.append(Entry(position: position, line: line, id: id, after: schedule.after))
        }
        if let pool = schedule.pool, poolUses[pool] == nil { poolUses[pool] = (line, id) }
        if schedule.cpus > (largestCPUs?.cpus ?? 1) { largestCPUs = (schedule.cpus, line, id) }
    }

    /// Adopts the file's `pools`.
    mutating func declare(_ pools: [String: PoolLimit]) { self.pools = pools }

    /// The problems found once the whole file was read: unknown dependencies, cycles, undeclared pools. `ids` are
    /// the file's ids with their first uses.
    func problems(knownPools: Set<String>, ids: TaskIDIndex) -> [TaskFileProblem] {
        var problems: [TaskFileProblem] = []
        for (pool, use) in poolUses.sorted(by: { $0.value.line < $1.value.line })
        where pools[pool] == nil && !knownPools.contains(pool) {
            let declared = Set(pools.keys).union(knownPools).sorted().map { "\"\($0)\"" }
            problems.append(
                TaskFileProblem(
                    path: path, line: use.line, column: nil, task: "task \(use.id)", field: "pool",
                    message: "unknown pool \"\(pool)\"; declare it in the file's \"pools\" or with --pool "
                        + "\(pool)=LIMIT" + (declared.isEmpty ? "" : " (declared: \(declared.joined(separator: ", ")))")))
        }
        guard usesAfter else { return problems }
        var entryOfPosition: [Int: Int] = [:]
        for (index, entry) in entries.enumerated() { entryOfPosition[entry.position] = index }
        for entry in entries {
            for id in entry.after where ids.firstUse(of: id.key) == nil {
                problems.append(
                    TaskFileProblem(
                        path: path, line: entry.line, column: nil, task: "task \(entry.id)", field: "after",
                        message: "no task has the id \(id); \"after\" names tasks of this file"))
            }
        }
        if let cycle = findCycle(ids: ids, entryOfPosition: entryOfPosition) {
            let first = entries[cycle[0]]
            let names = (cycle + [cycle[0]]).map { "\(entries[$0].id)" }.joined(separator: " after ")
            problems.append(
                TaskFileProblem(
                    path: path, line: first.line, column: nil, task: "task \(first.id)", field: "after",
                    message: "dependency cycle: \(names); none of them could ever start, remove one of these "
                        + "\"after\" entries"))
        }
        return problems
    }

    /// One cycle, as indices into `entries` in `after` order, if the dependencies have any. `entryOfPosition` is the
    /// index into `entries` of every task that waits for others, by position. Iterative depth-first search, so long
    /// chains cannot overflow the stack.
    private func findCycle(ids: TaskIDIndex, entryOfPosition: [Int: Int]) -> [Int]? {
        // 0: not visited, 1: on the current path, 2: done.
        var color = [UInt8](repeating: 0, count: entries.count)
        for root in entries.indices where color[root] == 0 {
            var path: [(entry: Int, next: Int)] = [(root, 0)]
            color[root] = 1
            while let top = path.last {
                let dependencies = entries[top.entry].after
                if top.next == dependencies.count {
                    color[top.entry] = 2
                    path.removeLast()
                    continue
                }
                path[path.count - 1].next += 1
                guard let position = ids.firstUse(of: dependencies[top.next].key)?.position,
                    let child = entryOfPosition[position]
                else { continue }
                switch color[child] {
                case 0:
                    color[child] = 1
                    path.append((child, 0))
                case 1:
                    let start = path.firstIndex { $0.entry == child }!
                    return path[start...].map(\.entry)
                default:
                    break
                }
            }
        }
        return nil
    }
}
