/// Charts as inline SVG: no script, no external request, a `viewBox` so that they scale to a
/// phone's width and print on A4, a `<title>` and `aria-label` for screen readers, and the
/// figures written on the bars, so the chart still reads in black and white.
///
/// Deterministic: coordinates are integers computed from the values, so the same data gives the
/// same bytes.
public enum SVGChart {
    public struct Bar: Sendable, Equatable {
        public var label: String
        public var value: Int64
        /// What is written on the bar (the caller formats: euros, portions...).
        public var text: String

        public init(label: String, value: Int64, text: String) {
            self.label = label
            self.value = value
            self.text = text
        }
    }

    static let width = 640
    static let height = 240
    static let margin = 28

    /// Vertical bars, one per label (revenue by day or by hour). Negative values are drawn at 0.
    public static func columns(title: String, bars: [Bar]) -> String {
        guard !bars.isEmpty else { return empty(title: title) }
        let top = max(1, bars.map(\.value).max() ?? 1)
        let plotHeight = height - 2 * margin
        let slot = (width - 2 * margin) / bars.count
        let barWidth = max(2, slot * 7 / 10)
        var body = ""
        for (index, bar) in bars.enumerated() {
            let h = Int(Int64(plotHeight) * max(0, bar.value) / top)
            let x = margin + index * slot + (slot - barWidth) / 2
            let y = height - margin - h
            body +=
                #"<rect class="bar" x="\#(x)" y="\#(y)" width="\#(barWidth)" height="\#(h)"><title>"#
                + ReportFormat.escaped("\(bar.label): \(bar.text)") + "</title></rect>"
            if bars.count <= 16 {
                body +=
                    #"<text class="value" x="\#(x + barWidth / 2)" y="\#(y - 3)">"#
                    + ReportFormat.escaped(bar.text) + "</text>"
            }
            if bars.count <= 16 || index % max(1, bars.count / 8) == 0 {
                body +=
                    #"<text class="label" x="\#(x + barWidth / 2)" y="\#(height - margin + 14)">"#
                    + ReportFormat.escaped(bar.label) + "</text>"
            }
        }
        return frame(title: title, body: body)
    }

    /// Horizontal bars around a zero axis (variance by ingredient): red to the right (more used
    /// than the recipes say), blue to the left.
    public static func diverging(title: String, bars: [Bar]) -> String {
        guard !bars.isEmpty else { return empty(title: title) }
        let rowHeight = 22
        let chartHeight = max(height, margin * 2 + rowHeight * bars.count)
        let labelWidth = 180
        let half = (width - labelWidth - 2 * margin) / 2
        let axis = labelWidth + margin + half
        let top = max(1, bars.map { $0.value.magnitude }.max() ?? 1)
        var body =
            #"<line class="axis" x1="\#(axis)" y1="\#(margin - 6)" x2="\#(axis)" y2="\#(chartHeight - margin)"/>"#
        for (index, bar) in bars.enumerated() {
            let length = Int(UInt64(half) * bar.value.magnitude / top)
            let y = margin + index * rowHeight
            let x = bar.value < 0 ? axis - length : axis
            body +=
                #"<text class="name" x="\#(labelWidth)" y="\#(y + 15)">"# + ReportFormat.escaped(bar.label)
                + "</text>"
            body +=
                #"<rect class="\#(bar.value < 0 ? "under" : "over")" x="\#(x)" y="\#(y + 3)" "#
                + #"width="\#(max(1, length))" height="\#(rowHeight - 6)"><title>"#
                + ReportFormat.escaped("\(bar.label): \(bar.text)") + "</title></rect>"
            let textX = bar.value < 0 ? x - 4 : x + max(1, length) + 4
            body +=
                #"<text class="\#(bar.value < 0 ? "value-left" : "value-right")" x="\#(textX)" y="\#(y + 15)">"#
                + ReportFormat.escaped(bar.text) + "</text>"
        }
        return frame(title: title, body: body, height: chartHeight)
    }

    static func empty(title: String) -> String {
        frame(
            title: title,
            body: #"<text class="none" x="\#(width / 2)" y="\#(height / 2)">no data for this period</text>"#)
    }

    static func frame(title: String, body: String, height: Int = SVGChart.height) -> String {
        let name = ReportFormat.escaped(title)
        return #"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(width) \#(height)" "#
            + #"role="img" aria-label="\#(name)"><title>\#(name)</title>"# + body + "</svg>"
    }
}
