/// RFC 4180 records from bytes that arrive in pieces (a file read in chunks, an upload), so an
/// import never holds more than one chunk and the records it has not yet checked. Fields may be
/// quoted, hold the separator, doubled quotes and line breaks; lines end in LF or CRLF. A UTF-8
/// byte-order mark at the very start (as spreadsheet programs write) is dropped.
public struct CSVParser: Sendable {
    public let separator: UInt8
    private var field: [UInt8] = []
    private var record: [String] = []
    private var quoted = false
    /// A quote seen inside a quoted field: either the end of the quotes or the first of a pair.
    private var quoteInQuoted = false
    private var atFieldStart = true
    private var started = false
    private var bomBytes: [UInt8] = []
    /// Bytes after a closing quote that are not a separator or line end: the record is malformed.
    public private(set) var malformed = false

    public init(separator: UInt8 = UInt8(ascii: ",")) {
        self.separator = separator
    }

    /// The records completed by this piece of input.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [[String]] {
        var records: [[String]] = []
        for byte in bytes {
            if !started {
                // Hold back up to three bytes to see whether they are the BOM EF BB BF.
                bomBytes.append(byte)
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                if bomBytes == Array(bom.prefix(bomBytes.count)) {
                    if bomBytes.count == 3 { started = true; bomBytes = [] }
                    continue
                }
                started = true
                let held = bomBytes
                bomBytes = []
                for b in held { step(b, into: &records) }
                continue
            }
            step(byte, into: &records)
        }
        return records
    }

    /// The last record, when the input does not end with a line break.
    public mutating func finish() -> [[String]] {
        var records: [[String]] = []
        if !started {
            started = true
            for b in bomBytes { step(b, into: &records) }
            bomBytes = []
        }
        if quoted && !quoteInQuoted { malformed = true }
        if !atFieldStart || !record.isEmpty || !field.isEmpty || quoteInQuoted {
            endField()
            records.append(record)
            record = []
        }
        return records
    }

    private mutating func step(_ byte: UInt8, into records: inout [[String]]) {
        let quote = UInt8(ascii: "\"")
        if quoted {
            if quoteInQuoted {
                quoteInQuoted = false
                if byte == quote { field.append(quote); return }
                quoted = false
                closedQuote = true
                // The byte after a closing quote is read as outside quotes, below.
            } else if byte == quote {
                quoteInQuoted = true
                return
            } else {
                field.append(byte)
                return
            }
        }
        switch byte {
        case quote where atFieldStart:
            quoted = true
            atFieldStart = false
        case separator:
            endField()
        case UInt8(ascii: "\n"):
            endField()
            // A blank line is no record.
            if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
            record = []
        case UInt8(ascii: "\r"):
            break
        default:
            // `"a"b`: text after a field's closing quote.
            if closedQuote { malformed = true }
            field.append(byte)
            atFieldStart = false
        }
    }

    private var closedQuote = false

    private mutating func endField() {
        record.append(String(decoding: field, as: UTF8.self))
        field = []
        atFieldStart = true
        quoted = false
        quoteInQuoted = false
        closedQuote = false
    }
}
