import Foundation
import MusrenbangCore
import SQLKit

public struct Notice: Sendable, Equatable {
    public let id: Int64
    public let proposalId: ProposalID?
    /// The facts of the notice; nil for notices stored as text before version 5.
    public let notice: ProposalNotice?
    /// The text of a notice stored before version 5 (empty since).
    public let storedText: String
    public let createdAt: Date
    public let read: Bool
}

/// In-app notices; the outbox beside them is for senders (SMS, WhatsApp, e-mail) added later.
public struct NoticeStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    public func notices(for userId: UserID, limit: Int = 50) async throws -> [Notice] {
        try await database.sql.select().columns("id", "proposal_id", "message", "data", "created_at", "read_at").from("notifications")
            .where("user_id", .equal, userId.rawValue).orderBy("id", .descending).limit(limit).all().map { row in
                Notice(id: try row.decode(column: "id", as: Int64.self),
                       proposalId: try row.decodeID("proposal_id", as: ProposalID?.self),
                       notice: try row.decode(column: "data", as: String?.self).map {
                           try JSONDecoder().decode(ProposalNotice.self, from: Data($0.utf8))
                       },
                       storedText: try row.decode(column: "message", as: String.self),
                       createdAt: try row.decode(column: "created_at", as: Date.self),
                       read: try row.decode(column: "read_at", as: Date?.self) != nil)
            }
    }

    public func markRead(for userId: UserID) async throws {
        try await database.sql.update("notifications").set("read_at", to: Date())
            .where("user_id", .equal, userId.rawValue).where("read_at", .is, SQLLiteral.null).run()
    }
}
