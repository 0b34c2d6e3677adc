import Testing
@testable import MusrenbangCore

@Suite("QR codes")
struct QRCodeTests {
    /// The same text, mask and level encoded by python-qrcode 8 (byte mode), module for module.
    static let reference = [
            "111111100011101111111",
            "100000101110101000001",
            "101110100011101011101",
            "101110101100101011101",
            "101110100100101011101",
            "100000101001001000001",
            "111111101010101111111",
            "000000000100000000000",
            "111110111001010101010",
            "000100001011100010111",
            "011111100010111100000",
            "001101010001110110110",
            "110111100100100001000",
            "000000001000100100111",
            "111111101011010001000",
            "100000100010000010111",
            "101110101011011001001",
            "101110101010101011100",
            "101110101100110100100",
            "100000101111010000100",
            "111111101100100010010",
    ]

    @Test func matchesAnIndependentEncoder() throws {
        let code = try #require(QRCode("1234-7F3A9C"))
        #expect(code.mask == 2)
        #expect(code.modules.map { $0.map { $0 ? "1" : "0" }.joined() } == Self.reference)
    }

    @Test func finderPatternsAndTimingAreInPlace() throws {
        let code = try #require(QRCode("9-ABCDEF"))
        for (row, column) in [(0, 0), (0, 20), (20, 0), (6, 8), (6, 10), (8, 6)] {
            #expect(code.modules[row][column], "dark at \(row),\(column)")
        }
        for (row, column) in [(7, 7), (1, 1), (6, 9), (9, 6)] {
            #expect(!code.modules[row][column], "light at \(row),\(column)")
        }
        #expect(code.modules[13][8], "the dark module")
    }

    @Test func longTextsAreRefused() {
        #expect(QRCode(String(repeating: "A", count: 17)) != nil)
        #expect(QRCode(String(repeating: "A", count: 18)) == nil)
    }

    @Test func theDrawingEscapesItsTitle() throws {
        let svg = try #require(QRCode("1-AAAAAA")).svg(title: "Kode <b>")
        #expect(svg.contains("Kode &lt;b&gt;"))
        #expect(svg.hasPrefix("<svg") && svg.contains("data-mask="))
    }
}
