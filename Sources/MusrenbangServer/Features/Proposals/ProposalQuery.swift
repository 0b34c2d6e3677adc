import Hummingbird
import HummingbirdCore
import MusrenbangCore
import MusrenbangStore

/// The list's filters and numbers as a query string carries them, for the API and the pages alike.
/// An unknown value is a 422 naming it, never a silently ignored filter.
enum ProposalQuery {
    typealias Query = FlatDictionary<Substring, Substring>

    static func filter(_ query: Query) throws -> ProposalFilter {
        func parse<T: RawRepresentable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
            guard let raw = query.get(name), !raw.isEmpty else { return nil }
            guard let value = T(rawValue: raw) else {
                throw AppError.invalid(name, "\(name).invalid", id: "Nilai \(name) tidak dikenal: \(raw.prefix(40)).",
                                       en: "Unknown \(name): \(raw.prefix(40)).")
            }
            return value
        }
        func region(_ name: String, _ level: RegionLevel) throws -> RegionCode? {
            guard let raw = query.get(name), !raw.isEmpty else { return nil }
            guard let code = RegionCode(raw), code.level == level else {
                throw AppError.invalid(name, "\(name).invalid", id: "Kode wilayah \(name) tidak sah.", en: "\(name) is not a \(level.rawValue) code.")
            }
            return code
        }
        /// Free text: bounded, and blank or invisible-only is no filter (TextRules.search).
        func text(_ name: String, limit: Int) throws -> String? {
            let text = try TextRules.search(query.get(name), field: name, maximum: limit).orThrow()
            return text.isEmpty ? nil : text
        }
        return ProposalFilter(village: try region("village", .village), district: try region("district", .district),
                              status: try parse("status", ProposalStatus.self), level: try parse("level", DecisionLevel.self),
                              field: try text("field", limit: 8), year: try integer(query, "year"),
                              source: try parse("source", ProposalSource.self), agency: try text("agency", limit: 32),
                              query: try text("q", limit: 200), theme: try parse("theme", AssemblyTheme.self))
    }

    /// A whole number from the query; anything else (letters, a number beyond Int) is a 422 naming it.
    static func integer(_ query: Query, _ name: String) throws -> Int? {
        guard let raw = query.get(name), !raw.isEmpty else { return nil }
        guard let value = Int(raw) else {
            throw AppError.invalid(name, "\(name).invalid", id: "\(name) harus bilangan bulat.", en: "\(name) must be a whole number.")
        }
        return value
    }
}
