import Foundation

// Shared model for the streaming XLSX and CSV writers: cells, columns, row styles,
// errors, and the text/number/date helpers both writers use.

/// One cell value. Numbers are written as real numbers (never as text), dates as
/// real Excel date serials, text as inline strings (XLSX) or quoted fields (CSV).
public enum SpreadsheetCell: Sendable, Hashable {
    /// No value. In a subtotal/total/header row the cell is still written so that it
    /// gets the row's border; otherwise it is omitted.
    case empty
    /// Plain text. Never evaluated as a formula: in XLSX it is an inline string (with
    /// Excel's `quotePrefix` when it looks like a formula), in CSV a formula-looking
    /// value gets a leading `'` (OWASP CSV-injection guidance).
    case text(String)
    /// Whole number, format "General".
    case integer(Int)
    /// Floating point number, format "General". NaN/infinity are written as empty cells.
    case number(Double)
    /// Decimal number shown with two decimals and grouping (`#,##0.00`, built-in format 4).
    case decimal(Decimal)
    /// Rupiah amount: the number itself, shown with the custom format `"Rp" #,##0`.
    case rupiah(Decimal)
    /// Fraction shown as percent (`0.00%`, built-in format 10): 0.125 is shown as 12.50%.
    case percent(Double)
    /// Calendar day of the instant in the writer's time zone (default WIB, UTC+7),
    /// written as an Excel date serial with format `dd/mm/yyyy`.
    case date(Date)
    /// Date and time in the writer's time zone, format `dd/mm/yyyy hh:mm`.
    case dateTime(Date)
    /// A formula written by the *program* (never pass user input here). `expression` is
    /// written without a leading `=`. `cachedValue` is stored as the cell's last computed
    /// value so that readers that do not recalculate (openpyxl, viewers, previews) still
    /// show a number; the workbook asks Excel/LibreOffice to recalculate on load.
    /// CSV output writes the cached value (or nothing), never the formula.
    case formula(String, cachedValue: Decimal? = nil, format: SpreadsheetNumberFormat = .general)

    /// `SUM` over rows `rows` (1-based sheet row numbers, as returned by
    /// `XLSXSheet.lastRowNumber`) of column `column` (1-based). Pass the caller's own total
    /// as `cachedValue` so every reader shows it even without recalculation.
    public static func sum(column: Int, rows: ClosedRange<Int>, cachedValue: Decimal? = nil,
                           format: SpreadsheetNumberFormat = .rupiah) -> SpreadsheetCell {
        let letters = String(decoding: SpreadsheetText.columnLetters(column), as: UTF8.self)
        return .formula("SUM(\(letters)\(rows.lowerBound):\(letters)\(rows.upperBound))",
                        cachedValue: cachedValue, format: format)
    }
}

/// Number formats a formula cell can be shown with (the same ones the typed cells use).
public enum SpreadsheetNumberFormat: Int, Sendable, Hashable, CaseIterable {
    case general = 0
    case decimal = 2
    case rupiah = 3
    case percent = 4
    case date = 5
    case dateTime = 6
}

/// How a whole row is rendered.
public enum SpreadsheetRowStyle: Int, Sendable, Hashable, CaseIterable {
    case normal = 0
    /// Bold on a light grey fill with a thin bottom border (used for the column titles).
    case header = 1
    /// Bold with a thin top border.
    case subtotal = 2
    /// Bold with a thin top border and a double bottom border.
    case total = 3
}

/// A column: its title (the header row) and optional width in Excel character units.
public struct SpreadsheetColumn: Sendable, Hashable {
    public var title: String
    public var width: Double?
    public init(title: String, width: Double? = nil) {
        self.title = title
        self.width = width
    }
}

/// Common row API of `XLSXSheet` and `CSVWriter`, so one export routine can feed both.
public protocol SpreadsheetRowWriter: Sendable {
    func append(_ cells: [SpreadsheetCell], style: SpreadsheetRowStyle) throws
}

extension SpreadsheetRowWriter {
    public func append(_ cells: [SpreadsheetCell]) throws {
        try append(cells, style: .normal)
    }
}

public enum SpreadsheetError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidSheetName(String, reason: String)
    case duplicateSheetName(String)
    case tooManyRows(sheet: String)
    case tooManyColumns(Int)
    case noSheets
    case alreadyFinished
    case io(String)

    public var description: String {
        switch self {
        case let .invalidSheetName(name, reason): return "invalid sheet name \"\(name)\": \(reason)"
        case let .duplicateSheetName(name): return "duplicate sheet name \"\(name)\""
        case let .tooManyRows(sheet): return "sheet \"\(sheet)\" exceeds 1,048,576 rows"
        case let .tooManyColumns(count): return "\(count) columns exceed the limit of 16,384"
        case .noSheets: return "a workbook needs at least one sheet"
        case .alreadyFinished: return "the writer is already finished"
        case let .io(message): return "I/O error: \(message)"
        }
    }
}

/// Text, number and date helpers shared by both writers. Internal.
enum SpreadsheetText {
    static let maxRows = 1_048_576
    static let maxColumns = 16_384
    /// Excel's limit on the characters in one cell.
    static let maxCellCharacters = 32_767
    /// Default time zone: WIB (Asia/Jakarta, UTC+7, no daylight saving). A fixed offset
    /// needs no tzdata on the server.
    static let wib = TimeZone(secondsFromGMT: 7 * 3600)!

    /// True if a spreadsheet program could take the text for a formula: it starts with
    /// `=`, `+`, `-`, `@` (or their full-width forms), possibly after leading whitespace
    /// or control characters, or it starts with a tab or carriage return.
    static func looksLikeFormula(_ s: String) -> Bool {
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0D:
                return true
            case 0x3D, 0x2B, 0x2D, 0x40, 0xFF1D, 0xFF0B, 0xFF0D, 0xFF20: // = + - @ and full-width
                return true
            default:
                if scalar.value < 0x20 || scalar.properties.isWhitespace { continue }
                return false
            }
        }
        return false
    }

    /// Cuts the text to Excel's 32,767-character cell limit (counted in UTF-16 units,
    /// never splitting a character).
    static func truncatedForCell(_ s: String) -> String {
        guard s.utf8.count > maxCellCharacters, s.utf16.count > maxCellCharacters else { return s }
        var units = 0
        var end = s.startIndex
        for ch in s {
            let w = ch.utf16.count
            if units + w > maxCellCharacters { break }
            units += w
            end = s.index(after: end)
        }
        return String(s[..<end])
    }

    /// Appends `s` as XML character data / attribute value:
    /// - escapes `& < > " '`;
    /// - drops characters not allowed in XML 1.0 (C0 controls other than tab, LF, CR, and
    ///   U+FFFE/U+FFFF; Swift strings never hold lone surrogates);
    /// - turns CR LF and lone CR into LF (XML parsers do this anyway; LF is Excel's line break);
    /// - escapes `_xHHHH_` sequences as `_x005F_xHHHH_`, because Excel and LibreOffice
    ///   decode `_xHHHH_` in SpreadsheetML strings (ST_Xstring) and would change the text.
    static func appendXMLEscaped(_ string: String, to out: inout [UInt8]) {
        var s = string
        s.withUTF8 { buf in
            let n = buf.count
            var i = 0
            while i < n {
                let b = buf[i]
                switch b {
                case 0x26: out.append(contentsOf: amp)
                case 0x3C: out.append(contentsOf: lt)
                case 0x3E: out.append(contentsOf: gt)
                case 0x22: out.append(contentsOf: quot)
                case 0x27: out.append(contentsOf: apos)
                case 0x09, 0x0A: out.append(b)
                case 0x0D:
                    out.append(0x0A)
                    if i + 1 < n, buf[i + 1] == 0x0A { i += 1 }
                case 0x00..<0x20:
                    break // illegal in XML 1.0: dropped
                case 0x5F: // "_"
                    if isXEscape(buf, at: i) { out.append(contentsOf: escapedUnderscore) } else { out.append(b) }
                case 0xEF:
                    if i + 2 < n, buf[i + 1] == 0xBF, buf[i + 2] == 0xBE || buf[i + 2] == 0xBF {
                        i += 3 // U+FFFE / U+FFFF: not XML characters
                        continue
                    }
                    out.append(b)
                default:
                    out.append(b)
                }
                i += 1
            }
        }
    }

    /// `_x` + 4 hex digits + `_` at `i`.
    private static func isXEscape(_ buf: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i + 6 < buf.count, buf[i + 1] == 0x78 || buf[i + 1] == 0x58, buf[i + 6] == 0x5F else { return false }
        for k in 2...5 {
            switch buf[i + k] {
            case 0x30...0x39, 0x41...0x46, 0x61...0x66: continue
            default: return false
            }
        }
        return true
    }

    private static let amp = Array("&amp;".utf8)
    private static let lt = Array("&lt;".utf8)
    private static let gt = Array("&gt;".utf8)
    private static let quot = Array("&quot;".utf8)
    private static let apos = Array("&apos;".utf8)
    private static let escapedUnderscore = Array("_x005F_".utf8)

    static func xmlEscaped(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        appendXMLEscaped(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Column letters for a 1-based column index: 1 → A, 27 → AA.
    static func columnLetters(_ column: Int) -> [UInt8] {
        var n = column
        var letters: [UInt8] = []
        while n > 0 {
            let r = (n - 1) % 26
            letters.insert(UInt8(65 + r), at: 0)
            n = (n - 1) / 26
        }
        return letters
    }

    // MARK: Numbers

    /// Plain decimal notation ("1250000.5", "-3"), or nil for NaN.
    static func decimalString(_ d: Decimal) -> String? {
        d.isNaN ? nil : d.description
    }

    /// Shortest round-trip notation ("0.125", "1e-05", whole numbers without ".0"), or nil for NaN/infinity.
    static func doubleString(_ d: Double) -> String? {
        guard d.isFinite else { return nil }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) } // "12", not "12.0"
        return "\(d)"
    }

    // MARK: Dates

    /// Excel serial of 1970-01-01 in the 1900 date system.
    static let unixEpochSerial = 25_569.0
    /// Serial 61 is 1900-03-01; earlier serials carry Excel's Lotus leap-year bug.
    static let firstSafeSerial = 61.0

    /// Seconds since 1970-01-01 00:00 *local* time in `tz`.
    static func localSeconds(_ date: Date, _ tz: TimeZone) -> Double {
        date.timeIntervalSince1970 + Double(tz.secondsFromGMT(for: date))
    }

    /// Excel serial (1900 date system): whole days for `.date`, with the time as a
    /// fraction for `.dateTime` (rounded to the second). Nil before 1900-03-01.
    static func excelSerial(_ date: Date, timeZone: TimeZone, includeTime: Bool) -> Double? {
        let local = localSeconds(date, timeZone)
        let days = (local / 86_400).rounded(.down)
        var serial = days + unixEpochSerial
        if includeTime {
            serial += ((local - days * 86_400).rounded()) / 86_400
        }
        return serial >= firstSafeSerial ? serial : nil
    }

    /// "yyyy-MM-dd" or "yyyy-MM-dd HH:mm:ss" in `tz`, without Calendar/DateFormatter.
    static func isoString(_ date: Date, timeZone: TimeZone, includeTime: Bool, utcSuffix: Bool = false) -> String {
        let local = localSeconds(date, timeZone).rounded()
        let days = Int((local / 86_400).rounded(.down))
        let secs = Int(local) - days * 86_400
        let (y, m, d) = civil(fromDays: days)
        var s = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
        if includeTime {
            s += (utcSuffix ? "T" : " ") + pad(secs / 3600, 2) + ":" + pad(secs / 60 % 60, 2) + ":" + pad(secs % 60, 2)
            if utcSuffix { s += "Z" }
        }
        return s
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Days since 1970-01-01 → proleptic Gregorian (year, month, day). H. Hinnant's algorithm.
    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
