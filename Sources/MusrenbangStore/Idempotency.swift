import Crypto
import Foundation
import SQLKit

/// A client's `Idempotency-Key`, bound to who sent it and what kind of write it is (`scope`, e.g.
/// `support:<user>`): the same key from another person, or for another kind of write, is another
/// request. `fingerprint` stands for what the request asks (its target and body): the same key
/// sent again with another fingerprint is refused (`IdempotencyError.mismatch`), never answered
/// with the first request's result.
public struct IdempotencyKey: Sendable, Hashable {
    public let scope: String
    public let key: String
    public let fingerprint: String

    /// `request` is hashed: any text that is equal for the same request and different otherwise.
    public init(scope: String, key: String, request: String = "") {
        self.scope = scope
        self.key = key
        self.fingerprint = SHA256.hash(data: Data(request.utf8)).hex
    }
}

/// Why a request with an idempotency key cannot be answered.
public enum IdempotencyError: Error, Sendable, Equatable {
    /// The key was used before for a different request (another target or body).
    case mismatch
    /// The first request with the key has not finished (its result is not stored yet).
    case inProgress
}

/// Keys are claimed in the same transaction as the change they guard (table `idempotency_keys`),
/// so the key and the change are written together or not at all: after a crash at any moment, a
/// retry either finds the key with the first request's result, or makes the change for the first
/// time. A second request with the key while the first is still open waits for it (PostgreSQL's
/// unique index; SQLite's single writer) and then finds its result.
public enum Idempotency {
    /// Inside the change's transaction: nil when the key is new (now claimed: make the change, then
    /// `finish`); otherwise the result the first request stored. Throws `IdempotencyError`.
    public static func claim(_ connection: any SQLDatabase, _ key: IdempotencyKey?, status: Int = 200) async throws -> String? {
        guard let key else { return nil }
        let claimed = try await connection.insert(into: "idempotency_keys")
            .columns("scope", "key", "status", "body", "fingerprint", "created_at")
            .values(SQLBind(key.scope), SQLBind(key.key), SQLBind(status), SQLBind(""), SQLBind(key.fingerprint), SQLBind(Date()))
            .ignoringConflicts().returning("key").first()
        if claimed != nil { return nil }
        guard let stored = try await result(connection, key), !stored.isEmpty else { throw IdempotencyError.inProgress }
        return stored
    }

    /// Stores the result a retry will be answered with, in the same transaction as the change.
    public static func finish(_ connection: any SQLDatabase, _ key: IdempotencyKey?, result: String) async throws {
        guard let key else { return }
        try await connection.update("idempotency_keys").set("body", to: result)
            .where("scope", .equal, key.scope).where("key", .equal, key.key).run()
    }

    /// The result stored under a key, read before any rule is checked again: a retry is answered
    /// with what the first request did even when the rule would now refuse it (the stage moved on,
    /// the village already on stage). Throws `IdempotencyError.mismatch` for another request's key.
    public static func stored(_ database: Database, _ key: IdempotencyKey?) async throws -> String? {
        guard let key else { return nil }
        return try await result(database.sql, key).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The stored result ("" while the first request is open); nil when the key is unknown.
    static func result(_ connection: any SQLDatabase, _ key: IdempotencyKey) async throws -> String? {
        guard let row = try await connection.select().columns("body", "fingerprint").from("idempotency_keys")
            .where("scope", .equal, key.scope).where("key", .equal, key.key).first() else { return nil }
        let fingerprint = try row.decode(column: "fingerprint", as: String.self)
        // Keys stored before fingerprints existed ("") are taken as matching.
        guard fingerprint.isEmpty || fingerprint == key.fingerprint else { throw IdempotencyError.mismatch }
        return try row.decode(column: "body", as: String.self)
    }
}
