import Foundation
import Synchronization

/// A loopback HTTP/1.1 server whose every response is scripted byte for byte, so tests can send what well-behaved
/// servers rarely do: chunked and close-delimited bodies, connections closed without warning, redirects.
/// One thread per connection; requests on a connection are answered in turn.
final class ScriptedHTTPServer: Sendable {
    /// What to send for one request, and whether to close the connection afterwards (without saying so).
    struct Reply: Sendable {
        var bytes: [UInt8]
        var close = false
        var delayMilliseconds = 0

        /// A complete keep-alive response with a `Content-Length`.
        static func ok(_ body: String, status: String = "200 OK", headers: String = "") -> Reply {
            Reply(bytes: Array("HTTP/1.1 \(status)\r\nContent-Length: \(body.utf8.count)\r\n\(headers)\r\n\(body)".utf8))
        }
    }

    private struct Counters {
        var connections = 0
        var paths: [String] = []
    }

    let port: Int
    private let listener: Int32
    private let counters = Mutex(Counters())

    init(_ respond: @escaping @Sendable (String) -> Reply) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 64) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        // The accepting thread owns the listening descriptor and closes it once `stop` made `accept` fail: closed
        // by `stop` instead, its number could be reused by another test's server before this thread calls `accept`
        // again, and this server would then answer that one's requests.
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0, errno == EINTR || errno == ECONNABORTED { continue }
                guard connection >= 0 else {
                    close(listener)
                    return
                }
                counters.withLock { $0.connections += 1 }
                Thread.detachNewThread { [self] in serve(connection, respond: respond) }
            }
        }
    }

    /// Connections accepted so far.
    var connections: Int { counters.withLock { $0.connections } }
    /// Request targets received so far, in order.
    var paths: [String] { counters.withLock { $0.paths } }

    /// Stops accepting (connections already open end when their clients close them); the accepting thread then
    /// closes the listening descriptor.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve(_ connection: Int32, respond: @Sendable (String) -> Reply) {
        defer { close(connection) }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            while !pending.isEmpty, let end = Self.headEnd(pending) {
                let head = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 4)
                let path = head.split(separator: " ").dropFirst().first.map(String.init) ?? ""
                counters.withLock { $0.paths.append(path) }
                let reply = respond(path)
                if reply.delayMilliseconds > 0 { usleep(UInt32(reply.delayMilliseconds) * 1000) }
                _ = reply.bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if reply.close { return }
            }
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { return }
            pending += chunk[0..<count]
        }
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
