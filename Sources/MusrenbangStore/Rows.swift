import MusrenbangCore
import SQLKit

extension SQLRow {
    /// A stored enum value. An unknown one is a `StoreError.unknownValue` — logged by the server
    /// as an internal error — never a silent default (an unknown gender once read back as female).
    func decode<Value: RawRepresentable>(_ column: String, as type: Value.Type) throws -> Value where Value.RawValue == String {
        let raw = try decode(column: column, as: String.self)
        guard let value = Value(rawValue: raw) else { throw StoreError.unknownValue(column: column, value: raw) }
        return value
    }

    func decode<Value: RawRepresentable>(_ column: String, as type: Value?.Type) throws -> Value? where Value.RawValue == String {
        guard let raw = try decode(column: column, as: String?.self) else { return nil }
        guard let value = Value(rawValue: raw) else { throw StoreError.unknownValue(column: column, value: raw) }
        return value
    }

    func decodeRegion(_ column: String) throws -> RegionCode {
        let raw = try decode(column: column, as: String.self)
        guard let code = RegionCode(raw) else { throw StoreError.unknownValue(column: column, value: raw) }
        return code
    }

    func decodeOptionalRegion(_ column: String) throws -> RegionCode? {
        guard let raw = try decode(column: column, as: String?.self) else { return nil }
        guard let code = RegionCode(raw) else { throw StoreError.unknownValue(column: column, value: raw) }
        return code
    }

    func decodeID<Tag>(_ column: String, as type: Tagged<Tag, Int64>.Type) throws -> Tagged<Tag, Int64> {
        Tagged(rawValue: try decode(column: column, as: Int64.self))
    }

    func decodeID<Tag>(_ column: String, as type: Tagged<Tag, Int64>?.Type) throws -> Tagged<Tag, Int64>? {
        try decode(column: column, as: Int64?.self).map(Tagged.init(rawValue:))
    }
}
