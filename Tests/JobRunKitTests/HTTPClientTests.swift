import Foundation
@testable import JobRunKit
import Testing

@Suite("The worker's HTTP client")
struct HTTPClientTests {
    @Test("plain http URLs split into host, port, Host header and request target; others go to the full client", arguments: [
        ("http://127.0.0.1:8080/io?i=1", "127.0.0.1", 8080, "127.0.0.1:8080", "/io?i=1"),
        ("HTTP://Example.com", "Example.com", 80, "Example.com", "/"),
        ("http://example.com?q=1#part", "example.com", 80, "example.com", "/?q=1"),
        ("http://[::1]:9/a#b", "::1", 9, "[::1]:9", "/a"),
        ("http://[::1]/", "::1", 80, "[::1]", "/"),
    ])
    func plainTargets(url: String, host: String, port: Int, hostHeader: String, target: String) throws {
        let parsed = try #require(PlainHTTPTarget(url))
        #expect(parsed.host == host)
        #expect(parsed.port == port)
        #expect(parsed.hostHeader == hostHeader)
        #expect(parsed.requestTarget == target)
    }

    @Test("https, credentials, non-ASCII text, bad ports and broken brackets are not plain targets", arguments: [
        "https://example.com/", "http://user:secret@example.com/", "http://exämple.com/", "http://example.com:0/",
        "http://example.com:65536/", "http://example.com:8o/", "http://[::1/", "http://[]/", "http://[::1]x/", "http://",
        "http:///path", "http://:80/", "http://a]b/",
    ])
    func notPlain(url: String) {
        #expect(PlainHTTPTarget(url) == nil)
    }

    /// Runs `body` with a fresh worker's services and shuts its client down afterwards. The body runs on the worker's
    /// IO event loop, as a worker's IO tasks do: on Swift's shared pool, other suites' blocking waits could hold it up
    /// past a request's deadline.
    private func withContext(
        connectionsPerHost: Int = 8, _ body: (TaskContext) async throws -> Void
    ) async throws {
        let services = WorkerServices(cpuSlots: 1, ioConcurrency: 16, httpConnectionsPerHost: connectionsPerHost)
        do {
            try await withTaskExecutorPreference(services.ioExecutor) {
                try await body(TaskContext(sequence: 0, attempt: 1, services: services))
            }
        } catch {
            await services.shutdown()
            throw error
        }
        await services.shutdown()
    }

    @Test("sequential GETs to one host share one keep-alive connection")
    func keepAlive() async throws {
        let server = try ScriptedHTTPServer { path in .ok("body of \(path)") }
        defer { server.stop() }
        try await withContext { context in
            for index in 0..<5 {
                let response = try await context.httpGet("http://127.0.0.1:\(server.port)/n\(index)")
                #expect(response.status == 200)
                #expect(String(decoding: response.body, as: UTF8.self) == "body of /n\(index)")
            }
        }
        #expect(server.connections == 1)
        #expect(server.paths == (0..<5).map { "/n\($0)" })
    }

    @Test("chunked bodies and bodies ended by closing the connection are read whole")
    func bodyFramings() async throws {
        let server = try ScriptedHTTPServer { path in
            if path == "/chunked" {
                return .init(bytes: Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n".utf8))
            }
            return .init(bytes: Array("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end".utf8), close: true)
        }
        defer { server.stop() }
        try await withContext { context in
            let chunked = try await context.httpGet("http://127.0.0.1:\(server.port)/chunked")
            #expect(String(decoding: chunked.body, as: UTF8.self) == "abcdefg")
            let delimited = try await context.httpGet("http://127.0.0.1:\(server.port)/close")
            #expect(String(decoding: delimited.body, as: UTF8.self) == "until the end")
            let again = try await context.httpGet("http://127.0.0.1:\(server.port)/chunked")
            #expect(String(decoding: again.body, as: UTF8.self) == "abcdefg")
        }
        #expect(server.connections == 2)
    }

    @Test("a connection the server closed while idle is replaced, and the request still succeeds")
    func staleConnection() async throws {
        // Every response claims keep-alive, then the server hangs up: the next request finds a dead connection.
        let server = try ScriptedHTTPServer { _ in
            var reply = ScriptedHTTPServer.Reply.ok("fine")
            reply.close = true
            return reply
        }
        defer { server.stop() }
        try await withContext { context in
            for _ in 0..<3 {
                let response = try await context.httpGet("http://127.0.0.1:\(server.port)/again")
                #expect(String(decoding: response.body, as: UTF8.self) == "fine")
            }
        }
        #expect(server.paths.count >= 3)
        #expect(server.connections >= 3)
    }

    @Test("redirects are followed to the final response")
    func redirects() async throws {
        let server = try ScriptedHTTPServer { path in
            switch path {
            case "/old": .ok("", status: "301 Moved Permanently", headers: "Location: /middle\r\n")
            case "/middle": .ok("", status: "302 Found", headers: "Location: /new\r\n")
            default: .ok("arrived at \(path)")
            }
        }
        defer { server.stop() }
        try await withContext { context in
            let response = try await context.httpGet("http://127.0.0.1:\(server.port)/old")
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "arrived at /new")
        }
        #expect(server.paths.last == "/new")
    }

    @Test("a body over max_bytes fails with or without a Content-Length; a slow response times out; both close the connection")
    func limits() async throws {
        let big = String(repeating: "x", count: 3000)
        let server = try ScriptedHTTPServer { path in
            switch path {
            case "/sized": return .ok(big)
            case "/chunked":
                return .init(bytes: Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nbb8\r\n\(big)\r\n0\r\n\r\n".utf8))
            case "/slow": return .init(bytes: Array(ScriptedHTTPServer.Reply.ok("late").bytes), delayMilliseconds: 5000)
            default: return .ok("small")
            }
        }
        defer { server.stop() }
        try await withContext { context in
            let base = "http://127.0.0.1:\(server.port)"
            await #expect(throws: HTTPFetchError.tooLarge(limit: 1000)) {
                try await context.httpGet("\(base)/sized", maxBytes: 1000)
            }
            await #expect(throws: HTTPFetchError.tooLarge(limit: 1000)) {
                try await context.httpGet("\(base)/chunked", maxBytes: 1000)
            }
            await #expect(throws: HTTPFetchError.timedOut(milliseconds: 200)) {
                try await context.httpGet("\(base)/slow", timeoutMilliseconds: 200)
            }
            let after = try await context.httpGet("\(base)/small")
            #expect(String(decoding: after.body, as: UTF8.self) == "small")
        }
        // Each failed exchange left its connection closed; the last request needed a new one.
        #expect(server.connections == 4)
    }

    @Test("a malformed response, or one with endless headers, is a connection error, and the next GET still works")
    func hostileResponses() async throws {
        let server = try ScriptedHTTPServer { path in
            switch path {
            case "/garbage": .init(bytes: [0x00, 0xFF, 0x13, 0x37] + Array("\r\n\r\nnot http".utf8), close: true)
            // Closed afterwards, so without a header limit this would be a 200 whose body ended with the connection.
            case "/headers":
                .init(bytes: Array("HTTP/1.1 200 OK\r\nX-Long: \(String(repeating: "a", count: 200_000))\r\n\r\n".utf8), close: true)
            default: .ok("fine")
            }
        }
        defer { server.stop() }
        try await withContext { context in
            for path in ["/garbage", "/headers"] {
                do {
                    _ = try await context.httpGet("http://127.0.0.1:\(server.port)\(path)")
                    Issue.record("\(path) was accepted")
                } catch let error as HTTPFetchError {
                    guard case .connection = error else {
                        Issue.record("\(path): expected a connection error, got \(error)")
                        continue
                    }
                }
            }
            let after = try await context.httpGet("http://127.0.0.1:\(server.port)/fine")
            #expect(String(decoding: after.body, as: UTF8.self) == "fine")
        }
    }

    @Test("a refused connection is a transient connection error")
    func refused() async throws {
        let server = try ScriptedHTTPServer { _ in .ok("") }
        let port = server.port
        server.stop()
        try await withContext { context in
            do {
                _ = try await context.httpGet("http://127.0.0.1:\(port)/")
                Issue.record("a GET to a closed port succeeded")
            } catch let error as HTTPFetchError {
                #expect(error.isTransient)
                guard case .connection = error else {
                    Issue.record("expected a connection error, got \(error)")
                    return
                }
            }
        }
    }

    @Test("an IO task that outlives the worker's shutdown still finishes (on the shared pool)")
    func outlivesShutdown() async {
        let services = WorkerServices(cpuSlots: 1, ioConcurrency: 4)
        let gate = AsyncLimiter(limit: 1)
        await gate.acquire()
        let task = Task(executorPreference: services.ioExecutor) {
            await gate.acquire()
            return 42
        }
        await services.shutdown()
        gate.release()
        #expect(await task.value == 42)
    }

    @Test("cancelling a GET ends it at once and closes its connection")
    func cancellation() async throws {
        let server = try ScriptedHTTPServer { _ in .init(bytes: ScriptedHTTPServer.Reply.ok("late").bytes, delayMilliseconds: 3000) }
        defer { server.stop() }
        try await withContext { context in
            let request = Task { try await context.httpGet("http://127.0.0.1:\(server.port)/wait") }
            // Cancel once the request reached the server (bounded wait on an event, not a fixed sleep).
            let deadline = Date().addingTimeInterval(60)
            while server.paths.isEmpty, Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(!server.paths.isEmpty)
            request.cancel()
            await #expect(throws: CancellationError.self) { try await request.value }
        }
    }
}
