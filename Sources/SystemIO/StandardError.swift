/// Writing messages to standard error (descriptor 2) directly, unbuffered, so they appear at once and in order with
/// what child processes write there. Safe from any thread.
public enum StandardError {
    /// Writes `text` as it is (no newline added). A failure (a closed descriptor) drops the rest, as there is
    /// nowhere left to report it.
    public static func write(_ text: String) {
        var copy = text
        _ = copy.withUTF8 { FullWrite.write(UnsafeRawBufferPointer($0), to: 2) }
    }

    /// Writes `line` and a newline.
    public static func writeLine(_ line: String) { write(line + "\n") }
}
