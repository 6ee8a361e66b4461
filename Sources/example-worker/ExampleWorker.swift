// An example of a custom worker: jobrun's built-in task kinds plus two of its own, written against the public
// `JobRunKit` handler API. Build it with `swift build --product example-worker`, then run a job on it:
//
//     jobrun submit config/examples/custom-kinds.json --worker-command .build/debug/example-worker

#if canImport(Glibc)
import Glibc
#endif
import JSONValue
import JobRunKit
import Worker

/// `word-count`: reads `args.path` (IO, no CPU slot) and counts its lines and words (CPU, on a CPU slot).
struct WordCountHandler: TaskHandler {
    let name = "word-count"
    let resources = TaskResources.io

    func validate(_ arguments: JSONValue) throws(ArgumentError) {
        _ = try ArgumentReader(arguments, kind: name, allowed: ["path"]).string("path")
    }

    func run(_ arguments: JSONValue, context: TaskContext) async throws -> JSONValue {
        let path = try ArgumentReader(arguments, kind: name, allowed: ["path"]).string("path")
        let bytes = try await context.readFile(path)
        context.reportProgress(fraction: 0.5, message: "counting \(bytes.count) bytes")
        let (lines, words) = try await context.compute { Self.count(bytes) }
        return ["path": .string(path), "bytes": .number(JSONNumber(bytes.count)),
                "lines": .number(JSONNumber(lines)), "words": .number(JSONNumber(words))]
    }

    static func count(_ bytes: [UInt8]) -> (lines: Int, words: Int) {
        var lines = 0
        var words = 0
        var inWord = false
        for byte in bytes {
            if byte == UInt8(ascii: "\n") { lines += 1 }
            let space = byte == 0x20 || (0x09...0x0D).contains(byte)
            if !space, !inWord { words += 1 }
            inWord = !space
        }
        return (lines, words)
    }
}

/// `page-words`: fetches each of `args.urls` concurrently and counts the words of every page.
struct PageWordsHandler: TaskHandler {
    let name = "page-words"
    let resources = TaskResources.io

    func validate(_ arguments: JSONValue) throws(ArgumentError) {
        try Self.urls(arguments)
    }

    @discardableResult
    static func urls(_ arguments: JSONValue) throws(ArgumentError) -> [String] {
        let reader = try ArgumentReader(arguments, kind: "page-words", allowed: ["urls"])
        guard let list = reader.object["urls"]?.arrayValue, !list.isEmpty else {
            throw ArgumentError(field: "urls", message: "expected a non-empty array of URLs")
        }
        var urls: [String] = []
        for (index, value) in list.enumerated() {
            guard let url = value.stringValue, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ArgumentError(field: "urls[\(index)]", message: "expected an http(s) URL")
            }
            urls.append(url)
        }
        return urls
    }

    func run(_ arguments: JSONValue, context: TaskContext) async throws -> JSONValue {
        let urls = try Self.urls(arguments)
        let pages = await context.gather(urls) { url in try await context.httpGet(url) }
        var counts: [JSONValue] = []
        for (url, page) in zip(urls, pages) {
            let response = try page.get()
            let body = response.body
            let words = try await context.compute { WordCountHandler.count(body).words }
            counts.append(["url": .string(url), "status": .number(JSONNumber(response.status)), "words": .number(JSONNumber(words))])
        }
        return ["pages": .array(counts)]
    }
}

exit(WorkerMain.run(handlers: [WordCountHandler(), PageWordsHandler()]))
