import Foundation
import Hummingbird
import HummingbirdCore
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/proposals*`, `/api/v1/villages/{code}/ranking`, `/api/v1/districts/{code}/ceilings`,
/// `/api/v1/criteria`, `/api/v1/reference`, `/api/v1/me/notifications`, `/api/v1/me/proposals`.
struct ProposalAPI {
    let services: AppServices
    var service: ProposalService { ProposalService(services: services) }

    struct Page: Encodable {
        let items: [ProposalView]
        let total: Int
        let page: Int
        let pageSize: Int
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("reference") { _, _ in
            struct Reference: Encodable {
                let fields: [Field]
                let fundingSources: [String]
                let agencies: [[String: String]]
                let sources: [String]
                let groupKinds: [String]
            }
            return JSON.response(Reference(
                fields: Fields.all, fundingSources: FundingSource.allCases.map(\.rawValue),
                agencies: Agencies.defaults.map { ["code": $0.code, "name": $0.name] },
                sources: ProposalSource.allCases.map(\.rawValue), groupKinds: GroupKind.allCases.map(\.rawValue)))
        }

        api.post("proposals") { request, context in
            let user = try context.requireUser()
            let input = try await JSON.decode(ProposalService.Input.self, from: request, context: context)
            let key = request.headers[.init("Idempotency-Key")!].flatMap { $0.isEmpty || $0.count > 200 ? nil : $0 }
            let created = try await service.submit(input, by: user, idempotencyKey: key)
            return JSON.response(try await service.view(created.proposal, detailed: true), status: created.isNew ? .created : .ok)
        }

        api.get("proposals") { request, context in
            let query = request.uri.queryParameters
            let paging = try Paging(page: try Self.integer(query, "page") ?? 1, size: try Self.integer(query, "pageSize") ?? 50)
            let filter = try Self.filter(query)
            let (items, total) = try await service.proposals.list(filter, paging)
            var views: [ProposalView] = []
            for item in items { views.append(try await service.view(item, detailed: false)) }
            return JSON.response(Page(items: views, total: total, page: paging.page, pageSize: paging.size))
        }

        api.get("proposals/:id") { _, context in
            let proposal = try await service.proposal(context.parameters.get("id", as: Int64.self))
            return JSON.response(try await service.view(proposal, detailed: true))
        }

        api.get("proposals/:id/similar") { _, context in
            let proposal = try await service.proposal(context.parameters.get("id", as: Int64.self))
            let similar = try await service.proposals.similar(
                to: "\(proposal.draft.title) \(proposal.draft.activity)", village: proposal.draft.villageCode,
                district: proposal.districtCode, year: proposal.draft.year, excluding: proposal.id)
            return JSON.response(try await similarAnswer(similar))
        }

        // While a proposal is being written: the same search before it exists.
        api.get("similar") { request, context in
            let query = request.uri.queryParameters
            guard let village = query.get("village").flatMap({ RegionCode($0) }), village.level == .village else {
                throw AppError(.unprocessableContent, code: "village.invalid",
                               message: .init(id: "Parameter village wajib berisi kode desa.", en: "village must be a village code."),
                               field: "village")
            }
            let text = query.get("text") ?? ""
            let year = query.get("year", as: Int.self) ?? services.today.year + 1
            let similar = try await service.proposals.similar(to: text, village: village.description,
                                                              district: village.parent!.description, year: year)
            return JSON.response(try await similarAnswer(similar))
        }

        api.post("proposals/:id/supports") { _, context in
            let user = try context.requireUser()
            let proposal = try await service.support(try Self.id(context), by: user)
            return JSON.response(["supportCount": proposal.supportCount], status: .created)
        }

        api.delete("proposals/:id/supports") { _, context in
            let user = try context.requireUser()
            let proposal = try await service.withdraw(try Self.id(context), by: user)
            return JSON.response(["supportCount": proposal.supportCount])
        }

        api.get("proposals/:id/comments") { _, context in
            struct Item: Encodable {
                let id: Int64; let parentId: Int64?; let author: String; let body: String?
                let hidden: Bool; let hiddenReason: String?; let flagCount: Int; let createdAt: Date
            }
            let proposal = try await service.proposal(context.parameters.get("id", as: Int64.self))
            let comments = try await service.engagement.comments(proposal.id)
            return JSON.response(["items": comments.map {
                Item(id: $0.id, parentId: $0.parentId, author: service.authorLabel($0), body: $0.hiddenReason == nil ? $0.body : nil,
                     hidden: $0.hiddenReason != nil, hiddenReason: $0.hiddenReason, flagCount: $0.flagCount, createdAt: $0.createdAt)
            }])
        }

        api.post("proposals/:id/comments") { request, context in
            struct Body: Decodable { let body: String; let parentId: Int64? }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let id = try await service.comment(try Self.id(context), parent: body.parentId, body: body.body, by: user)
            return JSON.response(["id": id], status: .created)
        }

        api.post("comments/:id/flag") { _, context in
            let user = try context.requireUser()
            guard let id = context.parameters.get("id", as: Int64.self), try await service.engagement.comment(id) != nil else {
                throw AppError.notFound(.init(id: "Komentar tidak ditemukan.", en: "Comment not found."))
            }
            return JSON.response(["flagCount": try await service.engagement.flag(id, by: user.id)])
        }

        api.post("comments/:id/hide") { request, context in
            struct Body: Decodable { let reason: String }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw AppError.notFound(.init(id: "Komentar tidak ditemukan.", en: "Comment not found."))
            }
            try await service.hide(id, reason: body.reason, by: user)
            return Response(status: .noContent)
        }

        api.post("proposals/:id/decisions") { request, context in
            let user = try context.requireUser()
            let decision = try await JSON.decode(DecisionRequest.self, from: request, context: context)
            let proposal = try await service.decide(try Self.id(context), decision, by: user)
            return JSON.response(try await service.view(proposal, detailed: true), status: .created)
        }

        api.post("proposals/:id/scores") { request, context in
            struct Body: Decodable { let scores: [String: Int] }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let score = try await service.score(try Self.id(context), scores: body.scores, by: user)
            struct Answer: Encodable { let score: Double? }
            return JSON.response(Answer(score: score))
        }

        api.post("proposals/:id/priority") { request, context in
            struct Body: Decodable { let priority: Int; let reason: String }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let order = try await service.move(try Self.id(context), to: body.priority, reason: body.reason, by: user)
            return JSON.response(["order": order])
        }

        api.post("proposals/:id/agency") { request, context in
            struct Body: Decodable { let agencyCode: String }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let proposal = try await service.proposal(context.parameters.get("id", as: Int64.self))
            try context.require(.configurePlanning, in: RegionCode(proposal.draft.villageCode))
            guard Agencies.name(body.agencyCode) != nil else {
                throw AppError(.unprocessableContent, code: "agencyCode.unknown",
                               message: .init(id: "Perangkat daerah tidak dikenal.", en: "Unknown agency."), field: "agencyCode")
            }
            guard try await service.planning.reassign(proposal.id, to: body.agencyCode, by: user.principal) else {
                throw AppError(.conflict, code: "agency.notWaiting",
                               message: .init(id: "Usulan tidak sedang menunggu di Forum Perangkat Daerah.",
                                              en: "The proposal is not waiting at the agency forum."))
            }
            return JSON.response(try await service.view(try await service.proposal(proposal.id), detailed: true))
        }

        api.post("proposals/:id/realisations") { request, context in
            struct Body: Decodable { let budgetLine: String; let amount: Int64; let year: Int; let progress: Int; let note: String? }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let proposal = try await service.realise(try Self.id(context), budgetLine: body.budgetLine, amount: body.amount,
                                                     year: body.year, progress: body.progress, note: body.note, by: user)
            return JSON.response(try await service.view(proposal, detailed: true), status: .created)
        }

        api.post("proposals/:id/photos") { request, context in
            let user = try context.requireUser()
            let proposal = try await service.proposal(context.parameters.get("id", as: Int64.self))
            guard proposal.enteredBy == user.id || proposal.proposerId == user.id
                    || Policy.allows(user.principal, .recordRealisation, in: RegionCode(proposal.draft.villageCode)) else {
                throw AppError.forbidden
            }
            let bytes = try await PhotoUpload.read(request)
            let purpose = proposal.state.status == .pending ? "problem" : "realisation"
            let hash = try await PhotoUpload.attach(bytes, to: proposal.id, purpose: purpose, services: services)
            return JSON.response(["url": "/foto/\(hash)"], status: .created)
        }

        api.get("villages/:code/ranking") { request, context in
            struct Item: Encodable { let priority: Int; let proposal: ProposalView }
            guard let code = RegionCode(context.parameters.get("code") ?? ""), code.level == .village else {
                throw AppError.notFound(.init(id: "Desa tidak ditemukan.", en: "Village not found."))
            }
            let year = request.uri.queryParameters.get("year", as: Int.self) ?? services.today.year + 1
            let ranked = try await service.planning.ranked(village: code.description, year: year)
            var items: [Item] = []
            for (index, record) in ranked.enumerated() {
                items.append(Item(priority: index + 1, proposal: try await service.view(record, detailed: false)))
            }
            return JSON.response(["items": items])
        }

        api.post("villages/:code/ranking") { request, context in
            struct Body: Decodable { let year: Int }
            let user = try context.requireUser()
            let code = try service.requireRanking(context.parameters.get("code") ?? "", by: user)
            let body = try await JSON.decode(Body.self, from: request, context: context)
            return JSON.response(["order": try await service.planning.rank(village: code.description, year: body.year, by: user.principal)])
        }

        api.get("districts/:code/ceilings/:year") { _, context in
            struct Answer: Encodable { let ceiling: Int64?; let committed: Int64; let remaining: Int64? }
            guard let code = RegionCode(context.parameters.get("code") ?? ""), code.level == .district,
                  let year = context.parameters.get("year", as: Int.self) else {
                throw AppError.notFound(.init(id: "Kecamatan tidak ditemukan.", en: "District not found."))
            }
            let use = try await service.planning.ceilingUse(district: code.description, year: year)
            return JSON.response(Answer(ceiling: use.ceiling, committed: use.committed, remaining: use.remaining))
        }

        api.put("districts/:code/ceilings/:year") { request, context in
            struct Body: Decodable { let amount: Int64 }
            guard let code = RegionCode(context.parameters.get("code") ?? ""), code.level == .district,
                  let year = context.parameters.get("year", as: Int.self) else {
                throw AppError.notFound(.init(id: "Kecamatan tidak ditemukan.", en: "District not found."))
            }
            _ = try context.requireUser()
            try context.require(.configurePlanning, in: code)
            let body = try await JSON.decode(Body.self, from: request, context: context)
            guard body.amount >= 0 else {
                throw AppError(.unprocessableContent, code: "amount.negative",
                               message: .init(id: "Pagu tidak boleh negatif.", en: "The ceiling cannot be negative."), field: "amount")
            }
            try await service.planning.setCeiling(district: code.description, year: year, amount: body.amount)
            return Response(status: .noContent)
        }

        api.get("criteria/:kind") { _, context in
            guard let kind = ProposalKind(rawValue: context.parameters.get("kind") ?? "") else {
                throw AppError.notFound(.init(id: "Jenis tidak dikenal.", en: "Unknown kind."))
            }
            return JSON.response(["criteria": try await service.planning.criteria(for: kind)])
        }

        api.put("criteria/:kind") { request, context in
            struct Body: Decodable { let criteria: [Criterion] }
            guard let kind = ProposalKind(rawValue: context.parameters.get("kind") ?? "") else {
                throw AppError.notFound(.init(id: "Jenis tidak dikenal.", en: "Unknown kind."))
            }
            _ = try context.requireUser()
            try context.require(.configurePlanning, in: services.configuration.regency)
            let body = try await JSON.decode(Body.self, from: request, context: context)
            if let error = Scoring.validate(body.criteria) { throw AppError(error) }
            try await service.planning.setCriteria(body.criteria, for: kind)
            return Response(status: .noContent)
        }

        api.get("me/notifications") { _, context in
            struct Item: Encodable { let id: Int64; let proposalId: Int64?; let message: String; let createdAt: Date; let read: Bool }
            let user = try context.requireUser()
            let notices = try await NoticeStore(services.database).notices(for: user.id)
            return JSON.response(["items": notices.map {
                Item(id: $0.id, proposalId: $0.proposalId, message: $0.message, createdAt: $0.createdAt, read: $0.read)
            }])
        }

        api.get("me/proposals") { _, context in
            let user = try context.requireUser()
            let (items, total) = try await service.proposals.list(.init(proposer: user.id), .clamped(page: 1, size: 200))
            var views: [ProposalView] = []
            for item in items { views.append(try await service.view(item, detailed: false)) }
            return JSON.response(Page(items: views, total: total, page: 1, pageSize: 200))
        }
    }

    func similarAnswer(_ similar: [ProposalStore.SimilarProposal]) async throws -> some Encodable {
        struct Item: Encodable { let id: Int64; let title: String; let year: Int; let villageCode: String; let status: String
            let statusText: String; let supportCount: Int; let score: Double }
        struct Answer: Encodable { let items: [Item] }
        return Answer(items: similar.map {
            Item(id: $0.proposal.id, title: $0.proposal.draft.title, year: $0.proposal.draft.year,
                 villageCode: $0.proposal.draft.villageCode, status: $0.proposal.state.status.rawValue,
                 statusText: Timeline.statusName($0.proposal.state), supportCount: $0.proposal.supportCount,
                 score: ($0.score * 100).rounded() / 100)
        })
    }

    static func id(_ context: AppContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw ProposalService.notFound }
        return id
    }

    /// A whole number from the query; anything else (letters, a number beyond Int) is a 422 naming it.
    static func integer(_ query: FlatDictionary<Substring, Substring>, _ name: String) throws -> Int? {
        guard let raw = query.get(name), !raw.isEmpty else { return nil }
        guard let value = Int(raw) else {
            throw AppError(.unprocessableContent, code: "\(name).invalid",
                           message: .init(id: "\(name) harus bilangan bulat.", en: "\(name) must be a whole number."), field: name)
        }
        return value
    }

    /// Query filters; an unknown enum value is a 422 naming it, not a silently ignored filter.
    static func filter(_ query: FlatDictionary<Substring, Substring>) throws -> ProposalFilter {
        func parse<T: RawRepresentable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
            guard let raw = query.get(name), !raw.isEmpty else { return nil }
            guard let value = T(rawValue: raw) else {
                throw AppError(.unprocessableContent, code: "\(name).invalid",
                               message: .init(id: "Nilai \(name) tidak dikenal: \(raw).", en: "Unknown \(name): \(raw)."), field: name)
            }
            return value
        }
        func nonEmpty(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : $0 } }
        return ProposalFilter(village: nonEmpty("village"), district: nonEmpty("district"),
                              status: try parse("status", ProposalStatus.self), level: try parse("level", DecisionLevel.self),
                              field: nonEmpty("field"), year: query.get("year", as: Int.self),
                              source: try parse("source", ProposalSource.self), agency: nonEmpty("agency"), query: nonEmpty("q"))
    }
}

/// Photo uploads: the raw image as the request body, checked by content.
enum PhotoUpload {
    static func read(_ request: Request) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: ImageKind.maximumBytes)
            return Array(buffer.readableBytesView)
        } catch {
            throw AppError(.contentTooLarge, code: "photo.tooLarge",
                           message: .init(id: "Foto melebihi 5 MB.", en: "The photo exceeds 5 MB."), field: "photo")
        }
    }

    static func attach(_ bytes: [UInt8], to proposalId: Int64, purpose: String, services: AppServices) async throws -> String {
        do {
            return try await PhotoStore(services.database, dataDirectory: services.configuration.dataDirectory)
                .attach(bytes, to: proposalId, purpose: purpose)
        } catch PhotoStore.PhotoError.notAnImage {
            throw AppError(.unprocessableContent, code: "photo.type",
                           message: .init(id: "Berkas bukan foto JPEG, PNG, atau WebP.", en: "The file is not a JPEG, PNG or WebP image."),
                           field: "photo")
        } catch PhotoStore.PhotoError.tooLarge {
            throw AppError(.contentTooLarge, code: "photo.tooLarge",
                           message: .init(id: "Foto melebihi 5 MB.", en: "The photo exceeds 5 MB."), field: "photo")
        } catch PhotoStore.PhotoError.tooMany {
            throw AppError(.unprocessableContent, code: "photo.tooMany",
                           message: .init(id: "Paling banyak 3 foto.", en: "At most 3 photos."), field: "photo")
        }
    }
}
