import Foundation
import SQLKit

public struct Notice: Sendable, Equatable {
    public let id: Int64
    public let proposalId: Int64?
    public let message: String
    public let createdAt: Date
    public let read: Bool
}

/// In-app notices; the outbox beside them is for senders (SMS, WhatsApp, e-mail) added later.
public struct NoticeStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    public func notices(for userId: Int64, limit: Int = 50) async throws -> [Notice] {
        try await database.sql.select().columns("id", "proposal_id", "message", "created_at", "read_at").from("notifications")
            .where("user_id", .equal, userId).orderBy("id", .descending).limit(limit).all().map { row in
                Notice(id: try row.decode(column: "id", as: Int64.self),
                       proposalId: try row.decode(column: "proposal_id", as: Int64?.self),
                       message: try row.decode(column: "message", as: String.self),
                       createdAt: try row.decode(column: "created_at", as: Date.self),
                       read: try row.decode(column: "read_at", as: Date?.self) != nil)
            }
    }

    public func markRead(for userId: Int64) async throws {
        try await database.sql.update("notifications").set("read_at", to: Date())
            .where("user_id", .equal, userId).where("read_at", .is, SQLLiteral.null).run()
    }
}
