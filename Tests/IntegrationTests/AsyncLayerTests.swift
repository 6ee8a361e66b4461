import Foundation
import JSONValue
import Testing

/// The test HTTP server (scripts/lib/http_test_server.py) on 127.0.0.1 with an ephemeral port.
final class TestHTTPServer {
    let process = Process()
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/lib/http_test_server.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let line = output.fileHandleForReading.availableLineOrNil(timeout: 20)
        guard let port = line.flatMap({ Int($0) }) else {
            process.terminate()
            throw JobrunProcess.TimedOut(seconds: 20)
        }
        self.port = port
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The server's counters (one plain HTTP/1.0 request over a socket).
    func stats() throws -> JSONObject {
        let body = try Self.get(port: port, path: "/stats")
        return try #require(try JSONParser.parse(body).objectValue)
    }

    /// The body of `GET path` on 127.0.0.1:`port`.
    static func get(port: Int, path: String) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerUnreachable(port: port) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ServerUnreachable(port: port) }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count <= 0 { break }
            response += chunk[0..<count]
            if let text = String(validating: response, as: UTF8.self), let split = text.range(of: "\r\n\r\n"),
               let length = text.range(of: "Content-Length: ").map({ Int(text[$0.upperBound...].prefix { $0.isNumber }) ?? 0 }),
               text.utf8.distance(from: split.upperBound.samePosition(in: text.utf8)!, to: text.utf8.endIndex) >= length {
                return String(text[split.upperBound...])
            }
        }
        let text = String(decoding: response, as: UTF8.self)
        return text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    }
}

/// The test HTTP server could not be reached.
struct ServerUnreachable: Error, CustomStringConvertible {
    let port: Int
    var description: String { "cannot connect to the test HTTP server on 127.0.0.1:\(port)" }
}

extension FileHandle {
    /// Reads one line, waiting at most `timeout` seconds.
    func availableLineOrNil(timeout: TimeInterval) -> String? {
        var bytes = Data()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let chunk = readData(ofLength: 1)
            if chunk.isEmpty { return nil }
            if chunk.first == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(chunk)
        }
        return nil
    }
}

@Suite("The async layer: IO-bound tasks inside workers", .serialized)
struct AsyncLayerTests {
    @Test("http-get fetches concurrently and reports every URL; concurrency really reaches the server")
    func concurrentFetch() throws {
        let server = try TestHTTPServer()
        let scratch = try Scratch()
        let urls = (0..<40).map { #""\#(server.base)/delay?ms=300&i=\#($0)""# }.joined(separator: ",")
        let file = try scratch.write("get.json", #"{"tasks": [{"id": "fetch", "run": "http-get", "args": {"urls": [\#(urls)], "concurrency": 20}}]}"#)
        let started = Date()
        // Our own server takes 20 connections at once; the default per host is a polite 8.
        let config = try scratch.write("many.conf", "http_connections_per_host = 64\n")
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--config", config])
        let wall = Date().timeIntervalSince(started)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let result = try #require(try scratch.results("get.results.jsonl")[#""fetch""#]?["result"]?.objectValue)
        let entries = try #require(result["urls"]?.arrayValue)
        #expect(entries.count == 40)
        #expect(entries.allSatisfy { $0.objectValue?["status"] == 200 && $0.objectValue?["bytes"] == 2 })
        #expect(entries.first?.objectValue?["sha256"] == "2689367b205c16ce32ed4200942b8b8b1e262dfc70d9bc9fbc77c49699a4f1df")
        let maxInFlight = try server.stats()["max_in_flight"]?.intValue ?? 0
        #expect(maxInFlight >= 15 && maxInFlight <= 20, "server saw \(maxInFlight) requests at once")
        #expect(wall < 10, "40 requests of 300 ms, 20 at a time, took \(wall) s")
    }

    @Test("transient 503s are retried until success; refused connections, over-size bodies and timeouts fail the task")
    func failuresAndRetries() throws {
        let server = try TestHTTPServer()
        let scratch = try Scratch()
        let file = try scratch.write("mixed.jsonl", """
            {"id": "flaky", "run": "http-get", "args": {"urls": ["\(server.base)/flaky?key=a&fails=2"], "retries": 3}}
            {"id": "refused", "run": "http-get", "args": {"urls": ["http://127.0.0.1:1/"], "retries": 1}}
            {"id": "big", "run": "http-get", "args": {"urls": ["\(server.base)/big?bytes=5000"], "max_bytes": 1000}}
            {"id": "slow", "run": "http-get", "args": {"urls": ["\(server.base)/delay?ms=3000"], "timeout_ms": 200, "retries": 0}}
            {"id": "notfound", "run": "http-get", "args": {"urls": ["\(server.base)/nope", "\(server.base)/delay?ms=1"]}}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1"])
        #expect(outcome.status == 1)
        let results = try scratch.results("mixed.results.jsonl")
        let flaky = results[#""flaky""#]?["result"]?.objectValue?["urls"]?.arrayValue?.first?.objectValue
        #expect(results[#""flaky""#]?["status"] == "ok")
        #expect(flaky?["attempts"] == 3)
        #expect(results[#""refused""#]?["status"] == "failed")
        #expect(results[#""refused""#]?["error"]?.stringValue?.contains("connection") == true)
        #expect(results[#""big""#]?["error"]?.stringValue?.contains("max_bytes") == true)
        #expect(results[#""slow""#]?["error"]?.stringValue?.contains("200 ms") == true)
        let listed = results[#""notfound""#]?["result"]?.objectValue?["urls"]?.arrayValue
        #expect(listed?.count == 2, "a failed task still lists every URL")
        #expect(listed?.first?.objectValue?["status"] == 404)
    }

    @Test("a URL that is not http(s) is a validation error before anything runs")
    func badURL() throws {
        let scratch = try Scratch()
        let file = try scratch.write("bad.json", #"{"tasks": [{"run": "http-get", "args": {"urls": ["ftp://example.com/x"]}}]}"#)
        let outcome = try JobrunProcess.run(["submit", file])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("urls[0]"), "\(outcome.stderr)")
    }

    @Test("fetch-digest chains SHA-256 over each fetched body")
    func fetchDigest() throws {
        let server = try TestHTTPServer()
        let scratch = try Scratch()
        let file = try scratch.write("fd.json", #"{"tasks": [{"id": 1, "run": "fetch-digest", "args": {"urls": ["\#(server.base)/delay?ms=1"], "rounds": 2}}]}"#)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let digests = try scratch.results("fd.results.jsonl")["1"]?["result"]?.objectValue?["digests"]?.arrayValue
        // d1 = SHA-256("ok"), d2 = SHA-256 of d1's 32 raw bytes.
        #expect(digests?.first?.objectValue?["digest"] == "8ef7af0acdf60af9922ccf16cf08fbde967e0828adb46171ca18c038f406945f")
        #expect(digests?.first?.objectValue?["bytes"] == 2)
    }

    @Test("by default a worker opens a few connections to one host, as browsers do, whatever the task asks")
    func politeToOneHost() throws {
        let server = try TestHTTPServer()
        let scratch = try Scratch()
        let urls = (0..<24).map { #""\#(server.base)/delay?ms=200&i=\#($0)""# }.joined(separator: ",")
        let file = try scratch.write("get.json", #"{"tasks": [{"id": "fetch", "run": "http-get", "args": {"urls": [\#(urls)], "concurrency": 24}}]}"#)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let maxInFlight = try server.stats()["max_in_flight"]?.intValue ?? 0
        #expect(maxInFlight >= 2 && maxInFlight <= 8, "server saw \(maxInFlight) requests at once")
    }

    @Test("cancelling a job leaves no request running at the server")
    func cancelStopsRequests() throws {
        let server = try TestHTTPServer()
        let scratch = try Scratch()
        let config = try scratch.write("fast.conf", "interrupt_grace_ms = 300\nkill_grace_ms = 300\nhttp_connections_per_host = 64\n")
        let urls = (0..<10).map { #""\#(server.base)/delay?ms=20000&i=\#($0)""# }.joined(separator: ",")
        let file = try scratch.write("long.json", #"{"tasks": [{"id": "long", "run": "http-get", "args": {"urls": [\#(urls)]}}]}"#)
        let job = JobrunProcess(["submit", file, "--workers", "1", "--config", config])
        try job.start()
        #expect(StopTests.waitUntil(timeout: 30) { ((try? server.stats()["in_flight"]?.intValue) ?? 0) == 10 })
        kill(job.pid, SIGINT)
        let outcome = try job.finish(timeout: 30)
        #expect(outcome.status == 130)
        #expect(StopTests.waitUntil(timeout: 10) { ((try? server.stats()["in_flight"]?.intValue) ?? -1) == 0 })
        #expect(try scratch.results("long.results.jsonl")[#""long""#]?["status"] == "cancelled")
    }

    @Test("sleeps hold no CPU slot: 400 sleeps of 200 ms on one worker take well under a second or two")
    func sleepsAreConcurrent() throws {
        let scratch = try Scratch()
        let file = try scratch.write("sleeps.jsonl", (0..<400).map { _ in #"{"run": "sleep", "args": {"ms": 200}}"# }.joined(separator: "\n"))
        let started = Date()
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1"])
        #expect(outcome.status == 0)
        #expect(Date().timeIntervalSince(started) < 5, "400 × 200 ms sleeps took \(Date().timeIntervalSince(started)) s")
        #expect(try scratch.results("sleeps.results.jsonl").count == 400)
    }

    @Test("a user-defined handler in the example worker runs end to end; unknown kinds name the worker's kinds")
    func exampleWorker() throws {
        let worker = URL(fileURLWithPath: JobrunProcess.binary).deletingLastPathComponent().appendingPathComponent("example-worker").path
        let scratch = try Scratch()
        let text = try scratch.write("words.txt", "one two three\nfour five\n")
        let file = try scratch.write("custom.jsonl", """
            {"id": "count", "run": "word-count", "args": {"path": "\(text)"}}
            {"id": "builtin", "run": "echo", "args": {"value": 5}}
            {"id": "unknown", "run": "no-such-kind"}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--worker-command", worker])
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let results = try scratch.results("custom.results.jsonl")
        #expect(results[#""count""#]?["result"]?.objectValue?["words"] == 5)
        #expect(results[#""count""#]?["result"]?.objectValue?["lines"] == 2)
        #expect(results[#""builtin""#]?["result"] == 5)
        let error = results[#""unknown""#]?["error"]?.stringValue ?? ""
        #expect(error.contains("no task kind \"no-such-kind\"") && error.contains("word-count"), "\(error)")
    }
}
