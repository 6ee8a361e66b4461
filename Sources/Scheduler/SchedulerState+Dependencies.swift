extension SchedulerState {
    /// Takes in tasks read from the task file: a task an earlier run settled keeps that result; a task whose
    /// dependency already ended other than ok is skipped; one still waiting for dependencies is parked; the rest
    /// join the ready queue of their kind.
    mutating func load(_ loaded: [LoadedTask], now: Instant, into actions: inout [SchedulerAction]) {
        for task in loaded where tasks[task.sequence] == nil && ending(of: task.sequence) == 0 {
            let sequence = task.sequence
            if countsLoadedTasks { totalTasks += 1 }
            if let earlier = task.earlier, earlier == .ok || !configuration.rerunFailed {
                keptCount += 1
                actions.append(.keepEarlier(sequence: sequence, ok: earlier == .ok))
                settle(sequence, ok: earlier == .ok, into: &actions)
                continue
            }
            var record = TaskRecord(retriesLeft: max(task.retries ?? configuration.defaultRetries, 0), isIO: task.isIO)
            record.priority = task.priority
            record.demand = intern(task.demand)
            var unmet: Int32 = 0
            var failedDependency: UInt64?
            for dependency in task.after {
                switch ending(of: dependency) {
                case 1: continue
                case 0: unmet += 1
                default: failedDependency = dependency
                }
                if failedDependency != nil { break }
            }
            if let failedDependency {
                recordedCount += 1
                actions.append(.skip(sequence: sequence, dependency: failedDependency))
                settle(sequence, ok: false, into: &actions)
                continue
            }
            record.waitingOn = unmet
            tasks[sequence] = record
            guard unmet == 0 else {
                waitingForDependencies += 1
                for dependency in task.after where ending(of: dependency) == 0 {
                    dependents[dependency, default: []].append(sequence)
                }
                continue
            }
            enqueue(sequence)
        }
    }

    /// Notes how a task ended (recorded, kept from an earlier run, or skipped) and releases or skips the tasks
    /// waiting for it, cascading: a skipped task's own dependents are skipped in turn. A worklist, not recursion,
    /// so a long chain cannot overflow the stack.
    mutating func settle(_ sequence: UInt64, ok: Bool, into actions: inout [SchedulerAction]) {
        guard configuration.tracksDependencies else { return }
        var work = [(sequence, ok)]
        while let (ended, succeeded) = work.popLast() {
            noteEnding(ended, ok: succeeded)
            guard let waiting = dependents.removeValue(forKey: ended) else { continue }
            for dependent in waiting {
                guard var record = tasks[dependent], record.waitingOn > 0 else { continue }
                if succeeded {
                    record.waitingOn -= 1
                    tasks[dependent] = record
                    if record.waitingOn == 0 {
                        waitingForDependencies -= 1
                        enqueue(dependent)
                    }
                } else {
                    tasks[dependent] = nil
                    waitingForDependencies -= 1
                    recordedCount += 1
                    actions.append(.skip(sequence: dependent, dependency: ended))
                    work.append((dependent, false))
                }
            }
        }
    }

    /// When the input ends early (it could not be read to the end), tasks waiting for tasks never loaded would
    /// wait forever: they are skipped.
    mutating func skipDependentsOfUnloaded(into actions: inout [SchedulerAction]) {
        let orphaned = dependents.keys.filter { tasks[$0] == nil && ending(of: $0) == 0 }.sorted()
        for dependency in orphaned { settle(dependency, ok: false, into: &actions) }
    }

    /// Puts a ready task in the queue for its kind: constrained, IO-bound or CPU-bound.
    mutating func enqueue(_ sequence: UInt64) {
        guard phase == .running, let record = tasks[sequence] else { return }
        if record.demand != 0 {
            constrained.append(sequence, priority: record.priority)
        } else if record.isIO {
            ioQueue.append(sequence, priority: record.priority)
        } else {
            queue.append(sequence, priority: record.priority)
        }
    }

    /// How a task ended: 0 not yet (or not known), 1 ok, 2 otherwise.
    func ending(of sequence: UInt64) -> UInt8 {
        sequence < UInt64(endings.count) ? endings[Int(sequence)] : 0
    }

    mutating func noteEnding(_ sequence: UInt64, ok: Bool) {
        guard configuration.tracksDependencies, sequence < 1 << 40 else { return }
        let index = Int(sequence)
        if index >= endings.count {
            endings.append(contentsOf: repeatElement(0, count: max(index + 1, endings.count * 2) - endings.count))
        }
        endings[index] = ok ? 1 : 2
    }

    /// The index of `demand` in `demands`, added when new.
    mutating func intern(_ demand: TaskDemand) -> Int32 {
        if demand == .plain { return 0 }
        if let index = demandIndex[demand] { return index }
        let index = Int32(demands.count)
        demands.append(demand)
        demandIndex[demand] = index
        return index
    }
}
