#if canImport(Glibc)
import Glibc
#endif

/// Writing a whole buffer to a descriptor: files, standard output and error, pipes.
public enum FullWrite {
    /// Writes every byte of `bytes` to `descriptor`, retrying short writes and `EINTR`, and waiting for a
    /// non-blocking descriptor that is full (`EAGAIN`) to take more. Returns `false` on any other failure (`errno`
    /// tells which; `EPIPE` when the reader is gone), with part of `bytes` perhaps written.
    @discardableResult
    public static func write(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count > 0 {
                offset += count
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                var item = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&item, 1, 1000)
            } else {
                return false
            }
        }
        return true
    }

    /// `write(_:to:)` for an array of bytes.
    @discardableResult
    public static func write(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { write($0, to: descriptor) }
    }
}
