/// A plain `http://` URL in the simple form the worker's lean client serves: printable ASCII, no user info, a host
/// name or IPv4 or bracketed IPv6 address, an optional port. Anything else (https, credentials, non-ASCII text)
/// goes to the full client, which knows those cases.
struct PlainHTTPTarget: Sendable, Hashable {
    /// The host to connect to (an IPv6 address without its brackets).
    let host: String
    let port: Int
    /// The `Host` header: the authority as the URL wrote it.
    let hostHeader: String
    /// The request target: path and query, from `/`; the fragment is dropped (it never goes to the server).
    let requestTarget: String

    /// Parses `url`, or returns nil when it is not a simple plain http URL.
    init?(_ url: String) {
        let bytes = Array(url.utf8)
        let scheme = Array("http://".utf8)
        guard bytes.count > scheme.count,
            zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 | 0x20 }),
            bytes.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        let rest = bytes[scheme.count...]
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains(UInt8(ascii: "@")) else { return nil }
        var hostPart = authority[...]
        var portText: ArraySlice<UInt8> = []
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")), close > authority.startIndex + 1 else { return nil }
            hostPart = authority[(authority.startIndex + 1)..<close]
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            hostPart = authority[..<colon]
            portText = authority[(colon + 1)...]
        }
        guard !hostPart.isEmpty, !hostPart.contains(UInt8(ascii: "[")), !hostPart.contains(UInt8(ascii: "]")) else { return nil }
        if portText.isEmpty {
            port = 80
        } else {
            guard portText.count <= 5, portText.allSatisfy({ (0x30...0x39).contains($0) }),
                let number = Int(String(decoding: portText, as: UTF8.self)), (1...65_535).contains(number)
            else { return nil }
            port = number
        }
        host = String(decoding: hostPart, as: UTF8.self)
        hostHeader = String(decoding: authority, as: UTF8.self)
        var target = bytes[authorityEnd...]
        if let hash = target.firstIndex(of: UInt8(ascii: "#")) { target = target[..<hash] }
        let text = String(decoding: target, as: UTF8.self)
        requestTarget = text.hasPrefix("/") ? text : "/" + text
    }
}
