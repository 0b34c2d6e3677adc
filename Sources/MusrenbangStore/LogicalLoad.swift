import Foundation
import Logging
import SQLKit

public enum LoadError: Error, CustomStringConvertible, Equatable {
    case schemaMismatch(String)
    case badValue(table: String, column: String, value: String, kind: String)
    case badRow(table: String, line: Int, reason: String)
    case countMismatch(table: String, expected: Int, found: Int)

    public var description: String {
        switch self {
        case .schemaMismatch(let text): "the dump does not fit the database's schema: \(text)"
        case .badValue(let table, let column, let value, let kind): "\(table).\(column): \(value.prefix(40)) cannot be stored as \(kind)"
        case .badRow(let table, let line, let reason): "\(table), line \(line): \(reason)"
        case .countMismatch(let table, let expected, let found): "\(table) has \(found) rows after the load, the dump had \(expected)"
        }
    }
}

/// Loads a `LogicalDump` into a database migrated to the dump's schema version.
public enum LogicalLoad {
    /// Every table in one transaction, parents before children. Rows a migration put there (the
    /// Kemendagri regions) are replaced by the dump's own. A row pointing at a later row of its own
    /// table (a proposal merged into a newer one) is stored with that column empty and completed
    /// once the table is in. PostgreSQL's id sequences continue after the largest id. Returns the
    /// tables' row counts afterwards, each equal to the dump's (or it throws and nothing is kept).
    @discardableResult
    public static func load(_ tables: [TableDump], from directory: URL, into database: Database,
                            logger: Logger) async throws -> [String: Int] {
        let flavour = database.flavour
        let catalog = try await Catalog.read(database.sql, flavour: flavour)
        let target = Dictionary(uniqueKeysWithValues: catalog.map { ($0.name, $0) })
        let dumped = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
        let missing = Set(dumped.keys).subtracting(target.keys).sorted()
        let extra = Set(target.keys).subtracting(dumped.keys).sorted()
        guard missing.isEmpty, extra.isEmpty else {
            throw LoadError.schemaMismatch("tables only in the dump: \(missing), only in the database: \(extra)")
        }
        for table in tables {
            let have = Set(target[table.name]!.columns.map(\.name)), want = Set(table.columns.map(\.name))
            guard have == want else {
                throw LoadError.schemaMismatch("\(table.name) has columns \(have.sorted()) here, \(want.sorted()) in the dump")
            }
        }
        let order = try Catalog.dependencyOrder(catalog)
        try await database.transaction { connection in
            for table in order.reversed() {
                if try await count(table.name, connection) > 0 { try await connection.delete(from: SQLIdentifier(table.name)).run() }
            }
            for table in order {
                let started = Date()
                try await loadTable(dumped[table.name]!, into: table, from: directory.appendingPathComponent("\(table.name).jsonl"),
                                    connection, flavour: flavour)
                logger.debug("table loaded", metadata: ["table": "\(table.name)", "rows": "\(dumped[table.name]!.rows)",
                                                        "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))"])
            }
            if flavour == .postgres {
                for table in order {
                    for column in table.columns where column.kind == .integer {
                        try await connection.raw("""
                            SELECT setval(s.seq, (SELECT COALESCE(MAX(\(ident: column.name)), 0) + 1 FROM \(ident: table.name)), false)
                            FROM (SELECT pg_get_serial_sequence(\(bind: table.name), \(bind: column.name)) AS seq) s WHERE s.seq IS NOT NULL
                            """).run()
                    }
                }
            }
        }
        var counts: [String: Int] = [:]
        for table in tables {
            let found = try await count(table.name, database.sql)
            guard found == table.rows else { throw LoadError.countMismatch(table: table.name, expected: table.rows, found: found) }
            counts[table.name] = found
        }
        return counts
    }

    static func count(_ table: String, _ sql: any SQLDatabase) async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()!.decode(column: "n", as: Int.self)
    }

    /// Rows of every table, for `restore` to report and tests to compare.
    public static func counts(_ database: Database) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in try await Catalog.read(database.sql, flavour: database.flavour) {
            counts[table.name] = try await count(table.name, database.sql)
        }
        return counts
    }

    private static func loadTable(_ dump: TableDump, into table: CatalogTable, from file: URL,
                                  _ connection: any SQLDatabase, flavour: SQLFlavour) async throws {
        let names = dump.columns.map(\.name)
        let kinds = names.map { name in table.columns.first { $0.name == name }!.kind }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        // Self-references on one column: (referencing column, referenced column).
        let selfReferences: [(from: Int, to: Int)] = table.selfReferences.compactMap { key in
            guard key.columns.count == 1, key.referenced.count == 1,
                  let from = index[key.columns[0]], let to = index[key.referenced[0]] else { return nil }
            return (from, to)
        }
        let keyColumns = (table.primaryKey.isEmpty ? names : table.primaryKey).compactMap { index[$0] }
        var seen: [Int: Set<DumpKey>] = [:]
        var later: [(key: [DumpValue], column: Int, value: DumpValue)] = []
        // SQLite allows 32,766 parameters in one statement, PostgreSQL 65,535.
        let batchSize = max(1, min(1000, 30_000 / max(1, names.count)))
        var batch: [[any SQLExpression]] = []
        batch.reserveCapacity(batchSize)

        func flush() async throws {
            guard !batch.isEmpty else { return }
            var insert = connection.insert(into: SQLIdentifier(dump.name)).columns(names.map { SQLIdentifier($0) })
            for row in batch { insert = insert.values(row) }
            try await insert.run()
            batch.removeAll(keepingCapacity: true)
        }

        let reader = try LineReader(file)
        var lineNumber = 0
        while let line = try reader.next() {
            lineNumber += 1
            var values = try line.withUnsafeBufferPointer { buffer in
                do { return try RowLine.decode(buffer) } catch {
                    throw LoadError.badRow(table: dump.name, line: lineNumber, reason: "\(error)")
                }
            }
            guard values.count == names.count else {
                throw LoadError.badRow(table: dump.name, line: lineNumber, reason: "\(values.count) values for \(names.count) columns")
            }
            for reference in selfReferences {
                seen[reference.to, default: []].insert(DumpKey(values[reference.to]))
                let value = values[reference.from]
                if value != .null, !(seen[reference.to]?.contains(DumpKey(value)) ?? false) {
                    later.append((keyColumns.map { values[$0] }, reference.from, value))
                    values[reference.from] = .null
                }
            }
            batch.append(try values.enumerated().map { position, value in
                try bind(value, as: kinds[position], flavour: flavour, table: dump.name, column: names[position])
            })
            if batch.count >= batchSize { try await flush() }
        }
        try await flush()
        guard lineNumber == dump.rows else {
            throw LoadError.countMismatch(table: dump.name, expected: dump.rows, found: lineNumber)
        }
        for fix in later {
            var update = connection.update(SQLIdentifier(dump.name))
                .set(SQLIdentifier(names[fix.column]), to: try bind(fix.value, as: kinds[fix.column], flavour: flavour,
                                                                    table: dump.name, column: names[fix.column]))
            for (position, column) in keyColumns.enumerated() {
                update = update.where(SQLIdentifier(names[column]), .equal,
                                      try bind(fix.key[position], as: kinds[column], flavour: flavour, table: dump.name, column: names[column]))
            }
            try await update.run()
        }
    }

    /// A dumped value as the receiving column's type wants it.
    static func bind(_ value: DumpValue, as kind: ColumnKind, flavour: SQLFlavour, table: String, column: String) throws -> any SQLExpression {
        switch (value, kind) {
        case (.null, _): return SQLLiteral.null
        case (.integer(let number), .integer): return SQLBind(number)
        case (.integer(let number), .real): return SQLBind(Double(number))
        case (.integer(let number), .bool) where number == 0 || number == 1: return SQLBind(number == 1)
        case (.integer(let number), .timestamp): return timestamp(microseconds: number * 1_000_000)
        case (.real(let number), .real): return SQLBind(number)
        case (.real(let number), .timestamp): return timestamp(microseconds: Int64((number * 1_000_000).rounded()))
        case (.real(let number), .integer) where number.rounded() == number && abs(number) < 9e15: return SQLBind(Int64(number))
        case (.bool(let flag), .bool): return SQLBind(flag)
        case (.bool(let flag), .integer): return SQLBind(Int64(flag ? 1 : 0))
        case (.text(let text), .text): return SQLBind(text)
        default: throw LoadError.badValue(table: table, column: column, value: value.description, kind: kind.rawValue)
        }
    }

    /// PostgreSQL's `Date` encoding truncates to the microsecond from a binary fraction (so a
    /// value could lose one each time it crossed); the exact count of microseconds does not.
    private static func timestamp(microseconds: Int64) -> any SQLExpression {
        SQLQueryString("(TIMESTAMPTZ 'epoch' + \(bind: microseconds) * INTERVAL '1 microsecond')")
    }
}

/// A value as a set member for the self-reference bookkeeping (an id 7 and a real 7.0 alike).
struct DumpKey: Hashable {
    let text: String
    init(_ value: DumpValue) {
        switch value {
        case .real(let number) where number.rounded() == number && abs(number) < 9e15: text = String(Int64(number))
        default: text = value.description
        }
    }
}

/// A file's lines, read in large pieces.
final class LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(_ url: URL) throws {
        handle = try FileHandle(forReadingFrom: url)
    }

    deinit { try? handle.close() }

    func next() throws -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            buffer.removeFirst(start)
            start = 0
            if let more = try handle.read(upToCount: 1 << 20), !more.isEmpty {
                buffer.append(contentsOf: more)
            } else {
                atEnd = true
            }
        }
    }
}
