import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Streaming CSV writer with the same row API as `XLSXSheet`.
///
/// - UTF-8 with a byte-order mark (so Excel detects UTF-8), CRLF line ends.
/// - RFC 4180 quoting: a field is quoted when it contains the delimiter, `,` or `;`
///   (so it survives being opened with either list separator), `"`, CR or LF; quotes are
///   doubled. `quoteAllText` quotes every text field.
/// - Formula injection: a text field that starts with `=`, `+`, `-`, `@` (also after leading
///   whitespace) or with a tab or CR gets a leading `'` (OWASP CSV-injection guidance).
///   Numbers, dates and amounts are typed and never prefixed.
/// - Numbers are written plainly (`1250000`, `0.125`), Rupiah without "Rp" so they stay
///   numeric, dates as ISO `yyyy-MM-dd` / `yyyy-MM-dd HH:mm:ss` in the writer's time zone.
/// - Row style is ignored (CSV has no formatting).
///
/// Output goes either to a file (written to a temporary sibling and moved into place by
/// `finish()`) or to a chunk callback (called with about `chunkSize` bytes at a time and
/// once more from `finish()`).
public final class CSVWriter: SpreadsheetRowWriter, @unchecked Sendable {
    public struct Options: Sendable {
        public var delimiter: Character
        /// Decimal separator for non-integer numbers (default "."; "," suits Indonesian
        /// Excel when the delimiter is ";").
        public var decimalSeparator: Character
        public var byteOrderMark: Bool
        public var quoteAllText: Bool
        public var timeZone: TimeZone

        public init(delimiter: Character = ",", decimalSeparator: Character = ".", byteOrderMark: Bool = true,
                    quoteAllText: Bool = false, timeZone: TimeZone = TimeZone(secondsFromGMT: 7 * 3600)!) {
            precondition(delimiter.isASCII && delimiter != "\"" && !delimiter.isNewline, "unsupported CSV delimiter")
            self.delimiter = delimiter
            self.decimalSeparator = decimalSeparator
            self.byteOrderMark = byteOrderMark
            self.quoteAllText = quoteAllText
            self.timeZone = timeZone
        }
    }

    private enum Sink {
        case file(handle: FileHandle, partial: URL, destination: URL)
        case callback(@Sendable (Data) throws -> Void)
    }

    private let options: Options
    private let delimiter: UInt8
    private let chunkSize: Int
    private let lock = NSLock()
    private var sink: Sink
    private var buffer: [UInt8] = []
    private var finished = false

    /// Writes to `destination` (replaced atomically by `finish()`). A non-empty `columns`
    /// writes the header row first.
    public init(destination: URL, columns: [SpreadsheetColumn] = [], options: Options = Options()) throws {
        let partial = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).partial")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: partial.path) else {
            throw SpreadsheetError.io("cannot create \(partial.path)")
        }
        self.options = options
        self.delimiter = options.delimiter.asciiValue!
        self.chunkSize = 128 * 1024
        self.sink = .file(handle: handle, partial: partial, destination: destination)
        try start(columns)
    }

    /// Streams to `onChunk` (e.g. an HTTP response body). A thrown error from the callback
    /// is passed on by `append`/`finish`.
    public init(columns: [SpreadsheetColumn] = [], options: Options = Options(), chunkSize: Int = 64 * 1024,
                onChunk: @escaping @Sendable (Data) throws -> Void) throws {
        self.options = options
        self.delimiter = options.delimiter.asciiValue!
        self.chunkSize = max(1, chunkSize)
        self.sink = .callback(onChunk)
        try start(columns)
    }

    deinit {
        if !finished, case let .file(handle, partial, _) = sink {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
        }
    }

    private func start(_ columns: [SpreadsheetColumn]) throws {
        buffer.reserveCapacity(chunkSize + 4096)
        if options.byteOrderMark { buffer.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
        if !columns.isEmpty {
            lock.lock()
            defer { lock.unlock() }
            try appendLocked(columns.map { .text($0.title) })
        }
    }

    public func append(_ cells: [SpreadsheetCell], style: SpreadsheetRowStyle = .normal) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { throw SpreadsheetError.alreadyFinished }
        try appendLocked(cells)
    }

    private func appendLocked(_ cells: [SpreadsheetCell]) throws {
        for (i, cell) in cells.enumerated() {
            if i > 0 { buffer.append(delimiter) }
            appendField(cell)
        }
        buffer.append(0x0D)
        buffer.append(0x0A)
        if buffer.count >= chunkSize { try flush() }
    }

    /// Flushes the rest and closes the output (moving the file into place).
    public func finish() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { throw SpreadsheetError.alreadyFinished }
        finished = true
        do {
            try flush()
            if case let .file(handle, partial, destination) = sink {
                try handle.close()
                guard rename(partial.path, destination.path) == 0 else {
                    throw SpreadsheetError.io("cannot move into \(destination.path): errno \(errno)")
                }
            }
        } catch {
            if case let .file(handle, partial, _) = sink {
                try? handle.close()
                try? FileManager.default.removeItem(at: partial)
            }
            throw error
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        let data = Data(buffer)
        buffer.removeAll(keepingCapacity: true)
        switch sink {
        case let .file(handle, partial, _):
            do { try handle.write(contentsOf: data) } catch {
                throw SpreadsheetError.io("writing \(partial.path): \(error)")
            }
        case let .callback(onChunk):
            try onChunk(data)
        }
    }

    // MARK: Fields

    private func appendField(_ cell: SpreadsheetCell) {
        switch cell {
        case .empty:
            return
        case let .text(s):
            appendText(s)
        case let .integer(i):
            buffer.append(contentsOf: String(i).utf8)
        case let .number(d), let .percent(d):
            if let s = SpreadsheetText.doubleString(d) { appendNumber(s) }
        case let .decimal(d), let .rupiah(d):
            if let s = SpreadsheetText.decimalString(d) { appendNumber(s) }
        case let .date(date):
            buffer.append(contentsOf: SpreadsheetText.isoString(date, timeZone: options.timeZone, includeTime: false).utf8)
        case let .dateTime(date):
            buffer.append(contentsOf: SpreadsheetText.isoString(date, timeZone: options.timeZone, includeTime: true).utf8)
        case let .formula(_, cachedValue, _):
            // Never write the formula itself into a CSV.
            if let cachedValue, let s = SpreadsheetText.decimalString(cachedValue) { appendNumber(s) }
        }
    }

    private func appendNumber(_ s: String) {
        let sep = options.decimalSeparator
        if sep == "." {
            buffer.append(contentsOf: s.utf8)
        } else {
            // "," as decimal separator collides with a "," delimiter or the ,/; safety rule: quote.
            let text = s.replacingOccurrences(of: ".", with: String(sep))
            if text.utf8.contains(delimiter) || text.contains(",") || text.contains(";") {
                buffer.append(0x22)
                buffer.append(contentsOf: text.utf8)
                buffer.append(0x22)
            } else {
                buffer.append(contentsOf: text.utf8)
            }
        }
    }

    private func appendText(_ raw: String) {
        let neutralise = SpreadsheetText.looksLikeFormula(raw)
        var needsQuotes = options.quoteAllText
        var s = raw
        // Scan once: find characters that force quoting; drop NUL and other C0 controls
        // (except tab, CR, LF) and the non-characters U+FFFE/U+FFFF, which break CSV consumers.
        var hasControl = false
        for b in s.utf8 {
            switch b {
            case delimiter, 0x2C, 0x3B, 0x22, 0x0D, 0x0A: needsQuotes = true
            case 0x09: break
            case 0x00..<0x20, 0xEF: hasControl = true // 0xEF: maybe U+FFFE/U+FFFF
            default: break
            }
        }
        if hasControl {
            s = String(String.UnicodeScalarView(s.unicodeScalars.filter {
                ($0.value >= 0x20 || $0.value == 0x09 || $0.value == 0x0A || $0.value == 0x0D)
                    && $0.value != 0xFFFE && $0.value != 0xFFFF
            }))
        }
        if needsQuotes { buffer.append(0x22) }
        if neutralise { buffer.append(0x27) } // '
        for b in s.utf8 {
            if b == 0x22 { buffer.append(0x22) }
            buffer.append(b)
        }
        if needsQuotes { buffer.append(0x22) }
    }
}
