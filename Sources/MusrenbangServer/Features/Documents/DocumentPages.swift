import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// Downloads under `/dokumen/…` (the same addresses for people and programs), the documents
/// page where officials find every paper of a place and year, and the planner's mapping of
/// sub-bidang to the regency's programs (Tabel T-D.4's columns the platform does not hold).
struct DocumentPages {
    let documents: DocumentService
    let assemblies: AssemblyService
    let pages: PageRenderer
    let outcome: FormOutcome
    let csrf: CSRFGuard
    let places: Places
    let today: @Sendable () -> CalendarDate

    func register(on router: Router<AppContext>) {
        router.get("dokumen", use: index)
        router.get("dokumen/desa/:code/:file", use: villageDocument)
        router.get("dokumen/kecamatan/:code/:file", use: districtDocument)
        router.get("dokumen/kabupaten/:file", use: regencyDocument)
        router.get("dokumen/musrenbang/:id/:place/:file", use: sessionDocument)
        router.get("dokumen/usulan/:id/:file", use: proposalDocument)
        router.get("perencanaan/program", use: mappingPage)
        router.post("perencanaan/program", use: saveMappings)
    }

    // MARK: downloads

    /// The kind, year and format a file name asks for, if this place offers it in that format.
    func requested(_ context: AppContext, offered: [DocumentLinks.Kind]) throws -> (kind: DocumentLinks.Kind, year: Int?, format: DocumentFormat) {
        let (kind, year, formatName) = DocumentLinks.parse(context.parameters.get("file") ?? "")
        guard let kind, offered.contains(kind) else { throw DocumentService.unknownDocument }
        guard let format = DocumentFormat(rawValue: formatName), kind.formats.contains(format) else {
            throw DocumentService.unsupported(formatName, available: kind.formats)
        }
        return (kind, year, format)
    }

    func respond(_ document: DocumentService.Document) throws -> Response {
        try document.download()
    }

    @Sendable func villageDocument(_ request: Request, context: AppContext) async throws -> Response {
        let village = try documents.village(context.parameters.get("code"))
        let (kind, year, format) = try requested(context, offered: [.villageProposalList, .villageWorkPlan, .proposals])
        let document = switch kind {
        case .villageProposalList: try await documents.villageProposalList(village, year: year!, format: format)
        case .villageWorkPlan: try await documents.villageWorkPlan(village, year: year!, format: format)
        default: try await documents.proposalTable(village, year: year!, format: format)
        }
        return try respond(document)
    }

    @Sendable func districtDocument(_ request: Request, context: AppContext) async throws -> Response {
        let district = try documents.district(context.parameters.get("code"))
        let (kind, year, format) = try requested(context, offered: [.districtPriorities, .notAccommodated, .proposals])
        let document = switch kind {
        case .districtPriorities: try await documents.districtPriorities(district, year: year!, format: format)
        case .notAccommodated: try await documents.notAccommodated(district, year: year!, format: format)
        default: try await documents.proposalTable(district, year: year!, format: format)
        }
        return try respond(document)
    }

    @Sendable func regencyDocument(_ request: Request, context: AppContext) async throws -> Response {
        let (kind, year, format) = try requested(context, offered: [.recap, .notAccommodated, .proposals, .sipd])
        let regency = places.regency.code
        let document = switch kind {
        case .recap: try await documents.regencyRecap(year: year!, format: format)
        case .notAccommodated: try await documents.notAccommodated(regency, year: year!, format: format)
        case .sipd: try await SipdService(services: documents.services).export(year: year!, format: format)
        default: try await documents.proposalTable(regency, year: year!, format: format)
        }
        return try respond(document)
    }

    /// A session's papers name people: only its team (and the regency's planners) may have them.
    @Sendable func sessionDocument(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await assemblies.session(try context.id("id", as: AssemblyID.self), context.parameters.get("place"),
                                                 for: .readMinutesDraft, by: context.user)
        let (kind, _, format) = try requested(context, offered: [.minutes, .attendance])
        let document = kind == .minutes ? try await documents.minutesPaper(scope) : try await documents.attendance(scope, format: format)
        return try respond(document)
    }

    @Sendable func proposalDocument(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: ProposalID.self)
        _ = try requested(context, offered: [.proposalSheet])
        return try respond(try await documents.proposalSheet(id))
    }

    // MARK: the documents page

    @Sendable func index(_ request: Request, context: AppContext) async throws -> Response {
        let query = request.uri.queryParameters
        let locale = context.locale
        let year = query.get("tahun", as: Int.self).flatMap { (2000...2100).contains($0) ? $0 : nil } ?? today().year + 1
        let chosen = query.get("wilayah").flatMap { RegionCode($0) }.flatMap { places.contains($0) ? $0 : nil } ?? places.regency.code
        var sections: [DocumentsPage.Section] = []
        var lookups: [RegionCode] = []
        switch chosen.level {
        case .village:
            sections.append(.init(title: Names.village(chosen, places.name(chosen)).text(locale),
                                  links: DocumentLinks.village(chosen, year: year, locale: locale)))
            if let district = chosen.parent {
                sections.append(.init(title: Names.district(places.name(district)).text(locale),
                                      links: DocumentLinks.district(district, year: year, locale: locale)))
            }
            lookups = [chosen] + (chosen.parent.map { [$0] } ?? [])
        case .district:
            sections.append(.init(title: Names.district(places.name(chosen)).text(locale),
                                  links: DocumentLinks.district(chosen, year: year, locale: locale)))
            lookups = [chosen]
        default:
            break
        }
        sections.append(.init(title: places.regency.name, links: DocumentLinks.regency(year: year, locale: locale)))
        // Papers of sessions, for those who may read them.
        var sessionLinks: [DocumentLink] = []
        for place in lookups {
            for assembly in try await assemblies.papersAt(place, planYear: year, for: context.user) {
                for link in DocumentLinks.session(assembly.id, place: place, locale: locale) {
                    sessionLinks.append(.init(title: "\(link.title) — \(assembly.title) (\(places.name(place)))", formats: link.formats,
                                              isPrivate: true))
                }
            }
        }
        if !sessionLinks.isEmpty { sections.insert(.init(title: Strings.text("doc.sessionPapers", locale), links: sessionLinks), at: 0) }
        return pages.render("documents", title: Strings.text("documentsTitle", locale), model: DocumentsPage(
            year: year, regions: regionChoices(chosen, locale: locale), sections: sections,
            pdfMissing: !(await documents.services.printer.isAvailable()),
            mayMapPrograms: Access.allows(context.user, .configurePlanning, in: places.regency.code),
            mayExchangeSipd: Access.allows(context.user, .exchangeSipd, in: places.regency.code)), context: context)
    }

    func regionChoices(_ chosen: RegionCode, locale: LocalizedText.Locale) -> [DocumentsPage.RegionGroup] {
        var groups = [DocumentsPage.RegionGroup(label: places.regency.name, options: [
            Choice(value: places.regency.code.description, name: places.regency.name, selected: chosen == places.regency.code),
        ])]
        for district in places.districts {
            var options = [Choice(value: district.description, name: Names.district(places.name(district)).text(locale),
                                  selected: chosen == district)]
            for village in places.villages(in: district) {
                options.append(Choice(value: village.description, name: Names.village(village, places.name(village)).text(locale),
                                      selected: chosen == village))
            }
            groups.append(.init(label: Names.district(places.name(district)).text(locale), options: options))
        }
        return groups
    }

    // MARK: program mapping

    @Sendable func mappingPage(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.person(context.user, .configurePlanning, in: places.regency.code)
        let mappings = try await documents.reports.programMappings()
        let flash = try await pages.flash(context)
        let rows = Fields.all.flatMap { field in
            field.subfields.map { subfield in
                let mapping = mappings[subfield.code]
                func value(_ name: String, _ stored: String?) -> String { flash.values["\(name)-\(subfield.code)"] ?? stored ?? "" }
                return MappingPage.Row(code: subfield.code, name: "\(subfield.code) \(Names.field(subfield.code).text(context.locale))",
                                       fieldName: Names.field(field.code).text(context.locale),
                                       regionalPriority: value("regionalPriority", mapping?.regionalPriority),
                                       regionalTarget: value("regionalTarget", mapping?.regionalTarget),
                                       program: value("program", mapping?.program))
            }
        }
        return pages.render("program-mappings", title: Strings.text("mappingTitle", context.locale), model: MappingPage(rows: rows),
                            flash: flash, context: context)
    }

    /// One form for every sub-bidang: `regionalPriority-02.03`, `regionalTarget-02.03`, `program-02.03`.
    @Sendable func saveMappings(_ request: Request, context: AppContext) async throws -> Response {
        let user = try Access.person(context.user, .configurePlanning, in: places.regency.code)
        let form = try await SubmittedForm<NoFields>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/perencanaan/program") {
            let mappings = Fields.all.flatMap(\.subfields).map { subfield in
                func value(_ name: String) -> String { (form.typed["\(name)-\(subfield.code)"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
                return ProgramMapping(subfieldCode: subfield.code, regionalPriority: value("regionalPriority"),
                                      regionalTarget: value("regionalTarget"), program: value("program"))
            }
            try await documents.setProgramMappings(mappings, by: user)
            return .init(id: "Pemetaan program tersimpan.", en: "The program mapping is saved.")
        }
    }
}

struct DocumentsPage: Sendable {
    struct Section: Sendable {
        let title: String
        let links: [DocumentLink]
    }
    struct RegionGroup: Sendable {
        let label: String
        let options: [Choice]
    }
    let year: Int
    let regions: [RegionGroup]
    let sections: [Section]
    let pdfMissing: Bool
    let mayMapPrograms: Bool
    let mayExchangeSipd: Bool
}

struct MappingPage: Sendable {
    struct Row: Sendable {
        let code: String
        let name: String
        let fieldName: String
        let regionalPriority: String
        let regionalTarget: String
        let program: String
    }
    let rows: [Row]
}
