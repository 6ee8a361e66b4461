import JSONValue
#if canImport(Glibc)
import Glibc
#endif

extension ReportBuilder {
    /// The duration histogram SVG: bins across the observed range (logarithmic when durations span more than a
    /// factor of 20), each bar stacked by status in legend order (ok at the bottom), each status in its own colour.
    func histogram(binCount: Int = 30) -> String {
        let durations = tasks.map { Double(max($0.durationMicroseconds, 1)) }
        guard let low = durations.min(), let high = durations.max() else { return "<p>No task finished.</p>\n" }
        let logarithmic = high / low > 20
        let lower = logarithmic ? log10(low) : low
        let upper = logarithmic ? log10(high) : high
        let bins = upper > lower ? binCount : 1
        let binWidth = bins > 1 ? (upper - lower) / Double(bins) : 1
        // counts[bin][status]: statuses in legend order; one this version does not know counts as failed.
        let failedIndex = Self.statuses.firstIndex { $0.name == "failed" }!
        var counts = [[Int]](repeating: [Int](repeating: 0, count: Self.statuses.count), count: bins)
        for task in tasks {
            let value = Double(max(task.durationMicroseconds, 1))
            let position = logarithmic ? log10(value) : value
            let bin = min(max(Int((position - lower) / binWidth), 0), bins - 1)
            counts[bin][Self.statuses.firstIndex { $0.name == task.status } ?? failedIndex] += 1
        }
        let tallest = max(counts.map { $0.reduce(0, +) }.max() ?? 1, 1)
        let left = 50.0, top = 10.0, plotHeight = 180.0, plotWidth = 720.0
        let barWidth = plotWidth / Double(bins)
        let edge = { (index: Int) -> Double in
            let position = lower + Double(index) * binWidth
            return logarithmic ? pow(10, position) : position
        }
        var svg = "<svg class=\"histogram\" viewBox=\"0 0 800 230\" width=\"800\" height=\"230\" role=\"img\" aria-label=\"histogram of task durations\">\n"
        svg += "<line class=\"axis\" x1=\"\(Self.coordinate(left))\" y1=\"\(Self.coordinate(top + plotHeight))\" x2=\"\(Self.coordinate(left + plotWidth))\" y2=\"\(Self.coordinate(top + plotHeight))\"/>\n"
        svg += "<text x=\"\(Self.coordinate(left - 6))\" y=\"\(Self.coordinate(top + 10))\" text-anchor=\"end\">\(tallest)</text>"
        svg += "<text x=\"\(Self.coordinate(left - 6))\" y=\"\(Self.coordinate(top + plotHeight))\" text-anchor=\"end\">0</text>\n"
        for index in 0..<bins {
            let x = left + Double(index) * barWidth
            let range = "\(DisplayFormat.duration(microseconds: UInt64(edge(index)))) – \(DisplayFormat.duration(microseconds: UInt64(edge(index + 1))))"
            var base = top + plotHeight
            for (statusIndex, status) in Self.statuses.enumerated() where counts[index][statusIndex] > 0 {
                let count = counts[index][statusIndex]
                let height = Double(count) / Double(tallest) * plotHeight
                base -= height
                svg += "<rect class=\"\(status.name)\" x=\"\(Self.coordinate(x + 1))\" y=\"\(Self.coordinate(base))\" width=\"\(Self.coordinate(max(barWidth - 2, 1)))\" height=\"\(Self.coordinate(height))\"><title>\(count) \(status.name), \(range)</title></rect>\n"
            }
        }
        let labelEvery = max(bins / 6, 1)
        for index in stride(from: 0, through: bins, by: labelEvery) {
            let x = left + Double(index) * barWidth
            svg += "<text x=\"\(Self.coordinate(x))\" y=\"\(Self.coordinate(top + plotHeight + 16))\" text-anchor=\"middle\">\(DisplayFormat.duration(microseconds: UInt64(edge(index))))</text>\n"
        }
        let scale = logarithmic ? "logarithmic" : "linear"
        svg += "<text x=\"\(Self.coordinate(left + plotWidth / 2))\" y=\"\(Self.coordinate(top + plotHeight + 36))\" text-anchor=\"middle\">task duration (\(scale) scale), \(durations.count) tasks</text>\n"
        return svg + "</svg>\n"
    }
}
