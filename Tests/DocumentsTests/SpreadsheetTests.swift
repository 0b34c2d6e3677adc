import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import ZIPFoundation
@testable import MusrenbangDocuments

private func tempDir() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func wib(_ y: Int, _ m: Int, _ d: Int, _ hh: Int = 0, _ mm: Int = 0, _ ss: Int = 0) -> Date {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(secondsFromGMT: 7 * 3600)!
    return cal.date(from: DateComponents(year: y, month: m, day: d, hour: hh, minute: mm, second: ss))!
}

/// All entries of a ZIP as path → text.
private func unzip(_ url: URL) throws -> [String: String] {
    let archive = try Archive(url: url, accessMode: .read)
    var parts: [String: String] = [:]
    for entry in archive {
        var data = Data()
        _ = try archive.extract(entry) { data.append($0) }
        parts[entry.path] = String(decoding: data, as: UTF8.self)
    }
    return parts
}

/// Parses XML; returns the names of the root's direct children, or throws if not well-formed.
private final class ChildCollector: NSObject, XMLParserDelegate {
    var depth = 0
    var children: [String] = []
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        depth += 1
        if depth == 2 { children.append(name) }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
    }
}

private struct NotWellFormed: Error { let detail: String }

private func topLevelChildren(_ xml: String) throws -> [String] {
    let parser = XMLParser(data: Data(xml.utf8))
    let collector = ChildCollector()
    parser.delegate = collector
    guard parser.parse() else { throw NotWellFormed(detail: "\(parser.parserError.map { "\($0)" } ?? "?")") }
    return collector.children
}

@Suite struct TextRules {
    @Test func formulaDetection() {
        for s in ["=1+1", "+62", "-1", "@SUM(A1)", "  =1", "\t=1", "\r=1", "\tabc", "\n-x", "\u{0}=x", "＝1", "\u{A0}=1"] {
            #expect(SpreadsheetText.looksLikeFormula(s), "\(s.debugDescription)")
        }
        for s in ["", "abc", "a=b", "1-2", " a", "Rp 1.000", "'=1"] {
            #expect(!SpreadsheetText.looksLikeFormula(s), "\(s.debugDescription)")
        }
    }

    @Test func xmlEscaping() {
        #expect(SpreadsheetText.xmlEscaped(#"a&b<c>d"e'f"#) == "a&amp;b&lt;c&gt;d&quot;e&apos;f")
        #expect(SpreadsheetText.xmlEscaped("a\u{0}b\u{1}c\u{8}d\u{B}e\u{C}f\u{1F}g\u{FFFE}h\u{FFFF}i") == "abcdefghi")
        #expect(SpreadsheetText.xmlEscaped("tab\tlf\ncrlf\r\ncr\rend") == "tab\tlf\ncrlf\ncr\nend")
        #expect(SpreadsheetText.xmlEscaped("_x0041_ _X00aF_ _x12_ _x123G_") == "_x005F_x0041_ _x005F_X00aF_ _x12_ _x123G_")
        #expect(SpreadsheetText.xmlEscaped("Désa 日本 🙂 \u{7F}\u{85}") == "Désa 日本 🙂 \u{7F}\u{85}")
    }

    @Test func truncation() {
        let long = String(repeating: "a", count: 32_766) + "🙂🙂"
        let cut = SpreadsheetText.truncatedForCell(long)
        #expect(cut.utf16.count == 32_766) // the emoji (2 UTF-16 units) does not fit and is not split
        #expect(SpreadsheetText.truncatedForCell("short") == "short")
    }

    @Test func columnLetters() {
        let cases = [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"), (702, "ZZ"), (703, "AAA"), (16_384, "XFD")]
        for (n, s) in cases {
            #expect(String(decoding: SpreadsheetText.columnLetters(n), as: UTF8.self) == s)
        }
    }

    @Test func numbers() {
        #expect(SpreadsheetText.doubleString(12) == "12")
        #expect(SpreadsheetText.doubleString(-0.0) == "0")
        #expect(SpreadsheetText.doubleString(0.125) == "0.125")
        #expect(SpreadsheetText.doubleString(.nan) == nil)
        #expect(SpreadsheetText.doubleString(.infinity) == nil)
        #expect(SpreadsheetText.decimalString(Decimal(string: "1250000.50")!) == "1250000.5")
        #expect(SpreadsheetText.decimalString(Decimal(string: "-12345678901234567890")!) == "-12345678901234567890")
        #expect(SpreadsheetText.decimalString(.nan) == nil)
    }

    @Test func dates() {
        let tz = SpreadsheetText.wib
        #expect(SpreadsheetText.excelSerial(wib(2025, 1, 15), timeZone: tz, includeTime: false) == 45_672)
        #expect(SpreadsheetText.excelSerial(wib(2025, 1, 15, 23, 59), timeZone: tz, includeTime: false) == 45_672)
        #expect(SpreadsheetText.excelSerial(wib(2025, 1, 15, 12), timeZone: tz, includeTime: true) == 45_672.5)
        #expect(SpreadsheetText.excelSerial(wib(1900, 3, 1), timeZone: tz, includeTime: false) == 61)
        #expect(SpreadsheetText.excelSerial(wib(1900, 2, 28), timeZone: tz, includeTime: false) == nil)
        // 2025-01-15 00:30 WIB is still 2025-01-14 in UTC.
        #expect(SpreadsheetText.excelSerial(wib(2025, 1, 15, 0, 30), timeZone: TimeZone(secondsFromGMT: 0)!,
                                            includeTime: false) == 45_671)
        #expect(SpreadsheetText.isoString(wib(2024, 2, 29, 7, 5, 9), timeZone: tz, includeTime: true) == "2024-02-29 07:05:09")
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(secondsFromGMT: 0)!
        for days in stride(from: -80_000, through: 80_000, by: 997) {
            let c = cal.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            let (y, m, d) = SpreadsheetText.civil(fromDays: days)
            #expect(y == c.year && m == c.month && d == c.day)
        }
    }

    @Test func sheetNames() throws {
        for ok in ["DU-RKPDes", "Rekap Bidang (2025)", "Usulan Dusun's", String(repeating: "x", count: 31), "日本"] {
            try XLSXWriter.validateSheetName(ok)
        }
        for bad in ["", String(repeating: "x", count: 32), "a/b", "a\\b", "a?b", "a*b", "a:b", "[a]", "'ab", "ab'", "History",
                    "tab\there"] {
            #expect(throws: SpreadsheetError.self, "\(bad)") { try XLSXWriter.validateSheetName(bad) }
        }
    }
}

@Suite struct XLSX {
    @Test func workbookPartsAreWellFormedAndOrdered() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("t.xlsx")
        let book = try XLSXWriter(destination: url)
        let sheet = try book.addSheet(named: "DU-RKPDes", columns: [.init(title: "No", width: 5), .init(title: "Uraian", width: 30),
                                                                    .init(title: "Biaya", width: 18)],
                                      freezeHeader: true, autoFilter: true)
        try sheet.append([.integer(1), .text("=cmd|' /C calc'!A0"), .rupiah(1_250_000)])
        try sheet.append([.integer(2), .text("a\u{1}b & <c>"), .rupiah(Decimal(string: "2500.5")!)])
        #expect(sheet.lastRowNumber == 3)
        try sheet.append([.empty, .text("Jumlah"), .sum(column: 3, rows: 2...3, cachedValue: Decimal(string: "1252500.5")!)],
                         style: .total)
        let second = try book.addSheet(named: "Rekap", columns: [], options: .init(orientation: .landscape, fitToWidth: true))
        try second.append([.date(wib(2025, 1, 15)), .percent(0.5), .decimal(3), .number(.nan), .text("")])
        #expect(throws: SpreadsheetError.duplicateSheetName("rekap")) { try book.addSheet(named: "rekap") }
        try book.finish()

        #expect(throws: SpreadsheetError.alreadyFinished) { try sheet.append([.integer(1)]) }
        #expect(throws: SpreadsheetError.alreadyFinished) { try book.finish() }

        let parts = try unzip(url)
        #expect(Set(parts.keys) == ["[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml",
                                    "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                                    "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"])
        for (path, xml) in parts {
            #expect(throws: Never.self, "\(path)") { _ = try topLevelChildren(xml) }
        }
        let s1 = parts["xl/worksheets/sheet1.xml"]!
        #expect(try topLevelChildren(s1) == ["dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData",
                                             "autoFilter", "pageMargins", "pageSetup"])
        #expect(try topLevelChildren(parts["xl/worksheets/sheet2.xml"]!) == ["sheetPr", "dimension", "sheetViews", "sheetFormatPr",
                                                                             "sheetData", "pageMargins", "pageSetup"])
        #expect(try topLevelChildren(parts["xl/workbook.xml"]!) == ["workbookPr", "bookViews", "sheets", "definedNames", "calcPr"])
        #expect(try topLevelChildren(parts["xl/styles.xml"]!) == ["numFmts", "fonts", "fills", "borders", "cellStyleXfs",
                                                                  "cellXfs", "cellStyles", "dxfs", "tableStyles"])
        #expect(s1.contains(#"<dimension ref="A1:C4"/>"#))
        #expect(s1.contains(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#))
        #expect(s1.contains(#"<col min="2" max="2" width="30" customWidth="1"/>"#) || s1.contains(#"width="30.0""#))
        #expect(s1.contains(#"<autoFilter ref="A1:C4"/>"#))
        // Injection text: an inline string (never <f>), with the quotePrefix style 1.
        #expect(s1.contains(#"<c r="B2" s="1" t="inlineStr"><is><t xml:space="preserve">=cmd|&apos; /C calc&apos;!A0</t></is></c>"#))
        #expect(s1.contains(#"<c r="C2" s="3"><v>1250000</v></c>"#))
        #expect(s1.contains("<t xml:space=\"preserve\">ab &amp; &lt;c&gt;</t>"))
        #expect(s1.contains(#"<f>SUM(C2:C3)</f><v>1252500.5</v>"#))
        #expect(!s1.contains("<f>=")) // only the programmer's SUM is a formula
        let s2 = parts["xl/worksheets/sheet2.xml"]!
        #expect(s2.contains(#"<c r="A1" s="5"><v>45672</v></c><c r="B1" s="4"><v>0.5</v></c><c r="C1" s="2"><v>3</v></c></row>"#))
        #expect(s2.contains(#"<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>"#))
        let wb = parts["xl/workbook.xml"]!
        #expect(wb.contains(#"<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">&apos;DU-RKPDes&apos;!$A$1:$C$4</definedName>"#))
        #expect(wb.contains("fullCalcOnLoad=\"1\""))
        #expect(s1.contains("tabSelected=\"1\"") && !s2.contains("tabSelected"))
    }

    @Test func rowsAreOnDiskBeforeFinish() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scratch = dir.appendingPathComponent("scratch")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let book = try XLSXWriter(destination: dir.appendingPathComponent("big.xlsx"),
                                  options: .init(temporaryDirectory: scratch))
        let sheet = try book.addSheet(named: "Data", columns: [.init(title: "A"), .init(title: "B")])
        for i in 0..<20_000 { try sheet.append([.integer(i), .text("baris \(i)")]) }
        let bodies = try FileManager.default.subpathsOfDirectory(atPath: scratch.path).filter { $0.hasSuffix(".body.xml") }
        #expect(bodies.count == 1)
        let size = try FileManager.default.attributesOfItem(atPath: scratch.appendingPathComponent(bodies[0]).path)[.size] as! Int
        #expect(size > 500_000) // rows were flushed to the temp file, not kept in memory
        try book.finish()
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty) // temp files removed
        let xml = try unzip(dir.appendingPathComponent("big.xlsx"))["xl/worksheets/sheet1.xml"]!
        #expect(xml.contains(#"<row r="20001"><c r="A20001"><v>19999</v></c>"#))
        #expect(xml.hasSuffix("</worksheet>"))
    }

    @Test func abandonedWriterCleansUp() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let book = try XLSXWriter(destination: dir.appendingPathComponent("x.xlsx"), options: .init(temporaryDirectory: dir))
            try book.addSheet(named: "A").append([.integer(1)])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func errors() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let book = try XLSXWriter(destination: dir.appendingPathComponent("x.xlsx"))
        #expect(throws: SpreadsheetError.noSheets) { try book.finish() }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.xlsx").path))
        let book2 = try XLSXWriter(destination: dir.appendingPathComponent("y.xlsx"))
        let s = try book2.addSheet(named: "A")
        #expect(throws: SpreadsheetError.tooManyColumns(16_385)) {
            try s.append(Array(repeating: .integer(1), count: 16_385))
        }
    }

    @Test func sheetsFilledConcurrently() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("c.xlsx")
        let book = try XLSXWriter(destination: url)
        let sheets = try (1...4).map { try book.addSheet(named: "S\($0)", columns: [.init(title: "n")]) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sheet in sheets {
                group.addTask {
                    for i in 1...2_000 { try sheet.append([.integer(i)]) }
                }
            }
            try await group.waitForAll()
        }
        try book.finish()
        let parts = try unzip(url)
        for i in 1...4 {
            let xml = parts["xl/worksheets/sheet\(i).xml"]!
            #expect(xml.contains(#"<dimension ref="A1:A2001"/>"#))
            #expect(xml.contains(#"<row r="2001"><c r="A2001"><v>2000</v></c></row></sheetData>"#))
        }
    }
}

@Suite struct CSV {
    @Test func quotingInjectionAndLineEnds() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("t.csv")
        let csv = try CSVWriter(destination: url, columns: [.init(title: "No"), .init(title: "Uraian; catatan")])
        try csv.append([.integer(1), .text("=cmd|' /C calc'!A0"), .rupiah(1_250_000), .text("a,b"), .text("say \"hi\"")])
        try csv.append([.integer(-2), .text("  +1"), .text("\tx"), .text("line1\r\nline2"), .text("a\u{0}b"), .empty,
                        .date(wib(2025, 1, 15)), .dateTime(wib(2025, 1, 15, 9, 30)), .percent(0.125), .decimal(3)])
        try csv.append([.formula("SUM(A1:A2)", cachedValue: 7), .formula("NOW()")], style: .total)
        #expect(!FileManager.default.fileExists(atPath: url.path)) // only the partial file exists until finish
        try csv.finish()
        let data = try Data(contentsOf: url)
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: data.dropFirst(3), as: UTF8.self)
        #expect(text == "No,\"Uraian; catatan\"\r\n"
            + "1,'=cmd|' /C calc'!A0,1250000,\"a,b\",\"say \"\"hi\"\"\"\r\n"
            + "-2,'  +1,'\tx,\"line1\r\nline2\",ab,,2025-01-15,2025-01-15 09:30:00,0.125,3\r\n"
            + "7,\r\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["t.csv"])
    }

    @Test func semicolonAndDecimalComma() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("t.csv")
        let csv = try CSVWriter(destination: url, options: .init(delimiter: ";", decimalSeparator: ",", byteOrderMark: false))
        try csv.append([.text("a;b"), .text("a,b"), .decimal(Decimal(string: "2.5")!), .integer(3), .text("@x")])
        try csv.finish()
        #expect(try String(contentsOf: url, encoding: .utf8) == "\"a;b\";\"a,b\";\"2,5\";3;'@x\r\n")
    }

    @Test func chunkCallbackStreams() throws {
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var chunks: [Data] = []
            func add(_ d: Data) { lock.lock(); chunks.append(d); lock.unlock() }
        }
        let collected = Collected()
        let csv = try CSVWriter(columns: [.init(title: "n")], chunkSize: 1_000) { collected.add($0) }
        for i in 0..<1_000 { try csv.append([.integer(i), .text("row \(i)")]) }
        #expect(collected.chunks.count > 5) // emitted while appending, not only at the end
        try csv.finish()
        #expect(throws: SpreadsheetError.alreadyFinished) { try csv.append([.integer(1)]) }
        let all = collected.chunks.reduce(Data(), +)
        let lines = String(decoding: all.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.count == 1_002 && lines[0] == "n" && lines[1_000] == "999,row 999" && lines[1_001] == "")
    }

    @Test func sharedRowAPI() throws {
        // One export routine feeds both writers through SpreadsheetRowWriter.
        func export(to writer: some SpreadsheetRowWriter) throws {
            try writer.append([.integer(1), .rupiah(10)])
            try writer.append([.text("Jumlah"), .rupiah(10)], style: .total)
        }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let book = try XLSXWriter(destination: dir.appendingPathComponent("a.xlsx"))
        try export(to: try book.addSheet(named: "A"))
        try book.finish()
        let csv = try CSVWriter(destination: dir.appendingPathComponent("a.csv"))
        try export(to: csv)
        try csv.finish()
        #expect(try Data(contentsOf: dir.appendingPathComponent("a.csv")) == Data("\u{FEFF}1,10\r\nJumlah,10\r\n".utf8))
    }
}
