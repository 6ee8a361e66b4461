/// Why a received frame was rejected. Frames that fail to decode are dropped and counted, never fatal.
public enum WireDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The frame ended in the middle of a field.
    case truncated
    /// The frame was empty or too short to carry the header.
    case missingHeader
    /// The sender speaks another protocol version.
    case unsupportedVersion(UInt8)
    /// The message type byte names no known message.
    case unknownMessageType(UInt8)
    /// A field held an impossible value.
    case malformed(String)

    public var description: String {
        switch self {
        case .truncated: "frame is truncated"
        case .missingHeader: "frame is too short for a message header"
        case .unsupportedVersion(let version):
            "protocol version \(version) is not supported (this jobrun speaks version \(WireMessage.protocolVersion))"
        case .unknownMessageType(let type): "unknown message type \(type)"
        case .malformed(let reason): "malformed frame: \(reason)"
        }
    }
}
