import JSONValue
extension ReportBuilder {
    static let labelWidth = 190.0
    static let plotWidth = 900.0
    static let rowHeight = 18.0

    /// The timeline SVG: one row per worker (in joining order, then any worker only tasks mention), time across.
    func timeline() -> String {
        var rows = state.workers.map(\.name)
        var known = Set(rows)
        for task in tasks where !known.contains(task.worker) {
            known.insert(task.worker)
            rows.append(task.worker)
        }
        guard !rows.isEmpty else { return "<p>No worker ran a task.</p>\n" }
        let rowIndex = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
        let (start, end) = timeRange
        let span = Double(end - start)
        let top = 6.0
        let height = top + Double(rows.count) * Self.rowHeight + 26
        let width = Self.labelWidth + Self.plotWidth + 20
        var svg = "<svg class=\"timeline\" viewBox=\"0 0 \(Self.coordinate(width)) \(Self.coordinate(height))\" width=\"\(Self.coordinate(width))\" height=\"\(Self.coordinate(height))\" role=\"img\" aria-label=\"timeline of tasks per worker\">\n"
        // Grid and time axis.
        let axisY = top + Double(rows.count) * Self.rowHeight + 4
        for tick in Self.ticks(span: span) {
            let x = Self.labelWidth + Double(tick) / span * Self.plotWidth
            svg += "<line class=\"grid\" x1=\"\(Self.coordinate(x))\" y1=\"\(Self.coordinate(top))\" x2=\"\(Self.coordinate(x))\" y2=\"\(Self.coordinate(axisY))\"/>"
            svg += "<text x=\"\(Self.coordinate(x))\" y=\"\(Self.coordinate(axisY + 14))\" text-anchor=\"middle\">\(DisplayFormat.duration(microseconds: UInt64(tick)))</text>\n"
        }
        svg += "<line class=\"axis\" x1=\"\(Self.coordinate(Self.labelWidth))\" y1=\"\(Self.coordinate(axisY))\" x2=\"\(Self.coordinate(Self.labelWidth + Self.plotWidth))\" y2=\"\(Self.coordinate(axisY))\"/>\n"
        for (index, name) in rows.enumerated() {
            let y = top + Double(index) * Self.rowHeight + Self.rowHeight * 0.7
            let lost = state.worker(named: name)?.lostReason != nil ? " (lost)" : ""
            svg += "<text x=\"\(Self.coordinate(Self.labelWidth - 8))\" y=\"\(Self.coordinate(y))\" text-anchor=\"end\">\(Self.escape(name + lost))</text>\n"
        }
        if tasks.count <= maxBars {
            svg += bars(rowIndex: rowIndex, start: start, span: span, top: top)
        } else {
            svg += busyBlocks(rowIndex: rowIndex, rows: rows.count, start: start, span: span, top: top)
        }
        svg += "</svg>\n"
        if tasks.count > maxBars {
            svg += "<p class=\"sub\">\(tasks.count) tasks: each pixel column shows how busy a worker was (darker is busier); red marks a failure.</p>\n"
        }
        return svg
    }

    private func bars(rowIndex: [String: Int], start: Int64, span: Double, top: Double) -> String {
        var svg = ""
        for task in tasks {
            guard let row = rowIndex[task.worker] else { continue }
            let x = Self.labelWidth + Double(task.startedMicroseconds - start) / span * Self.plotWidth
            // Failures stay visible however short they were.
            let width = max(Double(task.durationMicroseconds) / span * Self.plotWidth, task.succeeded ? 0.75 : 2.5)
            let y = top + Double(row) * Self.rowHeight + 2
            var title = "task \(DisplayFormat.taskID(task.id)): \(task.status), \(DisplayFormat.duration(microseconds: task.durationMicroseconds))"
            if task.attempts > 1 { title += ", attempt \(task.attempts)" }
            if let error = task.error { title += "; " + DisplayFormat.oneLine(error, limit: 300) }
            svg += "<rect class=\"\(Self.statusClass(task.status))\" x=\"\(Self.coordinate(x))\" y=\"\(Self.coordinate(y))\" width=\"\(Self.coordinate(width))\" height=\"\(Self.coordinate(Self.rowHeight - 4))\"><title>\(Self.escape(title))</title></rect>\n"
        }
        return svg
    }

    /// One block per worker and pixel column: opacity shows how busy the worker was, red marks columns with a failure.
    private func busyBlocks(rowIndex: [String: Int], rows: Int, start: Int64, span: Double, top: Double) -> String {
        let columns = Int(Self.plotWidth)
        let columnMicroseconds = span / Double(columns)
        var busy = [Double](repeating: 0, count: rows * columns)
        var failed = [Bool](repeating: false, count: rows * columns)
        for task in tasks {
            guard let row = rowIndex[task.worker] else { continue }
            let from = Double(task.startedMicroseconds - start)
            let to = from + Double(task.durationMicroseconds)
            let first = min(max(Int(from / columnMicroseconds), 0), columns - 1)
            let last = min(max(Int(to / columnMicroseconds), first), columns - 1)
            for column in first...last {
                let lower = max(from, Double(column) * columnMicroseconds)
                let upper = min(to, Double(column + 1) * columnMicroseconds)
                busy[row * columns + column] += max(upper - lower, 0)
                if !task.succeeded { failed[row * columns + column] = true }
            }
        }
        var svg = ""
        for row in 0..<rows {
            let y = top + Double(row) * Self.rowHeight + 2
            for column in 0..<columns where busy[row * columns + column] > 0 || failed[row * columns + column] {
                let share = min(busy[row * columns + column] / columnMicroseconds, 1)
                let opacity = failed[row * columns + column] ? 1 : 0.25 + 0.75 * share
                svg += "<rect class=\"\(failed[row * columns + column] ? "failed" : "ok")\" x=\"\(Self.coordinate(Self.labelWidth + Double(column)))\" y=\"\(Self.coordinate(y))\" width=\"1\" height=\"\(Self.coordinate(Self.rowHeight - 4))\" fill-opacity=\"\(Self.coordinate(opacity))\"/>"
            }
            svg += "\n"
        }
        return svg
    }

    /// The CSS class of a status.
    static func statusClass(_ status: String) -> String {
        statuses.contains { $0.name == status } ? status : "other"
    }

    /// Round tick positions (microseconds after the start) for an axis `span` long: 1, 2 or 5 times a power of ten,
    /// about eight of them.
    static func ticks(span: Double) -> [Int64] {
        guard span > 0 else { return [0] }
        let raw = span / 8
        var step = 1.0
        while step * 10 <= raw { step *= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where step * factor >= raw {
            step *= factor
            break
        }
        let count = Int(span / step)
        return (0...min(count, 50)).map { Int64(Double($0) * step) }
    }
}
