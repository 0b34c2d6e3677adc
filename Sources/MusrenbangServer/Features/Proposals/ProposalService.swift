import Foundation
import MusrenbangCore
import MusrenbangStore

/// Proposals as the API and the pages both handle them: permissions, validation, and the
/// translation of store refusals into answers.
struct ProposalService: Sendable {
    let services: AppServices
    var proposals: ProposalStore { ProposalStore(services.database) }
    var engagement: EngagementStore { EngagementStore(services.database) }
    var planning: PlanningStore { PlanningStore(services.database) }

    static let notFound = AppError.notFound(.init(id: "Usulan tidak ditemukan.", en: "Proposal not found."))

    /// What a client sends; `source` and `citizenId` only matter for operators and pokir.
    struct Input: Decodable, Sendable {
        var villageCode: String
        var year: Int
        var title: String
        var problem: String
        var activity: String
        var fieldCode: String
        var subfieldCode: String
        var kind: ProposalKind
        var location: ProposalLocation?
        var volume: Double
        var unit: String
        var estimatedCost: Int64
        var fundingSource: FundingSource
        var beneficiaries: Beneficiaries
        var sdg: Int?
        var source: ProposalSource?
        var groupKind: GroupKind?
        var groupName: String?
        var citizenId: Int64?
        var showProposerName: Bool?
    }

    func submit(_ input: Input, by user: UserRecord, idempotencyKey: String?) async throws -> ProposalStore.Created {
        guard let village = RegionCode(input.villageCode), village.level == .village,
              services.configuration.regency.contains(village), try await services.regions.exists(village) else {
            throw AppError(.unprocessableContent, code: "villageCode.unknown",
                           message: .init(id: "Kode desa/kelurahan \(input.villageCode) tidak dikenal di \(services.tenant.name).",
                                          en: "Unknown village code \(input.villageCode) in \(services.tenant.name)."),
                           field: "villageCode")
        }
        guard Policy.allows(user.principal, .submitProposal, in: village) else { throw AppError.forbidden }
        let source = try source(for: user, asked: input.source)
        var proposer: Int64? = user.role == .citizen ? user.id : nil
        if let citizenId = input.citizenId, user.role != .citizen {
            guard let citizen = try await services.accounts.user(id: citizenId), citizen.role == .citizen else {
                throw AppError(.unprocessableContent, code: "citizenId.unknown",
                               message: .init(id: "Warga yang diwakili tidak ditemukan.", en: "The citizen does not exist."),
                               field: "citizenId")
            }
            proposer = citizen.id
        }
        let draft = ProposalDraft(
            villageCode: village.description, year: input.year, title: input.title, problem: input.problem,
            activity: input.activity, fieldCode: input.fieldCode, subfieldCode: input.subfieldCode, kind: input.kind,
            location: input.location ?? .init(), volume: input.volume, unit: input.unit, estimatedCost: input.estimatedCost,
            fundingSource: input.fundingSource, beneficiaries: input.beneficiaries, sdg: input.sdg, source: source,
            groupKind: input.groupKind, groupName: input.groupName, showProposerName: input.showProposerName ?? false)
        try Refusals(all: ProposalRules.validate(draft, currentYear: services.today.year)).throwIfAny()
        do {
            let created = try await proposals.create(
                draft, district: village.parent!, proposerId: proposer, enteredBy: user.id, actorRole: user.role,
                idempotencyKey: idempotencyKey.map { (scope: "proposal:\(user.id)", key: $0) })
            if created.isNew {
                // During an assembly's proposal stage, the proposal joins the village's session.
                for assembly in try await AssemblyStore(services.database).attachProposal(created.proposal.id, village: village.description) {
                    await services.live.poke(assembly)
                }
            }
            return created
        } catch StoreError.conflict {
            throw AppError(.conflict, code: "idempotency.inProgress",
                           message: .init(id: "Permintaan yang sama sedang diproses.", en: "The same request is in progress."))
        }
    }

    /// A citizen proposes as a citizen; an operator for a citizen, a group or the BPD; a council
    /// member's proposal is pokir; an agency's is the agency's.
    func source(for user: UserRecord, asked: ProposalSource?) throws -> ProposalSource {
        let allowed: [ProposalSource] = switch user.role {
        case .citizen: [.citizen]
        case .villageOperator: [.onBehalf, .group, .bpd]
        case .council: [.council]
        case .agency: [.agency]
        case .planner, .admin: ProposalSource.allCases
        default: []
        }
        let source = asked ?? allowed.first ?? .citizen
        guard allowed.contains(source) else {
            throw AppError(.unprocessableContent, code: "source.notAllowed",
                           message: .init(id: "Peran Anda tidak dapat mengusulkan sebagai \(source.indonesianName).",
                                          en: "Your role cannot propose as \(source.rawValue)."), field: "source")
        }
        return source
    }

    func proposal(_ id: Int64?) async throws -> ProposalRecord {
        guard let id, let proposal = try await proposals.proposal(id) else { throw Self.notFound }
        return proposal
    }

    func decide(_ id: Int64, _ request: DecisionRequest, by user: UserRecord) async throws -> ProposalRecord {
        do {
            return try await proposals.decide(id, request, by: user.principal)
        } catch let error as ProposalStore.DecisionError {
            throw Self.answer(error)
        }
    }

    static func answer(_ error: ProposalStore.DecisionError) -> AppError {
        switch error {
        case .notFound: notFound
        case .refused(.forbidden(let text)): AppError(.forbidden, code: "decision.forbidden", message: text)
        case .refused(.conflict(let text)): AppError(.conflict, code: "decision.conflict", message: text)
        case .refused(.invalid(let validation)): AppError(validation)
        case .mergeTarget(let text): AppError(.unprocessableContent, code: "mergedInto.invalid", message: text, field: "mergedInto")
        }
    }

    func support(_ id: Int64, by user: UserRecord) async throws -> ProposalRecord {
        let proposal = try await proposal(id)
        guard let village = RegionCode(proposal.draft.villageCode),
              Policy.allows(user.principal, .supportProposal, in: village) else {
            throw AppError(.forbidden, code: "support.forbidden",
                           message: .init(id: "Hanya warga desa ini yang dapat mendukung usulan ini.",
                                          en: "Only citizens of this village can support this proposal."))
        }
        guard proposal.state.status == .pending || proposal.state.status == .accepted else {
            throw AppError(.conflict, code: "support.closed",
                           message: .init(id: "Usulan ini sudah selesai diputuskan; dukungan ditutup.",
                                          en: "This proposal has been decided; support is closed."))
        }
        guard try await engagement.support(id, by: user.id) else {
            throw AppError(.conflict, code: "support.duplicate",
                           message: .init(id: "Anda sudah mendukung usulan ini.", en: "You already support this proposal."))
        }
        return try await self.proposal(id)
    }

    func withdraw(_ id: Int64, by user: UserRecord) async throws -> ProposalRecord {
        _ = try await proposal(id)
        guard try await engagement.withdraw(id, by: user.id) else {
            throw AppError(.notFound, code: "support.none",
                           message: .init(id: "Anda belum mendukung usulan ini.", en: "You do not support this proposal."))
        }
        return try await proposal(id)
    }

    func comment(_ id: Int64, parent: Int64?, body: String, by user: UserRecord) async throws -> Int64 {
        _ = try await proposal(id)
        try AppContext.require(user, .comment)
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...2000).contains(text.count) else {
            throw AppError(.unprocessableContent, code: "body.length",
                           message: .init(id: "Komentar harus 2–2000 karakter.", en: "A comment must be 2–2000 characters."),
                           field: "body")
        }
        do {
            return try await engagement.addComment(id, parent: parent, author: user.id, body: text)
        } catch EngagementStore.CommentError.parentNotFound {
            throw AppError(.unprocessableContent, code: "parentId.unknown",
                           message: .init(id: "Komentar yang dibalas tidak ada pada usulan ini.",
                                          en: "The comment replied to is not on this proposal."), field: "parentId")
        } catch EngagementStore.CommentError.nestedReply {
            throw AppError(.unprocessableContent, code: "parentId.nested",
                           message: .init(id: "Balasan hanya satu tingkat.", en: "Replies are one level deep."), field: "parentId")
        }
    }

    func hide(_ commentId: Int64, reason: String, by user: UserRecord) async throws {
        guard let comment = try await engagement.comment(commentId) else {
            throw AppError.notFound(.init(id: "Komentar tidak ditemukan.", en: "Comment not found."))
        }
        let proposal = try await proposal(comment.proposalId)
        guard let village = RegionCode(proposal.draft.villageCode), Policy.allows(user.principal, .moderate, in: village) else {
            throw AppError.forbidden
        }
        let text = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (5...300).contains(text.count) else {
            throw AppError(.unprocessableContent, code: "reason.required",
                           message: .init(id: "Alasan penyembunyian wajib diisi (5–300 karakter).",
                                          en: "A reason (5–300 characters) is required."), field: "reason")
        }
        try await engagement.hide(commentId, reason: text, by: user.id)
    }

    func score(_ id: Int64, scores: [String: Int], by user: UserRecord) async throws -> Double? {
        let proposal = try await proposal(id)
        guard let village = RegionCode(proposal.draft.villageCode),
              Policy.allows(user.principal, .rankProposals, in: village) else { throw AppError.forbidden }
        let criteria = try await planning.criteria(for: proposal.draft.kind)
        for (key, value) in scores {
            guard criteria.contains(where: { $0.key == key }) else {
                throw AppError(.unprocessableContent, code: "scores.unknownCriterion",
                               message: .init(id: "Kriteria \(key) tidak dikenal.", en: "Unknown criterion \(key)."), field: "scores.\(key)")
            }
            guard (1...5).contains(value) else {
                throw AppError(.unprocessableContent, code: "scores.range",
                               message: .init(id: "Skor harus 1 sampai 5.", en: "Scores are 1 to 5."), field: "scores.\(key)")
            }
        }
        return try await planning.score(proposal, scores: scores, by: user.id)
    }

    func requireRanking(_ village: String, by user: UserRecord) throws -> RegionCode {
        guard let code = RegionCode(village), code.level == .village else {
            throw AppError.notFound(.init(id: "Desa tidak ditemukan.", en: "Village not found."))
        }
        guard Policy.allows(user.principal, .rankProposals, in: code) else { throw AppError.forbidden }
        return code
    }

    func move(_ id: Int64, to priority: Int, reason: String?, by user: UserRecord) async throws -> [Int64] {
        let proposal = try await proposal(id)
        _ = try requireRanking(proposal.draft.villageCode, by: user)
        let text = (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= 5 else {
            throw AppError(.unprocessableContent, code: "reason.required",
                           message: .init(id: "Alasan perubahan urutan wajib diisi.", en: "A reason for reordering is required."),
                           field: "reason")
        }
        guard let order = try await planning.move(id, to: priority, reason: text, village: proposal.draft.villageCode,
                                                  year: proposal.draft.year, by: user.principal) else {
            throw AppError(.unprocessableContent, code: "priority.range",
                           message: .init(id: "Nomor prioritas di luar daftar.", en: "The priority is outside the list."),
                           field: "priority")
        }
        return order
    }

    func realise(_ id: Int64, budgetLine: String, amount: Int64, year: Int, progress: Int, note: String?,
                 by user: UserRecord) async throws -> ProposalRecord {
        let proposal = try await proposal(id)
        guard let village = RegionCode(proposal.draft.villageCode),
              Policy.allows(user.principal, .recordRealisation, in: village),
              user.role != .agency || user.agencyCode == proposal.state.agencyCode,
              user.role != .villageOperator || proposal.state.level == .village else { throw AppError.forbidden }
        guard !budgetLine.trimmingCharacters(in: .whitespaces).isEmpty, amount >= 0 else {
            throw AppError(.unprocessableContent, code: "realisation.invalid",
                           message: .init(id: "Mata anggaran wajib diisi dan jumlah tidak boleh negatif.",
                                          en: "A budget line is required and the amount cannot be negative."), field: "budgetLine")
        }
        do {
            return try await planning.recordRealisation(id, budgetLine: budgetLine, amount: amount, year: year, progress: progress,
                                                        note: note, by: user.principal)
        } catch let error as ProposalStore.DecisionError {
            throw Self.answer(error)
        }
    }
}

extension AppContext {
    static func require(_ user: UserRecord, _ action: Action, in region: RegionCode? = nil) throws {
        guard Policy.allows(user.principal, action, in: region) else { throw AppError.forbidden }
    }
}
