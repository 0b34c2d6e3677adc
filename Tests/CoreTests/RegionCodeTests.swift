import Testing
@testable import MusrenbangCore

@Suite("Region codes")
struct RegionCodeTests {
    @Test("each level parses with its parent chain", arguments: [
        ("35", RegionLevel.province, nil as String?),
        ("35.10", .regency, "35"),
        ("35.10.13", .district, "35.10"),
        ("35.10.13.2007", .village, "35.10.13"),
    ])
    func parsesLevels(text: String, level: RegionLevel, parent: String?) throws {
        let code = try #require(RegionCode(text))
        #expect(code.level == level)
        #expect(code.parent?.description == parent)
        #expect(code.description == text)
    }

    @Test("malformed codes are refused", arguments: ["", "3", "351", "35.1", "35.10.1", "35.10.13.207", "35.10.13.20071",
                                                     "35.10.13.2007.1", "35..10", "3a.10", "35.10.13.200x", " 35.10", "35.10."])
    func refusesMalformed(text: String) {
        #expect(RegionCode(text) == nil)
    }

    @Test func villageKindFollowsTheFirstDigit() throws {
        #expect(try #require(RegionCode("35.10.13.2007")).villageKind == .desa)
        #expect(try #require(RegionCode("35.10.05.1001")).villageKind == .kelurahan)
        #expect(try #require(RegionCode("35.10.13")).villageKind == nil)
    }

    @Test func containmentIsByPrefixOfWholeSegments() throws {
        let regency = try #require(RegionCode("35.10"))
        #expect(regency.contains(try #require(RegionCode("35.10.13.2007"))))
        #expect(regency.contains(regency))
        #expect(!regency.contains(try #require(RegionCode("35.01"))))
        #expect(!regency.contains(try #require(RegionCode("35.11.13"))))
        #expect(!regency.contains(try #require(RegionCode("35"))))
        #expect(try #require(RegionCode("35.10.13.2007")).ancestor(at: .district)?.description == "35.10.13")
        #expect(try #require(RegionCode("35.10")).ancestor(at: .village) == nil)
    }

    @Test func nikPrefixMapsToADistrict() {
        #expect(RegionCode(nikPrefix: "351013")?.description == "35.10.13")
        #expect(RegionCode(nikPrefix: "35101") == nil)
        #expect(RegionCode(nikPrefix: "35101x") == nil)
    }
}

@Suite("Text folding")
struct TextFoldingTests {
    @Test(arguments: [
        ("Bubuk", "bubuk"), ("BUBUK", "bubuk"), ("Regapu’u", "regapuu"), ("Udek Du'en", "udek duen"),
        ("Lubuk Pakam I,II", "lubuk pakam i ii"), ("  Sémàrang  ", "semarang"), ("Kota-Baru", "kota baru"),
    ])
    func folds(input: String, expected: String) {
        #expect(TextFolding.fold(input) == expected)
    }
}
