import Foundation
import MusrenbangCore
import SQLKit

/// The regency's dictionary of activities (kamus usulan). An import replaces items by their
/// `id_kamus` in one transaction: a re-import updates, never duplicates, and a failed one leaves
/// the dictionary as it was.
public struct CatalogStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    static let columns = ["id", "text", "unit", "unit_price", "agency_code", "group_name", "field_code", "subfield_code",
                          "output_text", "locked", "first_year", "last_year"]

    public struct Imported: Sendable, Equatable {
        public let added: Int
        public let updated: Int
    }

    /// Adds new items and updates the ones already there (by id), all or nothing.
    public func upsert(_ items: [CatalogItem], regency: RegionCode) async throws -> Imported {
        let now = Date()
        return try await database.transaction(within: .seconds(300)) { connection in
            let existing = Set(try await connection.select().column("id").from("catalog_items")
                .where("regency_code", .equal, regency.description).all().map { try $0.decode(column: "id", as: String.self) })
            // 14 binds a row: 400 rows stay far below both databases' limit on binds in one statement.
            for chunk in items.chunked(400) {
                var insert = connection.insert(into: "catalog_items")
                    .columns(["regency_code"] + Self.columns + ["search_text", "updated_at"])
                for item in chunk {
                    insert = insert.values(
                        SQLBind(regency.description), SQLBind(item.id), SQLBind(item.text), SQLBind(item.unit), SQLBind(item.unitPrice),
                        SQLBind(item.agencyCode), SQLBind(item.group), SQLBind(item.fieldCode), SQLBind(item.subfieldCode),
                        SQLBind(item.outputText), SQLBind(item.locked), SQLBind(item.firstYear), SQLBind(item.lastYear),
                        SQLBind(CatalogSearch.index(item)), SQLBind(now))
                }
                try await insert.onConflict(with: ["regency_code", "id"]) { update in
                    (Self.columns.dropFirst() + ["search_text", "updated_at"]).reduce(update) { $0.set(excludedValueOf: $1) }
                }.run()
            }
            let updated = items.filter { existing.contains($0.id) }.count
            return Imported(added: items.count - updated, updated: updated)
        }
    }

    /// Items whose words (or their stems) begin with every term; items valid in `year` only when
    /// a year is given. Choosable items first, then the shortest texts (the most general).
    public func search(_ terms: [[String]], regency: RegionCode, year: Int?, limit: Int) async throws -> [CatalogItem] {
        var query = database.sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("catalog_items")
            .where("regency_code", .equal, regency.description)
        for forms in terms {
            query = query.where { group in
                forms.reduce(group) { $0.orWhere("search_text", .like, "% \($1)%") }
            }
        }
        if let year {
            query = query.where { $0.where("first_year", .is, SQLLiteral.null).orWhere("first_year", .lessThanOrEqual, year) }
                .where { $0.where("last_year", .is, SQLLiteral.null).orWhere("last_year", .greaterThanOrEqual, year) }
        }
        return try await query.orderBy("locked").orderBy(SQLFunction("LENGTH", args: SQLIdentifier("text")))
            .orderBy("id").limit(limit).all().map(Self.decode)
    }

    public func item(_ id: String, regency: RegionCode) async throws -> CatalogItem? {
        try await database.sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("catalog_items")
            .where("regency_code", .equal, regency.description).where("id", .equal, id).first().map(Self.decode)
    }

    public func count(regency: RegionCode) async throws -> Int {
        try await database.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("catalog_items")
            .where("regency_code", .equal, regency.description).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Every item, in id order (the export).
    public func all(regency: RegionCode) async throws -> [CatalogItem] {
        try await database.sql.select().columns(Self.columns.map { SQLIdentifier($0) }).from("catalog_items")
            .where("regency_code", .equal, regency.description).orderBy("id").all().map(Self.decode)
    }

    /// Locks or unlocks an item; false when there is no such item.
    public func setLocked(_ id: String, _ locked: Bool, regency: RegionCode) async throws -> Bool {
        try await database.transaction { connection in
            let rows = try await connection.update("catalog_items").set("locked", to: locked).set("updated_at", to: Date())
                .where("regency_code", .equal, regency.description).where("id", .equal, id).returning("id").all()
            return !rows.isEmpty
        }
    }

    static func decode(_ row: any SQLRow) throws -> CatalogItem {
        CatalogItem(id: try row.decode(column: "id", as: String.self), text: try row.decode(column: "text", as: String.self),
                    unit: try row.decode(column: "unit", as: String.self), unitPrice: try row.decode(column: "unit_price", as: Int64.self),
                    agencyCode: try row.decode(column: "agency_code", as: String.self),
                    group: try row.decode(column: "group_name", as: String.self),
                    fieldCode: try row.decode(column: "field_code", as: String.self),
                    subfieldCode: try row.decode(column: "subfield_code", as: String.self),
                    outputText: try row.decode(column: "output_text", as: String.self),
                    locked: try row.decode(column: "locked", as: Bool.self),
                    firstYear: try row.decode(column: "first_year", as: Int?.self), lastYear: try row.decode(column: "last_year", as: Int?.self))
    }
}
