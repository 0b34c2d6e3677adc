import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// The proposal pages: list and search, the public tracking page with everything one may do
/// there, submission, "Usulan saya", the village ranking and the district desk. Every form
/// answers 303 back to its page, where the outcome shows once.
struct ProposalPages {
    let proposals: ProposalService
    let planning: PlanningService
    let pages: PageRenderer
    let outcome: FormOutcome
    let csrf: CSRFGuard
    let places: Places
    let today: @Sendable () -> CalendarDate

    var planYear: Int { today().year + 1 }

    func register(on router: Router<AppContext>) {
        router.get("foto/:hash", use: photo)
        router.get("usulan", use: listPage)
        router.get("usulan/baru", use: newPage)
        router.post("usulan/baru", use: submit)
        router.get("usulan/saya", use: minePage)
        router.get("usulan/:id", use: proposalPage)
        router.post("usulan/:id/dukung", use: support)
        router.post("usulan/:id/batal-dukung", use: withdraw)
        router.post("usulan/:id/komentar", use: comment)
        router.post("usulan/:id/keputusan", use: decide)
        router.post("usulan/:id/skor", use: score)
        router.post("usulan/:id/prioritas", use: move)
        router.post("usulan/:id/realisasi", use: realise)
        router.post("usulan/:id/opd", use: assignAgency)
        router.post("usulan/:id/verifikasi", use: verify)
        router.post("usulan/:id/tema", use: setTheme)
        router.post("komentar/:id/tandai", use: flag)
        router.post("komentar/:id/sembunyikan", use: hide)
        router.get("desa/:code/peringkat", use: rankingPage)
        router.post("desa/:code/peringkat", use: rank)
        router.get("kecamatan/:code/usulan", use: districtPage)
        router.post("kecamatan/:code/pagu", use: setCeiling)
    }

    @Sendable func photo(_ request: Request, context: AppContext) async throws -> Response {
        let photo = try await proposals.photo(context.parameters.get("hash") ?? "")
        return Response(status: .ok, headers: [.contentType: photo.contentType, .cacheControl: "public, max-age=31536000, immutable"],
                        body: .init(byteBuffer: ByteBuffer(bytes: photo.data)))
    }

    // MARK: lists

    @Sendable func listPage(_ request: Request, context: AppContext) async throws -> Response {
        let query = request.uri.queryParameters
        let paging = Paging.clamped(page: query.get("page", as: Int.self) ?? 1, size: 25)
        let filter = try ProposalQuery.filter(query)
        let (items, total) = try await proposals.list(filter, paging)
        let pageCount = paging.pageCount(total: total)
        var base = URLComponents()
        base.queryItems = ["village", "district", "status", "field", "year", "q", "source", "level", "theme"].compactMap { name in
            query.get(name).flatMap { $0.isEmpty ? nil : URLQueryItem(name: name, value: $0) }
        }
        func link(_ page: Int) -> String {
            var components = base
            components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "page", value: "\(page)")]
            return "/usulan?" + (components.percentEncodedQuery ?? "")
        }
        let locale = context.locale
        return pages.render("proposals", title: Strings.text("proposalListTitle", locale), model: ProposalListPage(
            items: rows(items, locale), total: total, page: paging.page, pageCount: pageCount,
            previous: paging.page > 1 ? link(paging.page - 1) : nil, next: paging.page < pageCount ? link(paging.page + 1) : nil,
            q: query.get("q") ?? "", year: query.get("year") ?? "",
            districts: VillageChoice.districts(places, selected: filter.district),
            fields: Fields.all.map { Choice(value: $0.code, name: "\($0.code) \(Names.field($0.code).text(locale))", selected: $0.code == filter.field) },
            statuses: ProposalStatus.allCases.map { Choice(value: $0.rawValue, name: Names.status($0).text(locale), selected: $0 == filter.status) },
            themes: AssemblyTheme.allCases.map { Choice(value: $0.rawValue, name: Names.theme($0).text(locale), selected: $0 == filter.theme) }),
                            context: context)
    }

    @Sendable func minePage(_ request: Request, context: AppContext) async throws -> Response {
        guard context.user != nil else { return Response.redirect(to: "/masuk") }
        let (items, _) = try await proposals.mine(context.user, .clamped(page: 1, size: Paging.maximumSize))
        let notices = try await proposals.notices(for: context.user, markRead: true)
        let locale = context.locale
        return pages.render("my-proposals", title: Strings.text("myProposals", locale), model: MyProposalsPage(
            items: rows(items, locale),
            notices: notices.map {
                .init(message: $0.notice.map(Timeline.notice)?.text(locale) ?? $0.storedText, date: Format.date($0.createdAt).text(locale),
                      unread: !$0.read, link: $0.proposalId.map { "/usulan/\($0)" })
            }), flash: try await pages.flash(context), context: context)
    }

    /// The field verification in one line, for lists at and beyond the kecamatan forum.
    static func verificationLine(_ record: ProposalRecord, _ locale: LocalizedText.Locale) -> String? {
        let verification = record.verification
        guard verification.status != .notSurveyed || VerificationRules.mayVerify(at: record.state.level, status: record.state.status) else { return nil }
        let line = LocalizedText(id: "Verifikasi lapangan: ", en: "Field verification: ").text(locale) + Names.verification(verification.status).text(locale)
        return verification.reason.map { "\(line) — \($0)" } ?? line
    }

    func rows(_ records: [ProposalRecord], _ locale: LocalizedText.Locale, ranked: Bool = false) -> [ProposalRow] {
        records.enumerated().map { index, record in
            ProposalRow(id: record.id.rawValue, title: record.draft.title,
                        village: Names.village(record.draft.villageCode, places.name(record.draft.villageCode)).text(locale),
                        year: record.draft.year, status: Names.standing(record.state).text(locale), statusClass: record.state.status.rawValue,
                        supportCount: record.supportCount, cost: Format.rupiah(record.state.estimatedCost),
                        score: record.score.map { String(format: "%.2f", $0) } ?? "—", isPokir: record.draft.source == .council,
                        field: Names.field(record.draft.fieldCode).text(locale), rank: ranked ? index + 1 : nil,
                        verification: Self.verificationLine(record, locale),
                        theme: record.theme.map { Names.themeTag($0).text(locale) }, themeValue: record.theme?.rawValue)
        }
    }

    // MARK: submitting

    @Sendable func newPage(_ request: Request, context: AppContext) async throws -> Response {
        guard context.user != nil else { return Response.redirect(to: "/masuk") }
        let user = try Access.role(context.user, .submitProposal)
        let flash = try await pages.flash(context)
        let asked = flash.values["villageCode"] ?? request.uri.queryParameters.get("desa")
        let fixed = user.role == .citizen || user.role == .villageOperator
        let village = fixed ? user.regionCode : asked.flatMap({ RegionCode($0) })
        let values = flash.values
        let locale = context.locale
        let sources = ProposalService.sources(for: user.role)
        return pages.render("proposal-new", title: Strings.text("proposeTitle", locale), model: NewProposalPage(
            year: values["year"] ?? "\(planYear)", villageCode: village?.description ?? "", villageName: village.map(places.name) ?? "",
            fixedVillage: fixed, villages: VillageChoice.grouped(places, selected: village),
            fields: Fields.all.map { field in
                .init(name: "\(field.code) \(Names.field(field.code).text(locale))", subfields: field.subfields.map {
                    Choice(value: $0.code, name: "\($0.code) \(Names.field($0.code).text(locale))", selected: $0.code == values["subfieldCode"])
                })
            },
            fundingSources: FundingSource.allCases.map {
                Choice(value: $0.rawValue, name: Names.funding($0).text(locale), selected: $0.rawValue == values["fundingSource"])
            },
            chooseSource: sources.count > 1,
            sources: sources.map { Choice(value: $0.rawValue, name: Names.source($0).text(locale), selected: $0.rawValue == values["source"]) },
            groupKinds: GroupKind.allCases.map { Choice(value: $0.rawValue, name: Names.groupKind($0).text(locale), selected: $0.rawValue == values["groupKind"]) },
            physical: values["kind"] != ProposalKind.nonPhysical.rawValue,
            idempotencyKey: values["idempotencyKey"] ?? TokenMaker.random(bytes: 12)), flash: flash, context: context)
    }

    /// The submission form as typed: numbers the Indonesian way, blanks as absent.
    struct ProposalForm: Decodable {
        let villageCode: String?; let year: TypedInteger?; let title: String?; let problem: String?; let activity: String?
        let subfieldCode: String?; let kind: String?; let hamlet: TypedText?; let rw: TypedText?; let rt: TypedText?
        let lat: TypedDecimal?; let lng: TypedDecimal?; let volume: TypedDecimal?; let unit: String?; let estimatedCost: TypedRupiah?
        let catalogItemId: TypedText?
        let fundingSource: String?; let beneficiariesTotal: TypedInteger?; let beneficiariesWomen: TypedInteger?
        let beneficiariesPoor: TypedInteger?; let beneficiariesDisabled: TypedInteger?; let sdg: TypedInteger?; let source: String?
        let groupKind: String?; let groupName: TypedText?; let showProposerName: Checkbox?; let idempotencyKey: String?

        func input(defaultYear: Int) throws -> ProposalService.Input {
            var refusals = Refusals()
            func required<T>(_ value: T?, _ field: String, _ label: LocalizedText) -> T? {
                if value == nil { refusals.all.append(.required(field, label: label)) }
                return value
            }
            let volume = required(volume?.value, "volume", .init(id: "Volume", en: "Volume"))
            // A dictionary item prices the proposal; only a free one needs the cost typed.
            let item = catalogItemId?.value
            let cost = item == nil ? required(estimatedCost?.value, "estimatedCost", .init(id: "Perkiraan biaya", en: "Estimated cost"))
                                   : estimatedCost?.value
            let kind = ProposalKind(rawValue: kind ?? "") ?? .physical
            let funding = required(FundingSource(rawValue: fundingSource ?? ""), "fundingSource", .init(id: "Sumber dana", en: "Funding source"))
            let subfield = subfieldCode ?? ""
            try refusals.throwIfAny()
            return ProposalService.Input(
                villageCode: villageCode ?? "", year: year?.value ?? defaultYear, title: title ?? "", problem: problem ?? "",
                activity: activity ?? "", fieldCode: String(subfield.prefix(2)), subfieldCode: subfield, kind: kind,
                location: ProposalLocation(hamlet: hamlet?.value, rw: rw?.value, rt: rt?.value, lat: lat?.value, lng: lng?.value),
                volume: volume ?? 0, unit: unit ?? "", estimatedCost: cost, catalogItemId: item, fundingSource: funding ?? .villageFund,
                beneficiaries: Beneficiaries(total: beneficiariesTotal?.value ?? 0, women: beneficiariesWomen?.value ?? 0,
                                             poor: beneficiariesPoor?.value ?? 0, disabled: beneficiariesDisabled?.value ?? 0),
                sdg: sdg?.value, source: source.flatMap(ProposalSource.init(rawValue:)), groupKind: groupKind.flatMap(GroupKind.init(rawValue:)),
                groupName: groupName?.value, citizenId: nil, showProposerName: showProposerName.isOn)
        }
    }

    @Sendable func submit(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .submitProposal)
        let form = try await SubmittedForm<ProposalForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/usulan/baru") {
            let created = try await proposals.submit(try form.fields.input(defaultYear: planYear), by: context.user,
                                                     idempotencyKey: form.fields.idempotencyKey)
            return (.init(id: "Usulan tersimpan. Terima kasih!", en: "Proposal saved. Thank you!"), "/usulan/\(created.proposal.id)")
        }
    }

    // MARK: the tracking page

    @Sendable func proposalPage(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: ProposalID.self)
        let record = try await proposals.proposal(id)
        let user = context.user
        let may = try await proposals.capabilities(of: record, for: user)
        let comments = try await proposals.comments(id)
        let criteria = may.rank ? try await planning.criteria(record.draft.kind) : []
        let scores = may.rank ? try await proposals.scores(id) : [:]
        let locale = context.locale
        let draft = record.draft, state = record.state
        var outcomes = DecisionOutcome.allCases
        if state.level == .regency { outcomes.removeAll { $0 == .forwarded } }
        func comment(_ comment: CommentRecord) -> ProposalPage.Comment {
            .init(id: comment.id.rawValue, author: proposals.authorLabel(comment).text(locale), body: comment.body,
                  date: Format.date(comment.createdAt).text(locale), hidden: comment.hiddenReason != nil,
                  hiddenReason: comment.hiddenReason ?? "", replies: [])
        }
        let location = [draft.location.hamlet.map { "Dusun \($0)" }, draft.location.rw.map { "RW \($0)" }, draft.location.rt.map { "RT \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
        return pages.render("proposal", title: draft.title, model: ProposalPage(
            proposalId: record.id.rawValue, title: draft.title, problem: draft.problem, activity: draft.activity,
            villageCode: draft.villageCode.description, village: Names.village(draft.villageCode, places.name(draft.villageCode)).text(locale),
            districtCode: record.districtCode.description, district: places.name(record.districtCode), year: draft.year,
            field: Names.field(draft.fieldCode).text(locale), subfield: Names.field(draft.subfieldCode).text(locale),
            kind: Names.kind(draft.kind).text(locale), location: location.isEmpty ? nil : location,
            coordinates: draft.location.lat.map { String(format: "%.5f, %.5f", $0, draft.location.lng ?? 0) },
            volume: Format.number(state.volume, locale), unit: draft.unit, cost: Format.rupiah(state.estimatedCost),
            changed: state.volume != draft.volume || state.estimatedCost != draft.estimatedCost,
            originalVolume: Format.number(draft.volume, locale), originalCost: Format.rupiah(draft.estimatedCost),
            costBasis: (draft.catalog.map {
                LocalizedText(id: "Sesuai kamus usulan \($0.itemId): \(Format.rupiah($0.unitPrice)) per \(draft.unit)",
                              en: "Follows dictionary item \($0.itemId): \(Format.rupiah($0.unitPrice)) per \(draft.unit)")
            } ?? LocalizedText(id: "Usulan langsung: biaya perkiraan pengusul, diverifikasi perangkat daerah",
                               en: "Free proposal: the proposer's estimate, verified by the agency")).text(locale),
            funding: Names.funding(draft.fundingSource).text(locale), sdg: draft.sdg,
            beneficiaries: BeneficiaryFigures(draft.beneficiaries), theme: record.theme.map { Names.themeTag($0).text(locale) },
            themes: AssemblyTheme.allCases.map { Choice(value: $0.rawValue, name: Names.theme($0).text(locale), selected: $0 == record.theme) },
            proposer: try await proposals.proposerLabel(record).text(locale),
            isPokir: draft.source == .council, status: Names.standing(state).text(locale), statusClass: state.status.rawValue,
            supportCount: record.supportCount, priority: record.priority, score: record.score.map { String(format: "%.2f", $0) },
            agency: state.agencyCode.map { Names.agency($0).text(locale) }, mergedInto: state.mergedInto?.rawValue, progress: state.progress,
            timeline: try await proposals.history(id).map { Timeline.sentence($0).text(locale) },
            photos: try await proposals.photoLinks(id),
            verification: .init(status: Names.verification(record.verification.status).text(locale), statusClass: record.verification.status.rawValue,
                                surveyedOn: record.verification.surveyedOn.map { Format.date($0).text(locale) },
                                reason: record.verification.reason, notes: record.verification.notes,
                                coordinates: record.verification.lat.map { String(format: "%.5f, %.5f", $0, record.verification.lng ?? 0) },
                                shown: record.verification.status != .notSurveyed || may.verify,
                                statuses: VerificationStatus.allCases.map {
                                    Choice(value: $0.rawValue, name: Names.verification($0).text(locale), selected: $0 == record.verification.status)
                                },
                                today: proposals.services.today.description),
            may: may, loggedIn: user != nil,
            comments: comments.filter { $0.parentId == nil }.map { top in
                var entry = comment(top)
                entry.replies = comments.filter { $0.parentId == top.id }.map(comment)
                return entry
            },
            forum: Names.forum(state.level).text(locale), isVillageLevel: state.level == .village, isDistrictLevel: state.level == .district,
            outcomes: outcomes.map { Choice(value: $0.rawValue, name: Names.outcome($0).text(locale), selected: false) },
            agencies: Agencies.defaults.map { Choice(value: $0.code, name: Names.agency($0.code).text(locale), selected: $0.code == state.agencyCode) },
            criteria: criteria.map { criterion in
                .init(key: criterion.key, name: criterion.name, weight: String(format: "%.3f", criterion.weight),
                      options: criterion.descriptions.enumerated().map { index, text in
                          Choice(value: "\(index + 1)", name: "\(index + 1) — \(text)", selected: scores[criterion.key] == index + 1)
                      })
            },
            planYear: planYear, documentLinks: DocumentLinks.proposal(id, locale: locale),
            pdfMissing: !(await proposals.services.printer.isAvailable())), flash: try await pages.flash(context), context: context)
    }

    // MARK: the tracking page's forms

    func onProposal(_ request: Request, _ context: AppContext, anchor: String,
                    _ action: @escaping @Sendable (ProposalID, [String: String]) async throws -> LocalizedText) async throws -> Response {
        let id = try context.id("id", as: ProposalID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let form = try await SubmittedForm<NoFields>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/usulan/\(id)#\(anchor)") { try await action(id, form.typed) }
    }

    func onProposal<Fields: Decodable & Sendable>(_ request: Request, _ context: AppContext, anchor: String, _ fields: Fields.Type,
                                                  _ action: @escaping @Sendable (ProposalID, Fields) async throws -> LocalizedText) async throws -> Response {
        let id = try context.id("id", as: ProposalID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let form = try await SubmittedForm<Fields>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/usulan/\(id)#\(anchor)") { try await action(id, form.fields) }
    }

    @Sendable func support(_ request: Request, context: AppContext) async throws -> Response {
        try await onProposal(request, context, anchor: "dukungan") { id, _ in
            try await proposals.support(id, by: context.user)
            return .init(id: "Dukungan tercatat.", en: "Support recorded.")
        }
    }

    @Sendable func withdraw(_ request: Request, context: AppContext) async throws -> Response {
        try await onProposal(request, context, anchor: "dukungan") { id, _ in
            _ = try await proposals.withdraw(id, by: context.user)
            return .init(id: "Dukungan dibatalkan.", en: "Support withdrawn.")
        }
    }

    struct ThemeForm: Decodable, Sendable { let theme: String? }

    @Sendable func setTheme(_ request: Request, context: AppContext) async throws -> Response {
        try await onProposal(request, context, anchor: "tema", ThemeForm.self) { id, form in
            let record = try await proposals.setTheme(id, form.theme, by: context.user)
            return record.theme == nil ? .init(id: "Tanda tema dihapus.", en: "Theme tag cleared.")
                : .init(id: "Tema usulan tersimpan.", en: "Theme tag saved.")
        }
    }

    struct CommentForm: Decodable, Sendable { let body: String?; let parentId: TypedInteger? }

    @Sendable func comment(_ request: Request, context: AppContext) async throws -> Response {
        try await onProposal(request, context, anchor: "diskusi", CommentForm.self) { id, form in
            _ = try await proposals.comment(id, parent: form.parentId?.value.map { CommentID(rawValue: Int64($0)) }, body: form.body ?? "",
                                            by: context.user)
            return .init(id: "Komentar tersimpan.", en: "Comment saved.")
        }
    }

    struct DecisionForm: Decodable, Sendable {
        let outcome: String?; let reason: TypedText?; let volume: TypedDecimal?; let estimatedCost: TypedRupiah?
        let mergedInto: TypedInteger?; let agencyCode: TypedText?
    }

    @Sendable func decide(_ request: Request, context: AppContext) async throws -> Response {
        try await onProposal(request, context, anchor: "riwayat", DecisionForm.self) { id, form in
            guard let outcome = DecisionOutcome(rawValue: form.outcome ?? "") else {
                throw AppError.invalid("outcome", "outcome.invalid", id: "Pilih keputusan.", en: "Choose an outcome.")
            }
            let record = try await proposals.proposal(id)
            _ = try await proposals.decide(id, DecisionRequest(
                level: record.state.level, outcome: outcome, reason: form.reason?.value, volume: form.volume?.value,
                estimatedCost: form.estimatedCost?.value, mergedInto: form.mergedInto?.value.map { ProposalID(rawValue: Int64($0)) },
                agencyCode: form.agencyCode?.value), by: context.user)
            return .init(id: "Keputusan tercatat.", en: "Decision recorded.")
        }
    }

    struct ScoreForm: Decodable, Sendable { let score: [String: TypedInteger]? }

    @Sendable func score(_ request: Request, context: AppContext) async throws -> Response {
        try await onProposal(request, context, anchor: "penilaian", ScoreForm.self) { id, form in
            _ = try await proposals.score(id, scores: (form.score ?? [:]).compactMapValues(\.value), by: context.user)
            return .init(id: "Penilaian tersimpan.", en: "Scores saved.")
        }
    }

    struct MoveForm: Decodable, Sendable { let priority: TypedInteger?; let reason: String? }

    @Sendable func move(_ request: Request, context: AppContext) async throws -> Response {
        try await onProposal(request, context, anchor: "penilaian", MoveForm.self) { id, form in
            guard let priority = form.priority?.value else {
                throw AppError.invalid("priority", "priority.invalid", id: "Nomor prioritas harus angka.", en: "The priority must be a number.")
            }
            _ = try await proposals.move(id, to: priority, reason: form.reason, by: context.user)
            return .init(id: "Urutan prioritas diubah.", en: "Priority changed.")
        }
    }

    struct RealisationForm: Decodable, Sendable {
        let budgetLine: String?; let amount: TypedRupiah?; let year: TypedInteger?; let progress: TypedInteger?; let note: TypedText?
    }

    @Sendable func realise(_ request: Request, context: AppContext) async throws -> Response {
        let year = planYear
        return try await onProposal(request, context, anchor: "riwayat", RealisationForm.self) { id, form in
            guard let progress = form.progress?.value else {
                throw AppError.invalid("progress", "progress.number", id: "Kemajuan harus berupa angka.", en: "Progress must be a number.")
            }
            guard let amount = form.amount?.value else {
                throw AppError.invalid("amount", "amount.required", id: "Jumlah wajib diisi.", en: "The amount is required.")
            }
            _ = try await proposals.realise(id, .init(budgetLine: form.budgetLine ?? "", amount: amount,
                                                      year: form.year?.value ?? year, progress: progress, note: form.note?.value),
                                            by: context.user)
            return .init(id: "Realisasi tercatat.", en: "Realisation recorded.")
        }
    }

    struct VerificationForm: Decodable, Sendable {
        let status: String?; let reason: TypedText?; let surveyedOn: TypedText?; let notes: TypedText?; let lat: TypedDecimal?; let lng: TypedDecimal?
    }

    @Sendable func verify(_ request: Request, context: AppContext) async throws -> Response {
        try await onProposal(request, context, anchor: "verifikasi", VerificationForm.self) { id, form in
            guard let status = form.status.flatMap(VerificationStatus.init(rawValue:)) else {
                throw AppError.invalid("status", "status.invalid", id: "Pilih hasil verifikasi.", en: "Choose the verification's finding.")
            }
            _ = try await proposals.verify(id, .init(status: status, reason: form.reason?.value, surveyedOn: form.surveyedOn?.value,
                                                     notes: form.notes?.value, lat: form.lat?.value, lng: form.lng?.value), by: context.user)
            return .init(id: "Verifikasi lapangan tercatat.", en: "Field verification recorded.")
        }
    }

    struct AgencyForm: Decodable, Sendable { let agencyCode: String? }

    @Sendable func assignAgency(_ request: Request, context: AppContext) async throws -> Response {
        try await onProposal(request, context, anchor: "riwayat", AgencyForm.self) { id, form in
            _ = try await proposals.assignAgency(id, to: form.agencyCode ?? "", by: context.user)
            return .init(id: "Perangkat daerah diganti.", en: "Agency changed.")
        }
    }

    func onComment(_ request: Request, _ context: AppContext,
                   _ action: @escaping @Sendable (CommentID, [String: String]) async throws -> CommentRecord) async throws -> Response {
        let id = try context.id("id", as: CommentID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let form = try await SubmittedForm<NoFields>.read(request, context: context, csrf: csrf)
        let comment = try await proposals.comment(id)
        return try await outcome.respond(typed: form.typed, back: "/usulan/\(comment.proposalId)#komentar-\(id)") {
            _ = try await action(id, form.typed)
            return nil
        }
    }

    @Sendable func flag(_ request: Request, context: AppContext) async throws -> Response {
        try await onComment(request, context) { id, _ in try await proposals.flag(id, by: context.user).comment }
    }

    @Sendable func hide(_ request: Request, context: AppContext) async throws -> Response {
        try await onComment(request, context) { id, typed in try await proposals.hide(id, reason: typed["reason"] ?? "", by: context.user) }
    }

    // MARK: ranking and the district desk

    @Sendable func rankingPage(_ request: Request, context: AppContext) async throws -> Response {
        let village = try planning.village(context.parameters.get("code"))
        let year = request.uri.queryParameters.get("tahun", as: Int.self) ?? planYear
        let ranked = try await planning.ranking(village, year: year)
        let locale = context.locale
        return pages.render("ranking", title: "\(Strings.text("rankingTitle", locale)) \(Names.village(village, places.name(village)).text(locale))",
                            model: RankingPage(villageCode: village.description,
                                               villageName: Names.village(village, places.name(village)).text(locale), year: year,
                                               items: rows(ranked, locale, ranked: true),
                                               canRank: Access.allows(context.user, .rankProposals, in: village),
                                               fixed: ranked.contains { $0.priority != nil }),
                            flash: try await pages.flash(context), context: context)
    }

    struct RankForm: Decodable { let year: TypedInteger? }

    @Sendable func rank(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .rankProposals)
        let village = try planning.village(context.parameters.get("code"))
        let form = try await SubmittedForm<RankForm>.read(request, context: context, csrf: csrf)
        let year = form.fields.year?.value ?? planYear
        return try await outcome.respond(typed: form.typed, back: "/desa/\(village)/peringkat?tahun=\(year)") {
            _ = try await planning.rank(village, year: year, by: context.user)
            return .init(id: "Peringkat ditetapkan.", en: "Ranking fixed.")
        }
    }

    @Sendable func districtPage(_ request: Request, context: AppContext) async throws -> Response {
        let district = try planning.district(context.parameters.get("code"))
        let year = request.uri.queryParameters.get("tahun", as: Int.self) ?? planYear
        let desk = try await planning.desk(district, year: year)
        let locale = context.locale
        let use = desk.ceiling
        return pages.render("district", title: "\(Strings.text("districtDeskTitle", locale)) \(places.name(district))", model: DistrictPage(
            districtCode: district.description, districtName: places.name(district), year: year, items: rows(desk.proposals, locale),
            ceiling: use.ceiling.map(Format.rupiah) ?? Strings.text("notSet", locale), committed: Format.rupiah(use.committed),
            remaining: use.remaining.map(Format.rupiah) ?? "—", overCeiling: (use.remaining ?? 0) < 0,
            canSetCeiling: Access.allows(context.user, .configurePlanning, in: district),
            documentLinks: DocumentLinks.district(district, year: year, locale: locale)), flash: try await pages.flash(context), context: context)
    }

    struct CeilingForm: Decodable { let year: TypedInteger?; let amount: TypedRupiah? }

    @Sendable func setCeiling(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .configurePlanning)
        let district = try planning.district(context.parameters.get("code"))
        let form = try await SubmittedForm<CeilingForm>.read(request, context: context, csrf: csrf)
        let year = form.fields.year?.value ?? planYear
        return try await outcome.respond(typed: form.typed, back: "/kecamatan/\(district)/usulan?tahun=\(year)") {
            guard let amount = form.fields.amount?.value else {
                throw AppError.invalid("amount", "amount.number", id: "Pagu indikatif harus berupa angka rupiah.",
                                       en: "The indicative ceiling must be an amount in rupiah.")
            }
            try await planning.setCeiling(district, year: year, amount: amount, by: context.user)
            return .init(id: "Pagu indikatif tersimpan.", en: "Indicative ceiling saved.")
        }
    }
}
