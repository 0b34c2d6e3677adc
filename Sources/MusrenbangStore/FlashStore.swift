import Foundation
import SQLKit

/// The one-time messages of Post/Redirect/Get: written by a form's POST, taken (read and
/// deleted) by the GET that follows. In the database, so any server node can show it.
public struct FlashStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    public static let lifetime: TimeInterval = 600

    public func put(_ token: String, data: String) async throws {
        try await database.sql.insert(into: "flash").columns("token_hash", "data", "expires_at")
            .values(SQLBind(TokenMaker.digest(token)), SQLBind(data), SQLBind(Date().addingTimeInterval(Self.lifetime))).run()
    }

    /// The message, once: a reload shows nothing.
    public func take(_ token: String) async throws -> String? {
        try await database.sql.delete(from: "flash").where("token_hash", .equal, TokenMaker.digest(token))
            .where("expires_at", .greaterThan, Date()).returning("data").first()?.decode(column: "data", as: String.self)
    }

    /// Messages nobody came back for.
    public func purgeExpired() async throws {
        try await database.sql.delete(from: "flash").where("expires_at", .lessThanOrEqual, Date()).run()
    }
}
