import Foundation

/// One value of a logical dump. The line says which it is (a number with a point or an
/// exponent is a real), so a line reads the same whichever database wrote it.
public enum DumpValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)

    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): "\(value)"
        case .real(let value): "\(value)"
        case .text(let value): value
        case .bool(let value): "\(value)"
        }
    }
}

struct RowLineError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "unreadable row: \(reason)" }
}

/// A row as one JSON array on one line: `[1,"Jalan desa",null,12.5,true]`. Written and read
/// here by hand: a backup of a large regency is millions of values, and the format is tiny.
enum RowLine {
    static func encode(_ values: [DumpValue], into out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            switch value {
            case .null: out.append(contentsOf: "null".utf8)
            case .integer(let number): out.append(contentsOf: String(number).utf8)
            case .real(let number):
                guard number.isFinite else { throw RowLineError(reason: "a real that is not finite (\(number))") }
                var text = "\(number)"
                if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { text += ".0" }
                out.append(contentsOf: text.utf8)
            case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
            case .text(let text):
                out.append(UInt8(ascii: "\""))
                for byte in text.utf8 {
                    switch byte {
                    case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                    case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                    case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
                    case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
                    case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
                    case 0..<0x20:
                        let hex = Array("0123456789abcdef".utf8)
                        out.append(contentsOf: #"\u00"#.utf8)
                        out.append(hex[Int(byte >> 4)])
                        out.append(hex[Int(byte & 0xF)])
                    default: out.append(byte)
                    }
                }
                out.append(UInt8(ascii: "\""))
            }
        }
        out.append(UInt8(ascii: "]"))
        out.append(UInt8(ascii: "\n"))
    }

    /// Reads one line (without its newline).
    static func decode(_ line: UnsafeBufferPointer<UInt8>) throws -> [DumpValue] {
        var index = 0
        let count = line.count
        func fail(_ reason: String) -> RowLineError { RowLineError(reason: "\(reason) at byte \(index)") }
        guard count >= 2, line[0] == UInt8(ascii: "["), line[count - 1] == UInt8(ascii: "]") else { throw fail("not an array") }
        index = 1
        var values: [DumpValue] = []
        if index == count - 1 { return values }
        while true {
            guard index < count - 1 else { throw fail("a value is missing") }
            let byte = line[index]
            switch byte {
            case UInt8(ascii: "n"):
                guard index + 4 <= count, line[index + 1] == UInt8(ascii: "u"), line[index + 2] == UInt8(ascii: "l"),
                      line[index + 3] == UInt8(ascii: "l") else { throw fail("bad literal") }
                values.append(.null); index += 4
            case UInt8(ascii: "t"):
                guard index + 4 <= count, line[index + 1] == UInt8(ascii: "r") else { throw fail("bad literal") }
                values.append(.bool(true)); index += 4
            case UInt8(ascii: "f"):
                guard index + 5 <= count, line[index + 1] == UInt8(ascii: "a") else { throw fail("bad literal") }
                values.append(.bool(false)); index += 5
            case UInt8(ascii: "\""):
                index += 1
                var bytes: [UInt8] = []
                var closed = false
                while index < count {
                    let current = line[index]
                    if current == UInt8(ascii: "\"") { closed = true; index += 1; break }
                    if current == UInt8(ascii: "\\") {
                        guard index + 1 < count else { throw fail("cut escape") }
                        let escaped = line[index + 1]
                        index += 2
                        switch escaped {
                        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
                        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
                        case UInt8(ascii: "/"): bytes.append(UInt8(ascii: "/"))
                        case UInt8(ascii: "n"): bytes.append(UInt8(ascii: "\n"))
                        case UInt8(ascii: "r"): bytes.append(UInt8(ascii: "\r"))
                        case UInt8(ascii: "t"): bytes.append(UInt8(ascii: "\t"))
                        case UInt8(ascii: "b"): bytes.append(0x08)
                        case UInt8(ascii: "f"): bytes.append(0x0C)
                        case UInt8(ascii: "u"):
                            guard index + 4 <= count,
                                  let code = UInt32(String(decoding: UnsafeBufferPointer(rebasing: line[index..<index + 4]), as: UTF8.self), radix: 16)
                            else { throw fail("bad \\u escape") }
                            index += 4
                            var scalarValue = code
                            if (0xD800..<0xDC00).contains(code) {
                                guard index + 6 <= count, line[index] == UInt8(ascii: "\\"), line[index + 1] == UInt8(ascii: "u"),
                                      let low = UInt32(String(decoding: UnsafeBufferPointer(rebasing: line[index + 2..<index + 6]), as: UTF8.self), radix: 16),
                                      (0xDC00..<0xE000).contains(low) else { throw fail("lone surrogate") }
                                index += 6
                                scalarValue = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            }
                            guard let scalar = Unicode.Scalar(scalarValue) else { throw fail("bad code point") }
                            bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                        default: throw fail("unknown escape")
                        }
                    } else {
                        bytes.append(current)
                        index += 1
                    }
                }
                guard closed else { throw fail("unterminated text") }
                guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("text that is not UTF-8") }
                values.append(.text(text))
            default:
                let start = index
                var isReal = false
                while index < count - 1, line[index] != UInt8(ascii: ",") {
                    let current = line[index]
                    if current == UInt8(ascii: ".") || current == UInt8(ascii: "e") || current == UInt8(ascii: "E") { isReal = true }
                    index += 1
                }
                let text = String(decoding: UnsafeBufferPointer(rebasing: line[start..<index]), as: UTF8.self)
                if isReal {
                    guard let number = Double(text), number.isFinite else { throw fail("bad number \(text.prefix(30))") }
                    values.append(.real(number))
                } else {
                    guard let number = Int64(text) else { throw fail("bad number \(text.prefix(30))") }
                    values.append(.integer(number))
                }
            }
            if index == count - 1 { return values }
            guard line[index] == UInt8(ascii: ",") else { throw fail("expected a comma") }
            index += 1
        }
    }
}
