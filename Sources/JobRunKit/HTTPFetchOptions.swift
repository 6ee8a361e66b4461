import Crypto
import JSONValue

/// The `args` shared by `http-get` and `fetch-digest`: the URLs and how to fetch them.
struct HTTPFetchOptions: Sendable {
    var urls: [String]
    var concurrency: Int?
    var timeoutMilliseconds: Int
    var maxBytes: Int
    var retries: Int

    static let allowed: Set<String> = ["urls", "concurrency", "timeout_ms", "max_bytes", "retries"]

    init(_ reader: ArgumentReader) throws(ArgumentError) {
        guard let list = reader.object["urls"] else { throw ArgumentError(field: "urls", message: "missing (expected an array of http(s) URLs)") }
        guard let values = list.arrayValue, !values.isEmpty else {
            throw ArgumentError(field: "urls", message: "expected a non-empty array of http(s) URLs, got \(ArgumentReader.describe(list))")
        }
        urls = []
        for (index, value) in values.enumerated() {
            guard let url = value.stringValue, HTTPFetcher.isHTTPURL(url) else {
                throw ArgumentError(
                    field: "urls[\(index)]", message: "expected an http:// or https:// URL, got \(ArgumentReader.describe(value))")
            }
            urls.append(url)
        }
        concurrency = reader.object["concurrency"] == nil ? nil : try reader.integer("concurrency", atLeast: 1)
        timeoutMilliseconds = reader.object["timeout_ms"] == nil ? 30_000 : try reader.integer("timeout_ms", atLeast: 1)
        maxBytes = reader.object["max_bytes"] == nil ? 16 << 20 : try reader.integer("max_bytes", atLeast: 0)
        retries = reader.object["retries"] == nil ? 2 : try reader.integer("retries", atLeast: 0)
    }
}

/// One URL's outcome.
struct URLOutcome: Sendable {
    var url: String
    var status: Int?
    var body: [UInt8]
    var attempts: Int
    var error: String?

    var succeeded: Bool { error == nil }

    /// `{"url", "status", "bytes", "sha256", "attempts"}` plus `"error"` when it failed.
    func json(includeDigest: Bool = true) -> JSONValue {
        var object = JSONObject()
        object["url"] = .string(url)
        object["status"] = status.map { .number(JSONNumber($0)) } ?? .null
        object["bytes"] = .number(JSONNumber(body.count))
        if includeDigest { object["sha256"] = error == nil ? .string(SHA256.hash(data: body).hexString) : .null }
        object["attempts"] = .number(JSONNumber(attempts))
        if let error { object["error"] = .string(error) }
        return .object(object)
    }
}

extension TaskContext {
    /// Fetches every URL concurrently, retrying transient failures (connection refused or reset, timeouts, 5xx)
    /// with exponential backoff; a non-2xx status after the retries, or a body over the limit, is that URL's error.
    func fetchAll(_ options: HTTPFetchOptions) async -> [URLOutcome] {
        let outcomes = await gather(options.urls, concurrency: options.concurrency) { url in
            await fetchOne(url, options)
        }
        return outcomes.enumerated().map { index, outcome in
            switch outcome {
            case .success(let value): value
            case .failure(let error):
                URLOutcome(url: options.urls[index], status: nil, body: [], attempts: 0, error: "\(error)")
            }
        }
    }

    private func fetchOne(_ url: String, _ options: HTTPFetchOptions) async -> URLOutcome {
        var attempt = 0
        while true {
            attempt += 1
            var transient = false
            var outcome: URLOutcome
            do {
                let response = try await httpGet(url, maxBytes: options.maxBytes, timeoutMilliseconds: options.timeoutMilliseconds)
                outcome = URLOutcome(url: url, status: response.status, body: response.body, attempts: attempt, error: nil)
                if !(200..<300).contains(response.status) {
                    outcome.error = "HTTP status \(response.status)"
                    transient = response.status >= 500
                }
            } catch let error as HTTPFetchError {
                outcome = URLOutcome(url: url, status: nil, body: [], attempts: attempt, error: error.description)
                transient = error.isTransient
            } catch {
                return URLOutcome(url: url, status: nil, body: [], attempts: attempt, error: "cancelled")
            }
            guard transient, attempt <= options.retries else { return outcome }
            let backoff = min(100 << (attempt - 1), 5_000)
            do {
                try await sleep(milliseconds: backoff / 2 + Int.random(in: 0...(backoff / 2)))
            } catch {
                return outcome
            }
        }
    }
}

extension Digest {
    /// Lowercase hex.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
