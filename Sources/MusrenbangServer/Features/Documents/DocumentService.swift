import Foundation
import MusrenbangCore
import MusrenbangDocuments
import MusrenbangStore

/// Every official paper and export: which place and year it is of, who may have it, and the
/// rows it holds, written as PDF, XLSX or CSV. Papers carry no personal data except the
/// attendance lists and the berita acara, which need the session team's right to read minutes.
struct DocumentService: Sendable {
    let services: AppServices
    var places: Places { services.places }
    var lines: PlanLines { PlanLines(places: services.places) }
    var reports: ReportStore { ReportStore(services.database) }

    /// A finished document: its bytes in memory (PDFs) or a file written aside (spreadsheets).
    struct Document: Sendable {
        enum Content: Sendable { case data(Data), file(URL) }
        let content: Content
        let name: DownloadName
        let format: DocumentFormat
    }

    static let unknownDocument = AppError.notFound(.init(id: "Dokumen tidak dikenal.", en: "Unknown document."))

    static func unsupported(_ format: String, available: [DocumentFormat]) -> AppError {
        let list = available.map { $0.rawValue.uppercased() }.joined(separator: ", ")
        return AppError(.notAcceptable, code: "format.unsupported",
                        message: .init(id: "Dokumen ini tidak tersedia dalam format \(format.uppercased()); tersedia: \(list).",
                                       en: "This document does not come as \(format.uppercased()); available: \(list)."))
    }

    static func year(_ year: Int) throws -> Int {
        guard (2000...2100).contains(year) else {
            throw AppError.notFound(.init(id: "Tahun \(year) di luar jangkauan (2000–2100).", en: "Year \(year) is out of range (2000–2100)."))
        }
        return year
    }

    /// A village or district of the tenant, or 404 (the planning desk's words).
    func village(_ raw: String?) throws -> RegionCode { try PlanningService(services: services).village(raw) }
    func district(_ raw: String?) throws -> RegionCode { try PlanningService(services: services).district(raw) }

    /// Writes the planner's mapping of every sub-bidang; all rows are checked before any is saved.
    func setProgramMappings(_ mappings: [ProgramMapping], by user: UserRecord?) async throws {
        let user = try Access.person(user, .configurePlanning, in: places.regency.code)
        var refusals = Refusals()
        for mapping in mappings { refusals.check(ProgramMapping.validate(mapping)) }
        try refusals.throwIfAny()
        for mapping in mappings { try await reports.setProgramMapping(mapping, by: user.id) }
    }

    // MARK: the village's lists

    /// DU-RKPDes: what the village keeps for its own budget, and what it forwards to the kecamatan.
    /// Rejected and merged proposals are not on it (their reasons are on each proposal's page).
    func villageProposalList(_ village: RegionCode, year: Int, format: DocumentFormat) async throws -> Document {
        let lists = try await villageLists(village, year: year)
        let own = lists.own.enumerated().map { lines.item($1, number: $0 + 1) }
        let forwarded = lists.forwarded.enumerated().map { lines.item($1, number: $0 + 1) }
        let name = DownloadName(["DU-RKPDes", places.name(village), "\(year)"], extension: format.rawValue)
        let form = PlanningForms.villageProposalList
        return try spreadsheet(format, name: name, title: "DU-RKPDes \(Names.village(village, places.name(village)).id) \(year)",
                               columns: form.spreadsheetColumns) { sink in
            switch sink {
            case .workbook(let book):
                _ = try form.write(own, to: try book.addSheet(named: "Kewenangan Desa", columns: form.spreadsheetColumns,
                                                              options: Self.sheetOptions), total: "Jumlah")
                _ = try form.write(forwarded, to: try book.addSheet(named: "Diteruskan ke Kecamatan", columns: form.spreadsheetColumns,
                                                                    options: Self.sheetOptions), total: "Jumlah")
            case .csv(let csv):
                // One table in CSV: the two lists one after the other, each closed by its total.
                _ = try form.write(own, to: csv, total: "Jumlah kewenangan desa")
                _ = try form.write(forwarded, to: csv, total: "Jumlah diteruskan ke kecamatan")
            }
        }
    }

    /// RKPDes: what the village forum accepted into its own plan, grouped by Bidang with its sums.
    func villageWorkPlan(_ village: RegionCode, year: Int, format: DocumentFormat) async throws -> Document {
        let plan = try await villageLists(village, year: year).own.filter { $0.state.status != .pending }
            .sorted { ($0.draft.fieldCode, $0.priority ?? Int.max) < ($1.draft.fieldCode, $1.priority ?? Int.max) }
        let name = DownloadName(["RKPDes", places.name(village), "\(year)"], extension: format.rawValue)
        let form = PlanningForms.villageWorkPlan
        let lines = self.lines
        return try spreadsheet(format, name: name, title: "RKPDes \(Names.village(village, places.name(village)).id) \(year)",
                               columns: form.spreadsheetColumns) { sink in
            var grouped = GroupedTableWriter(form, to: try sink.table(named: "RKPDes \(year)", columns: form.spreadsheetColumns),
                                             group: { "\($0.fieldCode) \($0.fieldName)" }, subtotal: { "Jumlah per Bidang \($0)" })
            for (index, record) in plan.enumerated() { try grouped.append(lines.item(record, number: index + 1)) }
            _ = try grouped.finish(total: "Jumlah Total")
        }
    }

    /// The village's ranked proposals split as the DU-RKPDes lists them: kept for the village
    /// budget (accepted, or still to be decided with a village funding source) and forwarded
    /// (gone on to the kecamatan, or still to be decided with a source beyond the village).
    func villageLists(_ village: RegionCode, year: Int) async throws -> (own: [ProposalRecord], forwarded: [ProposalRecord]) {
        guard places.isVillage(village) else { throw PlanningService.villageNotFound }
        var own: [ProposalRecord] = [], forwarded: [ProposalRecord] = []
        for record in try await PlanningStore(services.database).ranked(village: village, year: Self.year(year)) {
            let state = record.state
            guard state.status != .rejected && state.status != .merged else { continue }
            if state.level == .village && (state.status != .pending || record.draft.fundingSource.isVillageBudget) {
                own.append(record)
            } else {
                forwarded.append(record)
            }
        }
        return (own, forwarded)
    }

    // MARK: the kecamatan's lists

    /// Tabel T-D.4. Once the kecamatan's berita acara is final, its annex is exactly what was signed.
    func districtPriorities(_ district: RegionCode, year: Int, format: DocumentFormat) async throws -> Document {
        let results = try await districtResults(district, year: year)
        let name = DownloadName(["T-D.4", places.name(district), "\(year)"], extension: format.rawValue)
        let form = PlanningForms.districtPriorities
        return try spreadsheet(format, name: name, title: "Tabel T-D.4 Kecamatan \(places.name(district)) \(year)",
                               columns: form.spreadsheetColumns) { sink in
            let target = try sink.table(named: "T-D.4", columns: form.spreadsheetColumns)
            var grouped = GroupedTableWriter(form, to: target, group: { $0.item.agency.isEmpty ? "Perangkat daerah belum ditetapkan" : $0.item.agency },
                                             subtotal: { "Jumlah \($0)" })
            for (_, rows) in results.byAgency {
                for row in rows { try grouped.append(row) }
            }
            let totals = try grouped.finish(total: "Jumlah seluruh kegiatan prioritas")
            let budget = form.columns.firstIndex { $0.isSummed }!
            let spent = totals.values[budget] ?? 0
            func line(_ text: String, _ amount: Decimal?) -> [SpreadsheetCell] {
                form.columns.indices.map {
                    $0 == form.labelColumn ? .text(text) : $0 == budget ? (amount.map { .rupiah($0) } ?? .text("belum ditetapkan")) : .empty
                }
            }
            try target.append(line("Pagu indikatif kecamatan", results.ceiling.map { Decimal($0) }), style: .subtotal)
            if let ceiling = results.ceiling {
                let rest = Decimal(ceiling) - spent
                try target.append(line(rest < 0 ? "Melebihi pagu indikatif sebesar" : "Sisa pagu indikatif", rest < 0 ? -rest : rest),
                                  style: .total)
            }
        }
    }

    func districtResults(_ district: RegionCode, year: Int) async throws -> DistrictResults {
        guard district.level == .district, places.contains(district) else { throw PlanningService.districtNotFound }
        let year = try Self.year(year)
        if let final = try await AssemblyStore(services.database).finalMinutes(of: district, planYear: year),
           let record = try? JSONDecoder.iso.decode(BeritaAcara.self, from: Data(final.data.utf8)), let results = record.districtResults {
            return results
        }
        return try await DistrictResults.load(district, year: year, services: services)
    }

    /// What the forums could not accommodate, with reasons: of a kecamatan, or of the regency.
    func notAccommodated(_ region: RegionCode, year: Int, format: DocumentFormat) async throws -> Document {
        let district = try scopeDistrict(region)
        let year = try Self.year(year)
        let place = district.map { places.name($0) } ?? places.regency.name
        let name = DownloadName(["Usulan-Tidak-Terakomodir", place, "\(year)"], extension: format.rawValue)
        let form = PlanningForms.notAccommodated
        let lines = self.lines
        return try await streamingSpreadsheet(format, name: name, title: "Usulan tidak terakomodir \(place) \(year)",
                                              sheet: "Tidak Terakomodir", columns: form.spreadsheetColumns) { sink in
            var totals = TableForm<PlanItem>.Totals()
            try await reports.refusals(year: year, district: district) { batch in
                for refusal in batch {
                    let item = lines.item(refusal.proposal, number: totals.count + 1, reason: refusal.reason, forum: refusal.level)
                    try form.append(item, to: sink, totals: &totals)
                }
            }
            try sink.append(form.sumRow("Jumlah", sums: totals.values), style: .total)
        }
    }

    /// Every proposal of a place and year as open data (no personal data), streamed.
    func proposalTable(_ region: RegionCode, year: Int, format: DocumentFormat) async throws -> Document {
        let district = try scopeDistrict(region)
        let village = region.level == .village ? region : nil
        if let village, !places.isVillage(village) { throw PlanningService.villageNotFound }
        let year = try Self.year(year)
        let name = DownloadName(["Usulan", places.name(region), "\(year)"], extension: format.rawValue)
        let form = OpenDataTables.proposals
        let open = OpenData(places: places)
        return try await streamingSpreadsheet(format, name: name, title: "Usulan \(places.name(region)) \(year)", sheet: "Usulan",
                                              columns: form.spreadsheetColumns) { sink in
            var totals = TableForm<PublicProposal>.Totals()
            try await reports.proposals(year: year, village: village, district: village == nil ? district : nil) { batch in
                for record in batch { try form.append(open.proposal(record), to: sink, totals: &totals) }
            }
        }
    }

    /// A district of the tenant for a kecamatan-wide list, nil for the whole regency; 404 otherwise.
    func scopeDistrict(_ region: RegionCode) throws -> RegionCode? {
        switch region.level {
        case .regency where region == places.regency.code: return nil
        case .district where places.contains(region): return region
        case .village where places.isVillage(region): return region.parent
        default: throw AppError.notFound(.init(id: "Wilayah tidak ditemukan di kabupaten ini.", en: "Region not found in this regency."))
        }
    }

    // MARK: the regency's recap

    /// Kecamatan × bidang × where the proposals stand, with counts and Rupiah, and subtotals per kecamatan.
    func regencyRecap(year: Int, format: DocumentFormat) async throws -> Document {
        let year = try Self.year(year)
        var merged: [String: RecapLine] = [:]
        for row in try await reports.standing(year: year) {
            let district = places.name(row.district)
            let field = "\(row.fieldCode) \(Fields.field(row.fieldCode)?.name ?? "")"
            let status = Names.standing(.init(level: row.level, status: row.status, volume: 0, estimatedCost: 0)).id
            let key = "\(district)|\(field)|\(status)"
            merged[key, default: RecapLine(district: district, field: field, status: status, count: 0, cost: 0)].count += row.count
            merged[key]!.cost += row.cost
        }
        let rows = merged.values.sorted { ($0.district, $0.field, $0.status) < ($1.district, $1.field, $1.status) }
        let name = DownloadName(["Rekap-Usulan", places.regency.name, "\(year)"], extension: format.rawValue)
        let form = PlanningForms.regencyRecap
        return try spreadsheet(format, name: name, title: "Rekapitulasi usulan \(places.regency.name) \(year)",
                               columns: form.spreadsheetColumns) { sink in
            var grouped = GroupedTableWriter(form, to: try sink.table(named: "Rekap \(year)", columns: form.spreadsheetColumns), group: { "Kecamatan \($0.district)" }, subtotal: { "Jumlah \($0)" })
            for row in rows { try grouped.append(row) }
            _ = try grouped.finish(total: "Jumlah \(places.regency.name)")
        }
    }

    // MARK: attendance

    /// The daftar hadir of one session, for its team: citizens named only with their consent.
    func attendance(_ scope: AssemblyService.Session, format: DocumentFormat) async throws -> Document {
        let people = try await AssemblyStore(services.database).attendees(scope.id, village: scope.village)
        let place = places.name(scope.village)
        let name = DownloadName(["Daftar-Hadir", place, "Musrenbang-\(scope.id)"], extension: format.rawValue)
        let form = PlanningForms.attendance
        let rows = people.enumerated().map { index, person in
            AttendanceLine(number: index + 1, name: person.publicName, role: person.role.indonesianName,
                           gender: person.gender == .female ? "P" : "L", origin: person.residence.map(places.name) ?? "",
                           arrivedAt: person.arrivedAt, isGuest: person.isGuest)
        }
        return try spreadsheet(format, name: name, title: "Daftar hadir \(place) — \(scope.assembly.title)",
                               columns: form.spreadsheetColumns) { sink in
            _ = try form.write(rows, to: try sink.table(named: "Daftar Hadir", columns: form.spreadsheetColumns), total: nil)
        }
    }

    // MARK: papers (PDF)

    /// The session's berita acara: a village's, or a kecamatan's with Lampiran I–IV. "Draf" on
    /// every page until the minutes are final.
    func minutesPaper(_ scope: AssemblyService.Session) async throws -> Document {
        let record = try await MinutesService(services: services).minutes(scope)
        let papers = Papers(places: places)
        let isDistrict = scope.village.level == .district
        let place = places.name(scope.village)
        let name = DownloadName([isDistrict ? "BA-Musrenbang-Kecamatan" : "BA-Musrenbangdes", place, "\(scope.assembly.planYear)"],
                                extension: "pdf")
        let frame = services.printer.frame(title: name.description.replacingOccurrences(of: ".pdf", with: ""),
                                           isDraft: record.finalizedAt == nil, regencyName: places.regency.name)
        let data: Data
        if isDistrict {
            let results: DistrictResults
            if let snapshot = record.districtResults {
                results = snapshot
            } else {
                results = try await DistrictResults.load(scope.village, year: scope.assembly.planYear, services: services)
            }
            data = try await services.printer.pdf(.districtMinutes, papers.districtMinutes(record, results: results, assembly: scope.assembly),
                                                  frame: frame)
        } else {
            let agenda = try await AssemblyStore(services.database).agenda(scope.id)
            data = try await services.printer.pdf(.villageMinutes, papers.villageMinutes(record, assembly: scope.assembly, agenda: agenda),
                                                  frame: frame)
        }
        return Document(content: .data(data), name: name, format: .pdf)
    }

    /// A proposal's tracking sheet, as public as its page.
    func proposalSheet(_ id: ProposalID) async throws -> Document {
        let proposals = ProposalService(services: services)
        let record = try await proposals.proposal(id)
        let history = try await proposals.history(id)
        let proposer = try await proposals.proposerLabel(record).id
        let name = DownloadName(["Lembar-Usulan", "\(id)", places.name(record.draft.villageCode)], extension: "pdf")
        let frame = services.printer.frame(title: "Lembar Pelacakan Usulan #\(id)", isDraft: false, regencyName: places.regency.name)
        let data = try await services.printer.pdf(.proposalSheet, Papers(places: places).proposalSheet(record, history: history, proposer: proposer),
                                                  frame: frame)
        return Document(content: .data(data), name: name, format: .pdf)
    }

    // MARK: writing

    static let sheetOptions = XLSXWriter.SheetOptions(freezeHeader: true, autoFilter: true, repeatHeaderWhenPrinting: true,
                                                       orientation: .landscape, paper: .a4, fitToWidth: true)

    enum Sink {
        case workbook(XLSXWriter)
        case csv(CSVWriter)

        /// A sheet of the workbook, or the CSV file itself (which is one table).
        func table(named name: String, columns: [SpreadsheetColumn]) throws -> AnyRowWriter {
            switch self {
            case .workbook(let book): AnyRowWriter(try book.addSheet(named: name, columns: columns, options: DocumentService.sheetOptions))
            case .csv(let csv): AnyRowWriter(csv)
            }
        }
    }

    /// Writes a spreadsheet document to a temporary file with the given body.
    func spreadsheet(_ format: DocumentFormat, name: DownloadName, title: String, columns: [SpreadsheetColumn],
                     _ body: (Sink) throws -> Void) throws -> Document {
        let url = Download.temporaryURL(format)
        do {
            switch format {
            case .xlsx:
                let book = try XLSXWriter(destination: url, options: .init(creator: "Musrenbang \(places.regency.name)", title: title))
                try body(.workbook(book))
                try book.finish()
            case .csv:
                let csv = try CSVWriter(destination: url, columns: columns)
                try body(.csv(csv))
                try csv.finish()
            case .pdf:
                throw Self.unsupported(format.rawValue, available: [.xlsx, .csv])
            }
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        return Document(content: .file(url), name: name, format: format)
    }

    /// The same for one sheet whose rows arrive in batches from the database.
    func streamingSpreadsheet(_ format: DocumentFormat, name: DownloadName, title: String, sheet: String, columns: [SpreadsheetColumn],
                              _ body: (any SpreadsheetRowWriter) async throws -> Void) async throws -> Document {
        let url = Download.temporaryURL(format)
        do {
            switch format {
            case .xlsx:
                let book = try XLSXWriter(destination: url, options: .init(creator: "Musrenbang \(places.regency.name)", title: title))
                try await body(try book.addSheet(named: sheet, columns: columns, options: Self.sheetOptions))
                try book.finish()
            case .csv:
                let csv = try CSVWriter(destination: url, columns: columns)
                try await body(csv)
                try csv.finish()
            case .pdf:
                throw Self.unsupported(format.rawValue, available: [.xlsx, .csv])
            }
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        return Document(content: .file(url), name: name, format: format)
    }
}

/// Any row writer behind one concrete type, for the generic grouped writer.
struct AnyRowWriter: SpreadsheetRowWriter {
    let base: any SpreadsheetRowWriter
    init(_ base: any SpreadsheetRowWriter) { self.base = base }
    func append(_ cells: [SpreadsheetCell], style: SpreadsheetRowStyle) throws { try base.append(cells, style: style) }
}
