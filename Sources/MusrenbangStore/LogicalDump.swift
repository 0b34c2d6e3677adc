@preconcurrency import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import SQLKit
import SQLiteKit

/// One table of a dump: its columns as the source described them, and what its file holds.
public struct TableDump: Codable, Sendable, Equatable {
    public let name: String
    public let columns: [CatalogColumn]
    public let primaryKey: [String]
    public var rows: Int
    public var bytes: Int64
    public var sha256: String
}

/// Every table's rows read in one consistent snapshot, one JSON line per row.
public struct DatabaseSnapshot: Sendable {
    public let flavour: SQLFlavour
    public let schemaVersion: Int
    /// Every migration applied to the source, read in the snapshot (numbers may skip).
    public let appliedVersions: [Int]
    public let tables: [TableDump]
    public let seconds: Double
}

/// The logical, database-independent dump and its load.
///
/// **Why not the databases' own tools.** A `pg_dump` file restores only into PostgreSQL (and
/// only with a `pg_restore` at least as new as the server), an SQLite backup only into SQLite;
/// a regency that grows from one machine to several has to cross. This dump reads every table
/// in ONE snapshot — SQLite: one read transaction in WAL mode, which holds no write lock, so the
/// server keeps writing; PostgreSQL: `REPEATABLE READ READ ONLY` — typed from the database's own
/// catalog, and loads it in foreign-key order into a database freshly migrated to the dump's
/// schema version (then migrated forward). Nothing is assumed about which tables exist.
public enum LogicalDump {
    /// Writes `<table>.jsonl` for every table into `directory`. Rows are ordered by primary key.
    public static func dump(_ database: Database, into directory: URL) async throws -> DatabaseSnapshot {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let started = Date()
        let flavour = database.flavour
        let (version, applied, tables) = try await inSnapshot(database) { connection, catalog -> (Int, [Int], [TableDump]) in
            // The first read fixed the snapshot; the version is read inside it, with the rows.
            let versionRow = try await connection.raw("SELECT MAX(version) AS v FROM schema_migrations").first()
            let version = try versionRow.flatMap { try $0.decode(column: "v", as: Int?.self) } ?? 0
            let applied = try await connection.raw("SELECT version FROM schema_migrations ORDER BY version").all()
                .map { try $0.decode(column: "version", as: Int.self) }
            var dumped: [TableDump] = []
            for table in catalog {
                dumped.append(try await dumpTable(table, connection, flavour: flavour, into: directory))
            }
            return (version, applied, dumped)
        }
        return DatabaseSnapshot(flavour: flavour, schemaVersion: version, appliedVersions: applied, tables: tables, seconds: Date().timeIntervalSince(started))
    }

    /// Runs `body` on one connection in one read-only snapshot, with the catalog read inside it.
    /// A session, not `Database.transaction`: that would take SQLite's writer, and its deadline
    /// is a request's, while reading every table (91k regions) may take longer.
    static func inSnapshot<T: Sendable>(_ database: Database,
                                        _ body: @escaping @Sendable (any SQLDatabase, [CatalogTable]) async throws -> T) async throws -> T {
        let flavour = database.flavour
        return try await database.sql.withSession { connection in
            let begin = flavour == .sqlite ? "BEGIN DEFERRED" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            try await connection.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(connection, try await Catalog.read(connection, flavour: flavour))
                try await connection.raw("COMMIT").run()
                return result
            } catch {
                try? await connection.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Every row of `table`, ordered by its primary key (by every column when it has none).
    static func orderedRows(of table: CatalogTable, on connection: any SQLDatabase) -> SQLSelectBuilder {
        let columns = table.columns
        var select = connection.select().columns(columns.map { SQLIdentifier($0.name) }).from(SQLIdentifier(table.name))
        for key in (table.primaryKey.isEmpty ? columns.map(\.name) : table.primaryKey) {
            select = select.orderBy(SQLOrderBy(expression: SQLIdentifier(key), direction: SQLDirection.ascending))
        }
        return select
    }

    private static func dumpTable(_ table: CatalogTable, _ connection: any SQLDatabase, flavour: SQLFlavour,
                                  into directory: URL) async throws -> TableDump {
        let writer = try DumpFileWriter(directory.appendingPathComponent("\(table.name).jsonl"))
        let columns = table.columns
        do {
            try await orderedRows(of: table, on: connection).run { row in
                writer.append { try values(of: row, columns) }
            }
            try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
        return TableDump(name: table.name, columns: columns, primaryKey: table.primaryKey,
                         rows: writer.lines, bytes: writer.bytes, sha256: writer.digest)
    }

    /// A row's values as stored: SQLite's own storage class (it has no other), PostgreSQL's by the
    /// catalog's type. Timestamps become seconds since 1970, to the microsecond.
    static func values(of row: any SQLRow, _ columns: [CatalogColumn]) throws -> [DumpValue] {
        if let row = row as? SQLiteRow {
            return try row.columns.map { column in
                switch column.data {
                case .null: .null
                case .integer(let value): .integer(Int64(value))
                case .float(let value): .real(value)
                case .text(let value): .text(value)
                case .blob: throw CatalogError.unsupportedType(table: "?", column: column.name, type: "BLOB value")
                }
            }
        }
        return try columns.map { column in
            switch column.kind {
            case .integer: try row.decode(column: column.name, as: Int64?.self).map(DumpValue.integer) ?? .null
            case .real: try row.decode(column: column.name, as: Double?.self).map(DumpValue.real) ?? .null
            case .text: try row.decode(column: column.name, as: String?.self).map(DumpValue.text) ?? .null
            case .bool: try row.decode(column: column.name, as: Bool?.self).map(DumpValue.bool) ?? .null
            case .timestamp:
                try row.decode(column: column.name, as: Date?.self)
                    .map { DumpValue.real(($0.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000) } ?? .null
            }
        }
    }
}

/// A table's file: buffered, hashed as written, and failing loudly (a full disk is an error
/// the caller sees, never a short file taken for a good one).
final class DumpFileWriter: @unchecked Sendable {
    private let lock = NIOLock()
    private let handle: FileHandle
    private let url: URL
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    private var failure: (any Error)?
    private(set) var lines = 0
    private(set) var bytes: Int64 = 0
    private(set) var digest = ""

    init(_ url: URL) throws {
        self.url = url
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(1 << 20)
    }

    func append(_ row: () throws -> [DumpValue]) {
        lock.withLock {
            guard failure == nil else { return }
            do {
                try RowLine.encode(try row(), into: &buffer)
                lines += 1
                if buffer.count >= 1 << 20 { try flush() }
            } catch {
                failure = error
            }
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        hasher.update(data: buffer)
        try handle.write(contentsOf: buffer)
        bytes += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        try lock.withLock {
            if let failure { throw failure }
            try flush()
            try handle.synchronize()
            try handle.close()
            digest = hasher.finalize().hex
        }
    }

    func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}
