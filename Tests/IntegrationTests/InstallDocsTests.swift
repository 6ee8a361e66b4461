import Foundation
import Testing

/// `scripts/install-docs`: completions and the man page, generated from the binary under test.
@Suite("scripts/install-docs")
struct InstallDocsTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/install-docs").path

    @Test("installs bash, zsh and fish completions and a man page that describes every command and its options")
    func installs() throws {
        let scratch = try Scratch()
        let prefix = scratch.path("prefix")
        let install = JobrunProcess(executable: Self.script, arguments: ["--prefix", prefix, "--jobrun", JobrunProcess.binary])
        try install.start()
        let outcome = try install.finish(timeout: 60)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for file in [
            "share/bash-completion/completions/jobrun", "share/zsh/site-functions/_jobrun",
            "share/fish/vendor_completions.d/jobrun.fish",
        ] {
            let text = try String(contentsOfFile: prefix + "/" + file, encoding: .utf8)
            #expect(text.contains("submit") && text.contains("worker"), "\(file) lacks the commands")
        }
        let page = try String(contentsOfFile: prefix + "/share/man/man1/jobrun.1", encoding: .utf8)
        #expect(page.hasPrefix(".TH JOBRUN 1"))
        for command in ["submit", "run", "status", "tail", "cancel", "report", "worker", "keygen"] {
            #expect(page.contains(".SS jobrun \(command)"), "the man page has no section for \(command)")
        }
        #expect(page.contains("\\fB\\-\\-stream\\-output\\fR"), "submit's options are missing")
        // The page is valid roff: man renders it without a warning.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/man") {
            let man = JobrunProcess(
                executable: "/usr/bin/man", arguments: ["--warnings", "-l", prefix + "/share/man/man1/jobrun.1"],
                environment: ["MANPAGER": "cat", "MANWIDTH": "100"])
            try man.start()
            let rendered = try man.finish(timeout: 60)
            #expect(rendered.status == 0)
            #expect(rendered.stdout.contains("jobrun submit"))
            #expect(rendered.stderr.isEmpty, "\(rendered.stderr)")
        }
    }
}
