import NIOCore
import NIOHTTP1
import Synchronization

/// The worker's lean client for plain `http://` GETs: keep-alive connections pooled per host, at most
/// `connectionsPerHost` at once, one request on a connection at a time.
///
/// It exists for speed: a GET costs one hop to the event loop and one back, where the full client's streaming
/// request and response machinery costs several (measured: most of a worker's CPU time per GET). It does only what
/// plain GETs need; `HTTPFetcher` sends everything else (https, credentials in the URL, redirects) to the full client.
final class PlainHTTPClient: Sendable {
    private struct HostKey: Hashable {
        var host: String
        var port: Int
    }

    private struct Pool {
        let limiter: AsyncLimiter
        var idle: [(connection: PlainHTTPConnection, since: NIODeadline)] = []
        /// Requests holding or awaiting this pool's limiter; the pool is dropped only when none does.
        var users = 0
    }

    private struct State {
        var pools: [HostKey: Pool] = [:]
        var lastSweep = NIODeadline.now()
        var closed = false
    }

    /// How long a connection may sit idle before it is closed (as the full client's pool does).
    static let idleTimeout = TimeAmount.seconds(60)

    private let group: any EventLoopGroup
    private let connectionsPerHost: Int
    private let state = Mutex(State())

    init(group: any EventLoopGroup, connectionsPerHost: Int) {
        self.group = group
        self.connectionsPerHost = max(connectionsPerHost, 1)
    }

    /// GETs `target` with `headers` added to `Host`, within `timeoutMilliseconds` from `deadline`'s start (waiting for
    /// a connection included).
    /// - Throws: `HTTPFetchError` or `CancellationError`.
    func get(
        _ target: PlainHTTPTarget, headers: [(String, String)], maxBytes: Int, deadline: NIODeadline,
        timeoutMilliseconds: Int
    ) async throws -> PlainHTTPReply {
        let key = HostKey(host: target.host, port: target.port)
        let limiter = try join(key)
        await limiter.acquire()
        defer {
            limiter.release()
            leave(key)
        }
        try Task.checkCancellation()
        guard deadline > .now() else { throw HTTPFetchError.timedOut(milliseconds: timeoutMilliseconds) }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.requestTarget)
        head.headers.add(name: "Host", value: target.hostHeader)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        // Idle connections first; one the server closed while it sat idle fails before any response byte, and the
        // request goes again on the next (at most `connectionsPerHost` of them), then on a new one.
        do {
            while let idle = takeIdle(key) {
                do {
                    return try await exchange(head, on: idle, key: key, maxBytes: maxBytes, deadline: deadline, timeoutMilliseconds: timeoutMilliseconds)
                } catch let failure as PlainHTTPFailure where failure.beforeResponse {
                    try Task.checkCancellation()
                }
            }
            let fresh = try await PlainHTTPConnection.connect(to: target, on: group, deadline: deadline, timeoutMilliseconds: timeoutMilliseconds)
            return try await exchange(head, on: fresh, key: key, maxBytes: maxBytes, deadline: deadline, timeoutMilliseconds: timeoutMilliseconds)
        } catch let failure as PlainHTTPFailure {
            throw failure.error
        }
    }

    private func exchange(
        _ head: HTTPRequestHead, on connection: PlainHTTPConnection, key: HostKey, maxBytes: Int, deadline: NIODeadline,
        timeoutMilliseconds: Int
    ) async throws -> PlainHTTPReply {
        let reply: PlainHTTPReply
        do {
            reply = try await connection.exchange(head, maxBytes: maxBytes, deadline: deadline, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            connection.close()
            throw error
        }
        if reply.reusable { putIdle(connection, key: key) } else { connection.close() }
        return reply
    }

    /// Counts a request in on `key`'s pool and returns its limiter.
    private func join(_ key: HostKey) throws -> AsyncLimiter {
        try state.withLock { state in
            guard !state.closed else { throw HTTPFetchError.connection("the worker is stopping") }
            var pool = state.pools[key] ?? Pool(limiter: AsyncLimiter(limit: connectionsPerHost))
            pool.users += 1
            state.pools[key] = pool
            return pool.limiter
        }
    }

    private func leave(_ key: HostKey) {
        state.withLock { state in
            guard var pool = state.pools[key] else { return }
            pool.users -= 1
            state.pools[key] = pool.users == 0 && pool.idle.isEmpty ? nil : pool
        }
    }

    private func takeIdle(_ key: HostKey) -> PlainHTTPConnection? {
        state.withLock { state in state.pools[key]?.idle.popLast()?.connection }
    }

    /// Returns a connection to its pool; about once a second, closes connections idle past `idleTimeout` and drops
    /// pools nobody uses, so a long job over many hosts holds neither sockets nor memory for hosts it left.
    private func putIdle(_ connection: PlainHTTPConnection, key: HostKey) {
        let now = NIODeadline.now()
        let expired = state.withLock { state -> [PlainHTTPConnection] in
            guard !state.closed, state.pools[key] != nil else { return [connection] }
            state.pools[key]!.idle.append((connection, now))
            guard now - state.lastSweep > .seconds(1) else { return [] }
            state.lastSweep = now
            var expired: [PlainHTTPConnection] = []
            for (poolKey, var pool) in state.pools {
                var kept = pool.idle
                kept.removeAll { entry in
                    let stale = now - entry.since >= Self.idleTimeout || !entry.connection.channel.isActive
                    if stale { expired.append(entry.connection) }
                    return stale
                }
                guard kept.count != pool.idle.count else { continue }
                pool.idle = kept
                state.pools[poolKey] = pool.users == 0 && kept.isEmpty ? nil : pool
            }
            return expired
        }
        for connection in expired { connection.close() }
    }

    /// Closes every idle connection; requests made afterwards fail. Requests in flight finish or are cancelled by
    /// their tasks.
    func shutdown() {
        let idle = state.withLock { state -> [PlainHTTPConnection] in
            state.closed = true
            defer { state.pools = state.pools.mapValues { pool in var pool = pool; pool.idle = []; return pool } }
            return state.pools.values.flatMap { $0.idle.map(\.connection) }
        }
        for connection in idle { connection.close() }
    }
}
