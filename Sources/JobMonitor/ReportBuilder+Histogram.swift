import JSONValue
#if canImport(Glibc)
import Glibc
#endif

extension ReportBuilder {
    /// The duration histogram SVG: bins across the observed range (logarithmic when durations span more than a
    /// factor of 20), each bar stacked ok below and not-ok above.
    func histogram(binCount: Int = 30) -> String {
        let durations = tasks.map { Double(max($0.durationMicroseconds, 1)) }
        guard let low = durations.min(), let high = durations.max() else { return "<p>No task finished.</p>\n" }
        let logarithmic = high / low > 20
        let lower = logarithmic ? log10(low) : low
        let upper = logarithmic ? log10(high) : high
        let bins = upper > lower ? binCount : 1
        let binWidth = bins > 1 ? (upper - lower) / Double(bins) : 1
        var good = [Int](repeating: 0, count: bins)
        var bad = [Int](repeating: 0, count: bins)
        for task in tasks {
            let value = Double(max(task.durationMicroseconds, 1))
            let position = logarithmic ? log10(value) : value
            let bin = min(max(Int((position - lower) / binWidth), 0), bins - 1)
            if task.succeeded { good[bin] += 1 } else { bad[bin] += 1 }
        }
        let tallest = max(zip(good, bad).map { $0 + $1 }.max() ?? 1, 1)
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
            let okHeight = Double(good[index]) / Double(tallest) * plotHeight
            let badHeight = Double(bad[index]) / Double(tallest) * plotHeight
            let range = "\(DisplayFormat.duration(microseconds: UInt64(edge(index)))) – \(DisplayFormat.duration(microseconds: UInt64(edge(index + 1))))"
            if good[index] > 0 {
                svg += "<rect class=\"ok\" x=\"\(Self.coordinate(x + 1))\" y=\"\(Self.coordinate(top + plotHeight - okHeight))\" width=\"\(Self.coordinate(max(barWidth - 2, 1)))\" height=\"\(Self.coordinate(okHeight))\"><title>\(good[index]) ok, \(range)</title></rect>\n"
            }
            if bad[index] > 0 {
                svg += "<rect class=\"failed\" x=\"\(Self.coordinate(x + 1))\" y=\"\(Self.coordinate(top + plotHeight - okHeight - badHeight))\" width=\"\(Self.coordinate(max(barWidth - 2, 1)))\" height=\"\(Self.coordinate(badHeight))\"><title>\(bad[index]) not ok, \(range)</title></rect>\n"
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
