/// One scoring criterion: scored 1–5, each score described in words the village team reads.
/// A *cost* criterion is scored as described (5 = most expensive) and counts inverted.
public struct Criterion: Sendable, Hashable, Codable {
    public enum Direction: String, Sendable, Codable { case benefit, cost }

    public var key: String
    public var name: String
    public var weight: Double
    public var direction: Direction
    /// Five descriptions, for scores 1 to 5.
    public var descriptions: [String]

    public init(key: String, name: String, weight: Double, direction: Direction = .benefit, descriptions: [String]) {
        self.key = key
        self.name = name
        self.weight = weight
        self.direction = direction
        self.descriptions = descriptions
    }
}

/// Local practice, not national rule: the regency configures its criteria per level and kind.
public enum Scoring {
    public static let defaultPhysical: [Criterion] = [
        Criterion(key: "urgency", name: "Tingkat kemendesakan", weight: 0.443, descriptions: [
            "Tidak mendesak", "Kurang mendesak", "Cukup mendesak", "Mendesak", "Sangat mendesak"]),
        Criterion(key: "impact", name: "Cakupan dampak", weight: 0.250, descriptions: [
            "Kelompok", "RT", "RW", "Dusun", "Desa"]),
        Criterion(key: "damage", name: "Tingkat kerusakan", weight: 0.231, descriptions: [
            "Baik", "Rusak ringan", "Rusak sedang", "Rusak berat", "Belum ada / rusak total"]),
        Criterion(key: "cost", name: "Biaya", weight: 0.076, direction: .cost, descriptions: [
            "Sangat murah", "Murah", "Sedang", "Mahal", "Sangat mahal"]),
    ]

    public static let defaultNonPhysical: [Criterion] = [
        Criterion(key: "urgency", name: "Tingkat kemendesakan", weight: 0.35, descriptions: [
            "Tidak mendesak", "Kurang mendesak", "Cukup mendesak", "Mendesak", "Sangat mendesak"]),
        Criterion(key: "beneficiaries", name: "Jumlah penerima manfaat", weight: 0.25, descriptions: [
            "< 10 orang", "10–49 orang", "50–99 orang", "100–499 orang", "≥ 500 orang"]),
        Criterion(key: "vulnerable", name: "Menjangkau perempuan, warga miskin, difabel", weight: 0.20, descriptions: [
            "Tidak", "Sedikit", "Sebagian", "Sebagian besar", "Terutama"]),
        Criterion(key: "fit", name: "Kesesuaian dengan RPJMDes/RKPD", weight: 0.20, descriptions: [
            "Tidak sesuai", "Kurang sesuai", "Cukup sesuai", "Sesuai", "Sangat sesuai"]),
    ]

    public static func defaults(for kind: ProposalKind) -> [Criterion] {
        kind == .physical ? defaultPhysical : defaultNonPhysical
    }

    /// Refuses a criteria set whose weights do not add up to 1, or a criterion without five descriptions;
    /// then any text out of bounds: a key of 1–40 letters, digits, `_` or `-` (it names the score in
    /// `scores`), a name of 1–100 characters, descriptions of 1–200, at most 20 criteria.
    public static func validate(_ criteria: [Criterion]) -> ValidationError? {
        let total = criteria.reduce(0) { $0 + $1.weight }
        if criteria.isEmpty || abs(total - 1) > 0.001 || criteria.contains(where: { $0.weight <= 0 }) {
            return ValidationError(field: "criteria", code: "criteria.weights",
                message: .init(id: "Bobot kriteria harus positif dan berjumlah 1.", en: "Weights must be positive and add up to 1."))
        }
        if criteria.contains(where: { $0.descriptions.count != 5 }) || Set(criteria.map(\.key)).count != criteria.count {
            return ValidationError(field: "criteria", code: "criteria.shape",
                message: .init(id: "Setiap kriteria memerlukan kunci unik dan 5 uraian skor.",
                               en: "Each criterion needs a unique key and 5 score descriptions."))
        }
        if criteria.count > 20 {
            return ValidationError(field: "criteria", code: "criteria.count",
                message: .init(id: "Paling banyak 20 kriteria.", en: "At most 20 criteria."))
        }
        let keyCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        for (index, criterion) in criteria.enumerated() {
            if !(1...40).contains(criterion.key.count) || !criterion.key.allSatisfy(keyCharacters.contains) {
                return ValidationError(field: "criteria[\(index)].key", code: "criteria.key",
                    message: .init(id: "Kunci kriteria: 1–40 huruf, angka, _ atau -.", en: "A criterion key: 1–40 letters, digits, _ or -."))
            }
            if !(1...100).contains(criterion.name.trimmingSpaces.count) {
                return ValidationError(field: "criteria[\(index)].name", code: "criteria.name",
                    message: .init(id: "Nama kriteria harus 1–100 karakter.", en: "A criterion name must be 1–100 characters."))
            }
            if let bad = criterion.descriptions.firstIndex(where: { !(1...200).contains($0.trimmingSpaces.count) }) {
                return ValidationError(field: "criteria[\(index)].descriptions[\(bad)]", code: "criteria.description",
                    message: .init(id: "Uraian skor harus 1–200 karakter.", en: "A score description must be 1–200 characters."))
            }
        }
        return nil
    }

    /// The weighted score on the 1–5 scale, or `nil` until every criterion is scored.
    public static func weightedScore(_ scores: [String: Int], criteria: [Criterion]) -> Double? {
        var total = 0.0
        for criterion in criteria {
            guard let score = scores[criterion.key], (1...5).contains(score) else { return nil }
            let value = criterion.direction == .cost ? 6 - score : score
            total += criterion.weight * Double(value)
        }
        return total
    }
}

/// A proposal as the ranking sees it.
public struct RankEntry: Sendable, Hashable {
    public let id: ProposalID
    public let score: Double?
    public let supportCount: Int
    /// Earlier proposals win ties: the order they were submitted in.
    public let submittedOrder: Int64

    public init(id: ProposalID, score: Double?, supportCount: Int, submittedOrder: Int64) {
        self.id = id
        self.score = score
        self.supportCount = supportCount
        self.submittedOrder = submittedOrder
    }
}

public enum Ranking {
    /// Scored proposals first by weighted score, then support count, then age; unscored ones
    /// after them by support and age. Returns ids in priority order (priority = index + 1).
    public static func order(_ entries: [RankEntry]) -> [ProposalID] {
        entries.sorted { a, b in
            switch (a.score, b.score) {
            case let (x?, y?) where abs(x - y) > 1e-9: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default:
                if a.supportCount != b.supportCount { return a.supportCount > b.supportCount }
                if a.submittedOrder != b.submittedOrder { return a.submittedOrder < b.submittedOrder }
                return a.id < b.id
            }
        }.map(\.id)
    }

    /// Moves one proposal to a new priority (1-based), shifting the others; numbers stay unique.
    public static func move(_ id: ProposalID, to priority: Int, in order: [ProposalID]) -> [ProposalID]? {
        guard let from = order.firstIndex(of: id), (1...order.count).contains(priority) else { return nil }
        var result = order
        result.remove(at: from)
        result.insert(id, at: priority - 1)
        return result
    }
}
