import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// A response to `TaskContext.httpGet`.
public struct HTTPResponse: Sendable {
    /// The status code, such as 200.
    public var status: Int
    /// Header fields in the order received.
    public var headers: [(name: String, value: String)]
    /// The whole body.
    public var body: [UInt8]
}

/// Why an HTTP request failed.
public enum HTTPFetchError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The URL is not an absolute http or https URL.
    case invalidURL(String)
    /// The body was larger than allowed.
    case tooLarge(limit: Int)
    /// No complete response within the timeout.
    case timedOut(milliseconds: Int)
    /// The connection could not be made or broke.
    case connection(String)

    public var description: String {
        switch self {
        case .invalidURL(let url): "not an http(s) URL: \(url)"
        case .tooLarge(let limit): "the body is larger than max_bytes (\(limit) bytes)"
        case .timedOut(let milliseconds): "no complete response within \(milliseconds) ms"
        case .connection(let reason): "connection failed: \(reason)"
        }
    }

    /// Whether trying again may help (connection refused or reset, a timeout).
    public var isTransient: Bool {
        switch self {
        case .connection, .timedOut: true
        case .invalidURL, .tooLarge: false
        }
    }
}

/// The worker's one HTTP client, shared by every task: connections are pooled, at most `connectionsPerHost` to one
/// host at a time. Plain `http://` GETs go through the lean `PlainHTTPClient`; https, credentials in the URL and
/// redirects through async-http-client. Both run on the worker's IO event loop (`group`, one thread: a worker is one
/// process per core, so more loops would only compete with the other workers for the cores).
final class HTTPFetcher: Sendable {
    private let group: any EventLoopGroup
    private let connectionsPerHost: Int
    private let plain: PlainHTTPClient
    /// The full client, created on first use: a job of plain GETs never needs it.
    private let fullClient = Mutex<HTTPClient?>(nil)

    init(group: any EventLoopGroup, connectionsPerHost: Int) {
        self.group = group
        self.connectionsPerHost = connectionsPerHost
        plain = PlainHTTPClient(group: group, connectionsPerHost: connectionsPerHost)
    }

    private var client: HTTPClient {
        fullClient.withLock { client in
            if let existing = client { return existing }
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(connectionsPerHost, 1))
            configuration.decompression = .disabled
            let created = HTTPClient(eventLoopGroup: group, configuration: configuration)
            client = created
            return created
        }
    }

    /// Whether `url` is an absolute http or https URL (checked before anything runs).
    static func isHTTPURL(_ url: String) -> Bool {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            rest = lower.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            rest = lower.dropFirst(8)
        } else {
            return false
        }
        guard let host = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first else { return false }
        return !host.isEmpty && !url.contains(" ")
    }

    func get(
        _ url: String, headers: [(String, String)], maxBytes: Int, timeoutMilliseconds: Int
    ) async throws -> HTTPResponse {
        guard Self.isHTTPURL(url) else { throw HTTPFetchError.invalidURL(url) }
        let deadline = NIODeadline.now() + .milliseconds(Int64(timeoutMilliseconds))
        if let target = PlainHTTPTarget(url) {
            let reply = try await plain.get(
                target, headers: headers, maxBytes: maxBytes, deadline: deadline, timeoutMilliseconds: timeoutMilliseconds)
            // A redirect goes to the full client, which follows it (and its successors) from the start.
            if !Self.isRedirect(reply.head) {
                return HTTPResponse(
                    status: Int(reply.head.status.code), headers: reply.head.headers.map { ($0.name, $0.value) },
                    body: Array(reply.body.readableBytesView))
            }
        }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            let response = try await client.execute(request, deadline: deadline)
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maxBytes {
                throw HTTPFetchError.tooLarge(limit: maxBytes)
            }
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: maxBytes)
            } catch is NIOTooManyBytesError {
                throw HTTPFetchError.tooLarge(limit: maxBytes)
            }
            return HTTPResponse(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: Array(body.readableBytesView)
            )
        } catch let error as HTTPFetchError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw HTTPFetchError.timedOut(milliseconds: timeoutMilliseconds)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .cancelled {
            throw CancellationError()
        } catch {
            throw HTTPFetchError.connection("\(error)")
        }
    }

    /// Whether the full client would follow this response (the redirects it follows, with a `Location`).
    static func isRedirect(_ head: HTTPResponseHead) -> Bool {
        [301, 302, 303, 307, 308].contains(head.status.code) && head.headers.contains(name: "location")
    }

    func shutdown() async {
        plain.shutdown()
        try? await fullClient.withLock({ $0 })?.shutdown()
    }
}
