import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/proposals*`, `/api/v1/comments*`, `/api/v1/villages/{code}/ranking`,
/// `/api/v1/districts/{code}/ceilings`, `/api/v1/criteria`, `/api/v1/reference`, `/api/v1/me/notifications`,
/// `/api/v1/me/proposals`: JSON in, the use case, JSON out.
struct ProposalAPI {
    let proposals: ProposalService
    let planning: PlanningService
    let today: @Sendable () -> CalendarDate

    struct Page: Encodable { let items: [ProposalView]; let total: Int; let page: Int; let pageSize: Int }
    struct Created: Encodable { let id: CommentID }
    struct SupportCount: Encodable { let supportCount: Int }
    struct FlagCount: Encodable { let flagCount: Int }
    struct Score: Encodable { let score: Double? }
    struct Order: Encodable { let order: [ProposalID] }
    struct Photo: Encodable { let url: String }
    struct Ranked: Encodable { struct Item: Encodable { let priority: Int; let proposal: ProposalView }; let items: [Item] }
    struct Ceiling: Encodable { let ceiling: Int64?; let committed: Int64; let remaining: Int64? }
    struct Criteria: Encodable { let criteria: [Criterion] }
    struct Similar: Encodable {
        struct Item: Encodable {
            let id: ProposalID; let title: String; let year: Int; let villageCode: RegionCode; let status: String
            let statusText: String; let supportCount: Int; let score: Double
        }
        let items: [Item]
    }
    struct Comments: Encodable {
        struct Item: Encodable {
            let id: CommentID; let parentId: CommentID?; let author: String; let body: String?
            let hidden: Bool; let hiddenReason: String?; let flagCount: Int; let createdAt: Date
        }
        let items: [Item]
    }
    struct Notices: Encodable {
        struct Item: Encodable { let id: Int64; let proposalId: ProposalID?; let message: String; let createdAt: Date; let read: Bool }
        let items: [Item]
    }
    struct Reference: Encodable {
        struct Agency: Encodable { let code: String; let name: String }
        let fields: [Field]; let fundingSources: [String]; let agencies: [Agency]; let sources: [String]; let groupKinds: [String]
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("reference", use: reference)
        api.post("proposals", use: submit)
        api.get("proposals", use: list)
        api.get("proposals/:id", use: detail)
        api.get("proposals/:id/similar", use: similarToProposal)
        api.get("similar", use: similarToText)
        api.post("proposals/:id/supports", use: support)
        api.delete("proposals/:id/supports", use: withdraw)
        api.get("proposals/:id/comments", use: comments)
        api.post("proposals/:id/comments", use: comment)
        api.post("comments/:id/flag", use: flag)
        api.post("comments/:id/hide", use: hide)
        api.post("proposals/:id/decisions", use: decide)
        api.post("proposals/:id/scores", use: score)
        api.post("proposals/:id/priority", use: move)
        api.post("proposals/:id/agency", use: assignAgency)
        api.post("proposals/:id/verification", use: verify)
        api.post("proposals/:id/theme", use: setTheme)
        api.post("proposals/:id/realisations", use: realise)
        api.post("proposals/:id/photos", use: addPhoto)
        api.get("villages/:code/ranking", use: ranking)
        api.post("villages/:code/ranking", use: rank)
        api.get("districts/:code/ceilings/:year", use: ceiling)
        api.put("districts/:code/ceilings/:year", use: setCeiling)
        api.get("criteria/:kind", use: criteria)
        api.put("criteria/:kind", use: setCriteria)
        api.get("me/notifications", use: notices)
        api.get("me/proposals", use: mine)
    }

    @Sendable func reference(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(Reference(fields: Fields.all, fundingSources: FundingSource.allCases.map(\.rawValue),
                                agencies: Agencies.defaults.map { .init(code: $0.code, name: $0.name) },
                                sources: ProposalSource.allCases.map(\.rawValue), groupKinds: GroupKind.allCases.map(\.rawValue)))
    }

    @Sendable func submit(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .submitProposal)
        let input = try await JSON.decode(ProposalService.Input.self, from: request, context: context)
        let created = try await proposals.submit(input, by: context.user, idempotencyKey: IdempotencyHeader.key(request))
        return JSON.response(try await proposals.view(created.proposal, detailed: true, locale: context.locale, created: created.history),
                             status: created.isNew ? .created : .ok)
    }

    @Sendable func list(_ request: Request, context: AppContext) async throws -> Response {
        let query = request.uri.queryParameters
        let paging = try Paging(page: try ProposalQuery.integer(query, "page") ?? 1, size: try ProposalQuery.integer(query, "pageSize") ?? 50)
        let (items, total) = try await proposals.list(try ProposalQuery.filter(query), paging)
        return JSON.revalidated(Page(items: try await views(items, context), total: total, page: paging.page, pageSize: paging.size),
                                request: request, lastModified: items.map(\.updatedAt).max())
    }

    @Sendable func mine(_ request: Request, context: AppContext) async throws -> Response {
        let query = request.uri.queryParameters
        let paging = try Paging(page: try ProposalQuery.integer(query, "page") ?? 1, size: try ProposalQuery.integer(query, "pageSize") ?? 200)
        let (items, total) = try await proposals.mine(context.user, paging)
        return JSON.response(Page(items: try await views(items, context), total: total, page: paging.page, pageSize: paging.size))
    }

    func views(_ records: [ProposalRecord], _ context: AppContext) async throws -> [ProposalView] {
        var views: [ProposalView] = []
        for record in records { views.append(try await proposals.view(record, detailed: false, locale: context.locale)) }
        return views
    }

    @Sendable func detail(_ request: Request, context: AppContext) async throws -> Response {
        let record = try await proposals.proposal(try context.id("id", as: ProposalID.self))
        return JSON.revalidated(try await proposals.view(record, detailed: true, locale: context.locale), request: request,
                                lastModified: record.updatedAt)
    }

    @Sendable func similarToProposal(_ request: Request, context: AppContext) async throws -> Response {
        let record = try await proposals.proposal(try context.id("id", as: ProposalID.self))
        let similar = try await proposals.similar(to: "\(record.draft.title) \(record.draft.activity)", village: record.draft.villageCode,
                                                  year: record.draft.year, excluding: record.id)
        return JSON.response(Self.similar(similar, context.locale))
    }

    /// While a proposal is being written: the same search before it exists.
    @Sendable func similarToText(_ request: Request, context: AppContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let village = query.get("village").flatMap({ RegionCode($0) }), village.level == .village else {
            throw AppError.invalid("village", "village.invalid", id: "Parameter village wajib berisi kode desa.",
                                   en: "village must be a village code.")
        }
        // The form sends its title and activity (at most 150 + 1 + 500 characters).
        let text = try TextRules.search(query.get("text"), field: "text", maximum: 700).orThrow()
        let year = try ProposalQuery.integer(query, "year") ?? today().year + 1
        return JSON.response(Self.similar(try await proposals.similar(to: text, village: village, year: year), context.locale))
    }

    static func similar(_ similar: [ProposalStore.SimilarProposal], _ locale: LocalizedText.Locale) -> Similar {
        Similar(items: similar.map {
            .init(id: $0.proposal.id, title: $0.proposal.draft.title, year: $0.proposal.draft.year, villageCode: $0.proposal.draft.villageCode,
                  status: $0.proposal.state.status.rawValue, statusText: Names.standing($0.proposal.state).text(locale),
                  supportCount: $0.proposal.supportCount, score: ($0.score * 100).rounded() / 100)
        })
    }

    @Sendable func support(_ request: Request, context: AppContext) async throws -> Response {
        let (count, replayed) = try await proposals.support(try context.id("id", as: ProposalID.self), by: context.user,
                                                            idempotencyKey: IdempotencyHeader.key(request))
        return JSON.response(SupportCount(supportCount: count), status: replayed ? .ok : .created)
    }

    @Sendable func withdraw(_ request: Request, context: AppContext) async throws -> Response {
        let record = try await proposals.withdraw(try context.id("id", as: ProposalID.self), by: context.user)
        return JSON.response(SupportCount(supportCount: record.supportCount))
    }

    @Sendable func comments(_ request: Request, context: AppContext) async throws -> Response {
        let comments = try await proposals.comments(try context.id("id", as: ProposalID.self))
        return JSON.response(Comments(items: comments.map {
            .init(id: $0.id, parentId: $0.parentId, author: proposals.authorLabel($0).text(context.locale),
                  body: $0.hiddenReason == nil ? $0.body : nil, hidden: $0.hiddenReason != nil, hiddenReason: $0.hiddenReason,
                  flagCount: $0.flagCount, createdAt: $0.createdAt)
        }))
    }

    @Sendable func comment(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let body: String; let parentId: CommentID? }
        let id = try context.id("id", as: ProposalID.self)
        _ = try Access.role(context.user, .comment)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        return JSON.response(Created(id: try await proposals.comment(id, parent: body.parentId, body: body.body, by: context.user)),
                             status: .created)
    }

    @Sendable func flag(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(FlagCount(flagCount: try await proposals.flag(try context.id("id", as: CommentID.self), by: context.user).flags))
    }

    @Sendable func hide(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let reason: String }
        let id = try context.id("id", as: CommentID.self)
        _ = try Access.role(context.user, .moderate)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        _ = try await proposals.hide(id, reason: body.reason, by: context.user)
        return Response(status: .noContent)
    }

    @Sendable func decide(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: ProposalID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let decision = try await JSON.decode(DecisionRequest.self, from: request, context: context)
        let record = try await proposals.decide(id, decision, by: context.user)
        return JSON.response(try await proposals.view(record, detailed: true, locale: context.locale), status: .created)
    }

    @Sendable func score(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let scores: [String: Int] }
        let id = try context.id("id", as: ProposalID.self)
        _ = try Access.role(context.user, .rankProposals)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        return JSON.response(Score(score: try await proposals.score(id, scores: body.scores, by: context.user)))
    }

    @Sendable func move(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let priority: Int; let reason: String }
        let id = try context.id("id", as: ProposalID.self)
        _ = try Access.role(context.user, .rankProposals)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        return JSON.response(Order(order: try await proposals.move(id, to: body.priority, reason: body.reason, by: context.user)))
    }

    @Sendable func assignAgency(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let agencyCode: String }
        let id = try context.id("id", as: ProposalID.self)
        _ = try Access.role(context.user, .assignAgency)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let record = try await proposals.assignAgency(id, to: body.agencyCode, by: context.user)
        return JSON.response(try await proposals.view(record, detailed: true, locale: context.locale))
    }

    @Sendable func setTheme(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let theme: String? }
        let id = try context.id("id", as: ProposalID.self)
        _ = try Access.role(context.user, .tagTheme)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let record = try await proposals.setTheme(id, body.theme, by: context.user)
        return JSON.response(try await proposals.view(record, detailed: true, locale: context.locale))
    }

    @Sendable func verify(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: ProposalID.self)
        _ = try Access.role(context.user, .verifyInField)
        let body = try await JSON.decode(ProposalService.VerificationInput.self, from: request, context: context)
        let record = try await proposals.verify(id, body, by: context.user)
        return JSON.response(try await proposals.view(record, detailed: true, locale: context.locale))
    }

    @Sendable func realise(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: ProposalID.self)
        _ = try Access.role(context.user, .recordRealisation)
        let body = try await JSON.decode(ProposalService.Realisation.self, from: request, context: context)
        let record = try await proposals.realise(id, body, by: context.user)
        return JSON.response(try await proposals.view(record, detailed: true, locale: context.locale), status: .created)
    }

    /// The raw image as the request body, checked by content. Who asks, the proposal's three
    /// photos, the uploader's quota and a declared size are checked before the body is read.
    @Sendable func addPhoto(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: ProposalID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        try await proposals.admitPhoto(id, size: request.headers[.contentLength].flatMap { Int($0) }, by: context.user)
        let bytes: [UInt8]
        do {
            bytes = Array(try await request.body.collect(upTo: ImageKind.maximumBytes).readableBytesView)
        } catch {
            throw ProposalService.photoTooLarge
        }
        return JSON.response(Photo(url: "/foto/\(try await proposals.addPhoto(id, bytes: bytes, by: context.user))"), status: .created)
    }

    @Sendable func ranking(_ request: Request, context: AppContext) async throws -> Response {
        let village = try planning.village(context.parameters.get("code"))
        let year = try ProposalQuery.integer(request.uri.queryParameters, "year") ?? today().year + 1
        var items: [Ranked.Item] = []
        for (index, record) in try await planning.ranking(village, year: year).enumerated() {
            items.append(.init(priority: index + 1, proposal: try await proposals.view(record, detailed: false, locale: context.locale)))
        }
        return JSON.response(Ranked(items: items))
    }

    @Sendable func rank(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let year: Int }
        _ = try Access.role(context.user, .rankProposals)
        let village = try planning.village(context.parameters.get("code"))
        let body = try await JSON.decode(Body.self, from: request, context: context)
        return JSON.response(Order(order: try await planning.rank(village, year: body.year, by: context.user)))
    }

    @Sendable func ceiling(_ request: Request, context: AppContext) async throws -> Response {
        let district = try planning.district(context.parameters.get("code"))
        let use = try await planning.ceiling(district, year: try context.year())
        return JSON.response(Ceiling(ceiling: use.ceiling, committed: use.committed, remaining: use.remaining))
    }

    @Sendable func setCeiling(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let amount: Int64 }
        _ = try Access.role(context.user, .configurePlanning)
        let district = try planning.district(context.parameters.get("code"))
        let year = try context.year()
        let body = try await JSON.decode(Body.self, from: request, context: context)
        try await planning.setCeiling(district, year: year, amount: body.amount, by: context.user)
        return Response(status: .noContent)
    }

    @Sendable func criteria(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(Criteria(criteria: try await planning.criteria(try Self.kind(context))))
    }

    @Sendable func setCriteria(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let criteria: [Criterion] }
        _ = try Access.role(context.user, .configurePlanning)
        let kind = try Self.kind(context)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        try await planning.setCriteria(body.criteria, for: kind, by: context.user)
        return Response(status: .noContent)
    }

    static func kind(_ context: AppContext) throws -> ProposalKind {
        guard let kind = ProposalKind(rawValue: context.parameters.get("kind") ?? "") else {
            throw AppError.notFound(.init(id: "Jenis tidak dikenal.", en: "Unknown kind."))
        }
        return kind
    }

    @Sendable func notices(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(Notices(items: try await proposals.notices(for: context.user, markRead: false).map {
            .init(id: $0.id, proposalId: $0.proposalId, message: $0.notice.map(Timeline.notice)?.text(context.locale) ?? $0.storedText,
                  createdAt: $0.createdAt, read: $0.read)
        }))
    }
}
