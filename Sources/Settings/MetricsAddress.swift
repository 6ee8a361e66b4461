/// Where `/metrics` and the live dashboard are served: `--metrics HOST:PORT`, `--metrics PORT`, or the `metrics`
/// settings key.
///
/// Only the loopback interface unless the text names another address: `9464` and `:9464` mean
/// `127.0.0.1:9464`; `0.0.0.0:9464` serves every interface. Port 0 picks a free port (the coordinator prints the
/// one it got). IPv6 addresses go in brackets: `[::1]:9464`. A pure value, safe from any thread.
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with a `--metrics` value, in words for the user.
    public struct ParseError: Error, Sendable, Equatable {
        public let message: String
    }

    /// The address to bind, without brackets.
    public var host: String
    /// The TCP port (0: any free port).
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPV6]:PORT`, `:PORT` or `PORT`.
    ///
    /// - Throws: `ParseError` saying what was expected.
    public init(parsing text: String) throws(ParseError) {
        let expected = "expected HOST:PORT or PORT, such as 127.0.0.1:9464 or 9464 (loopback), got `\(text)`"
        var host = "127.0.0.1"
        var portText = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ParseError(message: expected)
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            let named = text[..<colon]
            if named.contains(":") { throw ParseError(message: expected + " (put an IPv6 address in brackets: [::1]:9464)") }
            if !named.isEmpty { host = String(named) }
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, host.utf8.count <= 253,
            host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") })
        else { throw ParseError(message: expected) }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ParseError(message: expected + " (the port must be a number from 0 to 65535)")
        }
        self.host = host
        self.port = port
    }

    /// `HOST:PORT`, with brackets around an IPv6 address.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether only this machine can reach the address.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
}
