import Foundation
import MusrenbangCore
import SQLKit

/// One thing staff did for a citizen, as the log keeps it, with the staff member's name and role
/// as their account holds them now.
public struct AssistedEntry: Sendable, Equatable {
    public let id: Int64
    public let citizenId: UserID
    public let citizenName: String
    public let staffId: UserID
    public let staffName: String
    public let staffRole: Role
    public let villageCode: RegionCode
    public let kind: AssistedKind
    /// What it concerned: the proposal's or the assembly's id.
    public let subject: String?
    public let at: Date
}

/// The append-only log of assisted entries. Lines are written by the stores that do the action,
/// inside the action's transaction (`append`), so an action and its line exist together or not at all.
public struct AssistedLog: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// One line to write.
    struct Line: Sendable {
        let citizen: UserID, staff: UserID, village: RegionCode, kind: AssistedKind, subject: String?
    }

    static func append(_ connection: any SQLDatabase, citizen: UserID, staff: UserID, village: RegionCode, kind: AssistedKind,
                       subject: String?) async throws {
        try await append(connection, [Line(citizen: citizen, staff: staff, village: village, kind: kind, subject: subject)])
    }

    /// Several lines in one statement (a walk-in's registration and check-in).
    static func append(_ connection: any SQLDatabase, _ lines: [Line]) async throws {
        guard !lines.isEmpty else { return }
        let now = Date()
        var insert = connection.insert(into: "assisted_entries")
            .columns("citizen_id", "staff_id", "village_code", "kind", "subject", "created_at")
        for line in lines {
            insert = insert.values(SQLBind(line.citizen.rawValue), SQLBind(line.staff.rawValue), SQLBind(line.village.description),
                                   SQLBind(line.kind.rawValue), SQLBind(line.subject), SQLBind(now))
        }
        try await insert.run()
    }

    func select() -> SQLSelectBuilder {
        database.sql.select()
            .column(SQLColumn("id", table: "a")).column(SQLColumn("citizen_id", table: "a")).column(SQLColumn("staff_id", table: "a"))
            .column(SQLColumn("village_code", table: "a")).column(SQLColumn("kind", table: "a")).column(SQLColumn("subject", table: "a"))
            .column(SQLColumn("created_at", table: "a"))
            .column(SQLColumn("name", table: "s"), as: "staff_name").column(SQLColumn("role", table: "s"), as: "staff_role")
            .column(SQLColumn("name", table: "c"), as: "citizen_name")
            .from(SQLAlias(SQLIdentifier("assisted_entries"), as: SQLIdentifier("a")))
            .join(SQLAlias(SQLIdentifier("users"), as: SQLIdentifier("s")), on: SQLColumn("staff_id", table: "a"), .equal, SQLColumn("id", table: "s"))
            .join(SQLAlias(SQLIdentifier("users"), as: SQLIdentifier("c")), on: SQLColumn("citizen_id", table: "a"), .equal, SQLColumn("id", table: "c"))
    }

    /// Everything done for one citizen, newest first.
    public func entries(for citizen: UserID, limit: Int = 200) async throws -> [AssistedEntry] {
        try await select().where(SQLColumn("citizen_id", table: "a"), .equal, SQLBind(citizen.rawValue))
            .orderBy(SQLOrderBy(expression: SQLColumn("id", table: "a"), direction: SQLDirection.descending)).limit(limit).all().map(Self.decode)
    }

    /// One village's lines, newest first: a page and the total.
    public func entries(village: RegionCode, _ paging: Paging) async throws -> (items: [AssistedEntry], total: Int) {
        let total = try await database.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("assisted_entries")
            .where("village_code", .equal, village.description).first()?.decode(column: "n", as: Int.self) ?? 0
        let items = try await select().where(SQLColumn("village_code", table: "a"), .equal, SQLBind(village.description))
            .orderBy(SQLOrderBy(expression: SQLColumn("id", table: "a"), direction: SQLDirection.descending)).limit(paging.size).offset(paging.offset).all().map(Self.decode)
        return (items, total)
    }

    static func decode(_ row: any SQLRow) throws -> AssistedEntry {
        AssistedEntry(id: try row.decode(column: "id", as: Int64.self), citizenId: try row.decodeID("citizen_id", as: UserID.self),
                      citizenName: try row.decode(column: "citizen_name", as: String.self),
                      staffId: try row.decodeID("staff_id", as: UserID.self), staffName: try row.decode(column: "staff_name", as: String.self),
                      staffRole: try row.decode("staff_role", as: Role.self), villageCode: try row.decodeRegion("village_code"),
                      kind: try row.decode("kind", as: AssistedKind.self), subject: try row.decode(column: "subject", as: String?.self),
                      at: try row.decode(column: "created_at", as: Date.self))
    }
}
