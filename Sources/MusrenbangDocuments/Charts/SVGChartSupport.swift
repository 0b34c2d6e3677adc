// SVGChartSupport.swift — helpers for SVGChart.swift: escaping, number formatting,
// text-width estimation, line wrapping, colour contrast and the SVG canvas.
// Dependency-free (no Foundation needed).

// MARK: - Escaping

public enum ChartMarkup {
    /// Escapes text for XML/HTML text and attribute values (`& < > " '`).
    /// Characters that are not allowed in XML 1.0 (C0 controls other than tab/LF/CR, C1
    /// controls, U+FFFE, U+FFFF) are dropped; tab, LF and CR become a space.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for u in s.unicodeScalars {
            switch u.value {
            case 0x26: out += "&amp;"
            case 0x3C: out += "&lt;"
            case 0x3E: out += "&gt;"
            case 0x22: out += "&quot;"
            case 0x27: out += "&#39;"
            case 0x09, 0x0A, 0x0D: out += " "
            case 0x00...0x1F, 0x7F...0x9F, 0xFFFE, 0xFFFF: continue
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Turns a caller-supplied id into a safe XML id: `[A-Za-z0-9_-]`, starting with a letter.
    public static func sanitizeID(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-": out.unicodeScalars.append(u)
            default: out += "-"
            }
        }
        if out.isEmpty { return "chart" }
        if let f = out.unicodeScalars.first, !(("a"..."z").contains(f) || ("A"..."Z").contains(f)) {
            out = "chart-" + out
        }
        return out
    }
}

// MARK: - Number formatting (Indonesian conventions)

public enum ChartFormat {
    /// `1250000` → `"1.250.000"`; negative numbers get a leading `-`.
    public static func grouped<I: BinaryInteger>(_ v: I) -> String { Numbers.grouped(v) }

    /// `1250000` → `"Rp 1.250.000"`, `-5000` → `"-Rp 5.000"`.
    public static func rupiah<I: BinaryInteger>(_ v: I) -> String {
        (v < 0 ? "-" : "") + "Rp " + grouped(v.magnitude)
    }

    /// `1234.5` → `"1.234,5"` (dot thousands separator, comma decimal). Non-finite → `"–"`.
    public static func decimal(_ v: Double, fractionDigits: Int = 1) -> String {
        guard v.isFinite else { return "–" }
        let digits = max(0, min(fractionDigits, 6))
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        guard scaled < 9.0e18 else { return v < 0 ? "-∞" : "∞" }
        let n = UInt64(scaled)
        let s = UInt64(scale)
        let intPart = grouped(n / s)
        var result = intPart
        if digits > 0 {
            var frac = String(n % s)
            while frac.count < digits { frac = "0" + frac }
            result += "," + frac
        }
        return (v < 0 && scaled != 0 ? "-" : "") + result
    }

    /// A fraction (0.355) as a percentage: `"35,5 %"`.
    public static func percent(_ fraction: Double, fractionDigits: Int = 1) -> String {
        guard fraction.isFinite else { return "–" }
        return decimal(fraction * 100, fractionDigits: fractionDigits) + " %"
    }
}

// MARK: - Text width estimation

/// Estimates rendered text width from Helvetica/Arial advance widths (Liberation Sans,
/// Arial and Helvetica share these metrics; the charts ask for that family). A 4 % margin
/// absorbs small differences (Roboto, Segoe UI); unknown scripts count as wide.
enum TextMetrics {
    // Advance widths in 1/1000 em for U+0020...U+007E.
    static let regular: [UInt16] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    ]
    static let bold: [UInt16] = [
        278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
        975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
        333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
        611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    ]

    static func width(_ s: String, size: Double, bold isBold: Bool = false) -> Double {
        var units = 0
        for u in s.unicodeScalars {
            let v = u.value
            switch v {
            case 32...126: units += Int((isBold ? bold : regular)[Int(v - 32)])
            case 0x300...0x36F, 0x200B...0x200D: break          // combining marks, zero-width
            case 0xA0, 0x202F, 0x2009: units += 278               // (narrow) no-break space
            case 0x2026, 0x2014, 0x2030: units += 1000            // … — ‰
            case 0x2013, 0x2212, 0x2022: units += 556             // – − •
            case 0xB7: units += 278                              // ·
            case 0xC0...0x24F: units += isBold ? 680 : 640       // Latin accented letters
            case 0x2E80...: units += 1000                        // CJK & co.
            default: units += isBold ? 680 : 640
            }
        }
        return Double(units) / 1000 * size * 1.04
    }
}

// MARK: - Line wrapping

struct WrappedText {
    var lines: [String]
    var truncated: Bool
}

enum TextWrap {
    /// Greedy word wrap. `firstWidth` applies to the first line, `restWidth` to the others.
    /// Words longer than a line are broken by character. Text beyond `maxLines` is cut and
    /// the last line ends with "…".
    static func wrap(_ text: String, size: Double, bold: Bool = false,
                     firstWidth: Double, restWidth: Double, maxLines: Int) -> WrappedText {
        let words = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard !words.isEmpty else { return WrappedText(lines: [""], truncated: false) }
        let maxLines = max(1, maxLines)
        func limit(_ line: Int) -> Double { line == 0 ? firstWidth : restWidth }
        func fits(_ s: String, _ line: Int) -> Bool { TextMetrics.width(s, size: size, bold: bold) <= limit(line) }

        var lines: [String] = []
        var current = ""
        for word in words {
            let candidate = current.isEmpty ? word : current + " " + word
            if fits(candidate, lines.count) { current = candidate; continue }
            if !current.isEmpty { lines.append(current); current = "" }
            // Word alone: break by characters if it does not fit a line.
            var rest = Substring(word)
            while !rest.isEmpty && !fits(String(rest), lines.count) {
                var cut = rest.startIndex
                var i = rest.startIndex
                while i < rest.endIndex {
                    let next = rest.index(after: i)
                    if fits(String(rest[rest.startIndex..<next]), lines.count) { cut = next; i = next } else { break }
                }
                if cut == rest.startIndex { cut = rest.index(after: rest.startIndex) } // at least one char
                lines.append(String(rest[rest.startIndex..<cut]))
                rest = rest[cut...]
                if lines.count > maxLines { break }
            }
            current = String(rest)
            if lines.count > maxLines { break }
        }
        if !current.isEmpty { lines.append(current) }

        guard lines.count > maxLines else { return WrappedText(lines: lines, truncated: false) }
        // Truncate: keep maxLines, the last one ends with an ellipsis.
        var kept = Array(lines.prefix(maxLines))
        var last = kept[maxLines - 1]
        let w = limit(maxLines - 1)
        while !last.isEmpty && TextMetrics.width(last + "…", size: size, bold: bold) > w {
            last.removeLast()
        }
        while let c = last.last, c.isWhitespace || c == "," || c == ";" || c == ":" || c == "-" { last.removeLast() }
        kept[maxLines - 1] = last + "…"
        return WrappedText(lines: kept, truncated: true)
    }

    /// One line, cut with "…" when wider than `width`.
    static func truncate(_ text: String, size: Double, bold: Bool = false, width: Double) -> WrappedText {
        let flat = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return wrap(flat, size: size, bold: bold, firstWidth: width, restWidth: width, maxLines: 1)
    }
}

// MARK: - Colour

enum ColorMath {
    /// Relative luminance (WCAG 2.x) of `#rgb` / `#rrggbb`; nil for anything else.
    static func luminance(_ color: String) -> Double? {
        var hex = Array(color.unicodeScalars)
        guard hex.first == "#" else { return nil }
        hex.removeFirst()
        if hex.count == 3 { hex = hex.flatMap { [$0, $0] } }
        guard hex.count == 6 else { return nil }
        var comps: [Double] = []
        for i in stride(from: 0, to: 6, by: 2) {
            guard let v = UInt8(String(String.UnicodeScalarView(hex[i..<i + 2])), radix: 16) else { return nil }
            let c = Double(v) / 255
            comps.append(c <= 0.03928 ? c / 12.92 : pow24((c + 0.055) / 1.055))
        }
        return 0.2126 * comps[0] + 0.7152 * comps[1] + 0.0722 * comps[2]
    }

    static func contrastWithWhite(_ color: String) -> Double? {
        guard let l = luminance(color) else { return nil }
        return 1.05 / (l + 0.05)
    }

    /// x^2.4 without Foundation: x^2.4 = x^2 · x^0.4, and x^0.4 = (x^2)^(1/5) by Newton iteration.
    private static func pow24(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        let x2 = x * x
        var r = 1.0                     // start above the fifth root of x2 (x2 in (0, 1])
        for _ in 0..<60 { r = r - (r * r * r * r * r - x2) / (5 * r * r * r * r) }
        return x2 * r
    }
}

// MARK: - Number output for coordinates

@inline(__always)
func num(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    let r = (x * 100).rounded() / 100
    if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
    return String(r)
}

// MARK: - Canvas

/// Swatch shapes used by legends and value keys.
enum Swatch {
    case fill(color: String, pattern: ChartPattern)
    case marker(color: String)          // solid vertical bar (target / reference)
}

struct Canvas {
    let id: String
    let style: ChartStyle
    var body = ""
    private var defs = ""
    private var patternIDs: Set<String> = []

    init(id: String, style: ChartStyle) {
        self.id = ChartMarkup.sanitizeID(id)
        self.style = style
    }

    var width: Double { style.width }

    mutating func raw(_ s: String) { body += s }

    mutating func text(_ s: String, x: Double, y: Double, size: Double? = nil, anchor: String? = nil,
                       bold: Bool = false, color: String? = nil, cls: String? = nil) {
        body += "<text x=\"\(num(x))\" y=\"\(num(y))\""
        if let size, size != style.fontSize { body += " font-size=\"\(num(size))\"" }
        if let anchor { body += " text-anchor=\"\(anchor)\"" }
        if bold { body += " font-weight=\"bold\"" }
        if let color { body += " fill=\"\(ChartMarkup.escape(color))\"" }
        if let cls { body += " class=\"\(cls)\"" }
        body += ">\(ChartMarkup.escape(s))</text>"
    }

    mutating func rect(x: Double, y: Double, w: Double, h: Double, fill: String, stroke: String? = nil,
                       strokeWidth: Double = 1, cls: String? = nil) {
        body += "<rect x=\"\(num(x))\" y=\"\(num(y))\" width=\"\(num(max(0, w)))\" height=\"\(num(max(0, h)))\" fill=\"\(fill)\""
        if let stroke { body += " stroke=\"\(ChartMarkup.escape(stroke))\" stroke-width=\"\(num(strokeWidth))\"" }
        if let cls { body += " class=\"\(cls)\"" }
        body += "/>"
    }

    /// Paints a bar segment in a series colour/pattern. Fills whose contrast against white is
    /// below 3:1 (WCAG 1.4.11) get a dark outline so the shape is still perceivable.
    mutating func bar(x: Double, y: Double, w: Double, h: Double, color: String, pattern: ChartPattern,
                      cls: String? = nil) {
        guard w > 0 else { return }
        let fill = paint(color: color, pattern: pattern)
        if (ColorMath.contrastWithWhite(color) ?? 21) < 3 {
            rect(x: x + 0.5, y: y + 0.5, w: w - 1, h: h - 1, fill: fill, stroke: style.textColor, strokeWidth: 1, cls: cls)
        } else {
            rect(x: x, y: y, w: w, h: h, fill: fill, cls: cls)
        }
    }

    /// Returns a fill value: the colour itself, or `url(#…)` of a pattern added to <defs>.
    mutating func paint(color: String, pattern: ChartPattern) -> String {
        let c = ChartMarkup.escape(color)
        guard pattern != .solid else { return c }
        let key = "\(id)-p-\(pattern.rawValue)-\(String(color.unicodeScalars.filter { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }))"
        if !patternIDs.contains(key) {
            patternIDs.insert(key)
            let bg = "<rect width=\"8\" height=\"8\" fill=\"\(c)\"/>"
            let inner: String
            switch pattern {
            case .solid: inner = ""
            case .diagonal:
                inner = "<pattern id=\"\(key)\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"8\" patternTransform=\"rotate(45)\">\(bg)<rect width=\"2.5\" height=\"8\" fill=\"#fff\"/></pattern>"
            case .backDiagonal:
                inner = "<pattern id=\"\(key)\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"8\" patternTransform=\"rotate(-45)\">\(bg)<rect width=\"2.5\" height=\"8\" fill=\"#fff\"/></pattern>"
            case .dots:
                inner = "<pattern id=\"\(key)\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\">\(bg)<circle cx=\"3\" cy=\"3\" r=\"1.4\" fill=\"#fff\"/></pattern>"
            case .crosshatch:
                inner = "<pattern id=\"\(key)\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"8\" patternTransform=\"rotate(45)\">\(bg)<rect width=\"2\" height=\"8\" fill=\"#fff\"/><rect width=\"8\" height=\"2\" fill=\"#fff\"/></pattern>"
            case .horizontal:
                inner = "<pattern id=\"\(key)\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"6\">\(bg)<rect width=\"8\" height=\"2\" fill=\"#fff\"/></pattern>"
            }
            defs += inner
        }
        return "url(#\(key))"
    }

    /// Draws one swatch with its top-left at (x, y) and side `size`.
    mutating func swatch(_ s: Swatch, x: Double, y: Double, size: Double) {
        switch s {
        case let .fill(color, pattern):
            bar(x: x, y: y, w: size, h: size, color: color, pattern: pattern)
        case let .marker(color):
            rect(x: x + size / 2 - 1.5, y: y - 2, w: 3, h: size + 4, fill: ChartMarkup.escape(color))
        }
    }

    /// Flow layout of (swatch, text) pairs starting at y; returns the y below the block.
    mutating func keyFlow(_ entries: [(Swatch, String)], y startY: Double, size: Double, color: String? = nil,
                          swatchSize: Double? = nil, gap: Double = 18, cls: String) -> Double {
        guard !entries.isEmpty else { return startY }
        let sw = swatchSize ?? (size * 0.9).rounded()
        let lineH = max(sw + 4, size * 1.3)
        var x = 0.0
        var y = startY
        body += "<g class=\"\(cls)\">"
        for (swatchKind, label) in entries {
            let maxText = width - sw - 6
            let t = TextWrap.truncate(label, size: size, width: maxText)
            let textW = TextMetrics.width(t.lines[0], size: size)
            let itemW = sw + 6 + textW
            if x > 0 && x + itemW > width { x = 0; y += lineH }
            let mid = y + lineH / 2
            swatch(swatchKind, x: x, y: mid - sw / 2, size: sw)
            if t.truncated { body += "<g><title>\(ChartMarkup.escape(label))</title>" }
            text(t.lines[0], x: x + sw + 6, y: mid + size * 0.35, size: size, color: color)
            if t.truncated { body += "</g>" }
            x += itemW + gap
        }
        body += "</g>"
        return y + lineH
    }

    func document(height: Double, title: String, desc: String, kind: String) -> String {
        let t = ChartMarkup.escape(title)
        let d = ChartMarkup.escape(desc)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(id)\" class=\"chart chart-\(kind)\""
        s += " viewBox=\"0 0 \(num(width)) \(num(height.rounded(.up)))\" width=\"100%\""
        s += " role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\""
        s += " font-family=\"\(ChartMarkup.escape(style.fontFamily))\" font-size=\"\(num(style.fontSize))\" fill=\"\(ChartMarkup.escape(style.textColor))\""
        // Unhinted text scales linearly with the viewBox, so the width estimates hold at any size.
        s += " text-rendering=\"geometricPrecision\">"
        s += "<title id=\"\(id)-title\">\(t)</title><desc id=\"\(id)-desc\">\(d)</desc>"
        if !defs.isEmpty { s += "<defs>\(defs)</defs>" }
        s += body
        s += "</svg>"
        return s
    }
}

// MARK: - HTML table helper

struct TableBuilder {
    var html = ""

    init(id: String, caption: String) {
        html = "<table class=\"chart-table\" id=\"\(id)-table\"><caption id=\"\(id)-caption\">\(ChartMarkup.escape(caption))</caption>"
    }

    mutating func head(_ columns: [String]) {
        html += "<thead><tr>"
        for (i, c) in columns.enumerated() {
            html += i == 0 ? "<th scope=\"col\">" : "<th scope=\"col\" class=\"num\">"
            html += ChartMarkup.escape(c) + "</th>"
        }
        html += "</tr></thead>"
    }

    mutating func row(_ header: String, _ cells: [String]) {
        html += "<tr><th scope=\"row\">\(ChartMarkup.escape(header))</th>"
        for c in cells { html += "<td class=\"num\">\(ChartMarkup.escape(c))</td>" }
        html += "</tr>"
    }

    mutating func emptyRow(_ message: String, columns: Int) {
        html += "<tr><td colspan=\"\(columns)\" class=\"chart-empty\">\(ChartMarkup.escape(message))</td></tr>"
    }

    mutating func raw(_ s: String) { html += s }

    func finish() -> String { html + "</table>" }
}
