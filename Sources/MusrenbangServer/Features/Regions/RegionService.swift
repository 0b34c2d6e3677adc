import MusrenbangCore
import MusrenbangStore

/// The Kemendagri list as the public reads it: one region with its children and its trail up,
/// and the search by name.
struct RegionService: Sendable {
    let regions: RegionStore

    static let unknown = AppError.notFound(.init(id: "Kode wilayah tidak dikenal.", en: "Unknown region code."))
    /// The longest search for a place name (the longest name in the list has 44 characters).
    static let maximumSearch = 100

    struct Detail: Sendable {
        let region: RegionRecord
        let children: [RegionRecord]
        /// From the province down to the region's parent.
        let trail: [RegionRecord]
    }

    /// `withTrail: false` for the API, which does not show the trail (two reads fewer).
    func detail(_ code: RegionCode, withTrail: Bool = true) async throws -> Detail {
        guard let region = try await regions.region(code) else { throw Self.unknown }
        var trail: [RegionRecord] = []
        var cursor = withTrail ? code.parent : nil
        while let parent = cursor {
            if let record = try await regions.region(parent) { trail.insert(record, at: 0) }
            cursor = parent.parent
        }
        return Detail(region: region, children: try await regions.children(of: code), trail: trail)
    }

    func search(_ query: String, within: RegionCode?) async throws -> [RegionRecord] {
        try await regions.search(query, within: within)
    }
}
