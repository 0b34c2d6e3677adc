import MusrenbangCore
import MusrenbangStore

/// The tenant's districts and villages with their names, read once at start: every page and
/// list shows names, and regions never change while the server runs.
public struct Places: Sendable {
    public let regency: RegionRecord
    private let names: [RegionCode: String]
    public let districts: [RegionCode]
    private let villagesByDistrict: [RegionCode: [RegionCode]]

    init(regency: RegionRecord, districts: [RegionRecord], villages: [RegionCode: [RegionRecord]]) {
        self.regency = regency
        var names: [RegionCode: String] = [regency.code: regency.name]
        for district in districts { names[district.code] = district.name }
        for village in villages.values.joined() { names[village.code] = village.name }
        self.names = names
        self.districts = districts.map(\.code)
        self.villagesByDistrict = villages.mapValues { $0.map(\.code) }
    }

    static func load(_ regency: RegionRecord, regions: RegionStore) async throws -> Places {
        let districts = try await regions.children(of: regency.code)
        var villages: [RegionCode: [RegionRecord]] = [:]
        for district in districts { villages[district.code] = try await regions.children(of: district.code) }
        return Places(regency: regency, districts: districts, villages: villages)
    }

    /// The name of a place of the tenant; its code when it lies elsewhere.
    public func name(_ code: RegionCode) -> String { names[code] ?? code.description }

    public func contains(_ code: RegionCode) -> Bool { names[code] != nil }

    public func isVillage(_ code: RegionCode) -> Bool { code.level == .village && contains(code) }

    public func villages(in district: RegionCode) -> [RegionCode] { villagesByDistrict[district] ?? [] }

    public var villages: [RegionCode] { districts.flatMap(villages(in:)) }

    /// Banyuwangi's 2020 hub, Desa Bubuk, when this is Banyuwangi; otherwise the first village.
    public var defaultHub: RegionCode? {
        villages.first { names[$0] == "Bubuk" } ?? villages.first
    }

    /// The village whose Janus feed number this is (feeds are numbered by the code's digits).
    public func village(feed: UInt64) -> RegionCode? {
        villages.first { UInt64($0.description.filter(\.isNumber)) == feed }
    }
}
