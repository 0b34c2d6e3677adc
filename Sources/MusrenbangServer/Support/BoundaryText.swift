import Foundation
import MusrenbangCore

/// Every piece of text a request brings passes `TextRules.boundary` here, once, before any
/// handler sees it: JSON bodies and forms are decoded through `Checked`, which hands the type's
/// own `init(from:)` a decoder that checks each string it gives out, and the query is checked by
/// `QueryTextMiddleware`. A control character is a 422 naming the field (`nul`, `text.control`),
/// as is a character of too many code points (`text.cluster`); text that shows nothing (spaces,
/// zero-width characters only) arrives as "" so every rule sees it as missing.
enum BoundaryText {
    /// Fields that may span lines (textareas and their API twins): tab and line breaks allowed.
    static let multilineFields: Set<String> = ["problem", "body", "reason", "agreements", "notes", "sdp", "amendmentreason"]
    /// Secrets are checked for control characters but never changed: a password of spaces stays one.
    static let verbatimFields: Set<String> = ["password", "passwordconfirm", "currentpassword", "newpassword"]
    /// The longest a query parameter may be; each search has its own, shorter bound.
    static let maximumQueryLength = 1_000

    /// A name to show in a refusal: its control characters left out, at most 40 characters.
    static func printable(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.filter { TextRules.forbiddenControl(in: String($0), multiline: false) == nil }).prefix(40))
    }

    static func isMultiline(_ field: String) -> Bool {
        let name = field.lowercased()
        return multilineFields.contains(name) || name.hasSuffix("notes")
    }

    /// The checked text, or the refusal naming `path`.
    static func check(_ text: String, path: [any CodingKey]) throws -> String {
        let last = path.last(where: { $0.intValue == nil })?.stringValue ?? ""
        let field = Body.path(path)
        switch TextRules.boundary(text, field: field.isEmpty ? "body" : field, multiline: isMultiline(last)) {
        case .failure(let refusal):
            throw AppError(refusal)
        case .success(let checked):
            return verbatimFields.contains(last.lowercased()) ? text : checked
        }
    }

    /// A query parameter or a flat form field: one line unless it is a multi-line field.
    static func checkFlat(name: String, value: String) -> ValidationError? {
        if case .failure(let refusal) = TextRules.boundary(name, field: printable(name), multiline: false) { return refusal }
        if case .failure(let refusal) = TextRules.boundary(value, field: name, multiline: isMultiline(name)) { return refusal }
        return nil
    }
}

/// `Value` decoded with every string checked on the way in (see `BoundaryText`).
struct Checked<Value: Decodable>: Decodable {
    let value: Value

    init(from decoder: any Decoder) throws {
        value = try Value(from: CheckingDecoder(base: decoder))
    }

    /// Types a decoder reads its own way (dates by its date strategy…): passed through whole.
    static func isOpaque(_ type: Any.Type) -> Bool {
        type == Date.self || type == Data.self || type == URL.self || type == Decimal.self
    }
}

private struct CheckingDecoder: Decoder {
    let base: any Decoder
    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(CheckingKeyed(base: try base.container(keyedBy: type)))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        CheckingUnkeyed(base: try base.unkeyedContainer())
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        CheckingSingle(base: try base.singleValueContainer())
    }
}

private struct CheckingKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    var base: KeyedDecodingContainer<Key>
    var codingPath: [any CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys }

    func contains(_ key: Key) -> Bool { base.contains(key) }
    func decodeNil(forKey key: Key) throws -> Bool { try base.decodeNil(forKey: key) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try base.decode(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try checkKey(key)
        return try BoundaryText.check(try base.decode(type, forKey: key), path: codingPath + [key])
    }

    /// A dictionary's keys are text the client chose: checked like values (a struct's never fail).
    func checkKey(_ key: Key) throws {
        if case .failure(let refusal) = TextRules.boundary(key.stringValue, field: BoundaryText.printable(Body.path(codingPath + [key])),
                                                           multiline: false) {
            throw AppError(refusal)
        }
    }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try base.decode(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try base.decode(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try base.decode(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try base.decode(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try base.decode(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try base.decode(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try base.decode(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try base.decode(type, forKey: key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try checkKey(key)
        if T.self == String.self { return try decode(String.self, forKey: key) as! T }
        if Checked<T>.isOpaque(T.self) { return try base.decode(type, forKey: key) }
        return try base.decode(Checked<T>.self, forKey: key).value
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try checkKey(key)
        return try base.decodeIfPresent(type, forKey: key).map { try BoundaryText.check($0, path: codingPath + [key]) }
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try checkKey(key)
        if T.self == String.self { return try decodeIfPresent(String.self, forKey: key) as! T? }
        if Checked<T>.isOpaque(T.self) { return try base.decodeIfPresent(type, forKey: key) }
        return try base.decodeIfPresent(Checked<T>.self, forKey: key)?.value
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(CheckingKeyed<NestedKey>(base: try base.nestedContainer(keyedBy: type, forKey: key)))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        CheckingUnkeyed(base: try base.nestedUnkeyedContainer(forKey: key))
    }

    func superDecoder() throws -> any Decoder { CheckingDecoder(base: try base.superDecoder()) }
    func superDecoder(forKey key: Key) throws -> any Decoder { CheckingDecoder(base: try base.superDecoder(forKey: key)) }
}

private struct CheckingUnkeyed: UnkeyedDecodingContainer {
    var base: any UnkeyedDecodingContainer
    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int? { base.count }
    var isAtEnd: Bool { base.isAtEnd }
    var currentIndex: Int { base.currentIndex }

    private struct Index: CodingKey {
        let intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { return nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    mutating func decodeNil() throws -> Bool { try base.decodeNil() }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    mutating func decode(_ type: String.Type) throws -> String {
        let path = codingPath + [Index(currentIndex)]
        return try BoundaryText.check(try base.decode(type), path: path)
    }
    mutating func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == String.self { return try decode(String.self) as! T }
        if Checked<T>.isOpaque(T.self) { return try base.decode(type) }
        return try base.decode(Checked<T>.self).value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(CheckingKeyed<NestedKey>(base: try base.nestedContainer(keyedBy: type)))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        CheckingUnkeyed(base: try base.nestedUnkeyedContainer())
    }

    mutating func superDecoder() throws -> any Decoder { CheckingDecoder(base: try base.superDecoder()) }
}

private struct CheckingSingle: SingleValueDecodingContainer {
    let base: any SingleValueDecodingContainer
    var codingPath: [any CodingKey] { base.codingPath }

    func decodeNil() -> Bool { base.decodeNil() }
    func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    func decode(_ type: String.Type) throws -> String { try BoundaryText.check(try base.decode(type), path: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == String.self { return try decode(String.self) as! T }
        if Checked<T>.isOpaque(T.self) { return try base.decode(type) }
        return try base.decode(Checked<T>.self).value
    }
}
