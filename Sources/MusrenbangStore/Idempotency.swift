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
    /// The key was taken, but its answer was gone when looked up (expired meanwhile).
    case inProgress
}

/// A key is recorded in the same transaction as the change it guards (table `idempotency_keys`),
/// together with what a retry is answered with, so the key and the change are written together or
/// not at all: after a crash at any moment, a retry either finds the key with the first request's
/// result, or makes the change for the first time.
///
/// The key is written last, in one statement. A retry, or a second request racing the first, makes
/// its change inside its own transaction, finds the key taken (PostgreSQL's unique index waits for
/// the first transaction to end; SQLite has one writer) and rolls everything back; it is then
/// answered from what the first request stored. Claiming the key first and storing the result
/// last took two statements for every keyed write, where only retries need the second look.
public enum Idempotency {
    /// Thrown inside the transaction when another request recorded the key first: rolls it back.
    struct Taken: Error {}

    /// The key with its answer, as the transaction's last step of its own; throws `Taken` when the
    /// key is already there.
    static func record(_ connection: any SQLDatabase, _ key: IdempotencyKey, status: Int, answer: String) async throws {
        let recorded = try await connection.insert(into: "idempotency_keys")
            .columns("scope", "key", "status", "body", "fingerprint", "created_at")
            .values(SQLBind(key.scope), SQLBind(key.key), SQLBind(status), SQLBind(answer), SQLBind(key.fingerprint), SQLBind(Date()))
            .ignoringConflicts().returning("key").first()
        if recorded == nil { throw Taken() }
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

extension Database {
    /// A write a client may retry with `key`: `body` makes the change and says what a retry is
    /// answered with (`answer`, e.g. the new row's id); a retry's change is rolled back and `replay`
    /// turns the first request's answer into the result. Throws `IdempotencyError.mismatch` when
    /// the key was used for another request.
    public func transaction<T: Sendable>(key: IdempotencyKey?, status: Int = 200,
                                         replay: @Sendable (String) async throws -> T,
                                         _ body: @escaping @Sendable (any SQLDatabase) async throws -> (value: T, answer: String))
        async throws -> T {
        do {
            return try await transaction { connection in
                let (value, answer) = try await body(connection)
                if let key { try await Idempotency.record(connection, key, status: status, answer: answer) }
                return value
            }
        } catch is Idempotency.Taken {
            // Unknown again only if the key expired in between: the client may send it once more.
            guard let stored = try await Idempotency.stored(self, key) else { throw IdempotencyError.inProgress }
            return try await replay(stored)
        }
    }
}
