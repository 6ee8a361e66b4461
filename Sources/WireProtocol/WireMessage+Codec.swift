extension WireMessage {
    private enum Kind: UInt8 {
        case hello = 1, welcome, ready, assign, results, returned, heartbeat, drain, shutdown, reclaim, progress, output,
            outputCredit
        case refusal = 255
    }

    /// Whether `frame` claims to be a `hello` of this version, well-formed or not (so a bad one can be answered).
    public static func isHello(_ frame: [UInt8]) -> Bool {
        frame.count >= 2 && frame[0] == protocolVersion && frame[1] == Kind.hello.rawValue
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
            encoder.write(list: hello.offer.labels.sorted { $0.key < $1.key }) { encoder, label in
                encoder.write(text: label.key)
                encoder.write(text: label.value)
            }
            encoder.write(list: hello.offer.resources.sorted { $0.key < $1.key }) { encoder, resource in
                encoder.write(text: resource.key)
                encoder.write(UInt64(resource.value))
            }
            encoder.write(UInt64(hello.offer.gpus))
            encoder.write(optional: hello.offer.memoryBytes)
            encoder.write(optional: hello.offer.availableMemoryBytes)
        case .welcome(let welcome):
            encoder.write(byte: Kind.welcome.rawValue)
            encoder.write(UInt64(welcome.workerID))
            encoder.write(text: welcome.taskEndpoint)
            encoder.write(text: welcome.resultEndpoint)
            encoder.write(UInt64(welcome.heartbeatMilliseconds))
            encoder.write(UInt64(welcome.heartbeatMisses))
            encoder.write(UInt64(welcome.outputCapBytes))
            encoder.write(UInt64(welcome.killGraceMilliseconds))
            encoder.write(byte: welcome.streamOutput ? 1 : 0)
            encoder.write(welcome.maxFrameBytes)
        case .refusal(let reason):
            encoder.write(byte: Kind.refusal.rawValue)
            encoder.write(text: reason)
        case .ready(let workerID):
            encoder.write(byte: Kind.ready.rawValue)
            encoder.write(UInt64(workerID))
        case .assign(let assignments):
            encoder.write(byte: Kind.assign.rawValue)
            encoder.write(list: assignments) { encoder, assignment in
                encoder.write(assignment.sequence)
                encoder.write(UInt64(assignment.attempt))
                encoder.write(bytes: assignment.spec)
            }
        case .results(let workerID, let started, let results):
            encoder.write(byte: Kind.results.rawValue)
            encoder.write(UInt64(workerID))
            encoder.write(list: started) { encoder, task in
                encoder.write(task.sequence)
                encoder.write(UInt64(task.attempt))
            }
            encoder.write(list: results) { encoder, result in
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
            encoder.write(list: sequences) { encoder, sequence in encoder.write(sequence) }
        case .heartbeat(let workerID, let availableMemoryBytes):
            encoder.write(byte: Kind.heartbeat.rawValue)
            encoder.write(UInt64(workerID))
            encoder.write(optional: availableMemoryBytes)
        case .drain(let grace, let cancelRunning):
            encoder.write(byte: Kind.drain.rawValue)
            encoder.write(UInt64(grace))
            encoder.write(byte: cancelRunning ? 1 : 0)
        case .shutdown:
            encoder.write(byte: Kind.shutdown.rawValue)
        case .reclaim(let count):
            encoder.write(byte: Kind.reclaim.rawValue)
            encoder.write(UInt64(count))
        case .outputCredit(let handledBytes):
            encoder.write(byte: Kind.outputCredit.rawValue)
            encoder.write(handledBytes)
        case .progress(let workerID, let reports):
            encoder.write(byte: Kind.progress.rawValue)
            encoder.write(UInt64(workerID))
            encoder.write(list: reports) { encoder, report in
                encoder.write(report.sequence)
                encoder.write(UInt64(report.permille.map { $0 + 1 } ?? 0))
                encoder.write(text: report.message)
            }
        case .output(let workerID, let lines):
            encoder.write(byte: Kind.output.rawValue)
            encoder.write(UInt64(workerID))
            encoder.write(list: lines) { encoder, line in
                encoder.write(line.sequence)
                encoder.write(UInt64(line.attempt))
                encoder.write(byte: line.stream.rawValue | (line.cut ? 2 : 0))
                encoder.write(bytes: line.text)
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
            guard !host.isEmpty, host.utf8.count <= Hello.maximumHostBytes else {
                throw .malformed("host name of \(host.utf8.count) bytes (1 to \(Hello.maximumHostBytes))")
            }
            let pid = try decoder.readInt64()
            guard let pid32 = Int32(exactly: pid) else { throw .malformed("pid \(pid) out of range") }
            let slots = try decoder.readUInt32()
            let ioConcurrency = try decoder.readUInt32()
            let token = try decoder.readText()
            self = .hello(
                Hello(
                    protocolVersion: version, host: host, pid: pid32, slots: slots, ioConcurrency: ioConcurrency, token: token,
                    offer: try Self.readOffer(&decoder)))
        case .welcome:
            var welcome = Welcome(
                workerID: try decoder.readUInt32(),
                taskEndpoint: try decoder.readText(),
                resultEndpoint: try decoder.readText(),
                heartbeatMilliseconds: try decoder.readUInt32(),
                heartbeatMisses: try decoder.readUInt32(),
                outputCapBytes: try decoder.readUInt32(),
                killGraceMilliseconds: try decoder.readUInt32()
            )
            let flag = try decoder.readByte()
            guard flag <= 1 else { throw .malformed("stream-output flag \(flag)") }
            welcome.streamOutput = flag == 1
            welcome.maxFrameBytes = try decoder.readUInt64()
            guard welcome.maxFrameBytes >= 1024 else { throw .malformed("max frame bytes \(welcome.maxFrameBytes)") }
            self = .welcome(welcome)
        case .refusal:
            self = .refusal(reason: try decoder.readText())
        case .ready:
            self = .ready(workerID: try decoder.readUInt32())
        case .assign:
            self = .assign(
                try decoder.readList(minimumElementSize: 3) { decoder throws(WireDecodingError) in
                    TaskAssignment(sequence: try decoder.readUInt64(), attempt: try decoder.readUInt32(), spec: try decoder.readBytes())
                })
        case .results:
            let workerID = try decoder.readUInt32()
            let started = try decoder.readList(minimumElementSize: 2) { decoder throws(WireDecodingError) in
                StartedTask(sequence: try decoder.readUInt64(), attempt: try decoder.readUInt32())
            }
            let results = try decoder.readList(minimumElementSize: 7) { decoder throws(WireDecodingError) in
                let sequence = try decoder.readUInt64()
                let attempt = try decoder.readUInt32()
                let code = try decoder.readByte()
                guard let outcome = TaskOutcome(rawValue: code) else { throw .malformed("outcome \(code)") }
                let flag = try decoder.readByte()
                guard flag <= 1 else { throw .malformed("retryable flag \(flag)") }
                return TaskResult(
                    sequence: sequence,
                    attempt: attempt,
                    outcome: outcome,
                    retryable: flag == 1,
                    startedAtMicroseconds: try decoder.readInt64(),
                    durationMicroseconds: try decoder.readUInt64(),
                    body: try decoder.readBytes()
                )
            }
            self = .results(workerID: workerID, started: started, results)
        case .returned:
            let workerID = try decoder.readUInt32()
            let sequences = try decoder.readList { decoder throws(WireDecodingError) in try decoder.readUInt64() }
            self = .returned(workerID: workerID, sequences: sequences)
        case .heartbeat:
            self = .heartbeat(workerID: try decoder.readUInt32(), availableMemoryBytes: try decoder.readOptionalUInt64())
        case .drain:
            let grace = try decoder.readUInt32()
            let flag = try decoder.readByte()
            guard flag <= 1 else { throw .malformed("cancel flag \(flag)") }
            self = .drain(graceMilliseconds: grace, cancelRunning: flag == 1)
        case .shutdown:
            self = .shutdown
        case .reclaim:
            self = .reclaim(count: try decoder.readUInt32())
        case .outputCredit:
            self = .outputCredit(handledBytes: try decoder.readUInt64())
        case .progress:
            let workerID = try decoder.readUInt32()
            let reports = try decoder.readList(minimumElementSize: 3) { decoder throws(WireDecodingError) in
                let sequence = try decoder.readUInt64()
                let encoded = try decoder.readUInt32()
                guard encoded <= 1001 else { throw .malformed("progress \(encoded) out of range") }
                return ProgressReport(sequence: sequence, permille: encoded == 0 ? nil : encoded - 1, message: try decoder.readText())
            }
            self = .progress(workerID: workerID, reports)
        case .output:
            let workerID = try decoder.readUInt32()
            let lines = try decoder.readList(minimumElementSize: 4) { decoder throws(WireDecodingError) in
                let sequence = try decoder.readUInt64()
                let attempt = try decoder.readUInt32()
                let flags = try decoder.readByte()
                guard flags <= 3, let stream = TaskOutputLine.Stream(rawValue: flags & 1) else {
                    throw .malformed("output line flags \(flags)")
                }
                return TaskOutputLine(sequence: sequence, attempt: attempt, stream: stream, text: try decoder.readBytes(), cut: flags & 2 != 0)
            }
            self = .output(workerID: workerID, lines)
        }
        try decoder.expectEnd()
    }
}

extension WireMessage {
    /// Reads a `hello`'s `HostOffer`, refusing more entries, longer names or larger amounts than `HostOffer` allows.
    private static func readOffer(_ decoder: inout WireDecoder) throws(WireDecodingError) -> HostOffer {
        var offer = HostOffer()
        let labelCount = try decoder.readCount(minimumElementSize: 2)
        guard labelCount <= HostOffer.maximumEntries else {
            throw .malformed("\(labelCount) labels (at most \(HostOffer.maximumEntries))")
        }
        for _ in 0..<labelCount {
            let name = try readName(&decoder, what: "label name")
            offer.labels[name] = try readName(&decoder, what: "label value")
        }
        let resourceCount = try decoder.readCount(minimumElementSize: 2)
        guard resourceCount <= HostOffer.maximumEntries else {
            throw .malformed("\(resourceCount) resources (at most \(HostOffer.maximumEntries))")
        }
        for _ in 0..<resourceCount {
            let name = try readName(&decoder, what: "resource name")
            let amount = try decoder.readUInt32()
            guard amount <= HostOffer.maximumResourceAmount else {
                throw .malformed("resource \(name) amount \(amount) (at most \(HostOffer.maximumResourceAmount))")
            }
            offer.resources[name] = amount
        }
        offer.gpus = try decoder.readUInt32()
        guard offer.gpus <= HostOffer.maximumGPUs else { throw .malformed("\(offer.gpus) GPUs (at most \(HostOffer.maximumGPUs))") }
        offer.memoryBytes = try decoder.readOptionalUInt64()
        offer.availableMemoryBytes = try decoder.readOptionalUInt64()
        if labelCount != offer.labels.count || resourceCount != offer.resources.count { throw .malformed("a name declared twice") }
        return offer
    }

    /// A label or resource name (or label value): 1 to `HostOffer.maximumNameBytes` bytes of UTF-8.
    private static func readName(_ decoder: inout WireDecoder, what: String) throws(WireDecodingError) -> String {
        let text = try decoder.readText()
        guard !text.isEmpty, text.utf8.count <= HostOffer.maximumNameBytes else {
            throw .malformed("\(what) of \(text.utf8.count) bytes (1 to \(HostOffer.maximumNameBytes))")
        }
        return text
    }
}
