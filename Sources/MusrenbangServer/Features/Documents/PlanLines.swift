import Foundation
import MusrenbangCore
import MusrenbangDocuments
import MusrenbangStore

/// Proposals as the official tables list them: the regency's names for places, fields and
/// agencies, in Indonesian (the papers are Indonesian whatever the reader's locale).
struct PlanLines: Sendable {
    let places: Places

    func item(_ record: ProposalRecord, number: Int = 0, reason: String = "", forum: DecisionLevel? = nil) -> PlanItem {
        let draft = record.draft
        let field = Fields.field(draft.fieldCode)
        let women = min(draft.beneficiaries.women, draft.beneficiaries.total)
        var item = PlanItem(
            id: record.id.rawValue, priority: record.priority, fieldCode: draft.fieldCode, fieldName: field?.name ?? draft.fieldCode,
            subfieldCode: draft.subfieldCode, subfieldName: Fields.subfield(draft.subfieldCode)?.name ?? draft.subfieldCode,
            title: draft.title, activity: draft.activity, sdg: draft.sdg, district: places.name(record.districtCode),
            village: Names.village(draft.villageCode, places.name(draft.villageCode)).id, location: location(record),
            volume: record.state.volume, unit: draft.unit, male: draft.beneficiaries.total - women, female: women,
            poor: draft.beneficiaries.poor, disabled: draft.beneficiaries.disabled, period: "Tahun \(draft.year)",
            cost: record.state.estimatedCost, fundingSource: draft.fundingSource.indonesianName,
            agency: record.state.agencyCode.map { Agencies.name($0) ?? $0 } ?? "",
            status: Names.standing(record.state).id, forum: forum.map { Names.forum($0).id } ?? "", reason: reason)
        item.number = number
        return item
    }

    /// "Dusun Krajan, RT 02/RW 01, Desa Bubuk".
    func location(_ record: ProposalRecord) -> String {
        let where_ = record.draft.location
        let rtRw = [where_.rt.map { "RT \($0)" }, where_.rw.map { "RW \($0)" }].compactMap { $0 }.joined(separator: "/")
        return [where_.hamlet.map { "Dusun \($0)" }, rtRw.isEmpty ? nil : rtRw,
                Names.village(record.draft.villageCode, places.name(record.draft.villageCode)).id]
            .compactMap { $0 }.joined(separator: ", ")
    }
}

/// A kecamatan forum's results for a plan year: its priority activities by agency (Tabel T-D.4),
/// numbered in the order the forum's ranking gives, with the regency's program mapping beside
/// each; what it could not accommodate, with reasons (Lampiran III); and its ceiling.
struct DistrictResults: Codable, Sendable, Equatable {
    var priorities: [PriorityActivity]
    var refused: [PlanItem]
    var ceiling: Int64?

    var total: Int64 { priorities.reduce(0) { $0 + $1.item.cost } }

    /// The priorities grouped by agency, agencies in the order of their first priority.
    var byAgency: [(agency: String, rows: [PriorityActivity])] {
        var order: [String] = []
        var groups: [String: [PriorityActivity]] = [:]
        for row in priorities {
            let agency = row.item.agency.isEmpty ? "Perangkat daerah belum ditetapkan" : row.item.agency
            if groups[agency] == nil { order.append(agency) }
            groups[agency, default: []].append(row)
        }
        return order.map { ($0, groups[$0]!) }
    }

    static func load(_ district: RegionCode, year: Int, services: AppServices) async throws -> DistrictResults {
        let reports = ReportStore(services.database)
        let lines = PlanLines(places: services.places)
        let backed = try await reports.backedByDistrict(district, year: year)
        let order = Ranking.order(backed.map { RankEntry(id: $0.id, score: $0.score, supportCount: $0.supportCount, submittedOrder: $0.id.rawValue) })
        let byId = Dictionary(uniqueKeysWithValues: backed.map { ($0.id, $0) })
        let mappings = try await reports.programMappings()
        let priorities = order.enumerated().compactMap { index, id -> PriorityActivity? in
            guard let record = byId[id] else { return nil }
            let mapping = mappings[record.draft.subfieldCode]
            return PriorityActivity(rank: index + 1, item: lines.item(record, number: index + 1),
                                    regionalPriority: mapping?.regionalPriority ?? "", regionalTarget: mapping?.regionalTarget ?? "",
                                    program: mapping?.program ?? "")
        }
        var refused: [PlanItem] = []
        try await reports.refusals(year: year, district: district, level: .district) { batch in
            for refusal in batch {
                refused.append(lines.item(refusal.proposal, number: refused.count + 1, reason: refusal.reason, forum: refusal.level))
            }
        }
        let ceiling = try await PlanningStore(services.database).ceilingUse(district: district, year: year).ceiling
        return DistrictResults(priorities: priorities, refused: refused, ceiling: ceiling)
    }
}
