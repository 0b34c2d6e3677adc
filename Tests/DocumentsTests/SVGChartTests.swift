import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import MusrenbangDocuments

// MARK: - Helpers

/// Parses with Foundation's XMLParser; collects element names, attributes and text.
final class Collector: NSObject, XMLParserDelegate, @unchecked Sendable {
    var elements: [(name: String, attrs: [String: String])] = []
    var text = ""
    var textByElement: [String: [String]] = [:]
    private var stack: [String] = []
    private var buffer = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
        stack.append(name)
        buffer = ""
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
        buffer += string
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        textByElement[name, default: []].append(buffer)
        buffer = ""
        stack.removeLast()
    }
}

func parse(_ xml: String) throws -> Collector {
    let parser = XMLParser(data: Data(xml.utf8))
    let c = Collector()
    parser.delegate = c
    let ok = parser.parse()
    if !ok { throw ParseError(message: parser.parserError.map { "\($0)" } ?? "unknown", xml: xml) }
    return c
}

struct ParseError: Error, CustomStringConvertible {
    var message: String
    var xml: String
    var description: String { "XML parse failed: \(message)\n\(xml.prefix(2000))" }
}

func viewBox(_ svg: String) throws -> [Double] {
    let c = try parse(svg)
    let vb = try #require(c.elements.first?.attrs["viewBox"])
    return vb.split(separator: " ").compactMap { Double($0) }
}

let count: @Sendable (Int) -> String = { ChartFormat.grouped($0) }
let rupiah: @Sendable (Int64) -> String = { ChartFormat.rupiah($0) }

func bar(_ n: Int, label: (Int) -> String = { "Kecamatan \($0)" }) -> BarChart<Int> {
    BarChart(id: "t", title: "T", categoryHeader: "K", valueName: "V",
             items: (0..<n).map { .init(label($0), $0 * 10 + 1) }, format: count)
}

/// All three chart kinds with tricky data, for the common checks.
func allCharts(label: String = "Pelaksanaan Pembangunan Desa") -> [any SVGChartRenderable] {
    [
        BarChart<Int64>(id: "b", title: "Bar", categoryHeader: "Kecamatan", valueName: "Biaya", targetName: "Pagu",
                        items: [.init(label, 1_250_000, target: 1_000_000), .init("B", 10, target: 20), .init("C", -5)],
                        format: rupiah),
        StackedBarChart<Int>(id: "s", title: "Stacked", categoryHeader: "Kecamatan",
                             series: [ChartSeries("Diterima"), ChartSeries("Ditolak"), ChartSeries("Menunggu")],
                             items: [.init(label, [3, 2, 1]), .init("Nol", [0, 0, 0]), .init("Kurang", [4])],
                             format: count),
        StackedBarChart<Int>(id: "s100", title: "100 %", categoryHeader: "Kecamatan",
                             series: [ChartSeries("Perempuan"), ChartSeries("Laki-laki")],
                             items: [.init(label, [30, 70]), .init("Nol", [0, 0])], normalized: true, format: count),
        RatioChart<Int>(id: "r", title: "Ratio", categoryHeader: "Musyawarah", partName: "Perempuan", totalName: "Peserta",
                        items: [.init(label, part: 42, total: 120), .init("Nol", part: 0, total: 0)],
                        reference: 0.3, format: count),
        RatioChart<Double>(id: "rd", title: "Ratio double", categoryHeader: "M", partName: "P", totalName: "T",
                           items: [.init(label, part: .nan, total: 10), .init("Inf", part: 1, total: .infinity)],
                           format: { ChartFormat.decimal($0) }),
    ]
}

// MARK: - Escaping

@Suite struct Escaping {
    @Test func escapeBasics() {
        #expect(ChartMarkup.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(ChartMarkup.escape("a\u{0}b\u{1B}c\u{FFFF}d\te") == "abcd e")
        #expect(ChartMarkup.escape("Désa Ü 🌾") == "Désa Ü 🌾")
    }

    @Test func sanitizeID() {
        #expect(ChartMarkup.sanitizeID("biaya-pagu") == "biaya-pagu")
        #expect(ChartMarkup.sanitizeID("1 x\"><") == "chart-1-x---")
        #expect(ChartMarkup.sanitizeID("") == "chart")
    }

    @Test func scriptLabelIsEscapedInSVGAndTable() throws {
        let evil = "<script>alert(1)</script> & \"q\" 'a' ]]>"
        for chart in allCharts(label: evil) {
            for (markup, kind) in [(chart.svg(), "svg"), (chart.tableHTML(), "table"), (chart.figureHTML(), "figure")] {
                #expect(!markup.contains("<script"), "\(chart.id) \(kind)")
                #expect(markup.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39; ]]&gt;"),
                        "\(chart.id) \(kind)")
                let parsed = try parse(markup)
                #expect(!parsed.elements.contains { $0.name == "script" })
                // The original text comes back out of the parser intact.
                #expect(parsed.text.contains("<script>alert(1)</script> & \"q\" 'a' ]]>"), "\(chart.id) \(kind)")
            }
        }
    }

    @Test func titleSummaryAndHeadersEscaped() throws {
        let c = BarChart<Int>(id: "x\"y", title: "A & <B>", summary: "S <i>&</i>", categoryHeader: "<th>",
                              valueName: "V&V", items: [.init("a", 1)], format: { "\($0) <&>" })
        let svg = c.svg()
        #expect(svg.contains("<title id=\"x-y-title\">A &amp; &lt;B&gt;</title>"))
        #expect(svg.contains("<desc id=\"x-y-desc\">S &lt;i&gt;&amp;&lt;/i&gt;</desc>"))
        #expect(svg.contains("1 &lt;&amp;&gt;"))
        let table = c.tableHTML()
        #expect(table.contains("<th scope=\"col\">&lt;th&gt;</th>"))
        #expect(table.contains("V&amp;V"))
        _ = try parse(svg)
        _ = try parse(table)
    }
}

// MARK: - Structure, CSP-safety, accessibility attributes

@Suite struct Structure {
    @Test func everyChartParsesAndHasAccessibleRoot() throws {
        for chart in allCharts() {
            let svg = chart.svg()
            let parsed = try parse(svg)
            let root = try #require(parsed.elements.first)
            #expect(root.name == "svg")
            #expect(root.attrs["role"] == "img")
            #expect(root.attrs["width"] == "100%")
            #expect(root.attrs["height"] == nil)
            #expect(root.attrs["xmlns"] == "http://www.w3.org/2000/svg")
            let id = try #require(root.attrs["id"])
            #expect(root.attrs["aria-labelledby"] == "\(id)-title \(id)-desc")
            #expect(parsed.elements[1].name == "title" && parsed.elements[1].attrs["id"] == "\(id)-title")
            #expect(parsed.elements[2].name == "desc" && parsed.elements[2].attrs["id"] == "\(id)-desc")
            let desc = parsed.textByElement["desc"]?.first ?? ""
            #expect(desc.count > 20)
        }
    }

    @Test func noScriptStyleOrExternalReferences() throws {
        for chart in allCharts() {
            for markup in [chart.svg(), chart.figureHTML()] {
                let parsed = try parse(markup)
                for el in parsed.elements {
                    #expect(!["script", "style", "foreignObject", "image", "use", "a", "iframe"].contains(el.name))
                    #expect(el.attrs["style"] == nil, "style attribute on \(el.name)")
                    for (k, v) in el.attrs {
                        #expect(!k.lowercased().hasPrefix("on"), "event handler \(k)")
                        #expect(!k.contains("href"))
                        if k != "xmlns" { #expect(!v.contains("http:") && !v.contains("https:") && !v.contains("//")) }
                        if v.hasPrefix("url(") { #expect(v.hasPrefix("url(#")) }
                    }
                }
            }
        }
    }

    @Test func patternReferencesResolve() throws {
        for chart in allCharts() {
            let parsed = try parse(chart.svg())
            let ids = Set(parsed.elements.compactMap { $0.attrs["id"] })
            for el in parsed.elements {
                if let fill = el.attrs["fill"], fill.hasPrefix("url(#") {
                    let ref = String(fill.dropFirst(5).dropLast())
                    #expect(ids.contains(ref), "missing pattern \(ref)")
                    #expect(ref.hasPrefix(chart.id + "-"), "pattern ids are namespaced by chart id")
                }
            }
        }
    }

    @Test func numericAttributesAreFinite() throws {
        for chart in allCharts() {
            let parsed = try parse(chart.svg())
            for el in parsed.elements {
                for key in ["x", "y", "width", "height", "font-size"] {
                    guard let v = el.attrs[key], el.name != "svg" else { continue }
                    let d = try #require(Double(v), "\(el.name) \(key)=\(v)")
                    #expect(d.isFinite && d >= 0, "\(el.name) \(key)=\(v)")
                }
            }
            let svg = chart.svg()
            #expect(!svg.lowercased().contains("nan\"") && !svg.contains("inf\""))
        }
    }

    @Test func everythingStaysInsideViewBox() throws {
        for chart in allCharts() + [bar(40)] {
            let svg = chart.svg()
            let vb = try viewBox(svg)
            let parsed = try parse(svg)
            for el in parsed.elements where el.name == "rect" || el.name == "text" {
                guard let x = el.attrs["x"].flatMap(Double.init), let y = el.attrs["y"].flatMap(Double.init) else { continue }
                let w = el.attrs["width"].flatMap(Double.init) ?? 0
                let h = el.attrs["height"].flatMap(Double.init) ?? 0
                #expect(x >= 0 && x + w <= vb[2] + 0.01, "\(chart.id) \(el.name) x=\(x) w=\(w)")
                #expect(y >= 0 && y + h <= vb[3] + 0.01, "\(chart.id) \(el.name) y=\(y) h=\(h)")
            }
        }
    }

    @Test func chartsAreSendable() {
        func requireSendable<T: Sendable>(_: T) {}
        requireSendable(bar(2))
        for c in allCharts() { requireSendable(c) }
    }
}

// MARK: - Sizes and edge cases

@Suite struct Sizes {
    @Test func viewBoxWidthIsStyleWidthAndHeightGrows() throws {
        let h1 = try viewBox(bar(1).svg())
        let h10 = try viewBox(bar(10).svg())
        let h40 = try viewBox(bar(40).svg())
        #expect(h1[0] == 0 && h1[1] == 0 && h1[2] == 400)
        #expect(h10[3] > h1[3] && h40[3] > h10[3])
        // Rows have a constant height: 40 rows ≈ 4 × 10 rows.
        let perRow = (h40[3] - h10[3]) / 30
        #expect(perRow > 35 && perRow < 70, "row height \(perRow)")
        var style = ChartStyle()
        style.width = 640
        var wide = bar(3)
        wide.style = style
        #expect(try viewBox(wide.svg())[2] == 640)
    }

    @Test func emptyDataShowsMessage() throws {
        for chart in [bar(0) as any SVGChartRenderable,
                      StackedBarChart<Int>(id: "s", title: "S", categoryHeader: "K", series: [ChartSeries("a")], items: [],
                                           format: count),
                      StackedBarChart<Int>(id: "s2", title: "S", categoryHeader: "K", series: [],
                                           items: [.init("x", [1])], format: count),
                      RatioChart<Int>(id: "r", title: "R", categoryHeader: "K", partName: "P", totalName: "T", items: [],
                                      format: count)] {
            let svg = chart.svg()
            let parsed = try parse(svg)
            #expect(parsed.textByElement["text"] == ["Tidak ada data"], "\(chart.id)")
            #expect(try viewBox(svg)[3] == 56)
            let table = chart.tableHTML()
            #expect(table.contains("Tidak ada data"))
            #expect(!table.contains("<tfoot>"))
            _ = try parse(table)
        }
        var english = bar(0)
        english.text = .english
        #expect(english.svg().contains(">No data<"))
    }

    @Test func allZeroValuesDrawNoBars() throws {
        let c = BarChart<Int>(id: "z", title: "Z", categoryHeader: "K", valueName: "V",
                              items: [.init("a", 0), .init("b", 0)], format: count)
        let parsed = try parse(c.svg())
        #expect(!parsed.elements.contains { $0.attrs["class"] == "chart-bar" })
        #expect(parsed.textByElement["desc"]?.first?.contains("Semua nilai 0.") == true)
        #expect(parsed.textByElement["text"]?.filter { $0 == "0" }.count == 2)
    }

    @Test func tinyValueNextToHugeStaysVisible() throws {
        let c = BarChart<Int64>(id: "h", title: "H", categoryHeader: "K", valueName: "V",
                                items: [.init("huge", 9_000_000_000_000), .init("tiny", 1)], format: rupiah)
        let parsed = try parse(c.svg())
        let widths = parsed.elements.filter { $0.attrs["class"] == "chart-bar" }.compactMap { $0.attrs["width"].flatMap(Double.init) }
        #expect(widths == [397, 2])
        #expect(parsed.text.contains("Rp 9.000.000.000.000") && parsed.text.contains("Rp 1"))
    }

    @Test func negativeValuesAreClampedButLabelledTruthfully() throws {
        let c = BarChart<Int>(id: "n", title: "N", categoryHeader: "K", valueName: "V",
                              items: [.init("pos", 10), .init("neg", -5)], format: count)
        let svg = c.svg()
        let parsed = try parse(svg)
        let bars = parsed.elements.filter { $0.attrs["class"] == "chart-bar" }
        #expect(bars.count == 1)
        #expect(parsed.textByElement["text"]?.contains("-5") == true)
        #expect(parsed.textByElement["desc"]?.first?.contains("Nilai negatif digambar sebagai 0.") == true)
        #expect(c.tableHTML().contains("<td class=\"num\">-5</td>"))
    }

    @Test func fortyCategoriesAllRendered() throws {
        let parsed = try parse(bar(40).svg())
        #expect(parsed.elements.filter { $0.attrs["class"] == "chart-row" }.count == 40)
        #expect(parsed.elements.filter { $0.attrs["class"] == "chart-bar" }.count == 40)
    }

    @Test func longLabelsWrapThenTruncateWithFullTitle() throws {
        let long = "Penanggulangan Bencana, Keadaan Darurat dan Mendesak Desa yang sangat panjang sekali dan masih berlanjut"
        let c = BarChart<Int>(id: "l", title: "L", categoryHeader: "K", valueName: "V", items: [.init(long, 5)], format: count)
        let parsed = try parse(c.svg())
        let labels = parsed.elements.enumerated().filter { $0.element.attrs["class"] == "chart-label" }
        #expect(labels.count == 2)
        let texts = parsed.textByElement["text"] ?? []
        #expect(texts.contains { $0.hasSuffix("…") })
        #expect(parsed.textByElement["title"]?.contains("\(long): 5") == true)
        // Each line fits its width (first line leaves room for the value).
        for line in texts where line != "5" {
            #expect(TextMetrics.width(line, size: 16) <= 400)
        }
    }

    @Test func segmentsOfStackedBarFitTheTrack() throws {
        let c = StackedBarChart<Int>(id: "s", title: "S", categoryHeader: "K",
                                     series: [ChartSeries("a"), ChartSeries("b"), ChartSeries("c")],
                                     items: [.init("r", [1000, 1, 1]), .init("q", [500, 0, 500])], format: count)
        let parsed = try parse(c.svg())
        let segs = parsed.elements.filter { $0.attrs["class"] == "chart-segment" }
        #expect(segs.count == 5)
        for s in segs {
            let x = Double(s.attrs["x"]!)!, w = Double(s.attrs["width"]!)!
            #expect(x + w <= 398.5 + 0.01)
            #expect(w >= 1)
        }
    }

    @Test func lowContrastColoursGetAnOutline() throws {
        let c = StackedBarChart<Int>(id: "o", title: "O", categoryHeader: "K",
                                     series: [ChartSeries("kuning", color: OkabeIto.yellow, pattern: .solid),
                                              ChartSeries("biru", color: OkabeIto.blue, pattern: .solid)],
                                     items: [.init("r", [5, 5])], format: count)
        let parsed = try parse(c.svg())
        let yellow = parsed.elements.filter { $0.attrs["fill"] == OkabeIto.yellow }
        let blue = parsed.elements.filter { $0.attrs["fill"] == OkabeIto.blue }
        #expect(!yellow.isEmpty && yellow.allSatisfy { $0.attrs["stroke"] != nil })
        #expect(!blue.isEmpty && blue.allSatisfy { $0.attrs["stroke"] == nil })
    }
}

// MARK: - Tables

@Suite struct Tables {
    @Test func tableHasCaptionScopesAndNumericCells() throws {
        for chart in allCharts() {
            let table = chart.tableHTML()
            let parsed = try parse(table)
            #expect(parsed.elements.first?.name == "table")
            #expect(parsed.elements[1].name == "caption")
            #expect(parsed.textByElement["caption"] == [chart.title])
            let th = parsed.elements.filter { $0.name == "th" }
            #expect(!th.isEmpty && th.allSatisfy { $0.attrs["scope"] == "col" || $0.attrs["scope"] == "row" })
            let td = parsed.elements.filter { $0.name == "td" }
            #expect(!td.isEmpty && td.allSatisfy { $0.attrs["class"] == "num" })
        }
    }

    @Test func barTableValuesAndTotals() throws {
        let c = BarChart<Int64>(id: "b", title: "B", categoryHeader: "Kecamatan", valueName: "Biaya", targetName: "Pagu",
                                items: [.init("Setu", 1_250_000, target: 1_500_000), .init("Cisauk", 750_000)],
                                format: rupiah)
        let parsed = try parse(c.tableHTML())
        #expect(parsed.textByElement["th"] == ["Kecamatan", "Biaya", "Pagu", "Setu", "Cisauk", "Jumlah"])
        #expect(parsed.textByElement["td"] == ["Rp 1.250.000", "Rp 1.500.000", "Rp 750.000", "–", "Rp 2.000.000", "Rp 1.500.000"])
    }

    @Test func normalizedStackedTableHasShares() throws {
        let c = StackedBarChart<Int>(id: "s", title: "S", categoryHeader: "K",
                                     series: [ChartSeries("P"), ChartSeries("L")],
                                     items: [.init("a", [1, 3])], normalized: true, format: count)
        let parsed = try parse(c.tableHTML())
        #expect(parsed.textByElement["th"] == ["K", "P", "L", "Jumlah", "a", "Jumlah"])
        #expect(parsed.textByElement["td"]?.prefix(3) == ["1 (25,0 %)", "3 (75,0 %)", "4"])
    }

    @Test func ratioTable() throws {
        let c = RatioChart<Int>(id: "r", title: "R", categoryHeader: "M", partName: "P", totalName: "T",
                                items: [.init("a", part: 42, total: 120), .init("z", part: 0, total: 0)],
                                reference: 0.3, format: count)
        let parsed = try parse(c.tableHTML())
        #expect(parsed.textByElement["td"] == ["42", "120", "35,0 %", "0", "0", "–", "42", "120", "35,0 %"])
        let svg = try parse(c.svg())
        #expect(svg.textByElement["desc"]?.first == "2 kategori. Jumlah: 42 dari 120 (35,0 %). 0 dari 2 di bawah 30 %. Angka lengkap ada di tabel data.")
    }

    @Test func figureWrapsSVGAndDetailsTable() throws {
        let html = bar(2).figureHTML(caption: "Grafik & tabel", openTable: true)
        let parsed = try parse(html)
        #expect(parsed.elements.map(\.name).prefix(3) == ["figure", "figcaption", "svg"])
        #expect(parsed.elements.contains { $0.name == "details" && $0.attrs["open"] == "" })
        #expect(parsed.textByElement["figcaption"] == ["Grafik & tabel"])
        let region = try #require(parsed.elements.first { $0.name == "div" })
        #expect(region.attrs["role"] == "region" && region.attrs["tabindex"] == "0")
        #expect(region.attrs["aria-labelledby"] == "t-caption")
        #expect(parsed.elements.contains { $0.name == "caption" && $0.attrs["id"] == "t-caption" })
    }
}

// MARK: - Formatting, metrics, wrapping

@Suite struct Formatting {
    @Test func groupedAndRupiah() {
        #expect(ChartFormat.grouped(0) == "0")
        #expect(ChartFormat.grouped(999) == "999")
        #expect(ChartFormat.grouped(1000) == "1.000")
        #expect(ChartFormat.grouped(1_250_000) == "1.250.000")
        #expect(ChartFormat.grouped(-1_250_000) == "-1.250.000")
        #expect(ChartFormat.grouped(Int64.min) == "-9.223.372.036.854.775.808")
        #expect(ChartFormat.rupiah(Int64(1_250_000)) == "Rp 1.250.000")
        #expect(ChartFormat.rupiah(-5000) == "-Rp 5.000")
    }

    @Test func decimalAndPercent() {
        #expect(ChartFormat.decimal(1234.56, fractionDigits: 1) == "1.234,6")
        #expect(ChartFormat.decimal(0.04, fractionDigits: 1) == "0,0")
        #expect(ChartFormat.decimal(-0.04, fractionDigits: 1) == "0,0")
        #expect(ChartFormat.decimal(-2.5, fractionDigits: 2) == "-2,50")
        #expect(ChartFormat.decimal(.nan) == "–")
        #expect(ChartFormat.percent(0.355) == "35,5 %")
        #expect(ChartFormat.percent(0.3, fractionDigits: 0) == "30 %")
    }

    @Test func contrastMath() {
        #expect(abs(ColorMath.contrastWithWhite(OkabeIto.blue)! - 5.19) < 0.02)
        #expect(abs(ColorMath.contrastWithWhite(OkabeIto.orange)! - 2.25) < 0.02)
        #expect(abs(ColorMath.contrastWithWhite("#000")! - 21) < 0.01)
        #expect(ColorMath.contrastWithWhite("red") == nil)
    }

    @Test func textWidthAndWrap() {
        // "Pelaksanaan Pembangunan Desa" in Arial 16 px is 242.8 px wide (+4 % margin).
        let w = TextMetrics.width("Pelaksanaan Pembangunan Desa", size: 16)
        #expect(w > 242 && w < 255)
        let wrapped = TextWrap.wrap("Pelaksanaan Pembangunan Desa", size: 16, firstWidth: 150, restWidth: 400, maxLines: 2)
        #expect(wrapped.lines == ["Pelaksanaan", "Pembangunan Desa"] && !wrapped.truncated)
        let cut = TextWrap.wrap("aaaa bbbb cccc dddd", size: 16, firstWidth: 40, restWidth: 40, maxLines: 2)
        #expect(cut.truncated && cut.lines.count == 2 && cut.lines[1].hasSuffix("…"))
        let word = TextWrap.wrap(String(repeating: "x", count: 100), size: 16, firstWidth: 100, restWidth: 100, maxLines: 3)
        #expect(word.lines.count == 3 && word.truncated)
        #expect(word.lines.allSatisfy { TextMetrics.width($0, size: 16) <= 100 })
        #expect(TextWrap.wrap("   ", size: 16, firstWidth: 10, restWidth: 10, maxLines: 2).lines == [""])
    }
}
