import Foundation
import SQLKit

/// What a value in a dump is, independent of the database it came from. SQLite declares
/// timestamps and booleans as REAL and INTEGER; the receiving database's catalog decides how a
/// value is bound (a real into a TIMESTAMPTZ column is seconds since 1970, an integer into a
/// BOOLEAN is 0 or 1).
public enum ColumnKind: String, Codable, Sendable {
    case integer, real, text, bool, timestamp
}

public struct CatalogColumn: Codable, Sendable, Equatable {
    public let name: String
    public let kind: ColumnKind
}

struct ForeignKey: Sendable, Equatable {
    let columns: [String]
    let table: String
    let referenced: [String]
}

struct CatalogTable: Sendable {
    let name: String
    var columns: [CatalogColumn] = []
    var primaryKey: [String] = []
    var foreignKeys: [ForeignKey] = []

    /// Foreign keys of a table to itself (a proposal merged into another, a region's parent).
    var selfReferences: [ForeignKey] { foreignKeys.filter { $0.table == name } }
}

enum CatalogError: Error, CustomStringConvertible {
    case unsupportedType(table: String, column: String, type: String)
    case foreignKeyCycle([String])

    var description: String {
        switch self {
        case .unsupportedType(let table, let column, let type): "\(table).\(column) has a type the dump does not carry: \(type)"
        case .foreignKeyCycle(let tables): "the tables' foreign keys form a cycle: \(tables.joined(separator: ", "))"
        }
    }
}

/// The application's tables as the database itself describes them (never a hand-kept list, so a
/// new migration's table is in the next backup without anyone remembering it).
enum Catalog {
    /// Kept by the migrator itself, never dumped as data.
    static let bookkeeping: Set<String> = ["schema_migrations"]

    static func read(_ sql: any SQLDatabase, flavour: SQLFlavour) async throws -> [CatalogTable] {
        switch flavour {
        case .sqlite: try await readSQLite(sql)
        case .postgres: try await readPostgres(sql)
        }
    }

    private static func readSQLite(_ sql: any SQLDatabase) async throws -> [CatalogTable] {
        let names = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .all().map { try $0.decode(column: "name", as: String.self) }
            .filter { !bookkeeping.contains($0) }
        var tables: [CatalogTable] = []
        for name in names {
            var table = CatalogTable(name: name)
            var keyed: [(Int, String)] = []
            for row in try await sql.raw("SELECT name, type, pk FROM pragma_table_info(\(bind: name)) ORDER BY cid").all() {
                let column = try row.decode(column: "name", as: String.self)
                let type = try row.decode(column: "type", as: String.self).uppercased()
                let kind: ColumnKind
                if type.contains("INT") { kind = .integer }
                else if type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB") { kind = .real }
                else if type.contains("TEXT") || type.contains("CHAR") || type.contains("CLOB") { kind = .text }
                else { throw CatalogError.unsupportedType(table: name, column: column, type: type) }
                table.columns.append(CatalogColumn(name: column, kind: kind))
                let position = try row.decode(column: "pk", as: Int.self)
                if position > 0 { keyed.append((position, column)) }
            }
            table.primaryKey = keyed.sorted { $0.0 < $1.0 }.map(\.1)
            var keys: [Int: ForeignKey] = [:]
            for row in try await sql.raw("""
                SELECT id, seq, "table" AS target, "from" AS source, "to" AS dest FROM pragma_foreign_key_list(\(bind: name)) ORDER BY id, seq
                """).all() {
                let id = try row.decode(column: "id", as: Int.self)
                let target = try row.decode(column: "target", as: String.self)
                let source = try row.decode(column: "source", as: String.self)
                let dest = try row.decode(column: "dest", as: String?.self)
                let existing = keys[id] ?? ForeignKey(columns: [], table: target, referenced: [])
                keys[id] = ForeignKey(columns: existing.columns + [source], table: target, referenced: existing.referenced + [dest ?? ""])
            }
            table.foreignKeys = keys.keys.sorted().compactMap { keys[$0] }
            tables.append(table)
        }
        // A foreign key naming no column refers to the target's primary key.
        let primaryKeys = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0.primaryKey) })
        for index in tables.indices {
            tables[index].foreignKeys = tables[index].foreignKeys.map { key in
                key.referenced.contains("") ? ForeignKey(columns: key.columns, table: key.table, referenced: primaryKeys[key.table] ?? key.referenced) : key
            }
        }
        return tables
    }

    private static func readPostgres(_ sql: any SQLDatabase) async throws -> [CatalogTable] {
        var tables: [String: CatalogTable] = [:]
        for row in try await sql.raw("""
            SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
            ORDER BY c.table_name, c.ordinal_position
            """).all() {
            let table = try row.decode(column: "table_name", as: String.self)
            guard !bookkeeping.contains(table) else { continue }
            let column = try row.decode(column: "column_name", as: String.self)
            let type = try row.decode(column: "data_type", as: String.self)
            let kind: ColumnKind = switch type {
            case "bigint", "integer", "smallint": .integer
            case "double precision", "real", "numeric": .real
            case "text", "character varying", "character": .text
            case "boolean": .bool
            case "timestamp with time zone", "timestamp without time zone": .timestamp
            default: throw CatalogError.unsupportedType(table: table, column: column, type: type)
            }
            tables[table, default: CatalogTable(name: table)].columns.append(CatalogColumn(name: column, kind: kind))
        }
        let constraints = try await sql.raw("""
            SELECT cl.relname AS tbl, con.conname AS name, con.contype::text AS kind, rf.relname AS ref,
                   a.attname AS col, af.attname AS refcol, k.ord AS ord
            FROM pg_constraint con
            JOIN pg_class cl ON cl.oid = con.conrelid
            LEFT JOIN pg_class rf ON rf.oid = con.confrelid
            CROSS JOIN LATERAL unnest(con.conkey, COALESCE(con.confkey, con.conkey)) WITH ORDINALITY AS k(col, refcol, ord)
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.col
            LEFT JOIN pg_attribute af ON af.attrelid = con.confrelid AND af.attnum = k.refcol
            WHERE con.contype IN ('p', 'f') AND cl.relnamespace = current_schema()::text::regnamespace
            ORDER BY cl.relname, con.conname, k.ord
            """).all()
        var keys: [String: [String: ForeignKey]] = [:]
        for row in constraints {
            let table = try row.decode(column: "tbl", as: String.self)
            guard tables[table] != nil else { continue }
            let column = try row.decode(column: "col", as: String.self)
            if try row.decode(column: "kind", as: String.self) == "p" {
                tables[table]?.primaryKey.append(column)
            } else {
                let name = try row.decode(column: "name", as: String.self)
                let referencedTable = try row.decode(column: "ref", as: String.self)
                let existing = keys[table]?[name] ?? ForeignKey(columns: [], table: referencedTable, referenced: [])
                keys[table, default: [:]][name] = ForeignKey(columns: existing.columns + [column], table: existing.table,
                                                             referenced: existing.referenced + [try row.decode(column: "refcol", as: String.self)])
            }
        }
        for (table, byName) in keys { tables[table]?.foreignKeys = byName.keys.sorted().compactMap { byName[$0] } }
        return tables.keys.sorted().compactMap { tables[$0] }
    }

    /// Tables in an order where every table comes after the tables it refers to (self-references
    /// aside: those rows are ordered within the table).
    static func dependencyOrder(_ tables: [CatalogTable]) throws -> [CatalogTable] {
        let byName = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
        var placed: [CatalogTable] = []
        var done: Set<String> = []
        var remaining = tables.map(\.name).sorted()
        while !remaining.isEmpty {
            let ready = remaining.filter { name in
                byName[name]!.foreignKeys.allSatisfy { $0.table == name || done.contains($0.table) || byName[$0.table] == nil }
            }
            guard !ready.isEmpty else { throw CatalogError.foreignKeyCycle(remaining) }
            for name in ready { placed.append(byName[name]!); done.insert(name) }
            remaining.removeAll { done.contains($0) }
        }
        return placed
    }
}
