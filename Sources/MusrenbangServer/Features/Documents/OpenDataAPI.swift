import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/decisions` (every forum's decision with its reason, in the order taken, paged by a
/// cursor) and `/api/v1/program-mappings` (the regency's sub-bidang → program mapping of
/// Tabel T-D.4). Public reads revalidate with `ETag`/`Last-Modified`.
struct OpenDataAPI {
    let documents: DocumentService

    struct Decision: Encodable {
        let id: Int64; let proposalId: ProposalID; let villageCode: RegionCode; let year: Int; let level: String; let outcome: String
        let reason: String?; let decidedAt: Date
    }
    struct Decisions: Encodable {
        let items: [Decision]
        /// The `after` of the next page; absent on the last page.
        let next: Int64?
    }
    struct Mappings: Encodable { let items: [ProgramMapping] }
    struct MappingInput: Decodable { let regionalPriority: String; let regionalTarget: String; let program: String }

    func register(on api: RouterGroup<AppContext>) {
        api.get("decisions", use: decisions)
        api.get("program-mappings", use: mappings)
        api.put("program-mappings/:subfield", use: setMapping)
    }

    @Sendable func decisions(_ request: Request, context: AppContext) async throws -> Response {
        let query = request.uri.queryParameters
        let after = try ProposalQuery.integer(query, "after") ?? 0
        guard after >= 0 else { throw AppError.invalid("after", "after.range", id: "after tidak boleh negatif.", en: "after cannot be negative.") }
        let limit = try ProposalQuery.integer(query, "limit") ?? 100
        guard (1...1000).contains(limit) else {
            throw AppError.invalid("limit", "limit.range", id: "limit harus 1–1000.", en: "limit must be 1–1000.")
        }
        let filter = try ProposalQuery.filter(query)
        let found = try await documents.reports.decisions(after: Int64(after), limit: limit + 1, village: filter.village,
                                                         district: filter.district, year: filter.year)
        let page = Array(found.prefix(limit))
        let body = Decisions(items: page.map {
            Decision(id: $0.id, proposalId: $0.proposalId, villageCode: $0.villageCode, year: $0.year, level: $0.level.rawValue,
                     outcome: $0.outcome.rawValue, reason: $0.reason, decidedAt: $0.decidedAt)
        }, next: found.count > limit ? page.last?.id : nil)
        return JSON.revalidated(body, request: request, lastModified: page.map(\.decidedAt).max())
    }

    @Sendable func mappings(_ request: Request, context: AppContext) async throws -> Response {
        let all = try await documents.reports.programMappings()
        return JSON.revalidated(Mappings(items: all.values.sorted { $0.subfieldCode < $1.subfieldCode }), request: request, lastModified: nil)
    }

    @Sendable func setMapping(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .configurePlanning)
        let input = try await JSON.decode(MappingInput.self, from: request, context: context)
        let code = context.parameters.get("subfield") ?? ""
        guard Fields.subfield(code) != nil else {
            throw AppError.notFound(.init(id: "Sub-bidang \(code) tidak dikenal.", en: "Unknown subfield \(code)."))
        }
        let mapping = ProgramMapping(subfieldCode: code, regionalPriority: input.regionalPriority.trimmingCharacters(in: .whitespacesAndNewlines),
                                     regionalTarget: input.regionalTarget.trimmingCharacters(in: .whitespacesAndNewlines),
                                     program: input.program.trimmingCharacters(in: .whitespacesAndNewlines))
        try await documents.setProgramMappings([mapping], by: context.user)
        return JSON.response(mapping)
    }
}
