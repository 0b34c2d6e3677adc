import Foundation
import ZIPFoundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Streaming writer of Office Open XML spreadsheets (.xlsx).
///
/// Rows are appended one at a time and written straight to one temporary file per
/// sheet (only a small buffer is held in memory); `finish()` packs the parts into a ZIP
/// (deflate) next to the destination and moves it into place atomically.
///
/// ```swift
/// let book = try XLSXWriter(destination: url)
/// let sheet = try book.addSheet(named: "DU-RKPDes",
///                               columns: [.init(title: "No", width: 5), .init(title: "Bidang", width: 30)],
///                               freezeHeader: true, autoFilter: true)
/// try sheet.append([.integer(1), .text("Pembangunan"), .rupiah(1_250_000)])
/// try sheet.append([.empty, .text("Jumlah"), .rupiah(1_250_000)], style: .total)
/// try book.finish()
/// ```
///
/// Thread-safe (`Sendable`): all state is behind one lock, so sheets may be filled
/// from different tasks; rows of one sheet are written in the order `append` is called.
/// If the writer is dropped without `finish()`, its temporary files are removed.
public final class XLSXWriter: @unchecked Sendable {
    public struct Options: Sendable {
        /// `dc:creator` in docProps/core.xml.
        public var creator: String
        /// Optional `dc:title`.
        public var title: String?
        /// Time zone used to turn `Date` values into calendar days/times (default WIB, UTC+7).
        public var timeZone: TimeZone
        /// Where the per-sheet temporary files go (default: the system temporary directory).
        public var temporaryDirectory: URL?

        public init(creator: String = "Musrenbang", title: String? = nil,
                    timeZone: TimeZone = TimeZone(secondsFromGMT: 7 * 3600)!,
                    temporaryDirectory: URL? = nil) {
            self.creator = creator
            self.title = title
            self.timeZone = timeZone
            self.temporaryDirectory = temporaryDirectory
        }
    }

    /// Page/print settings of a sheet.
    public struct SheetOptions: Sendable, Hashable {
        public enum Orientation: String, Sendable, Hashable { case portrait, landscape }
        /// `pageSetup/@paperSize` codes.
        public enum Paper: Int, Sendable, Hashable {
            case letter = 1, legal = 5, a4 = 9, folio = 14 // folio 8.5×13 in ≈ F4
        }
        /// Keep the header row visible when scrolling (a frozen pane with ySplit=1).
        public var freezeHeader: Bool
        /// Put an autofilter on the header row (covering all written rows).
        public var autoFilter: Bool
        /// Repeat the header row at the top of every printed page (`_xlnm.Print_Titles`).
        public var repeatHeaderWhenPrinting: Bool
        public var orientation: Orientation
        public var paper: Paper
        /// Scale the printout to one page wide (any number of pages tall).
        public var fitToWidth: Bool

        public init(freezeHeader: Bool = true, autoFilter: Bool = false, repeatHeaderWhenPrinting: Bool = true,
                    orientation: Orientation = .portrait, paper: Paper = .a4, fitToWidth: Bool = false) {
            self.freezeHeader = freezeHeader
            self.autoFilter = autoFilter
            self.repeatHeaderWhenPrinting = repeatHeaderWhenPrinting
            self.orientation = orientation
            self.paper = paper
            self.fitToWidth = fitToWidth
        }
    }

    public let destination: URL
    private let options: Options
    private let created = Date()
    private let lock = NSLock()
    private let tempDir: URL
    private var sheets: [SheetState] = []
    private var finished = false
    private var usesFormulas = false
    private var letterCache: [[UInt8]] = [[]]

    /// Prepares a workbook that `finish()` will write to `destination` (replacing any file there).
    public init(destination: URL, options: Options = Options()) throws {
        self.destination = destination
        self.options = options
        let base = options.temporaryDirectory ?? FileManager.default.temporaryDirectory
        tempDir = base.appendingPathComponent("xlsx-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: tempDir, withIntermediateDirectories: true)
        } catch {
            throw SpreadsheetError.io("cannot create \(tempDir.path): \(error)")
        }
    }

    deinit {
        for sheet in sheets { try? sheet.handle.close() }
        try? FileManager.default.removeItem(at: tempDir)
    }

    /// Adds a sheet. `columns` give the header row (written in bold as row 1) and the
    /// column widths; with no columns there is no header row, no frozen pane and no filter.
    ///
    /// Sheet names follow Excel's rules: 1–31 characters, none of `[ ] : * ? / \`, not
    /// starting or ending with `'`, no control characters, not "History", and unique
    /// ignoring case.
    public func addSheet(named name: String, columns: [SpreadsheetColumn] = [],
                         freezeHeader: Bool = true, autoFilter: Bool = false) throws -> XLSXSheet {
        try addSheet(named: name, columns: columns,
                     options: SheetOptions(freezeHeader: freezeHeader, autoFilter: autoFilter))
    }

    public func addSheet(named name: String, columns: [SpreadsheetColumn],
                         options sheetOptions: SheetOptions) throws -> XLSXSheet {
        try Self.validateSheetName(name)
        guard columns.count <= SpreadsheetText.maxColumns else { throw SpreadsheetError.tooManyColumns(columns.count) }
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { throw SpreadsheetError.alreadyFinished }
        let folded = name.lowercased()
        guard !sheets.contains(where: { $0.name.lowercased() == folded }) else {
            throw SpreadsheetError.duplicateSheetName(name)
        }
        let index = sheets.count
        let url = tempDir.appendingPathComponent("sheet\(index + 1).body.xml")
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: url.path) else {
            throw SpreadsheetError.io("cannot create \(url.path)")
        }
        let state = SheetState(name: name, columns: columns, options: sheetOptions, bodyURL: url, handle: handle)
        sheets.append(state)
        if !columns.isEmpty {
            state.hasHeader = true
            try appendRow(to: state, columns.map { .text($0.title) }, style: .header)
        }
        return XLSXSheet(writer: self, index: index, name: name)
    }

    static func validateSheetName(_ name: String) throws {
        func fail(_ reason: String) -> SpreadsheetError { .invalidSheetName(name, reason: reason) }
        if name.isEmpty { throw fail("empty") }
        if name.utf16.count > 31 { throw fail("longer than 31 characters") }
        if let bad = name.first(where: { "[]:*?/\\".contains($0) }) { throw fail("contains \"\(bad)\"") }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value)
            || $0.value == 0xFFFE || $0.value == 0xFFFF }) {
            throw fail("contains a control character")
        }
        if name.hasPrefix("'") || name.hasSuffix("'") { throw fail("starts or ends with an apostrophe") }
        if name.lowercased() == "history" { throw fail("\"History\" is reserved by Excel") }
    }

    // MARK: Rows

    func append(sheet index: Int, _ cells: [SpreadsheetCell], style: SpreadsheetRowStyle) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { throw SpreadsheetError.alreadyFinished }
        try appendRow(to: sheets[index], cells, style: style)
    }

    func lastRowNumber(sheet index: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return sheets[index].rowCount
    }

    /// Called with the lock held.
    private func appendRow(to sheet: SheetState, _ cells: [SpreadsheetCell], style: SpreadsheetRowStyle) throws {
        guard cells.count <= SpreadsheetText.maxColumns else { throw SpreadsheetError.tooManyColumns(cells.count) }
        guard sheet.rowCount < SpreadsheetText.maxRows else { throw SpreadsheetError.tooManyRows(sheet: sheet.name) }
        sheet.rowCount += 1
        let row = sheet.rowCount
        let rowDigits = Array(String(row).utf8)
        // Styled rows (header/subtotal/total) run across all declared columns so the
        // borders and fill form a full line.
        let width = style == .normal ? cells.count : max(cells.count, sheet.columns.count)
        var out = sheet.buffer
        sheet.buffer = []
        defer { sheet.buffer = out }
        out.append(contentsOf: Tags.rowOpen)
        out.append(contentsOf: rowDigits)
        out.append(contentsOf: Tags.close)
        var lastWritten = 0
        for col in 0..<width {
            let cell = col < cells.count ? cells[col] : .empty
            if writeCell(cell, column: col + 1, rowDigits: rowDigits, style: style, into: &out) {
                lastWritten = col + 1
            }
        }
        out.append(contentsOf: Tags.rowEnd)
        sheet.maxColumn = max(sheet.maxColumn, lastWritten)
        if out.count >= SheetState.flushThreshold {
            do {
                try sheet.handle.write(contentsOf: out)
            } catch {
                throw SpreadsheetError.io("writing \(sheet.bodyURL.path): \(error)")
            }
            sheet.bodySize += Int64(out.count)
            out.removeAll(keepingCapacity: true)
        }
    }

    private func letters(_ column: Int) -> [UInt8] {
        while letterCache.count <= column {
            letterCache.append(SpreadsheetText.columnLetters(letterCache.count))
        }
        return letterCache[column]
    }

    /// Writes one `<c>`; returns false if the cell was omitted.
    private func writeCell(_ cell: SpreadsheetCell, column: Int, rowDigits: [UInt8],
                           style: SpreadsheetRowStyle, into out: inout [UInt8]) -> Bool {
        func begin(_ kind: Int, _ type: [UInt8]? = nil) {
            out.append(contentsOf: Tags.cellOpen)
            out.append(contentsOf: letters(column))
            out.append(contentsOf: rowDigits)
            out.append(0x22) // "
            let xf = Styles.xf(style: style, kind: kind)
            if xf != 0 {
                out.append(contentsOf: Tags.styleAttr)
                out.append(contentsOf: String(xf).utf8)
                out.append(0x22)
            }
            if let type { out.append(contentsOf: type) }
        }
        func value(_ kind: Int, _ text: String) {
            begin(kind)
            out.append(contentsOf: Tags.valueOpen)
            out.append(contentsOf: text.utf8)
            out.append(contentsOf: Tags.valueClose)
        }
        func empty() -> Bool {
            guard style != .normal else { return false }
            begin(Styles.general)
            out.append(contentsOf: Tags.selfClose)
            return true
        }

        switch cell {
        case .empty:
            return empty()
        case let .text(raw):
            let s = SpreadsheetText.truncatedForCell(raw)
            if s.isEmpty { return empty() }
            begin(SpreadsheetText.looksLikeFormula(s) ? Styles.quotedText : Styles.general, Tags.inlineStr)
            SpreadsheetText.appendXMLEscaped(s, to: &out)
            out.append(contentsOf: Tags.inlineStrClose)
        case let .integer(i):
            value(Styles.general, String(i))
        case let .number(d):
            guard let s = SpreadsheetText.doubleString(d) else { return empty() }
            value(Styles.general, s)
        case let .decimal(d):
            guard let s = SpreadsheetText.decimalString(d) else { return empty() }
            value(SpreadsheetNumberFormat.decimal.rawValue, s)
        case let .rupiah(d):
            guard let s = SpreadsheetText.decimalString(d) else { return empty() }
            value(SpreadsheetNumberFormat.rupiah.rawValue, s)
        case let .percent(d):
            guard let s = SpreadsheetText.doubleString(d) else { return empty() }
            value(SpreadsheetNumberFormat.percent.rawValue, s)
        case let .date(date), let .dateTime(date):
            let withTime: Bool
            if case .dateTime = cell { withTime = true } else { withTime = false }
            if let serial = SpreadsheetText.excelSerial(date, timeZone: options.timeZone, includeTime: withTime) {
                value((withTime ? SpreadsheetNumberFormat.dateTime : .date).rawValue,
                      withTime ? "\(serial)" : String(Int(serial)))
            } else {
                // Before 1900-03-01 Excel's serials are unreliable: write ISO text instead.
                begin(Styles.general, Tags.inlineStr)
                out.append(contentsOf: SpreadsheetText.isoString(date, timeZone: options.timeZone,
                                                                 includeTime: withTime).utf8)
                out.append(contentsOf: Tags.inlineStrClose)
            }
        case let .formula(expression, cachedValue, format):
            usesFormulas = true
            var f = Substring(expression)
            while f.first == "=" || f.first == " " { f = f.dropFirst() }
            begin(format.rawValue)
            out.append(contentsOf: Tags.formulaOpen)
            SpreadsheetText.appendXMLEscaped(String(f), to: &out)
            out.append(contentsOf: Tags.formulaClose)
            if let cachedValue, let s = SpreadsheetText.decimalString(cachedValue) {
                out.append(contentsOf: Tags.cachedValueOpen)
                out.append(contentsOf: s.utf8)
                out.append(contentsOf: Tags.valueClose)
            } else {
                out.append(contentsOf: Tags.cellClose)
            }
        }
        return true
    }

    // MARK: Finish

    /// Writes the workbook to `destination`. Afterwards the writer and its sheets
    /// throw `alreadyFinished`; temporary files are removed whatever the outcome.
    public func finish() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { throw SpreadsheetError.alreadyFinished }
        finished = true
        defer { try? FileManager.default.removeItem(at: tempDir) }
        guard !sheets.isEmpty else { throw SpreadsheetError.noSheets }

        for sheet in sheets {
            do {
                if !sheet.buffer.isEmpty {
                    try sheet.handle.write(contentsOf: sheet.buffer)
                    sheet.bodySize += Int64(sheet.buffer.count)
                    sheet.buffer = []
                }
                try sheet.handle.close()
            } catch {
                throw SpreadsheetError.io("writing \(sheet.bodyURL.path): \(error)")
            }
        }

        let dir = destination.deletingLastPathComponent()
        let partial = dir.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).partial")
        do {
            try writeArchive(to: partial)
            guard rename(partial.path, destination.path) == 0 else {
                throw SpreadsheetError.io("cannot move into \(destination.path): errno \(errno)")
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            if let error = error as? SpreadsheetError { throw error }
            throw SpreadsheetError.io("\(error)")
        }
    }

    private func writeArchive(to url: URL) throws {
        let archive = try Archive(url: url, accessMode: .create)
        let chunk = 256 * 1024
        func add(_ path: String, _ xml: String) throws {
            let data = Data(xml.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: .deflate, bufferSize: chunk) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("[Content_Types].xml", contentTypesXML())
        try add("_rels/.rels", Parts.rootRels)
        try add("docProps/core.xml", corePropertiesXML())
        try add("docProps/app.xml", appPropertiesXML())
        try add("xl/workbook.xml", workbookXML())
        try add("xl/_rels/workbook.xml.rels", workbookRelsXML())
        try add("xl/styles.xml", Styles.xml)
        for (i, sheet) in sheets.enumerated() {
            let head = Array(worksheetHead(sheet, selected: i == 0).utf8)
            let tail = Array(worksheetTail(sheet).utf8)
            let reader = try ConcatenatingReader(head: head, body: sheet.bodyURL, bodySize: sheet.bodySize, tail: tail)
            defer { reader.close() }
            try archive.addEntry(with: "xl/worksheets/sheet\(i + 1).xml", type: .file,
                                 uncompressedSize: reader.size, compressionMethod: .deflate,
                                 bufferSize: chunk) { position, size in
                try reader.read(at: position, count: size)
            }
        }
    }

    // MARK: Parts

    private func contentTypesXML() -> String {
        var s = Parts.xmlDecl
        s += #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        s += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        s += #"<Default Extension="xml" ContentType="application/xml"/>"#
        s += #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        for i in sheets.indices {
            s += #"<Override PartName="/xl/worksheets/sheet\#(i + 1).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }
        s += #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        s += #"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#
        s += #"<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#
        s += "</Types>"
        return s
    }

    private func corePropertiesXML() -> String {
        let stamp = SpreadsheetText.isoString(created, timeZone: TimeZone(secondsFromGMT: 0)!,
                                              includeTime: true, utcSuffix: true)
        var s = Parts.xmlDecl
        s += #"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
        if let title = options.title { s += "<dc:title>\(SpreadsheetText.xmlEscaped(title))</dc:title>" }
        s += "<dc:creator>\(SpreadsheetText.xmlEscaped(options.creator))</dc:creator>"
        s += "<cp:lastModifiedBy>\(SpreadsheetText.xmlEscaped(options.creator))</cp:lastModifiedBy>"
        s += #"<dcterms:created xsi:type="dcterms:W3CDTF">\#(stamp)</dcterms:created>"#
        s += #"<dcterms:modified xsi:type="dcterms:W3CDTF">\#(stamp)</dcterms:modified>"#
        s += "</cp:coreProperties>"
        return s
    }

    private func appPropertiesXML() -> String {
        var s = Parts.xmlDecl
        s += #"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">"#
        s += "<Application>\(SpreadsheetText.xmlEscaped(options.creator))</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
        s += #"<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>\#(sheets.count)</vt:i4></vt:variant></vt:vector></HeadingPairs>"#
        s += #"<TitlesOfParts><vt:vector size="\#(sheets.count)" baseType="lpstr">"#
        for sheet in sheets { s += "<vt:lpstr>\(SpreadsheetText.xmlEscaped(sheet.name))</vt:lpstr>" }
        s += "</vt:vector></TitlesOfParts>"
        s += "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
        s += "</Properties>"
        return s
    }

    /// CT_Workbook order: fileVersion?, fileSharing?, workbookPr?, workbookProtection?,
    /// bookViews?, sheets, functionGroups?, externalReferences?, definedNames?, calcPr?, …
    private func workbookXML() -> String {
        var s = Parts.xmlDecl
        s += #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
        s += "<workbookPr/>"
        s += #"<bookViews><workbookView xWindow="0" yWindow="0" windowWidth="16384" windowHeight="8192" activeTab="0"/></bookViews>"#
        s += "<sheets>"
        for (i, sheet) in sheets.enumerated() {
            s += #"<sheet name="\#(SpreadsheetText.xmlEscaped(sheet.name))" sheetId="\#(i + 1)" r:id="rId\#(i + 1)"/>"#
        }
        s += "</sheets>"
        // Defined names: Excel expects the hidden _FilterDatabase name for each autofilter;
        // Print_Titles repeats the header row on printed pages. Sorted by name, then sheet.
        var names: [String] = []
        for (i, sheet) in sheets.enumerated() where sheet.filterRange != nil {
            let quoted = "'" + sheet.name.replacingOccurrences(of: "'", with: "''") + "'"
            names.append(#"<definedName name="_xlnm._FilterDatabase" localSheetId="\#(i)" hidden="1">\#(SpreadsheetText.xmlEscaped(quoted + "!" + sheet.filterRange!.absolute))</definedName>"#)
        }
        for (i, sheet) in sheets.enumerated() where sheet.hasHeader && sheet.options.repeatHeaderWhenPrinting {
            let quoted = "'" + sheet.name.replacingOccurrences(of: "'", with: "''") + "'"
            names.append(#"<definedName name="_xlnm.Print_Titles" localSheetId="\#(i)">\#(SpreadsheetText.xmlEscaped(quoted + "!$1:$1"))</definedName>"#)
        }
        if !names.isEmpty { s += "<definedNames>" + names.joined() + "</definedNames>" }
        // Formula cells carry the caller's cached value; still ask for a recalculation on load.
        s += usesFormulas ? #"<calcPr calcId="191029" fullCalcOnLoad="1"/>"# : #"<calcPr calcId="191029"/>"#
        s += "</workbook>"
        return s
    }

    private func workbookRelsXML() -> String {
        var s = Parts.xmlDecl
        s += #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        for i in sheets.indices {
            s += #"<Relationship Id="rId\#(i + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#(i + 1).xml"/>"#
        }
        s += #"<Relationship Id="rId\#(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#
        s += "</Relationships>"
        return s
    }

    /// Everything before the rows. CT_Worksheet order: sheetPr?, dimension?, sheetViews?,
    /// sheetFormatPr?, cols*, sheetData, sheetCalcPr?, sheetProtection?, protectedRanges?,
    /// scenarios?, autoFilter?, sortState?, dataConsolidate?, customSheetViews?, mergeCells?,
    /// phoneticPr?, conditionalFormatting*, dataValidations?, hyperlinks?, printOptions?,
    /// pageMargins?, pageSetup?, headerFooter?, …
    private func worksheetHead(_ sheet: SheetState, selected: Bool) -> String {
        var s = Parts.xmlDecl
        s += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
        if sheet.options.fitToWidth {
            s += #"<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>"#
        }
        let lastCol = max(sheet.maxColumn, 1)
        let lastRow = max(sheet.rowCount, 1)
        let corner = String(decoding: letters(lastCol), as: UTF8.self) + String(lastRow)
        s += #"<dimension ref="\#(lastCol == 1 && lastRow == 1 ? "A1" : "A1:" + corner)"/>"#
        // Only the first sheet is tabSelected: several selected tabs would open as a group.
        s += "<sheetViews><sheetView" + (selected ? #" tabSelected="1""# : "") + #" workbookViewId="0">"#
        if sheet.hasHeader && sheet.options.freezeHeader {
            s += #"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
            s += #"<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>"#
        }
        s += "</sheetView></sheetViews>"
        s += #"<sheetFormatPr defaultRowHeight="15"/>"#
        let widths = sheet.columns.enumerated().compactMap { i, c in c.width.map { (i + 1, $0) } }
        if !widths.isEmpty {
            s += "<cols>"
            for (i, w) in widths {
                s += #"<col min="\#(i)" max="\#(i)" width="\#(w)" customWidth="1"/>"#
            }
            s += "</cols>"
        }
        s += sheet.rowCount == 0 ? "<sheetData/>" : "<sheetData>"
        return s
    }

    private func worksheetTail(_ sheet: SheetState) -> String {
        var s = sheet.rowCount == 0 ? "" : "</sheetData>"
        if let range = sheet.filterRange {
            s += #"<autoFilter ref="\#(range.relative)"/>"#
        }
        s += #"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#
        s += #"<pageSetup paperSize="\#(sheet.options.paper.rawValue)" orientation="\#(sheet.options.orientation.rawValue)""#
        if sheet.options.fitToWidth { s += #" fitToWidth="1" fitToHeight="0""# }
        s += "/>"
        s += "</worksheet>"
        return s
    }
}

/// Handle for appending rows to one sheet of an `XLSXWriter`.
public struct XLSXSheet: SpreadsheetRowWriter, Sendable {
    let writer: XLSXWriter
    let index: Int
    public let name: String

    /// Appends one row. `style` makes it a header, subtotal or total row.
    public func append(_ cells: [SpreadsheetCell], style: SpreadsheetRowStyle) throws {
        try writer.append(sheet: index, cells, style: style)
    }

    /// 1-based number of the last row written (the header is row 1), or 0.
    /// Useful for `SpreadsheetCell.sum(column:rows:)`.
    public var lastRowNumber: Int { writer.lastRowNumber(sheet: index) }
}

// MARK: - Internals

private final class SheetState {
    static let flushThreshold = 128 * 1024
    let name: String
    let columns: [SpreadsheetColumn]
    let options: XLSXWriter.SheetOptions
    let bodyURL: URL
    let handle: FileHandle
    var buffer: [UInt8] = []
    var bodySize: Int64 = 0
    var rowCount = 0
    var maxColumn = 0
    var hasHeader = false

    init(name: String, columns: [SpreadsheetColumn], options: XLSXWriter.SheetOptions, bodyURL: URL, handle: FileHandle) {
        self.name = name
        self.columns = columns
        self.options = options
        self.bodyURL = bodyURL
        self.handle = handle
        buffer.reserveCapacity(Self.flushThreshold + 16 * 1024)
    }

    /// Autofilter range: header row through the last row, over the header's columns.
    var filterRange: (relative: String, absolute: String)? {
        guard hasHeader, options.autoFilter else { return nil }
        let col = String(decoding: SpreadsheetText.columnLetters(columns.count), as: UTF8.self)
        let last = max(rowCount, 1)
        return ("A1:\(col)\(last)", "$A$1:$\(col)$\(last)")
    }
}

/// Reads head bytes, then the body file, then tail bytes, as one sequential stream.
private final class ConcatenatingReader {
    let head: [UInt8]
    let tail: [UInt8]
    let bodySize: Int64
    let file: FileHandle
    var size: Int64 { Int64(head.count) + bodySize + Int64(tail.count) }

    init(head: [UInt8], body: URL, bodySize: Int64, tail: [UInt8]) throws {
        guard let file = FileHandle(forReadingAtPath: body.path) else {
            throw SpreadsheetError.io("cannot read \(body.path)")
        }
        self.head = head
        self.tail = tail
        self.bodySize = bodySize
        self.file = file
    }

    func close() { try? file.close() }

    /// Returns exactly `count` bytes starting at `position` (ZIPFoundation asks sequentially).
    func read(at position: Int64, count: Int) throws -> Data {
        var out = Data(capacity: count)
        var pos = position
        var remaining = count
        let headEnd = Int64(head.count)
        let bodyEnd = headEnd + bodySize
        if remaining > 0, pos < headEnd {
            let n = min(Int64(remaining), headEnd - pos)
            out.append(contentsOf: head[Int(pos)..<Int(pos + n)])
            pos += n
            remaining -= Int(n)
        }
        if remaining > 0, pos < bodyEnd {
            let want = Int(min(Int64(remaining), bodyEnd - pos))
            try file.seek(toOffset: UInt64(pos - headEnd))
            var got = 0
            while got < want {
                guard let data = try file.read(upToCount: want - got), !data.isEmpty else {
                    throw SpreadsheetError.io("sheet body file ended early")
                }
                out.append(data)
                got += data.count
            }
            pos += Int64(want)
            remaining -= want
        }
        if remaining > 0, pos < bodyEnd + Int64(tail.count) {
            let start = Int(pos - bodyEnd)
            let n = min(remaining, tail.count - start)
            out.append(contentsOf: tail[start..<start + n])
            remaining -= n
        }
        return out
    }
}

private enum Tags {
    static let rowOpen = Array("<row r=\"".utf8)
    static let close = Array("\">".utf8)
    static let rowEnd = Array("</row>".utf8)
    static let cellOpen = Array("<c r=\"".utf8)
    static let styleAttr = Array(" s=\"".utf8)
    static let selfClose = Array("/>".utf8)
    static let valueOpen = Array("><v>".utf8)
    static let valueClose = Array("</v></c>".utf8)
    static let inlineStr = Array(" t=\"inlineStr\"><is><t xml:space=\"preserve\">".utf8)
    static let inlineStrClose = Array("</t></is></c>".utf8)
    static let formulaOpen = Array("><f>".utf8)
    static let cachedValueOpen = Array("<v>".utf8)
    static let formulaClose = Array("</f>".utf8)
    static let cellClose = Array("</c>".utf8)
}

private enum Parts {
    static let xmlDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let rootRels = xmlDecl
        + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
        + #"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#
        + #"<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>"#
        + "</Relationships>"
}

/// The fixed style sheet. cellXfs index = rowStyle × kinds + kind, where kind is
/// `SpreadsheetNumberFormat.rawValue` (0 general, 2 decimal, 3 rupiah, 4 percent,
/// 5 date, 6 date-time) or 1 for general text with `quotePrefix` (formula-looking text).
enum Styles {
    static let general = 0
    static let quotedText = 1
    static let kinds = 7

    static func xf(style: SpreadsheetRowStyle, kind: Int) -> Int { style.rawValue * kinds + kind }

    /// numFmtId per kind: built-ins 0 (General), 4 (#,##0.00), 10 (0.00%); custom ≥ 164.
    private static let numFmtIds = [0, 0, 4, 164, 10, 165, 166]

    static let xml: String = {
        var s = Parts.xmlDecl
        s += #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        s += #"<numFmts count="3">"#
        s += #"<numFmt numFmtId="164" formatCode="&quot;Rp&quot; #,##0"/>"#
        s += #"<numFmt numFmtId="165" formatCode="dd/mm/yyyy"/>"#
        s += #"<numFmt numFmtId="166" formatCode="dd/mm/yyyy hh:mm"/>"#
        s += "</numFmts>"
        s += #"<fonts count="2">"#
        s += #"<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#
        s += #"<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#
        s += "</fonts>"
        // The first two fills are reserved (none, gray125); 2 = header grey.
        s += #"<fills count="3">"#
        s += #"<fill><patternFill patternType="none"/></fill>"#
        s += #"<fill><patternFill patternType="gray125"/></fill>"#
        s += #"<fill><patternFill patternType="solid"><fgColor rgb="FFD9D9D9"/><bgColor indexed="64"/></patternFill></fill>"#
        s += "</fills>"
        // CT_Border order: left, right, top, bottom, diagonal.
        s += #"<borders count="4">"#
        s += "<border><left/><right/><top/><bottom/><diagonal/></border>"
        s += #"<border><left/><right/><top/><bottom style="thin"><color indexed="64"/></bottom><diagonal/></border>"#
        s += #"<border><left/><right/><top style="thin"><color indexed="64"/></top><bottom/><diagonal/></border>"#
        s += #"<border><left/><right/><top style="thin"><color indexed="64"/></top><bottom style="double"><color indexed="64"/></bottom><diagonal/></border>"#
        s += "</borders>"
        s += #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        s += #"<cellXfs count="\#(SpreadsheetRowStyle.allCases.count * kinds)">"#
        for style in SpreadsheetRowStyle.allCases {
            let (font, fill, border): (Int, Int, Int)
            switch style {
            case .normal: (font, fill, border) = (0, 0, 0)
            case .header: (font, fill, border) = (1, 2, 1)
            case .subtotal: (font, fill, border) = (1, 0, 2)
            case .total: (font, fill, border) = (1, 0, 3)
            }
            for kind in 0..<kinds {
                let fmt = numFmtIds[kind]
                s += #"<xf numFmtId="\#(fmt)" fontId="\#(font)" fillId="\#(fill)" borderId="\#(border)" xfId="0""#
                if fmt != 0 { s += #" applyNumberFormat="1""# }
                if font != 0 { s += #" applyFont="1""# }
                if fill != 0 { s += #" applyFill="1""# }
                if border != 0 { s += #" applyBorder="1""# }
                if kind == quotedText { s += #" quotePrefix="1""# }
                if style == .header {
                    s += #" applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>"#
                } else {
                    s += "/>"
                }
            }
        }
        s += "</cellXfs>"
        s += #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        s += #"<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" defaultPivotStyle="PivotStyleLight16"/>"#
        s += "</styleSheet>"
        return s
    }()
}
