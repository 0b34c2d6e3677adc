import Foundation
import Logging
@testable import MusrenbangStore
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import Testing
import TestSupport

/// Names are quoted by `QuotingDialect` instead of SQLKit's own escaping: the text must be the
/// same, character for character.
@Suite("Quoting table and column names")
struct IdentifierQuotingTests {
    /// Only turns statements into text, with the dialect given.
    struct TextOnly: SQLDatabase {
        let dialect: any SQLDialect
        var logger: Logger { Logger(label: "text-only") }
        var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
        var version: (any SQLDatabaseReportedVersion)? { nil }
        var queryLogLevel: Logger.Level? { nil }
        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
            eventLoop.makeFailedFuture(StoreError.notFound)
        }

        func text(_ build: (any SQLDatabase) -> any SQLExpression) -> String {
            var serializer = SQLSerializer(database: self)
            build(self).serialize(to: &serializer)
            return serializer.sql
        }
    }

    /// Statements of the shapes the stores build, with plain names, names holding quotes, spaces,
    /// dots and non-ASCII letters, and a name that is only a quote.
    static let statements: [(String, @Sendable (any SQLDatabase) -> any SQLExpression)] = [
        ("select", { db in
            db.select().columns(SQLColumn("id"), SQLColumn("village_code"), SQLColumn("name", table: "users")).from("attendance")
                .join("users", on: SQLColumn("user_id", table: "attendance"), .equal, SQLColumn("id", table: "users"))
                .where("assembly_id", .equal, 7).where { $0.where("x", .is, SQLLiteral.null).orWhere("y", .lessThan, 3) }
                .orderBy("id", .descending).limit(5).query
        }),
        ("insert", { db in
            db.insert(into: "assembly_events").columns("assembly_id", "kind", "payload")
                .values(SQLBind(1), SQLBind("k"), SQLBind("{}")).ignoringConflicts().returning("id").query
        }),
        ("update", { db in db.update("idempotency_keys").set("body", to: "r").where("scope", .equal, "s").where("key", .equal, "k").query }),
        ("delete", { db in db.delete(from: "sessions").where("expires_at", .lessThan, 0).query }),
        ("odd names", { db in
            db.select().columns(SQLIdentifier("we\"ird"), SQLIdentifier("\""), SQLIdentifier("a b.c"), SQLIdentifier("désa"),
                                SQLIdentifier("\"\"x\""), SQLIdentifier("")).from(SQLIdentifier("t\"")).query
        }),
    ]

    @Test("every statement reads the same as with SQLKit's own escaping, for SQLite and PostgreSQL")
    func sameText() {
        for (base, quoting) in [(SQLiteDialect() as any SQLDialect, QuotingDialect.sqlite), (PostgresDialect(), QuotingDialect.postgres)] {
            for (label, build) in Self.statements {
                let expected = TextOnly(dialect: base).text(build)
                let quoted = TextOnly(dialect: quoting).text(build)
                #expect(quoted == expected, "\(base.name) \(label)")
                #expect(!quoted.utf8.contains(0), "no mark is left: \(base.name) \(label)")
            }
        }
        #expect(TextOnly(dialect: QuotingDialect.sqlite).text { $0.select().column(SQLIdentifier("we\"ird")).query } == #"SELECT "we""ird""#)
    }

    @Test("a NUL in a name does not cut the text short: it is replaced, and the name is nobody's")
    func nulInAName() {
        let text = TextOnly(dialect: QuotingDialect.postgres).text { $0.select().column(SQLIdentifier("a\u{0}b")).from("t").query }
        #expect(text == "SELECT \"a\u{FFFD}b\" FROM \"t\"")
    }

    @Test("names with quotes reach the database escaped: a table and column so named are created, written and read", arguments: TestFlavour.enabled)
    func oddNamesRun(flavour: TestFlavour) async throws {
        try await withTestDatabase(flavour) { database in
            try await database.sql.create(table: "tab\"le").column("co\"l", type: .text).column("désa", type: .int).run()
            try await database.transaction { connection in
                try await connection.insert(into: "tab\"le").columns("co\"l", "désa").values(SQLBind("x\"y"), SQLBind(3)).run()
            }
            let row = try await database.sql.select().columns("co\"l", "désa").from("tab\"le").where("désa", .equal, 3).first()
            #expect(try row?.decode(column: "co\"l", as: String.self) == "x\"y")
            await #expect(throws: (any Error).self) {
                _ = try await database.sql.select().column(SQLIdentifier("co\u{0}l")).from("tab\"le").all()
            }
        }
    }
}
