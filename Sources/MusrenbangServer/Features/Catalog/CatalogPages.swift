import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangDocuments

/// `/kamus`: the dictionary of activities for everyone to read (what a proposal may follow and
/// what it costs), and for the planners to maintain: import (the page sends the file to the API),
/// export in SIPD's columns, lock and unlock items.
struct CatalogPages {
    let catalog: CatalogService
    let pages: PageRenderer
    let outcome: FormOutcome
    let csrf: CSRFGuard
    let places: Places

    func register(on router: Router<AppContext>) {
        router.get("kamus", use: page)
        router.get("kamus/unduh/:file", use: download)
        router.post("kamus/:id/kunci", use: setLocked)
    }

    struct CatalogPage: Sendable {
        struct Row: Sendable {
            let id: String; let text: String; let unit: String; let price: String; let agency: String; let subfield: String
            let output: String; let locked: Bool; let years: String
        }
        let q: String
        let year: String
        let count: Int
        let rows: [Row]
        let mayMaintain: Bool
        let back: String
    }

    @Sendable func page(_ request: Request, context: AppContext) async throws -> Response {
        let query = request.uri.queryParameters
        let q = query.get("q") ?? ""
        let year = query.get("tahun").flatMap { Int($0) }
        let items = try await catalog.search(q, year: year)
        let locale = context.locale
        let rows = items.map { item in
            CatalogPage.Row(id: item.id, text: item.text, unit: item.unit, price: Format.rupiah(item.unitPrice),
                            agency: Names.agency(item.agencyCode).text(locale),
                            subfield: "\(item.subfieldCode) \(Names.field(item.subfieldCode).text(locale))",
                            output: item.outputText, locked: item.locked,
                            years: [item.firstYear.map(String.init) ?? "", item.lastYear.map(String.init) ?? ""] == ["", ""] ? ""
                                : "\(item.firstYear.map(String.init) ?? "…")–\(item.lastYear.map(String.init) ?? "…")")
        }
        let back = "/kamus" + (q.isEmpty ? "" : "?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
        return pages.render("catalog", title: Strings.text("catalogTitle", locale), model: CatalogPage(
            q: q, year: year.map(String.init) ?? "", count: try await catalog.count(), rows: rows,
            mayMaintain: Access.allows(context.user, .configurePlanning, in: places.regency.code), back: back),
            flash: try await pages.flash(context), context: context)
    }

    @Sendable func download(_ request: Request, context: AppContext) async throws -> Response {
        let file = context.parameters.get("file") ?? ""
        guard let format = ["kamus-usulan.csv": DocumentFormat.csv, "kamus-usulan.xlsx": .xlsx][file] else { throw DocumentService.unknownDocument }
        return try await catalog.export(format).download()
    }

    struct LockForm: Decodable, Sendable { let locked: String?; let back: String? }

    @Sendable func setLocked(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.person(context.user, .configurePlanning, in: places.regency.code)
        let id = context.parameters.get("id") ?? ""
        let form = try await SubmittedForm<LockForm>.read(request, context: context, csrf: csrf)
        // Only back to this page: a form field never sends anyone elsewhere.
        let back = form.fields.back.flatMap { $0.hasPrefix("/kamus") && !$0.hasPrefix("//") ? $0 : nil } ?? "/kamus"
        return try await outcome.respond(typed: [:], back: back) {
            let locked = form.fields.locked == "1"
            try await catalog.setLocked(id, locked, by: context.user)
            return locked ? .init(id: "Kegiatan \(id) dikunci.", en: "Item \(id) is locked.")
                          : .init(id: "Kegiatan \(id) dibuka.", en: "Item \(id) is unlocked.")
        }
    }
}
