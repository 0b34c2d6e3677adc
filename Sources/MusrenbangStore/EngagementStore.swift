import Foundation
import MusrenbangCore
import SQLKit

public struct CommentRecord: Sendable, Equatable {
    public let id: CommentID
    public let proposalId: ProposalID
    public let parentId: CommentID?
    public let authorId: UserID
    public let authorName: String
    public let authorRole: Role
    public let authorRegion: RegionCode?
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
    public func support(_ proposalId: ProposalID, by userId: UserID) async throws -> Bool {
        if case .added = try await support(proposalId, by: userId, idempotencyKey: nil) { return true }
        return false
    }

    public enum SupportOutcome: Sendable, Equatable {
        /// With the proposal's count after it.
        case added(supportCount: Int)
        case alreadySupporting
        /// An earlier request with the same idempotency key added it.
        case replayed
    }

    /// A support, counted once; a retry with the same idempotency key adds nothing again.
    public func support(_ proposalId: ProposalID, by userId: UserID, idempotencyKey: IdempotencyKey?) async throws -> SupportOutcome {
        if idempotencyKey == nil, database.flavour == .postgres {
            // On PostgreSQL each statement is a round trip, and a support was seven of them: now the
            // supports that arrive together are one statement, without BEGIN and COMMIT.
            return try await database.supportRows.append(SupportRow(proposalId: proposalId, userId: userId), to: database)
        }
        return try await database.transaction(key: idempotencyKey, replay: { stored in
            stored == "alreadySupporting" ? .alreadySupporting : .replayed
        }) { connection in
            let inserted = try await connection.insert(into: "supports").columns("proposal_id", "user_id", "created_at")
                .values(SQLBind(proposalId.rawValue), SQLBind(userId.rawValue), SQLBind(Date()))
                .ignoringConflicts().returning("user_id").first() != nil
            guard inserted else { return (.alreadySupporting, "alreadySupporting") }
            // The support row's foreign key guarantees the proposal, so the UPDATE answers a row.
            guard let count = try await connection.raw("UPDATE proposals SET support_count = support_count + 1 WHERE id = \(bind: proposalId.rawValue) RETURNING support_count")
                .first()?.decode(column: "support_count", as: Int.self) else { throw StoreError.notFound }
            return (.added(supportCount: count), "added")
        }
    }

    struct SupportRow: Sendable, Hashable {
        let proposalId: ProposalID
        let userId: UserID
    }

    /// Supports inserted and counted in one statement (PostgreSQL), atomic as a statement: a second
    /// support by the same person, in this group or another, adds nothing and counts nothing. Rows
    /// go in one order, so two groups lock them in the same order.
    static func insert(_ rows: [SupportRow], on database: any SQLDatabase) async throws -> [SupportOutcome] {
        let counts = try await database.raw("""
            WITH wanted AS (
                SELECT * FROM unnest(\(bind: rows.map(\.proposalId.rawValue)), \(bind: rows.map(\.userId.rawValue))) AS w(proposal_id, user_id)),
            added AS (
                INSERT INTO supports (proposal_id, user_id, created_at)
                SELECT proposal_id, user_id, \(bind: Date()) FROM wanted ORDER BY proposal_id, user_id
                ON CONFLICT DO NOTHING RETURNING proposal_id, user_id),
            counted AS (
                UPDATE proposals SET support_count = support_count + each.added
                FROM (SELECT proposal_id, count(*) AS added FROM added GROUP BY proposal_id) AS each
                WHERE proposals.id = each.proposal_id RETURNING proposals.id, proposals.support_count)
            SELECT added.proposal_id, added.user_id, counted.support_count FROM added JOIN counted ON counted.id = added.proposal_id
            """).all()
        var added: [SupportRow: Int] = [:]
        for row in counts {
            added[SupportRow(proposalId: try row.decodeID("proposal_id", as: ProposalID.self), userId: try row.decodeID("user_id", as: UserID.self))] =
                try row.decode(column: "support_count", as: Int.self)
        }
        // The same person twice in one group: the first is the one added.
        return rows.map { row in
            guard let count = added.removeValue(forKey: row) else { return .alreadySupporting }
            return .added(supportCount: count)
        }
    }

    /// True when a support was withdrawn.
    public func withdraw(_ proposalId: ProposalID, by userId: UserID) async throws -> Bool {
        try await database.transaction { connection in
            let deleted = try await connection.delete(from: "supports")
                .where("proposal_id", .equal, proposalId.rawValue).where("user_id", .equal, userId.rawValue)
                .returning("user_id").first() != nil
            if deleted {
                try await connection.raw("UPDATE proposals SET support_count = support_count - 1 WHERE id = \(bind: proposalId.rawValue)").run()
            }
            return deleted
        }
    }

    public func supports(_ proposalId: ProposalID, by userId: UserID) async throws -> Bool {
        try await database.sql.select().column("user_id").from("supports")
            .where("proposal_id", .equal, proposalId.rawValue).where("user_id", .equal, userId.rawValue).first() != nil
    }

    // MARK: comments

    public enum CommentError: Error, Equatable {
        case parentNotFound, nestedReply
    }

    /// A comment, or a reply to a top-level comment of the same proposal (one level only).
    public func addComment(_ proposalId: ProposalID, parent: CommentID?, author: UserID, body: String) async throws -> CommentID {
        if let parent {
            let row = try await database.sql.select().columns("proposal_id", "parent_id").from("comments")
                .where("id", .equal, parent.rawValue).first()
            guard let row, try row.decodeID("proposal_id", as: ProposalID.self) == proposalId else {
                throw CommentError.parentNotFound
            }
            guard try row.decode(column: "parent_id", as: Int64?.self) == nil else { throw CommentError.nestedReply }
        }
        return try await database.sql.insert(into: "comments")
            .columns("proposal_id", "parent_id", "author_id", "body", "flag_count", "created_at")
            .values(SQLBind(proposalId.rawValue), SQLBind(parent?.rawValue), SQLBind(author.rawValue), SQLBind(body), SQLBind(0),
                    SQLBind(Date()))
            .returning("id").first()!.decodeID("id", as: CommentID.self)
    }

    public func comments(_ proposalId: ProposalID) async throws -> [CommentRecord] {
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
            .where(SQLColumn("proposal_id", table: "comments"), .equal, SQLBind(proposalId.rawValue))
            .orderBy(SQLColumn("id", table: "comments"))
            .all().map { row in
                CommentRecord(id: try row.decodeID("id", as: CommentID.self),
                              proposalId: try row.decodeID("proposal_id", as: ProposalID.self),
                              parentId: try row.decodeID("parent_id", as: CommentID?.self),
                              authorId: try row.decodeID("author_id", as: UserID.self),
                              authorName: try row.decode(column: "author_name", as: String.self),
                              authorRole: try row.decode("author_role", as: Role.self),
                              authorRegion: try row.decodeOptionalRegion("author_region"),
                              body: try row.decode(column: "body", as: String.self),
                              flagCount: try row.decode(column: "flag_count", as: Int.self),
                              hiddenReason: try row.decode(column: "hidden_reason", as: String?.self),
                              createdAt: try row.decode(column: "created_at", as: Date.self))
            }
    }

    public func comment(_ id: CommentID) async throws -> CommentRecord? {
        guard let proposal = try await database.sql.select().column("proposal_id").from("comments").where("id", .equal, id.rawValue)
            .first()?.decodeID("proposal_id", as: ProposalID.self) else { return nil }
        return try await comments(proposal).first { $0.id == id }
    }

    /// One flag per person per comment; returns the comment's flag count.
    public func flag(_ commentId: CommentID, by userId: UserID) async throws -> Int {
        try await database.transaction { connection in
            let inserted = try await connection.insert(into: "comment_flags").columns("comment_id", "user_id")
                .values(SQLBind(commentId.rawValue), SQLBind(userId.rawValue)).ignoringConflicts().returning("user_id").first() != nil
            if inserted {
                try await connection.raw("UPDATE comments SET flag_count = flag_count + 1 WHERE id = \(bind: commentId.rawValue)").run()
            }
            return try await connection.select().column("flag_count").from("comments").where("id", .equal, commentId.rawValue)
                .first()?.decode(column: "flag_count", as: Int.self) ?? 0
        }
    }

    /// Hides a comment; the reason is shown in its place.
    public func hide(_ commentId: CommentID, reason: String, by userId: UserID) async throws {
        try await database.sql.update("comments").set("hidden_reason", to: reason).set("hidden_by", to: userId.rawValue)
            .where("id", .equal, commentId.rawValue).run()
    }
}
