import Foundation
import MusrenbangCore
import SQLKit

public struct CommentRecord: Sendable, Equatable {
    public let id: Int64
    public let proposalId: Int64
    public let parentId: Int64?
    public let authorId: Int64
    public let authorName: String
    public let authorRole: Role
    public let authorRegion: String?
    public let body: String
    public let flagCount: Int
    public let hiddenReason: String?
    public let createdAt: Date
}

/// Supports and discussion. Counts are kept by the database in the same transaction as the
/// row that changes them, so a hundred simultaneous clicks count once.
public struct EngagementStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// True when this support is new; false when the person already supports the proposal.
    public func support(_ proposalId: Int64, by userId: Int64) async throws -> Bool {
        try await database.transaction { connection in
            let inserted = try await connection.insert(into: "supports").columns("proposal_id", "user_id", "created_at")
                .values(SQLBind(proposalId), SQLBind(userId), SQLBind(Date()))
                .ignoringConflicts().returning("user_id").first() != nil
            if inserted {
                try await connection.raw("UPDATE proposals SET support_count = support_count + 1 WHERE id = \(bind: proposalId)").run()
            }
            return inserted
        }
    }

    /// True when a support was withdrawn.
    public func withdraw(_ proposalId: Int64, by userId: Int64) async throws -> Bool {
        try await database.transaction { connection in
            let deleted = try await connection.delete(from: "supports")
                .where("proposal_id", .equal, proposalId).where("user_id", .equal, userId)
                .returning("user_id").first() != nil
            if deleted {
                try await connection.raw("UPDATE proposals SET support_count = support_count - 1 WHERE id = \(bind: proposalId)").run()
            }
            return deleted
        }
    }

    public func supports(_ proposalId: Int64, by userId: Int64) async throws -> Bool {
        try await database.sql.select().column("user_id").from("supports")
            .where("proposal_id", .equal, proposalId).where("user_id", .equal, userId).first() != nil
    }

    public func supportCount(_ proposalId: Int64) async throws -> Int {
        try await database.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("supports")
            .where("proposal_id", .equal, proposalId).first()!.decode(column: "n", as: Int.self)
    }

    // MARK: comments

    public enum CommentError: Error, Equatable {
        case parentNotFound, nestedReply
    }

    /// A comment, or a reply to a top-level comment of the same proposal (one level only).
    public func addComment(_ proposalId: Int64, parent: Int64?, author: Int64, body: String) async throws -> Int64 {
        if let parent {
            let row = try await database.sql.select().columns("proposal_id", "parent_id").from("comments")
                .where("id", .equal, parent).first()
            guard let row, try row.decode(column: "proposal_id", as: Int64.self) == proposalId else {
                throw CommentError.parentNotFound
            }
            guard try row.decode(column: "parent_id", as: Int64?.self) == nil else { throw CommentError.nestedReply }
        }
        return try await database.sql.insert(into: "comments")
            .columns("proposal_id", "parent_id", "author_id", "body", "flag_count", "created_at")
            .values(SQLBind(proposalId), SQLBind(parent), SQLBind(author), SQLBind(body), SQLBind(0), SQLBind(Date()))
            .returning("id").first()!.decode(column: "id", as: Int64.self)
    }

    public func comments(_ proposalId: Int64) async throws -> [CommentRecord] {
        try await database.sql.select()
            .columns(SQLColumn("id", table: "comments"), SQLColumn("proposal_id", table: "comments"),
                     SQLColumn("parent_id", table: "comments"), SQLColumn("author_id", table: "comments"),
                     SQLColumn("body", table: "comments"), SQLColumn("flag_count", table: "comments"),
                     SQLColumn("hidden_reason", table: "comments"), SQLColumn("created_at", table: "comments"))
            .column(SQLColumn("name", table: "users"), as: "author_name")
            .column(SQLColumn("role", table: "users"), as: "author_role")
            .column(SQLColumn("region_code", table: "users"), as: "author_region")
            .from("comments")
            .join("users", on: SQLColumn("author_id", table: "comments"), .equal, SQLColumn("id", table: "users"))
            .where(SQLColumn("proposal_id", table: "comments"), .equal, SQLBind(proposalId))
            .orderBy(SQLColumn("id", table: "comments"))
            .all().map { row in
                CommentRecord(id: try row.decode(column: "id", as: Int64.self),
                              proposalId: try row.decode(column: "proposal_id", as: Int64.self),
                              parentId: try row.decode(column: "parent_id", as: Int64?.self),
                              authorId: try row.decode(column: "author_id", as: Int64.self),
                              authorName: try row.decode(column: "author_name", as: String.self),
                              authorRole: Role(rawValue: try row.decode(column: "author_role", as: String.self)) ?? .citizen,
                              authorRegion: try row.decode(column: "author_region", as: String?.self),
                              body: try row.decode(column: "body", as: String.self),
                              flagCount: try row.decode(column: "flag_count", as: Int.self),
                              hiddenReason: try row.decode(column: "hidden_reason", as: String?.self),
                              createdAt: try row.decode(column: "created_at", as: Date.self))
            }
    }

    public func comment(_ id: Int64) async throws -> CommentRecord? {
        guard let proposal = try await database.sql.select().column("proposal_id").from("comments").where("id", .equal, id)
            .first()?.decode(column: "proposal_id", as: Int64.self) else { return nil }
        return try await comments(proposal).first { $0.id == id }
    }

    /// One flag per person per comment; returns the comment's flag count.
    public func flag(_ commentId: Int64, by userId: Int64) async throws -> Int {
        try await database.transaction { connection in
            let inserted = try await connection.insert(into: "comment_flags").columns("comment_id", "user_id")
                .values(SQLBind(commentId), SQLBind(userId)).ignoringConflicts().returning("user_id").first() != nil
            if inserted {
                try await connection.raw("UPDATE comments SET flag_count = flag_count + 1 WHERE id = \(bind: commentId)").run()
            }
            return try await connection.select().column("flag_count").from("comments").where("id", .equal, commentId)
                .first()?.decode(column: "flag_count", as: Int.self) ?? 0
        }
    }

    /// Hides a comment; the reason is shown in its place.
    public func hide(_ commentId: Int64, reason: String, by userId: Int64) async throws {
        try await database.sql.update("comments").set("hidden_reason", to: reason).set("hidden_by", to: userId)
            .where("id", .equal, commentId).run()
    }
}
