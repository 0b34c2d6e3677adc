// SVGChart.swift — server-side, dependency-free SVG charts with an accessible data table.
//
// Three chart kinds, all `Sendable` values:
//   BarChart         horizontal bars, optional target/ceiling marker per bar
//   StackedBarChart  horizontal stacked bars (absolute or 100 %), with legend
//   RatioChart       part/total progress bars with an optional reference line (e.g. 30 %)
// Each renders `svg()` (inline SVG string), `tableHTML()` (the same numbers as an HTML
// table) and `figureHTML()` (<figure> with caption, SVG and a <details> table).
//
// Layout is mobile-first: every row puts its label (wrapped to `maxLabelLines`, then cut
// with "…" — the full text stays in the row's <title> tooltip and in the table) above a
// full-width bar, and the value right-aligned on the label's first line. The viewBox is
// `style.width` (400) units wide and the SVG is `width="100%"`, so 16-unit text is ≈13 px
// on a 360 px phone. Give the SVG a CSS max-width on wide screens (see README / chart.css).
//
// Numbers: negative and non-finite values are drawn as 0 (never as bars going left);
// their labels and the table still show the real value via the caller's formatter. A
// non-zero value is at least 2 units wide so tiny values next to a huge one stay visible.

// MARK: - Values

/// A number a chart can draw. `Int`, `Int64`, `Int32` and `Double` conform.
public protocol ChartNumber: Sendable, Comparable, AdditiveArithmetic {
    var chartDouble: Double { get }
}

extension Int: ChartNumber { public var chartDouble: Double { Double(self) } }
extension Int64: ChartNumber { public var chartDouble: Double { Double(self) } }
extension Int32: ChartNumber { public var chartDouble: Double { Double(self) } }
extension Double: ChartNumber { public var chartDouble: Double { self } }

/// Value used for drawing: negative / NaN / infinite → 0.
@inline(__always)
func drawable(_ v: some ChartNumber) -> Double {
    let d = v.chartDouble
    return d.isFinite && d > 0 ? d : 0
}

// MARK: - Colours, patterns, style, texts

/// The Okabe–Ito colour-blind-safe palette.
public enum OkabeIto {
    public static let black = "#000000"
    public static let orange = "#E69F00"         // 2.3:1 on white — gets an outline
    public static let skyBlue = "#56B4E9"        // 2.3:1 on white — gets an outline
    public static let bluishGreen = "#009E73"    // 3.4:1
    public static let yellow = "#F0E442"         // 1.3:1 on white — gets an outline
    public static let blue = "#0072B2"           // 5.2:1
    public static let vermillion = "#D55E00"     // 3.9:1
    public static let reddishPurple = "#CC79A7"  // 3.1:1
}

/// Fill pattern drawn over a series colour (white lines/dots), so series differ by more than hue
/// and survive greyscale printing.
public enum ChartPattern: String, Sendable, CaseIterable {
    case solid, diagonal, backDiagonal, dots, crosshatch, horizontal
}

/// One series of a stacked chart.
public struct ChartSeries: Sendable {
    public var name: String
    public var color: String?
    public var pattern: ChartPattern?

    /// `color`/`pattern` default to `ChartSeries.defaults[index]`.
    public init(_ name: String, color: String? = nil, pattern: ChartPattern? = nil) {
        self.name = name
        self.color = color
        self.pattern = pattern
    }

    /// Default series styles: Okabe–Ito colours with ≥ 3:1 contrast first, each with its own pattern.
    public static let defaults: [(color: String, pattern: ChartPattern)] = [
        (OkabeIto.blue, .solid),
        (OkabeIto.vermillion, .diagonal),
        (OkabeIto.bluishGreen, .dots),
        (OkabeIto.reddishPurple, .crosshatch),
        (OkabeIto.orange, .horizontal),
        (OkabeIto.skyBlue, .backDiagonal),
        (OkabeIto.black, .solid),
    ]

    func resolved(_ index: Int) -> (color: String, pattern: ChartPattern) {
        let d = ChartSeries.defaults[index % ChartSeries.defaults.count]
        return (color ?? d.color, pattern ?? d.pattern)
    }
}

/// Geometry and typography, in SVG user units. The ratio fontSize / width decides legibility
/// on a phone: rendered px = units × (container width / width).
public struct ChartStyle: Sendable {
    public var width: Double = 400
    public var fontSize: Double = 16
    public var smallFontSize: Double = 14
    public var fontFamily: String = "Arial, 'Liberation Sans', Helvetica, sans-serif"
    public var textColor: String = "#1a1a1a"       // 17.4:1 on white
    public var mutedTextColor: String = "#4d4d4d"  // 8.5:1 on white
    public var trackColor: String = "#e6e6e6"
    public var trackStroke: String = "#767676"     // 4.5:1 on white
    public var barHeight: Double = 16
    public var rowGap: Double = 16
    public var maxLabelLines: Int = 2

    public init() {}
    public static let `default` = ChartStyle()
}

/// Words used in generated descriptions, legends and tables. Indonesian by default.
public struct ChartText: Sendable {
    public var noData = "Tidak ada data"
    public var total = "Jumlah"
    public var target = "Target"
    public var of = "dari"
    public var exceeds = "melebihi"
    public var highest = "Tertinggi"
    public var lowest = "Terendah"
    public var categories = "kategori"
    public var splitBy = "menurut"
    public var allZero = "Semua nilai 0."
    public var negativeNote = "Nilai negatif digambar sebagai 0."
    public var seeTable = "Angka lengkap ada di tabel data."
    public var showTable = "Tabel data"
    public var share = "Persentase"
    public var reference = "Acuan"
    public var reaches = "Mencapai"
    public var below = "Di bawah"

    public init() {}
    public static let indonesian = ChartText()
    public static var english: ChartText {
        var t = ChartText()
        t.noData = "No data"; t.total = "Total"; t.of = "of"; t.exceeds = "exceed"
        t.highest = "Highest"; t.lowest = "Lowest"; t.categories = "categories"; t.splitBy = "by"
        t.allZero = "All values are 0."; t.negativeNote = "Negative values are drawn as 0."
        t.seeTable = "All numbers are in the data table."; t.showTable = "Data table"
        t.share = "Share"; t.reference = "Reference"; t.reaches = "Reaches"; t.below = "Below"
        return t
    }
}

// MARK: - Common protocol

public protocol SVGChartRenderable: Sendable {
    var id: String { get }
    var title: String { get }
    var text: ChartText { get }
    /// The chart as an inline `<svg>` string (escaped, no script, no style attributes).
    func svg() -> String
    /// The chart's numbers as an HTML `<table>` (escaped).
    func tableHTML() -> String
}

extension SVGChartRenderable {
    /// The table inside `<div class="chart-table-scroll" role="region" tabindex="0">`, so a table
    /// wider than a phone scrolls by itself (and by keyboard) instead of widening the page.
    public func scrollableTableHTML() -> String {
        let fid = ChartMarkup.sanitizeID(id)
        return "<div class=\"chart-table-scroll\" role=\"region\" tabindex=\"0\" aria-labelledby=\"\(fid)-caption\">"
            + tableHTML() + "</div>"
    }

    /// `<figure>` with `<figcaption>`, the SVG and the (scrollable) table inside `<details>`.
    /// Use `openTable: true` for print pages (closed <details> content is not printed).
    public func figureHTML(caption: String? = nil, openTable: Bool = false) -> String {
        let fid = ChartMarkup.sanitizeID(id)
        var s = "<figure class=\"chart-figure\" id=\"\(fid)-figure\">"
        s += "<figcaption>\(ChartMarkup.escape(caption ?? title))</figcaption>"
        s += svg()
        s += "<details class=\"chart-data\"\(openTable ? " open=\"\"" : "")><summary>\(ChartMarkup.escape(text.showTable))</summary>"
        s += scrollableTableHTML()
        s += "</details></figure>"
        return s
    }
}

// MARK: - Shared layout helpers

enum Layout {
    static func emptySVG(id: String, title: String, style: ChartStyle, text: ChartText, kind: String) -> String {
        var c = Canvas(id: id, style: style)
        c.rect(x: 0.5, y: 0.5, w: style.width - 1, h: 55, fill: "none", stroke: style.trackStroke, strokeWidth: 1)
        c.text(text.noData, x: style.width / 2, y: 28 + style.fontSize * 0.35, anchor: "middle", color: style.mutedTextColor,
               cls: "chart-empty")
        return c.document(height: 56, title: title, desc: text.noData + ".", kind: kind)
    }

    /// Draws label lines plus a right-aligned bold value on the first line; returns the new y.
    static func labelRow(_ c: inout Canvas, label: String, value: String, y: Double) -> Double {
        let s = c.style
        let lh = s.fontSize * 1.25
        let vw = TextMetrics.width(value, size: s.fontSize, bold: true)
        let first = max(s.width - vw - 12, s.width * 0.4)
        let wrapped = TextWrap.wrap(label, size: s.fontSize, firstWidth: first, restWidth: s.width,
                                    maxLines: s.maxLabelLines)
        for (i, line) in wrapped.lines.enumerated() {
            c.text(line, x: 0, y: y + s.fontSize * 0.95 + Double(i) * lh, cls: "chart-label")
        }
        c.text(value, x: s.width, y: y + s.fontSize * 0.95, anchor: "end", bold: true, cls: "chart-value")
        return y + Double(wrapped.lines.count) * lh
    }

    static func sentence(_ parts: [String]) -> String {
        parts.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// "Pagu indikatif" → "pagu indikatif" inside a sentence, but leaves "APBDes" alone.
    static func inSentence(_ s: String) -> String {
        let chars = Array(s)
        guard chars.count > 1, chars[0].isUppercase, chars[1].isLowercase else { return s }
        return chars[0].lowercased() + String(chars.dropFirst())
    }

    static let plotInset = 1.5
}

// MARK: - Horizontal bar chart

/// Horizontal bars, one per category, with an optional target/ceiling per bar drawn as a dark
/// marker line. The part of a bar beyond its target is drawn hatched in `exceedColor`.
public struct BarChart<Value: ChartNumber>: SVGChartRenderable {
    public struct Item: Sendable {
        public var label: String
        public var value: Value
        public var target: Value?
        public init(_ label: String, _ value: Value, target: Value? = nil) {
            self.label = label
            self.value = value
            self.target = target
        }
    }

    public var id: String
    public var title: String
    /// Text for `<desc>`; generated from the data when nil.
    public var summary: String?
    public var categoryHeader: String
    public var valueName: String
    public var targetName: String
    public var items: [Item]
    public var color: String = OkabeIto.blue
    public var exceedColor: String = OkabeIto.vermillion
    /// Adds a total row to the table.
    public var showTotal: Bool = true
    public var style: ChartStyle
    public var text: ChartText
    public var format: @Sendable (Value) -> String

    public init(id: String, title: String, summary: String? = nil, categoryHeader: String, valueName: String,
                targetName: String? = nil, items: [Item], style: ChartStyle = .default, text: ChartText = .indonesian,
                format: @escaping @Sendable (Value) -> String) {
        self.id = id
        self.title = title
        self.summary = summary
        self.categoryHeader = categoryHeader
        self.valueName = valueName
        self.targetName = targetName ?? text.target
        self.items = items
        self.style = style
        self.text = text
        self.format = format
    }

    public func svg() -> String {
        guard !items.isEmpty else {
            return Layout.emptySVG(id: id, title: title, style: style, text: text, kind: "bar")
        }
        var c = Canvas(id: id, style: style)
        let s = style
        let values = items.map { drawable($0.value) }
        let targets = items.map { $0.target.map { drawable($0) } }
        let maxV = max(values.max() ?? 0, targets.compactMap { $0 }.max() ?? 0)
        let hasTarget = targets.contains { $0 != nil }
        let anyExceeds = items.indices.contains { i in targets[i].map { values[i] > $0 } ?? false }
        let plotW = s.width - 2 * Layout.plotInset
        let scale = maxV > 0 ? plotW / maxV : 0

        var y = 2.0
        if hasTarget {
            var legend: [(Swatch, String)] = [(.fill(color: color, pattern: .solid), valueName),
                                               (.marker(color: s.textColor), targetName)]
            if anyExceeds {
                legend.append((.fill(color: exceedColor, pattern: .diagonal),
                               capitalizedFirst(text.exceeds) + " " + Layout.inSentence(targetName)))
            }
            y = c.keyFlow(legend, y: y, size: s.smallFontSize, cls: "chart-legend") + 12
        }

        for (i, item) in items.enumerated() {
            let valueText = format(item.value)
            var tip = "\(item.label): \(valueText)"
            if let t = item.target { tip += " (\(targetName): \(format(t)))" }
            c.raw("<g class=\"chart-row\"><title>\(ChartMarkup.escape(tip))</title>")
            y = Layout.labelRow(&c, label: item.label, value: valueText, y: y) + (hasTarget ? 8 : 5)

            let v = values[i]
            let barW = v > 0 ? min(plotW, max(2, v * scale)) : 0
            let x0 = Layout.plotInset
            if let t = targets[i], v > t {
                let tw = t * scale
                c.bar(x: x0, y: y, w: tw, h: s.barHeight, color: color, pattern: .solid, cls: "chart-bar")
                c.bar(x: x0 + tw, y: y, w: barW - tw, h: s.barHeight, color: exceedColor, pattern: .diagonal,
                      cls: "chart-bar-exceed")
            } else {
                c.bar(x: x0, y: y, w: barW, h: s.barHeight, color: color, pattern: .solid, cls: "chart-bar")
            }
            if let t = targets[i] {
                c.rect(x: x0 + t * scale - 1.5, y: y - 5, w: 3, h: s.barHeight + 10,
                       fill: ChartMarkup.escape(s.textColor), cls: "chart-target")
            }
            y += s.barHeight
            if let t = item.target {
                y += 5
                c.text("\(targetName): \(format(t))", x: 0, y: y + s.smallFontSize * 0.95, size: s.smallFontSize,
                       color: s.mutedTextColor, cls: "chart-note")
                y += s.smallFontSize * 1.25
            }
            c.raw("</g>")
            y += s.rowGap
        }
        return c.document(height: y - s.rowGap + 4, title: title, desc: summary ?? generatedSummary(), kind: "bar")
    }

    func generatedSummary() -> String {
        guard !items.isEmpty else { return text.noData + "." }
        var parts = ["\(items.count) \(text.categories)."]
        let values = items.map { drawable($0.value) }
        if values.allSatisfy({ $0 == 0 }) {
            parts.append(text.allZero)
        } else {
            let hi = items.indices.max { values[$0] < values[$1] }!
            let lo = items.indices.min { values[$0] < values[$1] }!
            parts.append("\(text.highest): \(items[hi].label) (\(format(items[hi].value))).")
            if items.count > 1 { parts.append("\(text.lowest): \(items[lo].label) (\(format(items[lo].value)))." ) }
        }
        let withTarget = items.filter { $0.target != nil }
        if !withTarget.isEmpty {
            let over = withTarget.filter { drawable($0.value) > drawable($0.target!) }.count
            parts.append("\(over) \(text.of) \(withTarget.count) \(text.exceeds) \(Layout.inSentence(targetName)).")
        }
        if items.contains(where: { $0.value.chartDouble < 0 }) { parts.append(text.negativeNote) }
        parts.append(text.seeTable)
        return Layout.sentence(parts)
    }

    public func tableHTML() -> String {
        let hasTarget = items.contains { $0.target != nil }
        var t = TableBuilder(id: ChartMarkup.sanitizeID(id), caption: title)
        t.head([categoryHeader, valueName] + (hasTarget ? [targetName] : []))
        t.raw("<tbody>")
        if items.isEmpty { t.emptyRow(text.noData, columns: hasTarget ? 3 : 2) }
        for item in items {
            t.row(item.label, [format(item.value)] + (hasTarget ? [item.target.map(format) ?? "–"] : []))
        }
        t.raw("</tbody>")
        if showTotal && !items.isEmpty {
            let sum = items.reduce(Value.zero) { $0 + $1.value }
            var cells = [format(sum)]
            if hasTarget { cells.append(format(items.reduce(Value.zero) { $0 + ($1.target ?? .zero) })) }
            t.raw("<tfoot>"); t.row(text.total, cells); t.raw("</tfoot>")
        }
        return t.finish()
    }
}

// MARK: - Stacked bar chart

/// Horizontal stacked bars with a legend. Under each bar, a key line repeats each segment's
/// value (and share, when `normalized`) next to its swatch, so no number depends on colour.
public struct StackedBarChart<Value: ChartNumber>: SVGChartRenderable {
    public struct Item: Sendable {
        public var label: String
        public var values: [Value]
        public init(_ label: String, _ values: [Value]) {
            self.label = label
            self.values = values
        }
    }

    public var id: String
    public var title: String
    public var summary: String?
    public var categoryHeader: String
    public var series: [ChartSeries]
    public var items: [Item]
    /// 100 % bars: each bar is scaled to its own total, key lines show shares.
    public var normalized: Bool
    public var showTotal: Bool = true
    public var showSegmentValues: Bool = true
    public var style: ChartStyle
    public var text: ChartText
    public var format: @Sendable (Value) -> String
    public var percentFormat: @Sendable (Double) -> String = { ChartFormat.percent($0, fractionDigits: 1) }

    public init(id: String, title: String, summary: String? = nil, categoryHeader: String, series: [ChartSeries],
                items: [Item], normalized: Bool = false, style: ChartStyle = .default, text: ChartText = .indonesian,
                format: @escaping @Sendable (Value) -> String) {
        self.id = id
        self.title = title
        self.summary = summary
        self.categoryHeader = categoryHeader
        self.series = series
        self.items = items
        self.normalized = normalized
        self.style = style
        self.text = text
        self.format = format
    }

    func value(_ item: Item, _ k: Int) -> Value { k < item.values.count ? item.values[k] : .zero }
    func total(_ item: Item) -> Value { (0..<series.count).reduce(Value.zero) { $0 + value(item, $1) } }

    public func svg() -> String {
        guard !items.isEmpty, !series.isEmpty else {
            return Layout.emptySVG(id: id, title: title, style: style, text: text, kind: "stacked")
        }
        var c = Canvas(id: id, style: style)
        let s = style
        let styles = series.indices.map { series[$0].resolved($0) }
        let drawn = items.map { item in series.indices.map { drawable(value(item, $0)) } }
        let totals = drawn.map { $0.reduce(0, +) }
        let maxTotal = totals.max() ?? 0
        let plotW = s.width - 2 * Layout.plotInset
        let gap = 1.5

        var y = c.keyFlow(series.indices.map { (.fill(color: styles[$0].color, pattern: styles[$0].pattern), series[$0].name) },
                          y: 2, size: s.smallFontSize, cls: "chart-legend") + 12

        for (i, item) in items.enumerated() {
            let totalText = format(total(item))
            var tip = "\(item.label): \(totalText)"
            for k in series.indices { tip += "; \(series[k].name) \(format(value(item, k)))" }
            c.raw("<g class=\"chart-row\"><title>\(ChartMarkup.escape(tip))</title>")
            y = Layout.labelRow(&c, label: item.label, value: totalText, y: y) + 5

            let denom = normalized ? totals[i] : maxTotal
            let x0 = Layout.plotInset
            if denom > 0 {
                let nonZero = series.indices.filter { drawn[i][$0] > 0 }
                // Every non-zero segment is at least 2 units wide; the largest segment pays for it.
                var widths = nonZero.map { max(2, drawn[i][$0] / denom * plotW) }
                let sum = widths.reduce(0, +)
                if sum > plotW, let big = widths.indices.max(by: { widths[$0] < widths[$1] }) {
                    widths[big] = max(2, widths[big] - (sum - plotW))
                }
                var x = x0
                for (n, k) in nonZero.enumerated() {
                    let w = min(widths[n], x0 + plotW - x)
                    // A white gap separates neighbours (WCAG 1.4.11: each segment borders white).
                    let painted = n == nonZero.count - 1 || w <= gap + 2 ? w : w - gap
                    c.bar(x: x, y: y, w: painted, h: s.barHeight, color: styles[k].color, pattern: styles[k].pattern,
                          cls: "chart-segment")
                    x += w
                }
            } else if normalized {
                c.rect(x: x0, y: y + 0.5, w: plotW, h: s.barHeight - 1, fill: "none", stroke: s.trackStroke,
                       strokeWidth: 1, cls: "chart-track")
            }
            y += s.barHeight
            if showSegmentValues {
                let entries: [(Swatch, String)] = series.indices.map { k in
                    var label = format(value(item, k))
                    if normalized, totals[i] > 0 { label += " (\(percentFormat(drawn[i][k] / totals[i])))" }
                    return (.fill(color: styles[k].color, pattern: styles[k].pattern), label)
                }
                y = c.keyFlow(entries, y: y + 3, size: s.smallFontSize, color: s.mutedTextColor,
                              swatchSize: 12, gap: 16, cls: "chart-key")
            }
            c.raw("</g>")
            y += s.rowGap
        }
        return c.document(height: y - s.rowGap + 4, title: title, desc: summary ?? generatedSummary(), kind: "stacked")
    }

    func generatedSummary() -> String {
        guard !items.isEmpty, !series.isEmpty else { return text.noData + "." }
        var parts = ["\(items.count) \(text.categories), \(text.splitBy) \(series.map(\.name).joined(separator: ", "))."]
        let sums = series.indices.map { k in items.reduce(Value.zero) { $0 + value($1, k) } }
        let grand = sums.reduce(0.0) { $0 + drawable($1) }
        if grand == 0 {
            parts.append(text.allZero)
        } else {
            let list = series.indices.map { k -> String in
                var p = "\(series[k].name) \(format(sums[k]))"
                if normalized { p += " (\(percentFormat(drawable(sums[k]) / grand)))" }
                return p
            }
            parts.append("\(text.total): " + list.joined(separator: ", ") + ".")
        }
        if items.contains(where: { $0.values.contains { $0.chartDouble < 0 } }) { parts.append(text.negativeNote) }
        parts.append(text.seeTable)
        return Layout.sentence(parts)
    }

    public func tableHTML() -> String {
        var t = TableBuilder(id: ChartMarkup.sanitizeID(id), caption: title)
        var head = [categoryHeader] + series.map(\.name)
        if showTotal { head.append(text.total) }
        t.head(head)
        t.raw("<tbody>")
        if items.isEmpty || series.isEmpty { t.emptyRow(text.noData, columns: max(2, head.count)) }
        // Normalized charts show each count with its share in the same cell: "45 (37,5 %)",
        // which keeps the table narrow enough for a phone.
        func cells(_ vals: [Value]) -> [String] {
            let d = vals.reduce(0.0) { $0 + drawable($1) }
            var out = vals.map { v in
                normalized && d > 0 ? "\(format(v)) (\(percentFormat(drawable(v) / d)))" : format(v)
            }
            if showTotal { out.append(format(vals.reduce(Value.zero, +))) }
            return out
        }
        if !series.isEmpty {
            for item in items { t.row(item.label, cells(series.indices.map { value(item, $0) })) }
        }
        t.raw("</tbody>")
        if showTotal && !items.isEmpty && !series.isEmpty {
            let sums = series.indices.map { k in items.reduce(Value.zero) { $0 + value($1, k) } }
            t.raw("<tfoot>"); t.row(text.total, cells(sums)); t.raw("</tfoot>")
        }
        return t.finish()
    }
}

// MARK: - Ratio / progress chart

/// Part-of-total bars (e.g. women among participants) on a 0–100 % track, with an optional
/// reference (e.g. 0.30) drawn as a marker on every bar. Bars below the reference are drawn
/// hatched in `belowColor` (and the legend says so), not told apart by colour alone.
public struct RatioChart<Value: ChartNumber>: SVGChartRenderable {
    public struct Item: Sendable {
        public var label: String
        public var part: Value
        public var total: Value
        public init(_ label: String, part: Value, total: Value) {
            self.label = label
            self.part = part
            self.total = total
        }
        /// part / total, clamped to ≥ 0; nil when total ≤ 0.
        public var ratio: Double? {
            let t = drawable(total)
            return t > 0 ? drawable(part) / t : nil
        }
    }

    public var id: String
    public var title: String
    public var summary: String?
    public var categoryHeader: String
    public var partName: String
    public var totalName: String
    public var items: [Item]
    /// Reference as a fraction (0.3 = 30 %).
    public var reference: Double?
    /// Legend text for the reference marker; default "Acuan 30 %".
    public var referenceLabel: String?
    public var color: String = OkabeIto.blue
    public var belowColor: String = OkabeIto.vermillion
    public var highlightBelowReference: Bool = true
    public var showTotal: Bool = true
    public var style: ChartStyle
    public var text: ChartText
    public var format: @Sendable (Value) -> String
    public var percentFormat: @Sendable (Double) -> String = { ChartFormat.percent($0, fractionDigits: 1) }

    public init(id: String, title: String, summary: String? = nil, categoryHeader: String, partName: String,
                totalName: String, items: [Item], reference: Double? = nil, referenceLabel: String? = nil,
                style: ChartStyle = .default, text: ChartText = .indonesian,
                format: @escaping @Sendable (Value) -> String) {
        self.id = id
        self.title = title
        self.summary = summary
        self.categoryHeader = categoryHeader
        self.partName = partName
        self.totalName = totalName
        self.items = items
        self.reference = reference.map { $0.isFinite ? min(max($0, 0), 1) : 0 }
        self.referenceLabel = referenceLabel
        self.style = style
        self.text = text
        self.format = format
    }

    var refPercent: String { ChartFormat.percent(reference ?? 0, fractionDigits: 0) }

    func isBelow(_ item: Item) -> Bool {
        guard let ref = reference, let r = item.ratio else { return false }
        return r < ref
    }

    public func svg() -> String {
        guard !items.isEmpty else {
            return Layout.emptySVG(id: id, title: title, style: style, text: text, kind: "ratio")
        }
        var c = Canvas(id: id, style: style)
        let s = style
        let plotW = s.width - 2 * Layout.plotInset
        let x0 = Layout.plotInset
        var y = 2.0
        if reference != nil {
            var legend: [(Swatch, String)] = []
            let anyBelow = highlightBelowReference && items.contains(where: isBelow)
            if anyBelow {
                legend.append((.fill(color: color, pattern: .solid), "\(text.reaches) \(refPercent)"))
                legend.append((.fill(color: belowColor, pattern: .diagonal), "\(text.below) \(refPercent)"))
            }
            legend.append((.marker(color: s.textColor), referenceLabel ?? "\(text.reference) \(refPercent)"))
            y = c.keyFlow(legend, y: y, size: s.smallFontSize, cls: "chart-legend") + 12
        }
        for item in items {
            let ratio = item.ratio
            let pct = ratio.map(percentFormat) ?? "–"
            c.raw("<g class=\"chart-row\"><title>\(ChartMarkup.escape("\(item.label): \(pct) (\(format(item.part)) \(text.of) \(format(item.total)))"))</title>")
            y = Layout.labelRow(&c, label: item.label, value: pct, y: y) + (reference != nil ? 8 : 5)
            c.rect(x: x0, y: y + 0.5, w: plotW, h: s.barHeight - 1, fill: ChartMarkup.escape(s.trackColor),
                   stroke: s.trackStroke, strokeWidth: 1, cls: "chart-track")
            if let r = ratio, r > 0 {
                let w = max(2, min(1, r) * plotW)
                let below = highlightBelowReference && isBelow(item)
                c.bar(x: x0, y: y, w: w, h: s.barHeight, color: below ? belowColor : color,
                      pattern: below ? .diagonal : .solid, cls: below ? "chart-bar-below" : "chart-bar")
            }
            if let ref = reference {
                c.rect(x: x0 + ref * plotW - 1.5, y: y - 5, w: 3, h: s.barHeight + 10,
                       fill: ChartMarkup.escape(s.textColor), cls: "chart-target")
            }
            y += s.barHeight + 5
            c.text("\(format(item.part)) \(text.of) \(format(item.total))", x: 0, y: y + s.smallFontSize * 0.95,
                   size: s.smallFontSize, color: s.mutedTextColor, cls: "chart-note")
            y += s.smallFontSize * 1.25
            c.raw("</g>")
            y += s.rowGap
        }
        return c.document(height: y - s.rowGap + 4, title: title, desc: summary ?? generatedSummary(), kind: "ratio")
    }

    func generatedSummary() -> String {
        guard !items.isEmpty else { return text.noData + "." }
        var parts = ["\(items.count) \(text.categories)."]
        let p = items.reduce(Value.zero) { $0 + $1.part }
        let t = items.reduce(Value.zero) { $0 + $1.total }
        let overall = Item("", part: p, total: t).ratio
        parts.append("\(text.total): \(format(p)) \(text.of) \(format(t))\(overall.map { " (\(percentFormat($0)))" } ?? "").")
        if reference != nil {
            let below = items.filter(isBelow).count
            parts.append("\(below) \(text.of) \(items.count) \(Layout.inSentence(text.below)) \(refPercent).")
        }
        parts.append(text.seeTable)
        return Layout.sentence(parts)
    }

    public func tableHTML() -> String {
        var t = TableBuilder(id: ChartMarkup.sanitizeID(id), caption: title)
        t.head([categoryHeader, partName, totalName, text.share])
        t.raw("<tbody>")
        if items.isEmpty { t.emptyRow(text.noData, columns: 4) }
        for item in items {
            t.row(item.label, [format(item.part), format(item.total), item.ratio.map(percentFormat) ?? "–"])
        }
        t.raw("</tbody>")
        if showTotal && !items.isEmpty {
            let p = items.reduce(Value.zero) { $0 + $1.part }
            let tot = items.reduce(Value.zero) { $0 + $1.total }
            t.raw("<tfoot>")
            t.row(text.total, [format(p), format(tot), Item("", part: p, total: tot).ratio.map(percentFormat) ?? "–"])
            t.raw("</tfoot>")
        }
        return t.finish()
    }
}

func capitalizedFirst(_ s: String) -> String {
    guard let f = s.first else { return s }
    return f.uppercased() + s.dropFirst()
}
