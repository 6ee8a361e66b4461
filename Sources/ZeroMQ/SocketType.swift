import CZeroMQ

/// The ZeroMQ socket patterns jobrun uses; see the libzmq `zmq_socket` manual for their semantics.
public enum SocketType: Sendable {
    /// Sends to connected `pull` peers round-robin; blocks (or reports "would block") with no peer.
    case push
    /// Receives from connected `push` peers, fair-queued.
    case pull
    /// Prefixes each received message with the sender's routing id; routes sends by the first frame.
    case router
    /// Round-robin sends and fair-queued receives, for talking to a `router`.
    case dealer
    /// Publishes to every subscriber whose subscription prefix matches; never blocks.
    case pub
    /// Receives messages from `pub` peers that match one of its `subscribe` prefixes.
    case sub
    /// Strict send-then-receive request socket.
    case req
    /// Strict receive-then-send reply socket.
    case rep
    /// Exclusive one-to-one connection.
    case pair

    /// The `ZMQ_*` socket type constant for `zmq_socket`.
    var zmqValue: Int32 {
        switch self {
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        case .pair: ZMQ_PAIR
        }
    }

    /// The lower-case pattern name, for messages (`push`, `router`, ...).
    var name: String {
        switch self {
        case .push: "push"
        case .pull: "pull"
        case .router: "router"
        case .dealer: "dealer"
        case .pub: "pub"
        case .sub: "sub"
        case .req: "req"
        case .rep: "rep"
        case .pair: "pair"
        }
    }
}
