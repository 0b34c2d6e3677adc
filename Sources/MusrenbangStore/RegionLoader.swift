import Foundation
import Logging
import MusrenbangCore
import SQLKit

/// Loads the Kemendagri list (`Resources/wilayah/wilayah.csv`, MIT, see the LICENSE beside it).
public enum RegionLoader {
    public static var bundledListURL: URL {
        Bundle.module.url(forResource: "wilayah", withExtension: "csv", subdirectory: "Resources/wilayah")!
    }

    /// Parses `kode,nama,tingkat` rows; names may be quoted and contain commas.
    public static func parse(_ text: String) throws -> [Region] {
        var regions: [Region] = []
        regions.reserveCapacity(92_000)
        var first = true
        for line in text.split(whereSeparator: \.isNewline) {
            if first { first = false; continue }
            let fields = splitCSVLine(line)
            guard fields.count == 3, let code = RegionCode(fields[0]) else {
                throw StoreError.invalidConfiguration("bad region row: \(line)")
            }
            let kind: VillageKind? = switch fields[2] {
            case "desa": .desa
            case "kelurahan": .kelurahan
            default: nil
            }
            regions.append(Region(code: code, name: fields[1], kind: kind))
        }
        return regions
    }

    static func splitCSVLine(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            switch character {
            case "\"" where quoted:
                quoted = false
            case "\"" where current.isEmpty:
                quoted = true
            case "," where !quoted:
                fields.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    static func loadBundledList(into database: any SQLDatabase, logger: Logger) async throws {
        let text = try String(contentsOf: bundledListURL, encoding: .utf8)
        let regions = try parse(text)
        try await insert(regions, into: database)
        logger.info("regions loaded", metadata: ["count": "\(regions.count)"])
    }

    /// Parents come before children in the file, and rows go in blocks, so the foreign key holds
    /// throughout and the load takes seconds.
    static func insert(_ regions: [Region], into database: any SQLDatabase) async throws {
        let sorted = regions.sorted { ($0.code.segments.count, $0.code) < ($1.code.segments.count, $1.code) }
        var start = 0
        while start < sorted.count {
            let block = sorted[start..<min(start + 1000, sorted.count)]
            var insert = database.insert(into: "regions").columns("code", "name", "level", "parent_code", "kind", "name_folded")
            for region in block {
                insert = insert.values(
                    SQLBind(region.code.description), SQLBind(region.name), SQLBind(region.level.rawValue),
                    SQLBind(region.code.parent?.description), SQLBind(region.kind?.rawValue),
                    SQLBind(TextFolding.fold(region.name))
                )
            }
            try await insert.run()
            start += block.count
        }
    }
}
