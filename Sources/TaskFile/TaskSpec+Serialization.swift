import JSONValue

extension TaskSpec {
    /// Appends the wire form as compact JSON: the same bytes as `json.serialized`, written directly without
    /// building a `JSONValue` (cheaper on the coordinator's hot path).
    public func appendJSON(to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "{"))
        switch command {
        case .exec(let argv):
            appendKey("exec", to: &buffer, first: true)
            buffer.append(UInt8(ascii: "["))
            for (position, argument) in argv.enumerated() {
                if position > 0 { buffer.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(argument, to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .shell(let line):
            appendKey("shell", to: &buffer, first: true)
            JSONWriter.appendString(line, to: &buffer)
        case .run(let kind, let args):
            appendKey("run", to: &buffer, first: true)
            JSONWriter.appendString(kind, to: &buffer)
            appendKey("args", to: &buffer)
            JSONWriter.append(args, to: &buffer)
        }
        if !environment.isEmpty {
            appendKey("env", to: &buffer)
            buffer.append(UInt8(ascii: "{"))
            for (position, variable) in environment.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { buffer.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(variable.key, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                JSONWriter.appendString(variable.value, to: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
        if let workingDirectory {
            appendKey("cwd", to: &buffer)
            JSONWriter.appendString(workingDirectory, to: &buffer)
        }
        if let stdin {
            appendKey("stdin", to: &buffer)
            JSONWriter.appendString(stdin, to: &buffer)
        }
        if let retries {
            appendKey("retries", to: &buffer)
            buffer.append(contentsOf: JSONNumber(retries).text.utf8)
        }
        if let timeout {
            appendKey("timeout", to: &buffer)
            buffer.append(contentsOf: JSONNumber(timeout).text.utf8)
        }
        if io {
            appendKey("io", to: &buffer)
            buffer.append(contentsOf: "true".utf8)
        }
        if let memoryLimitBytes {
            appendKey("memory", to: &buffer)
            buffer.append(contentsOf: String(memoryLimitBytes).utf8)
        }
        buffer.append(UInt8(ascii: "}"))
    }

    /// The wire form as compact JSON bytes (see `appendJSON(to:)`).
    public var serializedJSON: [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64)
        appendJSON(to: &buffer)
        return buffer
    }

    /// Appends `,"key":` (or `"key":` for the first member).
    private func appendKey(_ key: StaticString, to buffer: inout [UInt8], first: Bool = false) {
        if !first { buffer.append(UInt8(ascii: ",")) }
        buffer.append(UInt8(ascii: "\""))
        JSONWriter.appendText(key, to: &buffer)
        JSONWriter.appendText("\":", to: &buffer)
    }
}
