import Foundation
import Hummingbird
import MusrenbangCore

/// `/api/v1/catalog`: the dictionary of activities, public (a citizen picks an item while typing).
struct CatalogAPI {
    let catalog: CatalogService

    /// The contract other tools rely on: `id` is SIPD's `id_kamus`.
    struct Item: Encodable {
        let id: String; let text: String; let unit: String; let unitPrice: Int64; let agencyCode: String
        let fieldCode: String; let subfieldCode: String; let outputText: String; let group: String; let locked: Bool
        let firstYear: Int?; let lastYear: Int?

        init(_ item: CatalogItem) {
            id = item.id; text = item.text; unit = item.unit; unitPrice = item.unitPrice; agencyCode = item.agencyCode
            fieldCode = item.fieldCode; subfieldCode = item.subfieldCode; outputText = item.outputText; group = item.group
            locked = item.locked; firstYear = item.firstYear; lastYear = item.lastYear
        }
    }
    struct Found: Encodable { let items: [Item] }

    func register(on api: RouterGroup<AppContext>) {
        api.get("catalog", use: search)
        api.get("catalog/:id", use: item)
        api.post("catalog/import", use: importCSV)
    }

    /// What an import answers: the counts, or (422) every refused row with its reasons.
    struct Report: Encodable {
        struct Refused: Encodable { let line: Int; let id: String?; let reasons: [String] }
        struct Failure: Encodable { let code: String; let message: String; let field: String? }
        let rows: Int; let added: Int?; let updated: Int?; let refused: [Refused]; let error: Failure?
    }

    /// The most a dictionary file may weigh: SIPD's whole dictionary of a regency is a few MB.
    static let maximumBytes = 32 * 1024 * 1024

    /// The CSV as the body (`text/csv`), read as it arrives: all rows imported, or none.
    @Sendable func importCSV(_ request: Request, context: AppContext) async throws -> Response {
        var body = request.body.makeAsyncIterator()
        var received = 0
        let report = try await catalog.importUpload({
            guard var buffer = try await body.next() else { return nil }
            received += buffer.readableBytes
            guard received <= Self.maximumBytes else { throw AppError.tooLarge }
            return buffer.readData(length: buffer.readableBytes)
        }, by: context.user)
        let refused = report.refusals.map { Report.Refused(line: $0.line, id: $0.id, reasons: $0.reasons.map { $0.text(context.locale) }) }
        guard let imported = report.imported else {
            let count = report.refusals.count
            return JSON.response(Report(rows: report.rows, added: nil, updated: nil, refused: refused, error: .init(
                code: "catalog.refused", message: LocalizedText(id: "\(count) baris ditolak; tidak ada yang diimpor.",
                                                                en: "\(count) rows refused; nothing was imported.").text(context.locale),
                field: "file")), status: .unprocessableContent)
        }
        return JSON.response(Report(rows: report.rows, added: imported.added, updated: imported.updated, refused: [], error: nil))
    }

    @Sendable func search(_ request: Request, context: AppContext) async throws -> Response {
        let query = request.uri.queryParameters
        let year = try query.get("year").flatMap { raw -> Int? in
            guard !raw.isEmpty else { return nil }
            guard let year = Int(raw) else {
                throw AppError.invalid("year", "year.invalid", id: "Tahun harus bilangan bulat.", en: "year must be a whole number.")
            }
            return year
        }
        let items = try await catalog.search(query.get("q"), year: year)
        return JSON.response(Found(items: items.map(Item.init)))
    }

    @Sendable func item(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(Item(try await catalog.item(context.parameters.get("id") ?? "")))
    }
}
