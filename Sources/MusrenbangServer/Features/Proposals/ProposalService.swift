import Foundation
import MusrenbangCore
import MusrenbangStore
import NIOPosix

/// Proposals as the API and the pages both handle them. Each use case loads what it needs,
/// asks `Policy`, applies the Core rule, stores, and tells whoever listens — in that order, so
/// a refusal never leaves half a change. `capabilities` says what a person may do next, by the
/// same checks the use cases make, so a page shows a form only when it would be accepted.
struct ProposalService: Sendable {
    let services: AppServices
    var proposals: ProposalStore { ProposalStore(services.database) }
    var engagement: EngagementStore { EngagementStore(services.database) }
    var planning: PlanningStore { PlanningStore(services.database) }
    var photos: PhotoStore { PhotoStore(services.database, dataDirectory: services.configuration.dataDirectory) }

    static let notFound = AppError.notFound(.init(id: "Usulan tidak ditemukan.", en: "Proposal not found."))
    static let commentNotFound = AppError.notFound(.init(id: "Komentar tidak ditemukan.", en: "Comment not found."))

    /// What a client sends; `source` and `citizenId` only matter for operators and pokir. With a
    /// `catalogItemId` the item fixes the unit, field, agency and cost (volume × unit price):
    /// those the client sends are ignored. Without one (a free proposal) they are required.
    struct Input: Codable, Sendable {
        var villageCode: String
        var year: Int
        var title: String
        var problem: String
        var activity: String?
        var fieldCode: String?
        var subfieldCode: String?
        var kind: ProposalKind
        var location: ProposalLocation?
        var volume: Double
        var unit: String?
        var estimatedCost: Int64?
        var catalogItemId: String?
        var fundingSource: FundingSource
        var beneficiaries: Beneficiaries
        var sdg: Int?
        var source: ProposalSource?
        var groupKind: GroupKind?
        var groupName: String?
        var citizenId: UserID?
        var showProposerName: Bool?
    }

    func proposal(_ id: ProposalID) async throws -> ProposalRecord {
        guard let proposal = try await proposals.proposal(id) else { throw Self.notFound }
        return proposal
    }

    /// Who may act on a proposal and where: its village, the agency it is assigned to, its forum, its owners.
    /// While it waits at the kecamatan forum, the agency is the one that would take it (it verifies in the field).
    static func scope(_ record: ProposalRecord) -> Scope {
        let waiting = VerificationRules.mayVerify(at: record.state.level, status: record.state.status)
        return Scope(record.draft.villageCode, agencyCode: record.state.agencyCode ?? (waiting ? record.draft.responsibleAgency : nil),
              level: record.state.level,
              owners: Set([record.enteredBy] + (record.proposerId.map { [$0] } ?? [])))
    }

    // MARK: submitting

    func submit(_ input: Input, by user: UserRecord?, idempotencyKey: String?) async throws -> ProposalStore.Created {
        let user = try Access.role(user, .submitProposal)
        guard let village = RegionCode(input.villageCode), services.places.isVillage(village) else {
            throw AppError.invalid("villageCode", "villageCode.unknown",
                                   id: "Kode desa/kelurahan \(input.villageCode.prefix(20)) tidak dikenal di \(services.places.regency.name).",
                                   en: "Unknown village code \(input.villageCode.prefix(20)) in \(services.places.regency.name).")
        }
        try Access.require(user, .submitProposal, in: Scope(village))
        let source = try source(for: user, asked: input.source)
        var proposer: UserID? = user.role == .citizen ? user.id : nil
        if let citizenId = input.citizenId, user.role != .citizen {
            guard let citizen = try await services.accounts.user(id: citizenId), citizen.role == .citizen else {
                throw AppError.invalid("citizenId", "citizenId.unknown", id: "Warga yang diwakili tidak ditemukan.",
                                       en: "The citizen does not exist.")
            }
            proposer = citizen.id
        }
        var draft = ProposalDraft(
            villageCode: village, year: input.year, title: input.title, problem: input.problem, activity: input.activity ?? "",
            fieldCode: input.fieldCode ?? String((input.subfieldCode ?? "").prefix(2)), subfieldCode: input.subfieldCode ?? "",
            kind: input.kind, location: input.location ?? .init(), volume: input.volume, unit: input.unit ?? "",
            estimatedCost: input.estimatedCost ?? 0, fundingSource: input.fundingSource, beneficiaries: input.beneficiaries,
            sdg: input.sdg, source: source, groupKind: input.groupKind, groupName: input.groupName,
            showProposerName: input.showProposerName ?? false)
        var refusals = Refusals()
        if let itemId = input.catalogItemId.map(TextRules.trimmed), !itemId.isEmpty {
            draft = try await CatalogService(services: services).price(draft, itemId: itemId)
        } else if input.estimatedCost == nil {
            refusals.all.append(.required("estimatedCost", label: .init(id: "Perkiraan biaya", en: "Estimated cost")))
        }
        draft = ProposalRules.cleaned(draft)
        refusals.check(ProposalRules.validate(draft, currentYear: services.today.year))
        try refusals.throwIfAny()
        // During an assembly's proposal stage, the proposal joins the village's session, in the
        // same transaction: a crash never leaves it stored but outside the session.
        let created = try await proposals.create(.init(draft: draft, proposer: proposer, enteredBy: user.id, enteredByRole: user.role),
                                                 idempotencyKey: idempotencyKey.flatMap { $0.isEmpty || $0.count > 200 ? nil : $0 }.map {
                                                     IdempotencyKey(scope: "proposal:\(user.id)", key: $0,
                                                                    request: IdempotencyHeader.canonical(input))
                                                 },
                                                 attach: true, practice: user.role.isStaff)
        for assembly in created.attachedTo { await services.live.poke(assembly) }
        return created
    }

    /// A citizen proposes as a citizen; an operator for a citizen, a group or the BPD; a council
    /// member's proposal is pokir; an agency's is the agency's.
    static func sources(for role: Role) -> [ProposalSource] {
        switch role {
        case .citizen: [.citizen]
        case .villageOperator: [.onBehalf, .group, .bpd]
        case .council: [.council]
        case .agency: [.agency]
        case .planner, .admin: ProposalSource.allCases
        default: []
        }
    }

    func source(for user: UserRecord, asked: ProposalSource?) throws -> ProposalSource {
        let allowed = Self.sources(for: user.role)
        let source = asked ?? allowed.first ?? .citizen
        guard allowed.contains(source) else {
            throw AppError.invalid("source", "source.notAllowed", id: "Peran Anda tidak dapat mengusulkan sebagai \(source.indonesianName).",
                                   en: "Your role cannot propose as \(source.rawValue).")
        }
        return source
    }

    // MARK: reading

    func list(_ filter: ProposalFilter, _ paging: Paging) async throws -> (items: [ProposalRecord], total: Int) {
        try await proposals.list(filter, paging)
    }

    /// "Usulan saya": what the person proposed and what they entered for others.
    func mine(_ user: UserRecord?, _ paging: Paging) async throws -> (items: [ProposalRecord], total: Int) {
        let user = try Access.role(user, .manageOwnAccount)
        return try await proposals.list(.init(mine: user.id), paging)
    }

    func similar(to text: String, village: RegionCode, year: Int, excluding: ProposalID? = nil) async throws -> [ProposalStore.SimilarProposal] {
        try await proposals.similar(to: text, village: village, year: year, excluding: excluding)
    }

    func history(_ id: ProposalID) async throws -> [HistoryEntry] { try await proposals.history(id) }

    /// The village team's scores of a proposal, by criterion.
    func scores(_ id: ProposalID) async throws -> [String: Int] { try await planning.scores(id) }

    func photoLinks(_ id: ProposalID) async throws -> [String] { try await photos.photos(of: id).map { "/foto/\($0.hash)" } }

    func notices(for user: UserRecord?, markRead: Bool) async throws -> [Notice] {
        let user = try Access.role(user, .manageOwnAccount)
        let notices = try await NoticeStore(services.database).notices(for: user.id)
        if markRead, notices.contains(where: { !$0.read }) { try await NoticeStore(services.database).markRead(for: user.id) }
        return notices
    }

    // MARK: what a person may do

    struct Capabilities: Sendable {
        var support = false
        var isSupporter = false
        var withdrawSupport = false
        var comment = false
        var flag = false
        var moderate = false
        var decide = false
        var rank = false
        var realise = false
        var addPhoto = false
        var assignAgency = false
        var verify = false
        var tagTheme = false
    }

    func capabilities(of record: ProposalRecord, for user: UserRecord?) async throws -> Capabilities {
        guard let user else { return Capabilities() }
        let isSupporter = try await engagement.supports(record.id, by: user.id)
        let scope = Self.scope(record)
        return Capabilities(
            support: supportRefusal(record, user, isSupporter: isSupporter) == nil,
            isSupporter: isSupporter,
            withdrawSupport: isSupporter && Self.supportClosed(record) == nil,
            comment: Access.allows(user, .comment, in: scope),
            flag: Access.allows(user, .flagComment, in: scope),
            moderate: Access.allows(user, .moderate, in: scope),
            decide: record.state.status == .pending && Access.allows(user, Policy.decision(at: record.state.level), in: scope),
            rank: rankRefusal(record, user) == nil,
            realise: realiseRefusal(record, user) == nil,
            addPhoto: Access.allows(user, .addPhoto, in: scope),
            assignAgency: assignRefusal(record, user) == nil,
            verify: verifyRefusal(record, user) == nil,
            tagTheme: Access.allows(user, .tagTheme, in: scope))
    }

    // MARK: themes

    /// A planner or the village's operator tags a proposal with a thematic musrenbang's theme, or
    /// clears it (nil): for a proposal the theme's group brought outside its session.
    func setTheme(_ id: ProposalID, _ raw: String?, by user: UserRecord?) async throws -> ProposalRecord {
        _ = try Access.role(user, .tagTheme)
        let record = try await proposal(id)
        let user = try Access.person(user, .tagTheme, in: Self.scope(record))
        let theme = try ThemeRules.parse(raw).orThrow()
        guard try await proposals.setTheme(id, theme, by: user.principal) else { throw Self.notFound }
        return try await proposal(id)
    }

    // MARK: field verification

    /// What a surveyor sends: the finding, the day, and (when the browser allowed it) where.
    struct VerificationInput: Codable, Sendable {
        var status: VerificationStatus
        var reason: String?
        var surveyedOn: String?
        var notes: String?
        var lat: Double?
        var lng: Double?
    }

    func verifyRefusal(_ record: ProposalRecord, _ user: UserRecord?) -> AppError? {
        guard Access.allows(user, .verifyInField, in: Self.scope(record)) else { return user == nil ? .unauthenticated : .forbidden }
        guard VerificationRules.mayVerify(at: record.state.level, status: record.state.status) else {
            return .conflict("verification.notWaiting", id: "Verifikasi lapangan hanya untuk usulan yang menunggu di Musrenbang Kecamatan atau Forum Perangkat Daerah.",
                             en: "Field verification is only for proposals waiting at the district or agency forum.")
        }
        return nil
    }

    func verify(_ id: ProposalID, _ input: VerificationInput, by user: UserRecord?) async throws -> ProposalRecord {
        let record = try await proposal(id)
        if let refusal = verifyRefusal(record, user) { throw refusal }
        let user = user!
        var refusals = Refusals()
        var day: CalendarDate?
        if let raw = input.surveyedOn.map(TextRules.trimmed), !raw.isEmpty {
            day = refusals.take(CalendarDate(iso: raw).map { .success($0) } ?? .failure(ValidationError(
                field: "surveyedOn", code: "surveyedOn.invalid", message: .init(id: "Tanggal survei harus berbentuk TTTT-BB-HH.",
                                                                                en: "The survey date must be YYYY-MM-DD."))))
        }
        let verification = VerificationRules.cleaned(FieldVerification(status: input.status, reason: input.reason, surveyedOn: day,
                                                                       notes: input.notes, lat: input.lat, lng: input.lng))
        if refusals.all.isEmpty { refusals.check(VerificationRules.validate(verification, today: services.today)) }
        try refusals.throwIfAny()
        guard try await planning.verify(id, verification, by: user.principal) else { throw verifyRefusal(try await proposal(id), user)! }
        return try await proposal(id)
    }

    // MARK: supports

    func supportRefusal(_ record: ProposalRecord, _ user: UserRecord?, isSupporter: Bool) -> AppError? {
        guard let user else { return .unauthenticated }
        guard Access.allows(user, .supportProposal, in: Scope(record.draft.villageCode)) else {
            return AppError(.forbidden, code: "support.forbidden",
                            message: .init(id: "Hanya warga desa ini yang dapat mendukung usulan ini.",
                                           en: "Only citizens of this village can support this proposal."))
        }
        if let closed = Self.supportClosed(record) { return closed }
        guard !isSupporter else {
            return .conflict("support.duplicate", id: "Anda sudah mendukung usulan ini.", en: "You already support this proposal.")
        }
        return nil
    }

    @discardableResult
    func support(_ id: ProposalID, by user: UserRecord?) async throws -> Int {
        try await support(id, by: user, idempotencyKey: nil).supportCount
    }

    /// The proposal's support count after it. A retry with the same `Idempotency-Key` adds nothing
    /// and answers the count as it is now (`replayed`), even once support has closed.
    func support(_ id: ProposalID, by user: UserRecord?, idempotencyKey: String?) async throws -> (supportCount: Int, replayed: Bool) {
        let user = try Access.role(user, .supportProposal)
        let key = idempotencyKey.map { IdempotencyKey(scope: "support:\(user.id)", key: $0, request: "support \(id)") }
        let record = try await proposal(id)
        if let refusal = supportRefusal(record, user, isSupporter: false) {
            // A retry of a support made before the proposal was decided is still answered; one
            // whose rules pass is answered by the store, which finds its key taken.
            if let stored = try await Idempotency.stored(services.database, key), stored != "alreadySupporting" {
                return (record.supportCount, true)
            }
            throw refusal
        }
        switch try await engagement.support(id, by: user.id, idempotencyKey: key) {
        case .added(let count): return (count, false)
        case .replayed: return (try await proposal(id).supportCount, true)
        case .alreadySupporting: throw supportRefusal(record, user, isSupporter: true)!
        }
    }

    /// Supports are counted while a proposal is pending or accepted; once it is rejected, merged or
    /// being realised the count is part of the record and stays as it was, both ways.
    static func supportClosed(_ record: ProposalRecord) -> AppError? {
        guard record.state.status == .pending || record.state.status == .accepted else {
            return .conflict("support.closed", id: "Usulan ini sudah selesai diputuskan; dukungan ditutup.",
                             en: "This proposal has been decided; support is closed.")
        }
        return nil
    }

    func withdraw(_ id: ProposalID, by user: UserRecord?) async throws -> ProposalRecord {
        let user = try Access.role(user, .supportProposal)
        let record = try await proposal(id)
        if let closed = Self.supportClosed(record) { throw closed }
        guard try await engagement.withdraw(id, by: user.id) else {
            throw AppError(.notFound, code: "support.none",
                           message: .init(id: "Anda belum mendukung usulan ini.", en: "You do not support this proposal."))
        }
        return try await proposal(id)
    }

    // MARK: discussion

    func comments(_ id: ProposalID) async throws -> [CommentRecord] {
        _ = try await proposal(id)
        return try await engagement.comments(id)
    }

    func comment(_ id: ProposalID, parent: CommentID?, body: String, by user: UserRecord?) async throws -> CommentID {
        let user = try Access.role(user, .comment)
        _ = try await proposal(id)
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...2000).contains(text.count) else {
            throw AppError.invalid("body", "body.length", id: "Komentar harus 2–2000 karakter.", en: "A comment must be 2–2000 characters.")
        }
        do {
            return try await engagement.addComment(id, parent: parent, author: user.id, body: text)
        } catch EngagementStore.CommentError.parentNotFound {
            throw AppError.invalid("parentId", "parentId.unknown", id: "Komentar yang dibalas tidak ada pada usulan ini.",
                                   en: "The comment replied to is not on this proposal.")
        } catch EngagementStore.CommentError.nestedReply {
            throw AppError.invalid("parentId", "parentId.nested", id: "Balasan hanya satu tingkat.", en: "Replies are one level deep.")
        }
    }

    func comment(_ id: CommentID) async throws -> CommentRecord {
        guard let comment = try await engagement.comment(id) else { throw Self.commentNotFound }
        return comment
    }

    func flag(_ id: CommentID, by user: UserRecord?) async throws -> (comment: CommentRecord, flags: Int) {
        let user = try Access.role(user, .flagComment)
        let comment = try await comment(id)
        return (comment, try await engagement.flag(id, by: user.id))
    }

    func hide(_ id: CommentID, reason: String, by user: UserRecord?) async throws -> CommentRecord {
        let user = try Access.role(user, .moderate)
        let comment = try await comment(id)
        try Access.require(user, .moderate, in: Self.scope(try await proposal(comment.proposalId)))
        let text = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (5...300).contains(text.count) else {
            throw AppError.invalid("reason", "reason.required", id: "Alasan penyembunyian wajib diisi (5–300 karakter).",
                                   en: "A reason (5–300 characters) is required.")
        }
        try await engagement.hide(id, reason: text, by: user.id)
        return comment
    }

    // MARK: decisions

    func decide(_ id: ProposalID, _ request: DecisionRequest, by user: UserRecord?) async throws -> ProposalRecord {
        guard let user else { throw AppError.unauthenticated }
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

    // MARK: the village team's ranking

    /// Scores and reordering are the village team's, for proposals its forum decides.
    func rankRefusal(_ record: ProposalRecord, _ user: UserRecord?) -> AppError? {
        guard Access.allows(user, .rankProposals, in: Scope(record.draft.villageCode)) else {
            return user == nil ? .unauthenticated : .forbidden
        }
        guard record.state.level == .village else {
            return .conflict("ranking.notVillage", id: "Usulan ini sudah tidak dibahas di tingkat desa.",
                             en: "This proposal is no longer at the village forum.")
        }
        return nil
    }

    func score(_ id: ProposalID, scores: [String: Int], by user: UserRecord?) async throws -> Double? {
        let user = try Access.role(user, .rankProposals)
        let record = try await proposal(id)
        if let refusal = rankRefusal(record, user) { throw refusal }
        let criteria = try await planning.criteria(for: record.draft.kind)
        for (key, value) in scores {
            guard criteria.contains(where: { $0.key == key }) else {
                throw AppError.invalid("scores.\(key)", "scores.unknownCriterion", id: "Kriteria \(key.prefix(40)) tidak dikenal.",
                                       en: "Unknown criterion \(key.prefix(40)).")
            }
            guard (1...5).contains(value) else {
                throw AppError.invalid("scores.\(key)", "scores.range", id: "Skor harus 1 sampai 5.", en: "Scores are 1 to 5.")
            }
        }
        return try await planning.score(record, scores: scores, by: user.id)
    }

    func move(_ id: ProposalID, to priority: Int, reason: String?, by user: UserRecord?) async throws -> [ProposalID] {
        let user = try Access.role(user, .rankProposals)
        let record = try await proposal(id)
        if let refusal = rankRefusal(record, user) { throw refusal }
        let text = (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= 5 else {
            throw AppError.invalid("reason", "reason.required", id: "Alasan perubahan urutan wajib diisi.", en: "A reason for reordering is required.")
        }
        guard text.count <= 500 else {
            throw AppError.invalid("reason", "reason.length", id: "Alasan perubahan urutan maks. 500 karakter.", en: "A reason for reordering: at most 500 characters.")
        }
        guard let order = try await planning.move(id, to: priority, reason: text, village: record.draft.villageCode,
                                                  year: record.draft.year, by: user.principal) else {
            throw AppError.invalid("priority", "priority.range", id: "Nomor prioritas di luar daftar.", en: "The priority is outside the list.")
        }
        return order
    }

    // MARK: realisation and agencies

    func realiseRefusal(_ record: ProposalRecord, _ user: UserRecord?) -> AppError? {
        guard Access.allows(user, .recordRealisation, in: Self.scope(record)) else { return user == nil ? .unauthenticated : .forbidden }
        guard record.state.status == .accepted || record.state.status == .inProgress else {
            return .conflict("realisation.notAccepted", id: "Hanya usulan yang diterima yang dapat dicatat realisasinya.",
                             en: "Only accepted proposals record realisation.")
        }
        return nil
    }

    struct Realisation: Decodable, Sendable {
        let budgetLine: String
        let amount: Int64
        let year: Int
        let progress: Int
        let note: String?
    }

    func realise(_ id: ProposalID, _ input: Realisation, by user: UserRecord?) async throws -> ProposalRecord {
        let user = try Access.role(user, .recordRealisation)
        let record = try await proposal(id)
        if let refusal = realiseRefusal(record, user) { throw refusal }
        guard !input.budgetLine.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, input.budgetLine.count <= 200 else {
            throw AppError.invalid("budgetLine", "realisation.invalid", id: "Mata anggaran wajib diisi (maks. 200 karakter).",
                                   en: "A budget line is required (at most 200 characters).")
        }
        guard input.amount >= 0 else {
            throw AppError.invalid("amount", "amount.negative", id: "Jumlah tidak boleh negatif.", en: "The amount cannot be negative.")
        }
        guard (2000...2100).contains(input.year) else {
            throw AppError.invalid("year", "year.range", id: "Tahun anggaran harus 2000–2100.", en: "The budget year must be 2000–2100.")
        }
        guard (input.note ?? "").count <= 2000 else {
            throw AppError.invalid("note", "note.length", id: "Catatan maks. 2000 karakter.", en: "Note: at most 2000 characters.")
        }
        // The year and the note are stored as they come: bounded here (a year past 2^31 was a 500 on PostgreSQL).
        guard (2000...2100).contains(input.year) else {
            throw AppError.invalid("year", "year.range", id: "Tahun realisasi harus 2000–2100.", en: "The realisation year must be 2000–2100.")
        }
        let note = try TextRules.text(input.note, field: "note", label: .init(id: "Catatan", en: "Note"), length: 1...2000,
                                      required: false).orThrow()
        do {
            return try await planning.recordRealisation(id, budgetLine: input.budgetLine, amount: input.amount, year: input.year,
                                                        progress: input.progress, note: note, by: user.principal)
        } catch let error as ProposalStore.DecisionError {
            throw Self.answer(error)
        }
    }

    func assignRefusal(_ record: ProposalRecord, _ user: UserRecord?) -> AppError? {
        guard Access.allows(user, .assignAgency, in: Self.scope(record)) else { return user == nil ? .unauthenticated : .forbidden }
        guard record.state.level == .agency, record.state.status == .pending else {
            return .conflict("agency.notWaiting", id: "Usulan tidak sedang menunggu di Forum Perangkat Daerah.",
                             en: "The proposal is not waiting at the agency forum.")
        }
        return nil
    }

    func assignAgency(_ id: ProposalID, to agency: String, by user: UserRecord?) async throws -> ProposalRecord {
        let user = try Access.role(user, .assignAgency)
        let record = try await proposal(id)
        if let refusal = assignRefusal(record, user) { throw refusal }
        guard Agencies.name(agency) != nil else {
            throw AppError.invalid("agencyCode", "agencyCode.unknown", id: "Perangkat daerah tidak dikenal.", en: "Unknown agency.")
        }
        guard try await planning.reassign(id, to: agency, by: user.principal) else { throw assignRefusal(try await proposal(id), user)! }
        return try await proposal(id)
    }

    // MARK: photos

    /// Whether a photo may be added, checked before its bytes are read: who asks (401/403), the
    /// proposal (404), a declared size over 5 MB (413), its three photos (422), the uploader's
    /// daily quota (429). Costs a few queries; the upload itself then checks all again.
    func admitPhoto(_ id: ProposalID, size: Int?, by user: UserRecord?) async throws {
        let (user, purpose) = try await photoTarget(id, by: user)
        try await Self.photoRefusals { try await photos.admit(size: size, to: id, purpose: purpose, by: user.id) }
    }

    func addPhoto(_ id: ProposalID, bytes: [UInt8], by user: UserRecord?) async throws -> String {
        let (user, purpose) = try await photoTarget(id, by: user)
        return try await Self.photoRefusals { try await photos.attach(bytes, to: id, purpose: purpose, by: user.id) }
    }

    private func photoTarget(_ id: ProposalID, by user: UserRecord?) async throws -> (UserRecord, String) {
        guard let user else { throw AppError.unauthenticated }
        let record = try await proposal(id)
        try Access.require(user, .addPhoto, in: Self.scope(record))
        if verifyRefusal(record, user) == nil { return (user, "verification") }
        return (user, record.state.status == .pending ? "problem" : "realisation")
    }

    private static func photoRefusals<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch PhotoStore.PhotoError.notAnImage {
            throw AppError.invalid("photo", "photo.type", id: "Berkas bukan foto JPEG, PNG, atau WebP.",
                                   en: "The file is not a JPEG, PNG or WebP image.")
        } catch PhotoStore.PhotoError.tooLarge {
            throw Self.photoTooLarge
        } catch PhotoStore.PhotoError.tooMany {
            throw AppError.invalid("photo", "photo.tooMany", id: "Paling banyak 3 foto.", en: "At most 3 photos.")
        } catch PhotoStore.PhotoError.quota {
            var error = AppError(.tooManyRequests, code: "photo.quota",
                                 message: .init(id: "Batas unggahan Anda hari ini tercapai (\(PhotoQuota.maximumPhotos) foto atau \(PhotoQuota.maximumBytes / 1_048_576) MB per 24 jam).",
                                                en: "You reached today's upload limit (\(PhotoQuota.maximumPhotos) photos or \(PhotoQuota.maximumBytes / 1_048_576) MB per 24 hours)."),
                                 field: "photo")
            error.headers[.retryAfter] = "3600"
            throw error
        } catch PhotoStore.PhotoError.cleaning(let failure) {
            throw photoUnavailable(failure)
        }
    }

    /// Metadata could not be removed, so the photo is neither stored nor served: 503.
    static func photoUnavailable(_ failure: PhotoCleaner.Failure) -> AppError {
        var error = AppError(.serviceUnavailable, code: "photo.unavailable",
                             message: .init(id: "Foto tidak dapat diproses saat ini. Coba lagi sebentar lagi.",
                                            en: "Photos cannot be processed right now. Try again shortly."), field: "photo")
        if failure != .missing { error.headers[.retryAfter] = "10" }
        return error
    }

    static let photoTooLarge = AppError(.contentTooLarge, code: "photo.tooLarge",
                                        message: .init(id: "Foto melebihi 5 MB.", en: "The photo exceeds 5 MB."), field: "photo")

    func photo(_ hash: String) async throws -> (data: Data, contentType: String) {
        let found: (url: URL, contentType: String)?
        do {
            found = try await photos.file(hash)
        } catch PhotoStore.PhotoError.cleaning(let failure) {
            throw Self.photoUnavailable(failure)
        } catch PhotoStore.PhotoError.notAnImage {
            found = nil
        }
        guard let photo = found,
              let data = try? await NIOThreadPool.singleton.runIfActive({ try Data(contentsOf: photo.url) }) else {
            throw AppError.notFound(.init(id: "Foto tidak ditemukan.", en: "Photo not found."))
        }
        return (data, photo.contentType)
    }

    // MARK: how proposals read in public

    /// "Siti Aminah" when she allowed it, else "Warga Desa Bubuk"; groups, BPD, pokir by their label.
    func proposerLabel(_ record: ProposalRecord) async throws -> LocalizedText {
        let village = services.places.name(record.draft.villageCode)
        switch record.draft.source {
        case .group:
            let kind = record.draft.groupKind.map(Names.groupKind)
            let name = record.draft.groupName.map { " \($0)" } ?? ""
            return .init(id: "\(kind?.id ?? "Kelompok")\(name) Desa \(village)", en: "\(kind?.en ?? "Group")\(name), \(village) village")
        case .bpd: return .init(id: "BPD Desa \(village)", en: "Village council of \(village)")
        case .council: return .init(id: "Pokir DPRD", en: "Council proposal (pokir)")
        case .agency: return .init(id: "Perangkat daerah", en: "Regency agency")
        case .citizen, .onBehalf:
            if record.draft.showProposerName, let id = record.proposerId, let person = try await services.accounts.user(id: id) {
                return .init(id: person.name, en: person.name)
            }
            return .init(id: "Warga Desa \(village)", en: "Resident of \(village)")
        }
    }

    /// How a comment's author appears in public: staff by name and office, citizens only as
    /// residents of their village (their names are personal data).
    func authorLabel(_ comment: CommentRecord) -> LocalizedText {
        switch comment.authorRole {
        case .citizen:
            let place = comment.authorRegion.map(services.places.name) ?? ""
            return .init(id: "Warga Desa \(place)", en: "Resident of \(place)")
        default:
            let office = Names.role(comment.authorRole)
            return .init(id: "\(comment.authorName) (\(office.id))", en: "\(comment.authorName) (\(office.en))")
        }
    }
}
