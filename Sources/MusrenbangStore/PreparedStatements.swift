import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresKit
import SQLKit

/// One PostgreSQL connection whose frequent statements run as named prepared statements.
///
/// Why: SQLKit sends every statement unnamed (Parse, Describe, Bind, Execute), so PostgreSQL
/// parses and plans it again each time and the server decodes its row description again. A
/// check-in is nine such statements. Prepared once per connection, a statement is then only Bind
/// and Execute, and PostgreSQL may keep its plan.
///
/// What is prepared: a statement text seen `PreparedTexts.threshold` times (the hot paths),
/// up to `PreparedTexts.capacity` texts per process (one-off reports and migrations never are),
/// and only when every bound value is one PostgresNIO encodes itself, the same way SQLKit would.
/// The bound values' types are part of the statement's name: a text bound once with NULL and
/// once with a number is two statements, so PostgreSQL never reads a value as another type.
///
/// PostgresNIO (1.33) remembers a failed preparation on its connection for good, so after any
/// error of a prepared statement the connection is closed; the pool opens a fresh one. Errors on
/// these paths are rare (a refused duplicate, a deadline), and a transaction they end was lost
/// anyway.
struct PreparingPostgres: SQLDatabase {
    let connection: PostgresConnection
    let plain: any SQLDatabase
    /// nil: nothing is prepared (`MUSRENBANG_DB_PREPARED=off`); statements are still turned into
    /// text here, with `QuotingDialect`.
    let texts: PreparedTexts?

    init(_ connection: PostgresConnection, texts: PreparedTexts?) {
        self.connection = connection
        self.plain = connection.sql(queryLogLevel: .trace)
        self.texts = texts
    }

    var logger: Logger { plain.logger }
    var eventLoop: any EventLoop { plain.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { plain.version }
    var dialect: any SQLDialect { QuotingDialect.postgres }
    var queryLogLevel: Logger.Level? { plain.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        plain.execute(sql: SerializedStatement(query, for: self), onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let statement = SerializedStatement(query, for: self)
        guard let texts, let bindings = Self.bindings(statement.binds),
              let name = texts.name(for: statement.sql, types: bindings.types) else {
            return try await plain.execute(sql: statement, onRow)
        }
        do {
            try await PreparedText.$current.withValue(PreparedText.Current(name: name, sql: statement.sql)) {
                let rows = try await connection.execute(PreparedText(bindings: bindings.values), logger: connection.logger)
                for try await row in rows { onRow(row.sql()) }
            }
        } catch {
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
            throw error
        }
    }

    /// The values as SQLKit's PostgreSQL driver binds them, or nil when one needs its slower
    /// paths (JSON, arrays through Codable): such a statement runs unprepared.
    static func bindings(_ binds: [any Encodable & Sendable]) -> (values: PostgresBindings, types: [UInt32])? {
        var values = PostgresBindings(capacity: binds.count)
        var types: [UInt32] = []
        types.reserveCapacity(binds.count)
        for bind in binds {
            if Self.isNil(bind) {
                values.appendNull()
                types.append(PostgresDataType.null.rawValue)
            } else if let value = bind as? any PostgresThrowingDynamicTypeEncodable {
                do { try values.append(value, context: .default) } catch { return nil }
                types.append(value.psqlType.rawValue)
            } else {
                return nil
            }
        }
        return (values, types)
    }

    private static func isNil(_ value: any Encodable) -> Bool {
        (value as? any OptionalBind)?.isNone == true
    }
}

/// An optional bound value, seen through the existential it arrives in.
private protocol OptionalBind {
    var isNone: Bool { get }
}

extension Optional: OptionalBind {
    var isNone: Bool { self == nil }
}

/// Which statement texts run prepared, and their names: one registry per process, the same name
/// for the same text on every connection.
final class PreparedTexts: Sendable {
    static let threshold = 3
    static let capacity = 256

    private struct Key: Hashable {
        let sql: String
        let types: [UInt32]
    }
    private struct State {
        var seen: [Key: Int] = [:]
        var names: [Key: String] = [:]
    }
    private let state = NIOLockedValueBox(State())

    /// The prepared statement's name for this text, once it is frequent; nil before, or when the
    /// registry is full.
    func name(for sql: String, types: [UInt32]) -> String? {
        let key = Key(sql: sql, types: types)
        return state.withLockedValue { state in
            if let name = state.names[key] { return name }
            guard state.names.count < Self.capacity else { return nil }
            let seen = state.seen[key, default: 0] + 1
            guard seen >= Self.threshold else {
                // One-off texts (an IN list of some length, a report) are forgotten in bulk.
                if state.seen.count >= 4 * Self.capacity { state.seen.removeAll(keepingCapacity: true) }
                state.seen[key] = seen
                return nil
            }
            state.seen[key] = nil
            let name = "mb_\(state.names.count + 1)"
            state.names[key] = name
            return name
        }
    }

    var count: Int { state.withLockedValue { $0.names.count } }
}

/// PostgresNIO names a prepared statement by its type, and reads the type's name and text as it
/// sends it. One type serves every text: the name and text are those set for the current task.
struct PreparedText: PostgresPreparedStatement {
    struct Current: Sendable {
        let name: String
        let sql: String
    }
    @TaskLocal static var current = Current(name: "", sql: "")

    static var name: String { current.name }
    static var sql: String { current.sql }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// A statement turned into text and binds once, with its database's dialect, and handed on as is
/// (PostgresKit's own serializing would escape every name again the slow way; see `QuotingDialect`).
struct SerializedStatement: SQLExpression {
    let sql: String
    let binds: [any Encodable & Sendable]

    init(_ query: any SQLExpression, for database: any SQLDatabase) {
        var serializer = SQLSerializer(database: database)
        query.serialize(to: &serializer)
        (sql, binds) = (serializer.sql, serializer.binds)
    }

    func serialize(to serializer: inout SQLSerializer) {
        serializer.sql.append(sql)
        serializer.binds.append(contentsOf: binds)
    }
}
