import MusrenbangCore
import SQLKit

public struct RegionRecord: Sendable, Codable, Equatable {
    public let code: RegionCode
    public let name: String
    public let level: RegionLevel
    public let parentCode: RegionCode?
    public let kind: VillageKind?
}

/// Reads the regions table. Regions never change at run time, so nothing here writes.
public struct RegionStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    public func region(_ code: RegionCode) async throws -> RegionRecord? {
        try await database.sql.select().columns("code", "name", "level", "parent_code", "kind")
            .from("regions").where("code", .equal, code.description)
            .first().map(Self.record)
    }

    public func children(of code: RegionCode) async throws -> [RegionRecord] {
        try await database.sql.select().columns("code", "name", "level", "parent_code", "kind")
            .from("regions").where("parent_code", .equal, code.description)
            .orderBy("code").all().map(Self.record)
    }

    /// `known`: regions the caller holds in memory (the tenant's), answered without a read.
    public func exists(_ code: RegionCode, known: (RegionCode) -> Bool = { _ in false }) async throws -> Bool {
        if known(code) { return true }
        return try await database.sql.select().column("code").from("regions")
            .where("code", .equal, code.description).first() != nil
    }

    /// Names that start with the query or have a word that does, ignoring case and accents.
    /// `within` limits the search to a region's descendants.
    public func search(_ query: String, within: RegionCode?, limit: Int = 50) async throws -> [RegionRecord] {
        let folded = TextFolding.fold(query)
        guard !folded.isEmpty else { return [] }
        var select = database.sql.select().columns("code", "name", "level", "parent_code", "kind")
            .from("regions")
            .where { group in
                group.where("name_folded", .like, "\(folded)%").orWhere("name_folded", .like, "% \(folded)%")
            }
        if let within {
            select = select.where("code", .like, "\(within.description).%")
        }
        return try await select.orderBy("code").limit(limit).all().map(Self.record)
    }

    public func count(level: RegionLevel, within: RegionCode? = nil) async throws -> Int {
        var select = database.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("regions").where("level", .equal, level.rawValue)
        if let within { select = select.where("code", .like, "\(within.description).%") }
        return try await select.first()!.decode(column: "n", as: Int.self)
    }

    /// Checks a NIK, asking the regions table whether its district exists.
    /// `known`: as for `exists`.
    public func validateNIK(_ raw: String, gender: Gender, today: CalendarDate,
                            known isKnown: (RegionCode) -> Bool = { _ in false }) async throws -> Result<NIK, ValidationError> {
        let digits = raw.filter { !$0.isWhitespace }
        let district = digits.count == 16 ? RegionCode(nikPrefix: String(digits.prefix(6))) : nil
        let known = if let district { try await exists(district, known: isKnown) } else { false }
        return NIK.validate(raw, gender: gender, today: today) { $0 == district && known }
    }

    static func record(_ row: any SQLRow) throws -> RegionRecord {
        RegionRecord(
            code: try row.decodeRegion("code"),
            name: try row.decode(column: "name", as: String.self),
            level: try row.decode("level", as: RegionLevel.self),
            parentCode: try row.decodeOptionalRegion("parent_code"),
            kind: try row.decode("kind", as: VillageKind?.self)
        )
    }
}
