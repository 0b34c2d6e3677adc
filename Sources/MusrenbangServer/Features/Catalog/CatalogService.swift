import Foundation
import MusrenbangCore
import MusrenbangDocuments
import MusrenbangStore

/// The regency's dictionary of activities (kamus usulan): searched by anyone while proposing,
/// maintained by the planners (imported from SIPD-shaped CSV, exported, items locked). One
/// service for the API, the pages and `musrenbang catalog import`.
public struct CatalogService: Sendable {
    let services: AppServices
    var store: CatalogStore { CatalogStore(services.database) }
    var regency: RegionCode { services.places.regency.code }

    public init(services: AppServices) {
        self.services = services
    }

    static let pageSize = 20
    static let notFound = AppError.notFound(.init(id: "Kegiatan kamus tidak ditemukan.", en: "Dictionary item not found."))

    /// Items matching what is typed (all items in id order when nothing is), valid in `year` if given.
    func search(_ raw: String?, year: Int?) async throws -> [CatalogItem] {
        let query = try TextRules.search(raw, maximum: 100).orThrow()
        if let year, !(2000...2100).contains(year) {
            throw AppError.invalid("year", "year.range", id: "Tahun di luar jangkauan (2000–2100).", en: "Year out of range (2000–2100).")
        }
        return try await store.search(CatalogSearch.terms(query), regency: regency, year: year, limit: Self.pageSize)
    }

    func item(_ id: String) async throws -> CatalogItem {
        guard let item = try await store.item(String(id.prefix(40)), regency: regency) else { throw Self.notFound }
        return item
    }

    func count() async throws -> Int { try await store.count(regency: regency) }

    /// The draft priced by the item it names: locked, retired or unknown items are refused
    /// naming `catalogItemId`; whatever cost the client sent is replaced.
    func price(_ draft: ProposalDraft, itemId: String) async throws -> ProposalDraft {
        guard let item = try await store.item(String(itemId.prefix(40)), regency: regency) else {
            throw AppError.invalid("catalogItemId", "catalogItemId.unknown", id: "Kegiatan kamus \(itemId.prefix(40)) tidak ditemukan.",
                                   en: "Dictionary item \(itemId.prefix(40)) does not exist.")
        }
        return try CatalogPricing.apply(item, to: draft).orThrow()
    }

    // MARK: import and export

    /// What an import did: every refused row, or how many items were added and updated.
    public struct ImportReport: Sendable {
        public let rows: Int
        public let refusals: [CatalogCSV.RowRefusal]
        public let imported: CatalogStore.Imported?
        public var succeeded: Bool { refusals.isEmpty }
    }

    /// Reads a CSV in pieces, checks every row, and imports all of it or none of it.
    public func importCSV(_ next: () async throws -> Data?) async throws -> ImportReport {
        var check = CatalogCSV.Check(agencies: Set(Agencies.defaults.map(\.code)))
        while let chunk = try await next(), !chunk.isEmpty { check.feed(chunk) }
        check.finish()
        guard check.refusals.isEmpty else { return ImportReport(rows: check.rows, refusals: check.refusals, imported: nil) }
        return ImportReport(rows: check.rows, refusals: [], imported: try await store.upsert(check.items, regency: regency))
    }

    /// A file read in 64 KiB pieces.
    public func importFile(_ url: URL) async throws -> ImportReport {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        return try await importCSV { try handle.read(upToCount: 64 * 1024) }
    }

    /// The planner's upload (the API; the dictionary page sends the file there), read as it arrives.
    func importUpload(_ next: () async throws -> Data?, by user: UserRecord?) async throws -> ImportReport {
        _ = try Access.person(user, .configurePlanning, in: regency)
        return try await importCSV(next)
    }

    /// The whole dictionary in SIPD's columns, CSV or XLSX.
    func export(_ format: DocumentFormat) async throws -> DocumentService.Document {
        let records = CatalogCSV.records(try await store.all(regency: regency))
        let documents = DocumentService(services: services)
        return try documents.spreadsheet(format, name: DownloadName(["kamus-usulan", services.places.regency.name], extension: format.rawValue),
                                         title: "Kamus usulan \(services.places.regency.name)",
                                         columns: records[0].map { SpreadsheetColumn(title: $0) }) { sink in
            let table = try sink.table(named: "kamus_usulan", columns: records[0].map { SpreadsheetColumn(title: $0) })
            for record in records.dropFirst() {
                // Every value as text: ids like 0012 and prices keep their exact digits through Excel.
                try table.append(record.map { $0.isEmpty ? .empty : .text($0) }, style: .normal)
            }
        }
    }

    func setLocked(_ id: String, _ locked: Bool, by user: UserRecord?) async throws {
        _ = try Access.person(user, .configurePlanning, in: regency)
        guard try await store.setLocked(String(id.prefix(40)), locked, regency: regency) else { throw Self.notFound }
    }
}
