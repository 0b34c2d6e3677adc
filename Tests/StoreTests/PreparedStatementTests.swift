import Foundation
@testable import MusrenbangStore
import SQLKit
import Testing
import TestSupport

/// PostgreSQL's frequent statements run prepared (`PreparingPostgres`); what a caller sees does
/// not change.
@Suite("PostgreSQL's prepared statements")
struct PreparedStatementTests {
    /// The names of the statements prepared on the connection `connection` is.
    static func prepared(_ connection: any SQLDatabase) async throws -> [String] {
        try await connection.raw("SELECT name FROM pg_prepared_statements ORDER BY name").all()
            .map { try $0.decode(column: "name", as: String.self) }
    }

    @Test("a text run often is prepared once per connection and answers for the values bound each time; a rare one never is")
    func frequentTextsArePrepared() async throws {
        guard TestFlavour.enabled.contains(.postgres) else { return }
        try await withTestDatabase(.postgres) { database in
            try await database.sql.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)").run()
            let names = try await database.transaction { connection in
                for n in 0..<PreparedTexts.threshold + 3 {
                    try await connection.raw("INSERT INTO notes (id, body) VALUES (\(bind: n), \(bind: "note \(n)"))").run()
                }
                for n in 0..<PreparedTexts.threshold + 3 {
                    let row = try await connection.raw("SELECT body FROM notes WHERE id = \(bind: n)").first()
                    #expect(try row?.decode(column: "body", as: String.self) == "note \(n)")
                }
                // Once: never prepared.
                _ = try await connection.raw("SELECT count(*) AS n FROM notes WHERE id > \(bind: 2)").first()
                return try await Self.prepared(connection)
            }
            #expect(names.count == 2, "the insert and the select, not the count: \(names)")
            #expect(names.allSatisfy { $0.hasPrefix("mb_") })
        }
    }

    @Test("a text bound with NULL and then with a number is two statements: an INTEGER column takes both")
    func typesAreItsName() async throws {
        guard TestFlavour.enabled.contains(.postgres) else { return }
        try await withTestDatabase(.postgres) { database in
            try await database.sql.raw("CREATE TABLE counts (id SERIAL PRIMARY KEY, n INTEGER)").run()
            try await database.transaction { connection in
                for _ in 0..<PreparedTexts.threshold + 1 {
                    try await connection.raw("INSERT INTO counts (n) VALUES (\(bind: Int?.none))").run()
                }
                // Prepared with NULL's unknown type, the column's INTEGER is inferred: this Int's
                // 8 bytes would be refused there.
                for n in 0..<PreparedTexts.threshold + 1 {
                    try await connection.raw("INSERT INTO counts (n) VALUES (\(bind: Int?.some(n)))").run()
                }
            }
            let rows = try await database.sql.raw("SELECT n FROM counts ORDER BY id").all().map { try $0.decode(column: "n", as: Int?.self) }
            let nulls = Array(repeating: Int?.none, count: PreparedTexts.threshold + 1)
            #expect(rows == nulls + (0..<PreparedTexts.threshold + 1).map { Int?.some($0) })
        }
    }

    @Test("a statement first prepared where PostgreSQL refuses it (an aborted transaction) is refused once; the next ones run")
    func errorsDoNotPoison() async throws {
        guard TestFlavour.enabled.contains(.postgres) else { return }
        try await withTestDatabase(.postgres) { database in
            try await database.sql.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)").run()
            for n in 1..<PreparedTexts.threshold {
                try await database.sql.raw("INSERT INTO notes (id, body) VALUES (\(bind: n), 'x')").run()
            }
            // Its threshold-th run, the first prepared, inside a transaction an error has aborted:
            // PostgreSQL refuses the preparation, and PostgresNIO would remember that refusal on
            // the connection for good.
            await #expect(throws: (any Error).self) {
                try await database.transaction { connection in
                    _ = try? await connection.raw("SELECT 1 / 0 AS n").first()
                    try await connection.raw("INSERT INTO notes (id, body) VALUES (\(bind: 50), 'x')").run()
                }
            }
            // The pool hands out the connection given back last first: the same one, were it kept.
            for n in 100..<110 {
                try await database.sql.raw("INSERT INTO notes (id, body) VALUES (\(bind: n), 'x')").run()
            }
            let count = try await database.sql.raw("SELECT count(*) AS n FROM notes").first()?.decode(column: "n", as: Int.self)
            #expect(count == PreparedTexts.threshold - 1 + 10)
        }
    }

    @Test("the registry names a text once, stops at its capacity, and forgets one-off texts in bulk")
    func registry() {
        let texts = PreparedTexts()
        for _ in 1..<PreparedTexts.threshold { #expect(texts.name(for: "SELECT 1", types: []) == nil) }
        let name = texts.name(for: "SELECT 1", types: [])
        #expect(name != nil)
        #expect(texts.name(for: "SELECT 1", types: []) == name)
        #expect(texts.name(for: "SELECT 1", types: [23]) == nil, "other types: another statement")
        for n in 0..<PreparedTexts.capacity + 10 {
            for _ in 0..<PreparedTexts.threshold { _ = texts.name(for: "SELECT \(n + 2)", types: []) }
        }
        #expect(texts.count == PreparedTexts.capacity)
        #expect(texts.name(for: "SELECT 1", types: []) == name, "named ones stay")
        for _ in 0..<PreparedTexts.threshold { #expect(texts.name(for: "SELECT 'new'", types: []) == nil) }
    }
}
