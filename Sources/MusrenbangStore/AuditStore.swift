import Foundation
import MusrenbangCore
import SQLKit

/// One staff action as the audit log keeps it: who, what, on what, where, from which address.
public struct AuditEntry: Sendable, Equatable {
    public let id: Int64
    public let at: Date
    public let actorId: UserID?
    public let actorRole: Role?
    /// The request as the router names it: "POST /api/v1/proposals/{id}/decisions".
    public let action: String
    /// The path's parameters: "id=42 village=35.10.13.2007".
    public let target: String?
    public let regionCode: RegionCode?
    public let address: String
    public let status: Int
    public let reason: String?
    /// The actor's name as the account holds it now (read with the entry).
    public var actorName: String?

    public init(id: Int64 = 0, at: Date = Date(), actorId: UserID?, actorRole: Role?, action: String, target: String?,
                regionCode: RegionCode?, address: String, status: Int, reason: String? = nil) {
        self.id = id
        self.at = at
        self.actorId = actorId
        self.actorRole = actorRole
        self.action = action
        self.target = target
        self.regionCode = regionCode
        self.address = address
        self.status = status
        self.reason = reason
    }
}

/// The append-only audit log (the database refuses updates and deletes of it), and the
/// installation's facts.
public struct AuditStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// Returns once the line is committed; concurrent lines share one transaction (`GroupCommit`).
    public func append(_ entry: AuditEntry) async throws {
        try await database.auditLines.append(entry, to: database)
    }

    static func insert(_ entries: [AuditEntry], on connection: any SQLDatabase) async throws {
        var insert = connection.insert(into: "audit_log")
            .columns("at", "actor_id", "actor_role", "action", "target", "region_code", "address", "status", "reason")
        for entry in entries {
            insert = insert.values(SQLBind(entry.at), SQLBind(entry.actorId?.rawValue), SQLBind(entry.actorRole?.rawValue),
                                   SQLBind(entry.action), SQLBind(entry.target), SQLBind(entry.regionCode?.description),
                                   SQLBind(entry.address), SQLBind(entry.status), SQLBind(entry.reason))
        }
        try await insert.run()
    }

    /// Newest first, within a region (its places included) or everywhere; one page and the total.
    public func entries(within region: RegionCode?, _ paging: Paging) async throws -> (items: [AuditEntry], total: Int) {
        let regionColumn = SQLColumn("region_code", table: "audit_log")
        func scoped(_ select: SQLSelectBuilder) -> SQLSelectBuilder {
            guard let region else { return select }
            return select.where { $0.where(regionColumn, .equal, SQLBind(region.description)).orWhere(regionColumn, .like, SQLBind("\(region).%")) }
        }
        let total = try await scoped(database.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("audit_log"))
            .first()!.decode(column: "n", as: Int.self)
        let columns = ["id", "at", "actor_id", "actor_role", "action", "target", "region_code", "address", "status", "reason"]
        let items = try await scoped(database.sql.select()
            .columns(columns.map { SQLColumn($0, table: "audit_log") }).column(SQLColumn("name", table: "users"), as: "actor_name")
            .from("audit_log")
            .join("users", method: SQLJoinMethod.left, on: SQLColumn("actor_id", table: "audit_log"), .equal, SQLColumn("id", table: "users")))
            .orderBy(SQLOrderBy(expression: SQLColumn("id", table: "audit_log"), direction: SQLDirection.descending))
            .limit(paging.size).offset(paging.offset).all().map { row in
                var entry = AuditEntry(
                    id: try row.decode(column: "id", as: Int64.self), at: try row.decode(column: "at", as: Date.self),
                    actorId: try row.decodeID("actor_id", as: UserID?.self), actorRole: try row.decode("actor_role", as: Role?.self),
                    action: try row.decode(column: "action", as: String.self), target: try row.decode(column: "target", as: String?.self),
                    regionCode: try row.decodeOptionalRegion("region_code"), address: try row.decode(column: "address", as: String.self),
                    status: try row.decode(column: "status", as: Int.self), reason: try row.decode(column: "reason", as: String?.self))
                entry.actorName = try row.decode(column: "actor_name", as: String?.self)
                return entry
            }
        return (items, total)
    }

    // MARK: installation facts

    public func fact(_ key: String) async throws -> String? {
        try await database.sql.select().column("value").from("installation").where("key", .equal, key).first()?
            .decode(column: "value", as: String.self)
    }

    public func setFact(_ key: String, _ value: String) async throws {
        try await database.transaction { connection in
            try await connection.delete(from: "installation").where("key", .equal, key).run()
            try await connection.insert(into: "installation").columns("key", "value").values(SQLBind(key), SQLBind(value)).run()
        }
    }
}
