import Foundation
import MusrenbangCore
import MusrenbangDocuments
import MusrenbangStore

/// The planning dashboard: where a year's proposals stand by bidang, kecamatan, agency, status
/// and source; the cost each kecamatan's forum backed against its ceiling; who attended the
/// year's musrenbang (women, poor households, people with disabilities); what became of last
/// year's proposals. Charts are SVG drawn here, each with its table of numbers. Everything is
/// aggregate; the Bappeda's and the Bupati's view adds the stations' minutes still to finalise.
struct DashboardService: Sendable {
    let services: AppServices
    var places: Places { services.places }
    var reports: ReportStore { ReportStore(services.database) }

    /// Status groups the charts use, in this order.
    enum Standing: CaseIterable {
        case accepted, pending, rejected, merged

        init(_ status: ProposalStatus) {
            switch status {
            case .accepted, .inProgress, .completed: self = .accepted
            case .pending: self = .pending
            case .rejected: self = .rejected
            case .merged: self = .merged
            }
        }

        /// Colour and pattern: a status reads the same on every chart, in colour and in grey print.
        func series(_ locale: LocalizedText.Locale) -> ChartSeries {
            switch self {
            case .accepted: ChartSeries(Strings.text(key, locale), color: OkabeIto.bluishGreen, pattern: .solid)
            case .pending: ChartSeries(Strings.text(key, locale), color: OkabeIto.orange, pattern: .dots)
            case .rejected: ChartSeries(Strings.text(key, locale), color: OkabeIto.vermillion, pattern: .diagonal)
            case .merged: ChartSeries(Strings.text(key, locale), color: OkabeIto.skyBlue, pattern: .horizontal)
            }
        }

        var key: String {
            switch self {
            case .accepted: "status.accepted"
            case .pending: "status.pending"
            case .rejected: "status.rejected"
            case .merged: "status.merged"
            }
        }
    }

    func dashboard(year: Int, by user: UserRecord?, locale: LocalizedText.Locale) async throws -> DashboardPage {
        let year = try DocumentService.year(year)
        let text: ChartText = locale == .indonesian ? .indonesian : .english
        func t(_ key: String) -> String { Strings.text(key, locale) }
        let rows = try await reports.standing(year: year)
        var figures: [DashboardPage.Figure] = []

        // Where the year's proposals stand, by bidang and by kecamatan.
        func stacked(_ id: String, _ title: String, _ header: String, keys: [String], label: (String) -> String,
                     key: (ReportStore.Standing) -> String) -> String {
            var counts: [String: [Int]] = [:]
            for row in rows {
                let index = Standing.allCases.firstIndex(of: Standing(row.status))!
                counts[key(row), default: Array(repeating: 0, count: Standing.allCases.count)][index] += row.count
            }
            return StackedBarChart<Int>(id: id, title: title, categoryHeader: header, series: Standing.allCases.map { $0.series(locale) },
                                        items: keys.filter { counts[$0] != nil }.map { .init(label($0), counts[$0]!) },
                                        text: text, format: { ChartFormat.grouped($0) }).figureHTML()
        }
        figures.append(.init(id: "by-field", html: stacked("usulan-bidang", t("chart.byField"), t("field"),
            keys: Fields.all.map(\.code), label: { Names.field($0).text(locale) }, key: \.fieldCode)))
        figures.append(.init(id: "by-district", html: stacked("usulan-kecamatan", t("chart.byDistrict"), t("district"),
            keys: places.districts.map(\.description), label: { places.name(RegionCode($0)!) }, key: { $0.district.description })))

        // By agency (what reached the agencies) and by source.
        var byAgency: [String: Int] = [:], bySource: [ProposalSource: Int] = [:]
        for row in rows {
            if let agency = row.agencyCode, row.level >= .agency { byAgency[agency, default: 0] += row.count }
            bySource[row.source, default: 0] += row.count
        }
        figures.append(.init(id: "by-agency", html: BarChart<Int>(
            id: "usulan-opd", title: t("chart.byAgency"), categoryHeader: t("agency"), valueName: t("proposalCount"),
            items: byAgency.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { .init(Names.agency($0.key).text(locale), $0.value) },
            text: text, format: { ChartFormat.grouped($0) }).figureHTML()))
        figures.append(.init(id: "by-source", html: BarChart<Int>(
            id: "usulan-sumber", title: t("chart.bySource"), categoryHeader: t("source"), valueName: t("proposalCount"),
            items: ProposalSource.allCases.compactMap { source in bySource[source].map { .init(Names.source(source).text(locale), $0) } },
            text: text, format: { ChartFormat.grouped($0) }).figureHTML()))

        // Thematic musrenbang: proposals and the people they would serve, per theme.
        let themes = try await themes(year: year)
        if themes.contains(where: { $0.theme != nil }) {
            figures.append(.init(id: "by-theme", html: BarChart<Int>(
                id: "usulan-tema", title: t("chart.byTheme"), categoryHeader: t("theme"), valueName: t("proposalCount"),
                items: themes.map { .init($0.theme.map { Names.theme($0).text(locale) } ?? t("themeGeneral"), $0.count) },
                text: text, format: { ChartFormat.grouped($0) }).figureHTML()))
        }

        // The cost each kecamatan backed against its ceiling.
        let ceilings = try await reports.ceilings(year: year)
        var committed: [RegionCode: Int64] = [:]
        for row in rows where OpenData.isCommitted(row) { committed[row.district, default: 0] += row.cost }
        figures.append(.init(id: "ceilings", html: BarChart<Int64>(
            id: "pagu-kecamatan", title: t("chart.ceilings"), categoryHeader: t("district"), valueName: t("committed"),
            targetName: t("ceiling"),
            items: places.districts.map { .init(places.name($0), committed[$0] ?? 0, target: ceilings[$0]) },
            text: text, format: { ChartFormat.rupiah($0) }).figureHTML()))

        // Attendance of the year's village musrenbang.
        var attendance: DashboardPage.Attendance?
        if let assembly = try await reports.latestAssembly(regency: places.regency.code, level: .village, planYear: year) {
            attendance = try await attendanceFigures(assembly, locale: locale, text: text, figures: &figures)
        }

        // What became of last year's proposals.
        let last = try await reports.standing(year: year - 1)
        var outcomes: [ProposalStatus: Int] = [:]
        for row in last { outcomes[row.status, default: 0] += row.count }
        figures.append(.init(id: "last-year", html: BarChart<Int>(
            id: "tahun-lalu", title: "\(t("chart.lastYear")) \(year - 1)", categoryHeader: t("status"), valueName: t("proposalCount"),
            items: [ProposalStatus.completed, .inProgress, .accepted, .pending, .rejected, .merged].map {
                .init(Names.status($0).text(locale), outcomes[$0] ?? 0)
            }, text: text, format: { ChartFormat.grouped($0) }).figureHTML()))
        let reasons = try await reports.rejectionReasons(year: year - 1).map {
            DashboardPage.Reason(reason: $0.reason, forum: Names.forum($0.level).text(locale), count: $0.count)
        }

        let total = rows.reduce(0) { $0 + $1.count }
        let accepted = rows.filter { Standing($0.status) == .accepted }.reduce(0) { $0 + $1.count }
        return DashboardPage(
            year: year, previousYear: year - 1, total: ChartFormat.grouped(total), accepted: ChartFormat.grouped(accepted),
            cost: Format.rupiah(rows.reduce(0) { $0 + $1.cost }), figures: figures, attendance: attendance, reasons: reasons,
            documentLinks: DocumentLinks.regency(year: year, locale: locale),
            themes: themes.map { line in
                DashboardPage.ThemeRow(name: line.theme.map { Names.theme($0).text(locale) } ?? t("themeGeneral"),
                                       value: line.theme?.rawValue ?? "", thematic: line.theme != nil, year: year,
                                       count: ChartFormat.grouped(line.count), beneficiaries: BeneficiaryFigures(line.beneficiaries))
            },
            stations: Access.allows(user, .monitorStations, in: places.regency.code) ? try await stations(year: year, locale: locale) : nil)
    }

    /// The year's proposals per theme (the general musrenbang first, as `theme` nil) with their
    /// beneficiaries (L / P / RTM / difabel): public aggregates, for the page and the API.
    func themes(year: Int) async throws -> [ReportStore.ThemeCount] {
        try await reports.themes(year: try DocumentService.year(year))
    }

    /// Women, poor households and people with disabilities among the participants, per kecamatan
    /// and for the regency, and every village's attendance by unsur in a table.
    func attendanceFigures(_ assembly: AssemblyRecord, locale: LocalizedText.Locale, text: ChartText,
                           figures: inout [DashboardPage.Figure]) async throws -> DashboardPage.Attendance {
        func t(_ key: String) -> String { Strings.text(key, locale) }
        let groups = try await reports.attendance(assembly.id)
        var byDistrict: [RegionCode: (women: Int, men: Int)] = [:]
        var byVillage: [RegionCode: [AttendanceRole: Int]] = [:], villageGender: [RegionCode: (women: Int, men: Int)] = [:]
        var total = 0, women = 0, poor = 0, disabled = 0
        for group in groups {
            let district = group.place.level == .village ? group.place.parent ?? group.place : group.place
            if group.gender == .female {
                byDistrict[district, default: (0, 0)].women += group.count
                villageGender[group.place, default: (0, 0)].women += group.count
                women += group.count
            } else {
                byDistrict[district, default: (0, 0)].men += group.count
                villageGender[group.place, default: (0, 0)].men += group.count
            }
            byVillage[group.place, default: [:]][group.role, default: 0] += group.count
            total += group.count
            if group.role == .poorHousehold { poor += group.count }
            if group.role == .disabledGroup { disabled += group.count }
        }
        figures.append(.init(id: "attendance-gender", html: StackedBarChart<Int>(
            id: "hadir-gender", title: "\(t("chart.attendanceGender")) — \(assembly.title)", categoryHeader: t("district"),
            series: [ChartSeries(t("women")), ChartSeries(t("men"))],
            items: places.districts.compactMap { district in byDistrict[district].map { .init(places.name(district), [$0.women, $0.men]) } },
            normalized: true, text: text, format: { ChartFormat.grouped($0) }).figureHTML()))
        figures.append(.init(id: "attendance-shares", html: RatioChart<Int>(
            id: "hadir-kelompok", title: t("chart.attendanceShares"), categoryHeader: t("group"), partName: t("present"),
            totalName: t("participants"),
            items: [.init(t("women"), part: women, total: total), .init(Names.attendanceRole(.poorHousehold).text(locale), part: poor, total: total),
                    .init(Names.attendanceRole(.disabledGroup).text(locale), part: disabled, total: total)],
            reference: 0.3, referenceLabel: t("womenQuota"), text: text, format: { ChartFormat.grouped($0) }).figureHTML()))
        let roles = AttendanceRole.allCases
        let villages = byVillage.keys.sorted().map { place in
            DashboardPage.AttendanceRow(place: Names.village(place, places.name(place)).text(locale),
                                        women: villageGender[place]?.women ?? 0, men: villageGender[place]?.men ?? 0,
                                        counts: roles.map { byVillage[place]?[$0] ?? 0 })
        }
        return DashboardPage.Attendance(assemblyTitle: assembly.title, total: total,
                                        roles: roles.map { Names.attendanceRole($0).text(locale) }, rows: villages)
    }

    /// The stations of the year's village musrenbang whose berita acara is not final yet.
    func stations(year: Int, locale: LocalizedText.Locale) async throws -> DashboardPage.Stations? {
        guard let assembly = try await reports.latestAssembly(regency: places.regency.code, level: .village, planYear: year) else { return nil }
        let sessions = try await AssemblyStore(services.database).sessions(assembly.id)
        let final = try await reports.finalMinutes(assembly.id)
        let open = sessions.filter { !final.contains($0.villageCode) }.map {
            DashboardPage.Station(name: Names.village($0.villageCode, places.name($0.villageCode)).text(locale),
                                  href: "/musrenbang/\(assembly.id)/desa/\($0.villageCode)#berita-acara")
        }
        return .init(assemblyTitle: assembly.title, final: final.count, total: sessions.count, open: open)
    }
}

struct DashboardPage: Sendable {
    struct Figure: Sendable { let id: String; let html: String }
    struct Reason: Sendable { let reason: String; let forum: String; let count: Int }
    struct AttendanceRow: Sendable { let place: String; let women: Int; let men: Int; let counts: [Int] }
    struct Attendance: Sendable { let assemblyTitle: String; let total: Int; let roles: [String]; let rows: [AttendanceRow] }
    struct Station: Sendable { let name: String; let href: String }
    struct Stations: Sendable { let assemblyTitle: String; let final: Int; let total: Int; let open: [Station] }
    struct ThemeRow: Sendable {
        let name: String; let value: String; let thematic: Bool; let year: Int; let count: String; let beneficiaries: BeneficiaryFigures
    }
    let year: Int
    let previousYear: Int
    let total: String
    let accepted: String
    let cost: String
    let figures: [Figure]
    let attendance: Attendance?
    let reasons: [Reason]
    let documentLinks: [DocumentLink]
    /// Proposals and beneficiaries per theme, the general musrenbang first.
    let themes: [ThemeRow]
    /// The Bappeda's and the Bupati's view only.
    let stations: Stations?
}
