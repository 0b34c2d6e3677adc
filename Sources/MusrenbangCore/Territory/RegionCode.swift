/// The four levels of Indonesian government territory, as Kemendagri codes them.
public enum RegionLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case province, regency, district, village

    /// Depth in the code: `35` has 1 segment, `35.10.13.2007` has 4.
    public var depth: Int {
        switch self {
        case .province: 1
        case .regency: 2
        case .district: 3
        case .village: 4
        }
    }

    public static func < (lhs: RegionLevel, rhs: RegionLevel) -> Bool { lhs.depth < rhs.depth }

    /// The word officials use, for pages.
    public var indonesianName: String {
        switch self {
        case .province: "Provinsi"
        case .regency: "Kabupaten/Kota"
        case .district: "Kecamatan"
        case .village: "Desa/Kelurahan"
        }
    }
}

/// A desa governs itself and has a village budget; a kelurahan is an urban administrative unit without one.
public enum VillageKind: String, Sendable, Codable, CaseIterable {
    case desa, kelurahan
}

/// A Kemendagri region code such as `35.10.13.2007`: `PP[.KK[.CC[.DDDD]]]`.
///
/// Parsing is strict (segment count and widths) so that a code from a URL or a form can be
/// trusted to mean exactly one place.
public struct RegionCode: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let segments: [String]

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let widths = [2, 2, 2, 4]
        guard (1...4).contains(parts.count) else { return nil }
        for (index, part) in parts.enumerated() {
            guard part.count == widths[index], part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        }
        self.segments = parts
    }

    public var description: String { segments.joined(separator: ".") }

    public var level: RegionLevel {
        switch segments.count {
        case 1: .province
        case 2: .regency
        case 3: .district
        default: .village
        }
    }

    /// The code one level up; `nil` for a province.
    public var parent: RegionCode? {
        segments.count > 1 ? RegionCode(segments: Array(segments.dropLast())) : nil
    }

    /// This code or the ancestor of it at `level`; `nil` when `level` is below this code.
    public func ancestor(at level: RegionLevel) -> RegionCode? {
        guard level.depth <= segments.count else { return nil }
        return RegionCode(segments: Array(segments.prefix(level.depth)))
    }

    /// True when `other` is this region or lies inside it.
    public func contains(_ other: RegionCode) -> Bool {
        other.segments.count >= segments.count && Array(other.segments.prefix(segments.count)) == segments
    }

    /// For a village: a `.1xxx` code is a kelurahan, a `.2xxx` code a desa.
    public var villageKind: VillageKind? {
        guard level == .village, let first = segments[3].first else { return nil }
        return first == "1" ? .kelurahan : .desa
    }

    /// A district code written the way the NIK carries it: `351013` for `35.10.13`.
    public init?(nikPrefix: String) {
        guard nikPrefix.count == 6 else { return nil }
        let chars = Array(nikPrefix)
        self.init("\(String(chars[0..<2])).\(String(chars[2..<4])).\(String(chars[4..<6]))")
    }

    public static func < (lhs: RegionCode, rhs: RegionCode) -> Bool { lhs.description < rhs.description }

    private init(segments: [String]) { self.segments = segments }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let code = RegionCode(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a region code: \(text)"))
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// One row of the Kemendagri list.
public struct Region: Sendable, Hashable, Codable {
    public let code: RegionCode
    public let name: String
    public var level: RegionLevel { code.level }
    public let kind: VillageKind?

    public init(code: RegionCode, name: String, kind: VillageKind? = nil) {
        self.code = code
        self.name = name
        self.kind = kind ?? code.villageKind
    }
}
