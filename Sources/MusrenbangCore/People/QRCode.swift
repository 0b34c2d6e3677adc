/// A QR code (ISO/IEC 18004) for short texts such as a check-in code: version 1 (21×21),
/// error correction level L, byte mode, up to 17 bytes. Small on purpose: enough for what the
/// platform prints, with no dependency and no network.
public struct QRCode: Sendable, Equatable {
    public static let size = 21
    public static let capacity = 17

    /// `modules[row][column]`, true = dark.
    public let modules: [[Bool]]
    /// The mask pattern chosen (0–7), the one with the lowest penalty.
    public let mask: Int

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.capacity else { return nil }
        let codewords = Self.codewords(bytes)
        var best: (modules: [[Bool]], mask: Int, penalty: Int)?
        for mask in 0..<8 {
            let modules = Self.matrix(codewords, mask: mask)
            let penalty = Self.penalty(modules)
            if best == nil || penalty < best!.penalty { best = (modules, mask, penalty) }
        }
        modules = best!.modules
        mask = best!.mask
    }

    /// An SVG drawing with a quiet zone of 4 modules; only our own numbers go into it.
    public func svg(title: String) -> String {
        var path = ""
        for (row, line) in modules.enumerated() {
            for (column, dark) in line.enumerated() where dark {
                path += "M\(column + 4),\(row + 4)h1v1h-1z"
            }
        }
        let titleText = title.map { character -> String in
            switch character {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            default: String(character)
            }
        }.joined()
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 29 29\" width=\"174\" height=\"174\" role=\"img\" "
            + "aria-label=\"\(titleText)\" data-mask=\"\(mask)\" shape-rendering=\"crispEdges\"><title>\(titleText)</title>"
            + "<rect width=\"29\" height=\"29\" fill=\"#fff\"/><path d=\"\(path)\" fill=\"#000\"/></svg>"
    }

    // MARK: encoding

    /// Data codewords (19) followed by error-correction codewords (7).
    static func codewords(_ bytes: [UInt8]) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for i in (0..<count).reversed() { bits.append((value >> i) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, 8)
        for byte in bytes { append(Int(byte), 8) }
        let capacityBits = 19 * 8
        append(0, min(4, capacityBits - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var data = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while data.count < 19 {
            data.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return data + reedSolomon(data, degree: 7)
    }

    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for i in (0..<8).reversed() {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= ((Int(y) >> i) & 1) * Int(x)
        }
        return UInt8(z)
    }

    static func reedSolomon(_ data: [UInt8], degree: Int) -> [UInt8] {
        var divisor = [UInt8](repeating: 0, count: degree)
        divisor[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                divisor[j] = multiply(divisor[j], root)
                if j + 1 < degree { divisor[j] ^= divisor[j + 1] }
            }
            root = multiply(root, 0x02)
        }
        var result = [UInt8](repeating: 0, count: degree)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for i in 0..<degree { result[i] ^= multiply(divisor[i], factor) }
        }
        return result
    }

    // MARK: the matrix

    static func matrix(_ codewords: [UInt8], mask: Int) -> [[Bool]] {
        let n = size
        var modules = [[Bool]](repeating: [Bool](repeating: false, count: n), count: n)
        var function = modules
        func set(_ x: Int, _ y: Int, _ dark: Bool) {
            modules[y][x] = dark
            function[y][x] = true
        }
        for i in 0..<n {
            set(6, i, i % 2 == 0)
            set(i, 6, i % 2 == 0)
        }
        for (cx, cy) in [(3, 3), (n - 4, 3), (3, n - 4)] {
            for dy in -4...4 {
                for dx in -4...4 where (0..<n).contains(cx + dx) && (0..<n).contains(cy + dy) {
                    let distance = max(abs(dx), abs(dy))
                    set(cx + dx, cy + dy, distance != 2 && distance != 4)
                }
            }
        }
        drawFormat(mask: mask, set: set)

        var index = 0
        var right = n - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vertical in 0..<n {
                for j in 0..<2 {
                    let x = right - j
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? n - 1 - vertical : vertical
                    if !function[y][x] && index < codewords.count * 8 {
                        modules[y][x] = (codewords[index >> 3] >> (7 - UInt8(index & 7))) & 1 == 1
                        index += 1
                    }
                }
            }
            right -= 2
        }
        for y in 0..<n {
            for x in 0..<n where !function[y][x] && masked(mask, x, y) {
                modules[y][x].toggle()
            }
        }
        return modules
    }

    static func masked(_ mask: Int, _ x: Int, _ y: Int) -> Bool {
        switch mask {
        case 0: (x + y) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (x + y) % 3 == 0
        case 4: (x / 3 + y / 2) % 2 == 0
        case 5: x * y % 2 + x * y % 3 == 0
        case 6: (x * y % 2 + x * y % 3) % 2 == 0
        default: ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    /// Format information: level L (01) and the mask, BCH-protected, in both copies, plus the dark module.
    static func drawFormat(mask: Int, set: (Int, Int, Bool) -> Void) {
        let n = size
        let data = 0b01 << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { set(8, i, bit(i)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for i in 9..<15 { set(14 - i, 8, bit(i)) }
        for i in 0..<8 { set(n - 1 - i, 8, bit(i)) }
        for i in 8..<15 { set(8, n - 15 + i, bit(i)) }
        set(8, n - 8, true)
    }

    /// The standard's penalty rules for runs, blocks and balance (finder look-alikes are left
    /// out: any mask decodes, this only prefers an even-looking one).
    static func penalty(_ modules: [[Bool]]) -> Int {
        let n = size
        var score = 0
        for line in 0..<n {
            for horizontal in [true, false] {
                var run = 1
                for i in 1..<n {
                    let current = horizontal ? modules[line][i] : modules[i][line]
                    let previous = horizontal ? modules[line][i - 1] : modules[i - 1][line]
                    if current == previous {
                        run += 1
                        if run == 5 { score += 3 } else if run > 5 { score += 1 }
                    } else {
                        run = 1
                    }
                }
            }
        }
        for y in 0..<n - 1 {
            for x in 0..<n - 1 {
                let colour = modules[y][x]
                if colour == modules[y][x + 1] && colour == modules[y + 1][x] && colour == modules[y + 1][x + 1] { score += 3 }
            }
        }
        let dark = modules.reduce(0) { $0 + $1.filter { $0 }.count }
        let total = n * n
        score += (abs(dark * 20 - total * 10) + total - 1) / total * 10 - 10
        return score
    }
}
