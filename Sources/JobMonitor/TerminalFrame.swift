#if canImport(Glibc)
import Glibc
#endif

/// Shows a frame of lines on standard output that later frames replace, with messages scrolling above it.
///
/// Interactive (a terminal): the previous frame is erased with ANSI cursor movement and the new one drawn in its
/// place; lines are cut to the terminal's width so the erase stays exact. Otherwise frames are printed one after
/// another. Threads: use from one thread.
final class TerminalFrame {
    let interactive: Bool
    private var shownLines = 0
    /// False once standard output is gone (a closed pipe).
    private(set) var isOpen = true

    init(interactive: Bool) {
        self.interactive = interactive
    }

    /// Replaces the frame on screen (interactive) or prints it.
    func show(_ lines: [String]) {
        var text = erase()
        let width = interactive ? Self.terminalWidth() : Int.max
        for line in lines { text += (line.count > width ? String(line.prefix(width - 1)) + "…" : line) + "\n" }
        shownLines = interactive ? lines.count : 0
        emit(text)
    }

    /// Prints a line above the frame (which the next `show` redraws).
    func message(_ line: String) {
        emit(erase() + line + "\n")
    }

    /// Leaves the current frame on screen for good.
    func keep() { shownLines = 0 }

    private func erase() -> String {
        guard interactive, shownLines > 0 else { return "" }
        let text = "\u{1B}[\(shownLines)F\u{1B}[J"
        shownLines = 0
        return text
    }

    private func emit(_ text: String) {
        guard isOpen else { return }
        if !FileText.standardOutput(text) { isOpen = false }
    }

    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 10 { return Int(size.ws_col) }
        return 120
    }
}
