import Foundation
import PostgresKit
import SQLKit
import SQLiteKit

/// A database's own dialect, but with identifiers quoted by `IdentifierQuote`. Everything else is
/// the base dialect's.
///
/// Why: SQLKit (3.36) escapes every table and column name with the standard library's
/// `replacing(_:with:)` on Linux, a slow generic search. `perf` on the write path (`bench/writes`,
/// SQLite, 64 connections) put 15 % of the server's CPU there and 29 % in turning statements
/// into text. Handed a quote that is not `SQLRaw`, SQLKit writes the quote, the name, then the
/// quote again, and leaves the escaping to the quote; `IdentifierQuote` does it in bytes.
struct QuotingDialect: SQLDialect {
    let base: any SQLDialect

    static let sqlite = QuotingDialect(base: SQLiteDialect())
    static let postgres = QuotingDialect(base: PostgresDialect())

    var name: String { base.name }
    var identifierQuote: any SQLExpression { IdentifierQuote() }
    var literalStringQuote: any SQLExpression { base.literalStringQuote }
    var supportsAutoIncrement: Bool { base.supportsAutoIncrement }
    var autoIncrementClause: any SQLExpression { base.autoIncrementClause }
    var autoIncrementFunction: (any SQLExpression)? { base.autoIncrementFunction }
    func bindPlaceholder(at position: Int) -> any SQLExpression { base.bindPlaceholder(at: position) }
    func literalBoolean(_ value: Bool) -> any SQLExpression { base.literalBoolean(value) }
    var literalDefault: any SQLExpression { base.literalDefault }
    var supportsIfExists: Bool { base.supportsIfExists }
    var enumSyntax: SQLEnumSyntax { base.enumSyntax }
    var supportsDropBehavior: Bool { base.supportsDropBehavior }
    var supportsReturning: Bool { base.supportsReturning }
    var triggerSyntax: SQLTriggerSyntax { base.triggerSyntax }
    var alterTableSyntax: SQLAlterTableSyntax { base.alterTableSyntax }
    func customDataType(for dataType: SQLDataType) -> (any SQLExpression)? { base.customDataType(for: dataType) }
    func normalizeSQLConstraint(identifier: any SQLExpression) -> any SQLExpression { base.normalizeSQLConstraint(identifier: identifier) }
    var upsertSyntax: SQLUpsertSyntax { base.upsertSyntax }
    var unionFeatures: SQLUnionFeatures { base.unionFeatures }
    var sharedSelectLockExpression: (any SQLExpression)? { base.sharedSelectLockExpression }
    var exclusiveSelectLockExpression: (any SQLExpression)? { base.exclusiveSelectLockExpression }
    func nestedSubpathExpression(in column: any SQLExpression, for path: [String]) -> (any SQLExpression)? {
        base.nestedSubpathExpression(in: column, for: path)
    }
}

/// The double quote around a name, written twice by SQLKit's `SQLIdentifier`: the first time it
/// writes `"` and a NUL byte, which marks where the name begins; the second time it finds that
/// mark, doubles every `"` in the name (as SQLKit's escaping does) and closes the quote.
///
/// A statement's text never holds a NUL otherwise (values travel as binds), so the mark tells
/// the two calls apart. A NUL inside a name cannot survive either: it is replaced, so the name is
/// one no table has and the statement fails, instead of a NUL cutting the text short.
struct IdentifierQuote: SQLExpression {
    private static let quote = UInt8(ascii: "\"")

    func serialize(to serializer: inout SQLSerializer) {
        // Where the open name begins, and whether it needs more than closing.
        let open: (offset: Int, plain: Bool)? = serializer.sql.withUTF8 { bytes in
            guard let base = bytes.baseAddress, let found = memchr(base, 0, bytes.count) else { return nil }
            let offset = UnsafeRawPointer(base).distance(to: found)
            return (offset, !bytes[(offset + 1)...].contains { $0 == Self.quote || $0 == 0 })
        }
        guard let open else {
            serializer.sql.append("\"\u{0}")
            return
        }
        let mark = serializer.sql.utf8.index(serializer.sql.utf8.startIndex, offsetBy: open.offset)
        if open.plain {
            serializer.sql.remove(at: mark)
            serializer.sql.append("\"")
            return
        }
        var escaped = String.UnicodeScalarView()
        for scalar in serializer.sql[serializer.sql.utf8.index(after: mark)...].unicodeScalars {
            switch scalar {
            case "\"": escaped.append(contentsOf: "\"\"".unicodeScalars)
            case "\u{0}": escaped.append("\u{FFFD}")
            default: escaped.append(scalar)
            }
        }
        serializer.sql.replaceSubrange(mark..., with: String(escaped) + "\"")
    }
}
