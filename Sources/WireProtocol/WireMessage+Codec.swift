extension WireMessage {
    private enum Kind: UInt8 {
        case hello = 1, welcome, ready, assign, results, returned, heartbeat, drain, shutdown, reclaim, progress
        case refusal = 255
    }

    /// Encodes the message as one frame.
    public func encoded() -> [UInt8] {
        var encoder = WireEncoder(capacity: 64)
        encoder.write(byte: Self.protocolVersion)
        switch self {
        case .hello(let hello):
            encoder.write(byte: Kind.hello.rawValue)
            encoder.write(byte: hello.protocolVersion)
            encoder.write(text: hello.host)
            encoder.write(signed: Int64(hello.pid))
            encoder.write(UInt64(hello.slots))
            encoder.write(UInt64(hello.ioConcurrency))
            encoder.write(text: hello.token)
        case .welcome(let welcome):
            encoder.write(byte: Kind.welcome.rawValue)
            encoder.write(UInt64(welcome.workerID))
            encoder.write(text: welcome.taskEndpoint)
            encoder.write(text: welcome.resultEndpoint)
            encoder.write(UInt64(welcome.heartbeatMilliseconds))
            encoder.write(UInt64(welcome.heartbeatMisses))
            encoder.write(UInt64(welcome.outputCapBytes))
            encoder.write(UInt64(welcome.killGraceMilliseconds))
        case .refusal(let reason):
            encoder.write(byte: Kind.refusal.rawValue)
            encoder.write(text: reason)
        case .ready(let workerID):
            encoder.write(byte: Kind.ready.rawValue)
            encoder.write(UInt64(workerID))
        case .assign(let assignments):
            encoder.write(byte: Kind.assign.rawValue)
            encoder.write(UInt64(assignments.count))
            for assignment in assignments {
                encoder.write(assignment.sequence)
                encoder.write(UInt64(assignment.attempt))
                encoder.write(bytes: assignment.spec)
            }
        case .results(let workerID, let started, let results):
            encoder.write(byte: Kind.results.rawValue)
            encoder.write(UInt64(workerID))
            encoder.write(UInt64(started.count))
            for task in started {
                encoder.write(task.sequence)
                encoder.write(UInt64(task.attempt))
            }
            encoder.write(UInt64(results.count))
            for result in results {
                encoder.write(result.sequence)
                encoder.write(UInt64(result.attempt))
                encoder.write(byte: result.outcome.rawValue)
                encoder.write(byte: result.retryable ? 1 : 0)
                encoder.write(signed: result.startedAtMicroseconds)
                encoder.write(result.durationMicroseconds)
                encoder.write(bytes: result.body)
            }
        case .returned(let workerID, let sequences):
            encoder.write(byte: Kind.returned.rawValue)
            encoder.write(UInt64(workerID))
            encoder.write(UInt64(sequences.count))
            for sequence in sequences { encoder.write(sequence) }
        case .heartbeat(let workerID):
            encoder.write(byte: Kind.heartbeat.rawValue)
            encoder.write(UInt64(workerID))
        case .drain(let grace, let cancelRunning):
            encoder.write(byte: Kind.drain.rawValue)
            encoder.write(UInt64(grace))
            encoder.write(byte: cancelRunning ? 1 : 0)
        case .shutdown:
            encoder.write(byte: Kind.shutdown.rawValue)
        case .reclaim(let count):
            encoder.write(byte: Kind.reclaim.rawValue)
            encoder.write(UInt64(count))
        case .progress(let workerID, let reports):
            encoder.write(byte: Kind.progress.rawValue)
            encoder.write(UInt64(workerID))
            encoder.write(UInt64(reports.count))
            for report in reports {
                encoder.write(report.sequence)
                encoder.write(UInt64(report.permille.map { $0 + 1 } ?? 0))
                encoder.write(text: report.message)
            }
        }
        return encoder.bytes
    }

    /// Decodes one frame, rejecting anything that is not exactly a well-formed message of this version.
    public init(decoding frame: [UInt8]) throws(WireDecodingError) {
        guard frame.count >= 2 else { throw .missingHeader }
        var decoder = WireDecoder(frame, offset: 2)
        guard let kind = Kind(rawValue: frame[1]) else {
            if frame[0] != Self.protocolVersion { throw .unsupportedVersion(frame[0]) }
            throw .unknownMessageType(frame[1])
        }
        if kind != .refusal, frame[0] != Self.protocolVersion { throw .unsupportedVersion(frame[0]) }
        switch kind {
        case .hello:
            let version = try decoder.readByte()
            let host = try decoder.readText()
            let pid = try decoder.readInt64()
            guard let pid32 = Int32(exactly: pid) else { throw .malformed("pid \(pid) out of range") }
            let slots = try decoder.readUInt32()
            let ioConcurrency = try decoder.readUInt32()
            let token = try decoder.readText()
            self = .hello(
                Hello(protocolVersion: version, host: host, pid: pid32, slots: slots, ioConcurrency: ioConcurrency, token: token))
        case .welcome:
            self = .welcome(
                Welcome(
                    workerID: try decoder.readUInt32(),
                    taskEndpoint: try decoder.readText(),
                    resultEndpoint: try decoder.readText(),
                    heartbeatMilliseconds: try decoder.readUInt32(),
                    heartbeatMisses: try decoder.readUInt32(),
                    outputCapBytes: try decoder.readUInt32(),
                    killGraceMilliseconds: try decoder.readUInt32()
                )
            )
        case .refusal:
            self = .refusal(reason: try decoder.readText())
        case .ready:
            self = .ready(workerID: try decoder.readUInt32())
        case .assign:
            let count = try decoder.readCount(minimumElementSize: 3)
            var assignments: [TaskAssignment] = []
            assignments.reserveCapacity(count)
            for _ in 0..<count {
                assignments.append(
                    TaskAssignment(
                        sequence: try decoder.readUInt64(),
                        attempt: try decoder.readUInt32(),
                        spec: try decoder.readBytes()
                    )
                )
            }
            self = .assign(assignments)
        case .results:
            let workerID = try decoder.readUInt32()
            let startedCount = try decoder.readCount(minimumElementSize: 2)
            var started: [StartedTask] = []
            started.reserveCapacity(startedCount)
            for _ in 0..<startedCount {
                started.append(StartedTask(sequence: try decoder.readUInt64(), attempt: try decoder.readUInt32()))
            }
            let count = try decoder.readCount(minimumElementSize: 7)
            var results: [TaskResult] = []
            results.reserveCapacity(count)
            for _ in 0..<count {
                let sequence = try decoder.readUInt64()
                let attempt = try decoder.readUInt32()
                let code = try decoder.readByte()
                guard let outcome = TaskOutcome(rawValue: code) else { throw .malformed("outcome \(code)") }
                let flag = try decoder.readByte()
                guard flag <= 1 else { throw .malformed("retryable flag \(flag)") }
                results.append(
                    TaskResult(
                        sequence: sequence,
                        attempt: attempt,
                        outcome: outcome,
                        retryable: flag == 1,
                        startedAtMicroseconds: try decoder.readInt64(),
                        durationMicroseconds: try decoder.readUInt64(),
                        body: try decoder.readBytes()
                    )
                )
            }
            self = .results(workerID: workerID, started: started, results)
        case .returned:
            let workerID = try decoder.readUInt32()
            let count = try decoder.readCount()
            var sequences: [UInt64] = []
            sequences.reserveCapacity(count)
            for _ in 0..<count { sequences.append(try decoder.readUInt64()) }
            self = .returned(workerID: workerID, sequences: sequences)
        case .heartbeat:
            self = .heartbeat(workerID: try decoder.readUInt32())
        case .drain:
            let grace = try decoder.readUInt32()
            let flag = try decoder.readByte()
            guard flag <= 1 else { throw .malformed("cancel flag \(flag)") }
            self = .drain(graceMilliseconds: grace, cancelRunning: flag == 1)
        case .shutdown:
            self = .shutdown
        case .reclaim:
            self = .reclaim(count: try decoder.readUInt32())
        case .progress:
            let workerID = try decoder.readUInt32()
            let count = try decoder.readCount(minimumElementSize: 3)
            var reports: [ProgressReport] = []
            reports.reserveCapacity(count)
            for _ in 0..<count {
                let sequence = try decoder.readUInt64()
                let encoded = try decoder.readUInt32()
                guard encoded <= 1001 else { throw .malformed("progress \(encoded) out of range") }
                reports.append(
                    ProgressReport(
                        sequence: sequence, permille: encoded == 0 ? nil : encoded - 1, message: try decoder.readText()))
            }
            self = .progress(workerID: workerID, reports)
        }
        try decoder.expectEnd()
    }
}
