import Foundation
import Hummingbird
import HummingbirdCore
import MusrenbangCore
import MusrenbangStore
import NIOPosix

/// The proposal pages: list and search, the public tracking page with everything one may do
/// there, submission, "Usulan saya", the village ranking and the district desk.
struct ProposalPages {
    let services: AppServices
    var service: ProposalService { ProposalService(services: services) }
    var pages: PageRenderer { services.pages }
    var planYear: Int { services.today.year + 1 }

    func register(on router: Router<AppContext>) {
        router.get("foto/:hash") { _, context in
            guard let hash = context.parameters.get("hash"),
                  let photo = try await PhotoStore(services.database, dataDirectory: services.configuration.dataDirectory).file(hash),
                  let data = try? await NIOThreadPool.singleton.runIfActive({ try Data(contentsOf: photo.url) }) else {
                throw AppError.notFound(.init(id: "Foto tidak ditemukan.", en: "Photo not found."))
            }
            return Response(status: .ok, headers: [.contentType: photo.contentType, .cacheControl: "public, max-age=31536000, immutable"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }

        router.get("usulan") { request, context in
            let query = request.uri.queryParameters
            let paging = Paging.clamped(page: query.get("page", as: Int.self) ?? 1, size: 25)
            let page = paging.page
            let filter = try ProposalAPI.filter(query)
            let (items, total) = try await service.proposals.list(filter, paging)
            let pageCount = paging.pageCount(total: total)
            var base = URLComponents()
            base.queryItems = ["village", "district", "status", "field", "year", "q", "source", "level"].compactMap { name in
                query.get(name).flatMap { $0.isEmpty ? nil : URLQueryItem(name: name, value: $0) }
            }
            func link(_ page: Int) -> String {
                var components = base
                components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "page", value: "\(page)")]
                return "/usulan?" + (components.percentEncodedQuery ?? "")
            }
            return pages.page("proposals", title: "Daftar usulan", values: [
                "items": try await rows(items),
                "total": total, "page": page, "pageCount": pageCount,
                "previous": page > 1 ? link(page - 1) : "", "next": page < pageCount ? link(page + 1) : "",
                "q": query.get("q") ?? "", "year": query.get("year") ?? "",
                "districts": services.districtOptions(selected: query.get("district")),
                "fields": Fields.all.map { ["code": $0.code, "name": $0.name, "selected": $0.code == query.get("field")] },
                "statuses": ProposalStatus.allCases.map { ["value": $0.rawValue, "name": Self.statusLabel($0), "selected": $0.rawValue == query.get("status")] },
            ], context: context)
        }

        router.get("usulan/baru") { request, context in
            guard let user = context.user else { return Response.redirect(to: "/masuk") }
            return try await newProposalPage(user: user, context: context, values: [:],
                                             village: request.uri.queryParameters.get("desa"))
        }

        router.post("usulan/baru") { request, context in
            let user = try context.requireUser()
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            do {
                let input = try Self.input(form)
                let created = try await service.submit(input, by: user, idempotencyKey: form["idempotencyKey"])
                return Response.redirect(to: "/usulan/\(created.proposal.id)?baru=1")
            } catch {
                return try await newProposalPage(user: user, context: context, values: form.values,
                                                 village: form["villageCode"], errors: AccountPages.messages(error, context),
                                                 status: AccountPages.status(of: error))
            }
        }

        router.get("usulan/saya") { _, context in
            guard let user = context.user else { return Response.redirect(to: "/masuk") }
            let (items, _) = try await service.proposals.list(.init(proposer: user.id), .clamped(page: 1, size: 200))
            let entered = user.role == .citizen ? [] : try await service.proposals.list(.init(), .clamped(page: 1, size: 1000)).items
                .filter { $0.enteredBy == user.id }
            let notices = try await NoticeStore(services.database).notices(for: user.id)
            try await NoticeStore(services.database).markRead(for: user.id)
            return pages.page("my-proposals", title: "Usulan saya", values: [
                "items": try await rows(items + entered),
                "notices": notices.map { ["message": $0.message, "date": WIB.date($0.createdAt), "unread": !$0.read,
                                          "link": $0.proposalId.map { "/usulan/\($0)" } ?? ""] },
            ], context: context)
        }

        router.get("usulan/:id") { request, context in
            let notice = request.uri.queryParameters.get("baru") != nil ? "Usulan tersimpan. Terima kasih!" : nil
            return try await proposalPage(try ProposalAPI.id(context), context: context, notice: notice,
                                          flash: request.uri.queryParameters.get("pesan"))
        }

        // Every form on the proposal page posts here and comes back to it.
        router.post("usulan/:id/:action") { request, context in
            let id = try ProposalAPI.id(context)
            let user = try context.requireUser()
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            do {
                let notice = try await act(context.parameters.get("action") ?? "", on: id, form: form, user: user)
                return Response.redirect(to: "/usulan/\(id)?pesan=\(notice)#\(notice)")
            } catch let error where !(error is AppError && (error as! AppError).status == .notFound) {
                return try await proposalPage(id, context: context, errors: AccountPages.messages(error, context),
                                              status: AccountPages.status(of: error))
            }
        }

        router.post("komentar/:id/:action") { request, context in
            let user = try context.requireUser()
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            guard let commentId = context.parameters.get("id", as: Int64.self),
                  let comment = try await service.engagement.comment(commentId) else {
                throw AppError.notFound(.init(id: "Komentar tidak ditemukan.", en: "Comment not found."))
            }
            do {
                switch context.parameters.get("action") {
                case "tandai": _ = try await service.engagement.flag(commentId, by: user.id)
                case "sembunyikan": try await service.hide(commentId, reason: form["reason"] ?? "", by: user)
                default: throw AppError.notFound(.init(id: "Tindakan tidak dikenal.", en: "Unknown action."))
                }
                return Response.redirect(to: "/usulan/\(comment.proposalId)#diskusi")
            } catch {
                return try await proposalPage(comment.proposalId, context: context, errors: AccountPages.messages(error, context),
                                              status: AccountPages.status(of: error))
            }
        }

        router.get("desa/:code/peringkat") { request, context in
            let (code, name) = try place(context.parameters.get("code"), .village)
            let year = request.uri.queryParameters.get("tahun", as: Int.self) ?? planYear
            return try await rankingPage(code, name: name, year: year, context: context)
        }

        router.post("desa/:code/peringkat") { request, context in
            let user = try context.requireUser()
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            let code = try service.requireRanking(context.parameters.get("code") ?? "", by: user)
            let year = Int(form["year"] ?? "") ?? planYear
            _ = try await service.planning.rank(village: code.description, year: year, by: user.principal)
            return Response.redirect(to: "/desa/\(code)/peringkat?tahun=\(year)")
        }

        router.get("kecamatan/:code/usulan") { request, context in
            let (code, name) = try place(context.parameters.get("code"), .district)
            let year = request.uri.queryParameters.get("tahun", as: Int.self) ?? planYear
            return try await districtPage(code, name: name, year: year, context: context)
        }

        router.post("kecamatan/:code/pagu") { request, context in
            _ = try context.requireUser()
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            let (code, name) = try place(context.parameters.get("code"), .district)
            try context.require(.configurePlanning, in: code)
            let year = Int(form["year"] ?? "") ?? planYear
            guard let amount = Int64((form["amount"] ?? "").filter(\.isNumber)), amount >= 0 else {
                return try await districtPage(code, name: name, year: year, context: context,
                                              errors: ["Pagu indikatif harus berupa angka rupiah."], status: .unprocessableContent)
            }
            try await service.planning.setCeiling(district: code.description, year: year, amount: amount)
            return Response.redirect(to: "/kecamatan/\(code)/usulan?tahun=\(year)")
        }
    }

    // MARK: actions on a proposal

    /// Carries out one form of the proposal page; returns the anchor to come back to.
    func act(_ action: String, on id: Int64, form: Form, user: UserRecord) async throws -> String {
        switch action {
        case "dukung":
            _ = try await service.support(id, by: user)
            return "dukungan"
        case "batal-dukung":
            _ = try await service.withdraw(id, by: user)
            return "dukungan"
        case "komentar":
            _ = try await service.comment(id, parent: form["parentId"].flatMap { Int64($0) }, body: form["body"] ?? "", by: user)
            return "diskusi"
        case "keputusan":
            let proposal = try await service.proposal(id)
            guard let outcome = DecisionOutcome(rawValue: form["outcome"] ?? "") else {
                throw AppError(.unprocessableContent, code: "outcome.invalid",
                               message: .init(id: "Pilih keputusan.", en: "Choose an outcome."), field: "outcome")
            }
            let request = DecisionRequest(
                level: proposal.state.level, outcome: outcome, reason: form["reason"].flatMap { $0.isEmpty ? nil : $0 },
                volume: form["volume"].flatMap { Double($0.replacingOccurrences(of: ",", with: ".")) },
                estimatedCost: form["estimatedCost"].flatMap { Int64($0.filter(\.isNumber)) },
                mergedInto: form["mergedInto"].flatMap { Int64($0.filter(\.isNumber)) },
                agencyCode: form["agencyCode"].flatMap { $0.isEmpty ? nil : $0 })
            _ = try await service.decide(id, request, by: user)
            return "riwayat"
        case "skor":
            var scores: [String: Int] = [:]
            for (key, value) in form.values where key.hasPrefix("score.") {
                if let score = Int(value) { scores[String(key.dropFirst(6))] = score }
            }
            _ = try await service.score(id, scores: scores, by: user)
            return "penilaian"
        case "prioritas":
            guard let priority = Int(form["priority"] ?? "") else {
                throw AppError(.unprocessableContent, code: "priority.invalid",
                               message: .init(id: "Nomor prioritas harus angka.", en: "The priority must be a number."), field: "priority")
            }
            _ = try await service.move(id, to: priority, reason: form["reason"], by: user)
            return "penilaian"
        case "realisasi":
            _ = try await service.realise(id, budgetLine: form["budgetLine"] ?? "",
                                          amount: Int64((form["amount"] ?? "").filter(\.isNumber)) ?? -1,
                                          year: Int(form["year"] ?? "") ?? planYear, progress: Int(form["progress"] ?? "") ?? -1,
                                          note: form["note"].flatMap { $0.isEmpty ? nil : $0 }, by: user)
            return "riwayat"
        default:
            throw AppError.notFound(.init(id: "Tindakan tidak dikenal.", en: "Unknown action."))
        }
    }

    // MARK: pages

    func proposalPage(_ id: Int64, context: AppContext, notice: String? = nil, flash: String? = nil, errors: [String] = [],
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        let record = try await service.proposal(id)
        let view = try await service.view(record, detailed: true)
        let draft = record.draft
        let state = record.state
        let village = RegionCode(draft.villageCode)!
        let user = context.user
        let principal = user?.principal
        let comments = try await service.engagement.comments(id)
        let criteria = try await service.planning.criteria(for: draft.kind)
        let scores = try await service.planning.scores(id)
        let canDecide = principal.map { Routing.mayDecide($0, state: state, village: village) } ?? false
        let canRank = Policy.allows(principal, .rankProposals, in: village) && state.level == .village
        let canModerate = Policy.allows(principal, .moderate, in: village)
        let canRealise = (state.status == .accepted || state.status == .inProgress)
            && Policy.allows(principal, .recordRealisation, in: village)
        var isSupporter = false
        if let user { isSupporter = try await service.engagement.supports(id, by: user.id) }
        let topLevel = comments.filter { $0.parentId == nil }
        func commentValues(_ comment: CommentRecord) -> [String: Any] {
            ["id": comment.id, "author": service.authorLabel(comment), "body": comment.body, "date": WIB.date(comment.createdAt),
             "hidden": comment.hiddenReason != nil, "hiddenReason": comment.hiddenReason ?? "", "flags": comment.flagCount]
        }
        var outcomes = DecisionOutcome.allCases
        if state.level == .regency { outcomes.removeAll { $0 == .forwarded } }
        let pesan = [
            "dukungan": "Dukungan tercatat.", "diskusi": "Komentar tersimpan.", "riwayat": "Keputusan tercatat.",
            "penilaian": "Penilaian tersimpan.",
        ]
        return pages.page("proposal", title: draft.title, values: [
            "p": [
                "id": record.id, "title": draft.title, "problem": draft.problem, "activity": draft.activity,
                "village": services.placeNames[draft.villageCode] ?? draft.villageCode, "villageCode": draft.villageCode,
                "district": services.placeNames[record.districtCode] ?? record.districtCode, "districtCode": record.districtCode,
                "year": draft.year, "field": Fields.field(draft.fieldCode)?.name ?? draft.fieldCode,
                "subfield": Fields.subfield(draft.subfieldCode)?.name ?? draft.subfieldCode,
                "kind": draft.kind == .physical ? "Fisik" : "Non-fisik",
                "location": [draft.location.hamlet.map { "Dusun \($0)" }, draft.location.rw.map { "RW \($0)" },
                             draft.location.rt.map { "RT \($0)" }].compactMap { $0 }.joined(separator: ", "),
                "coordinates": draft.location.lat.map { String(format: "%.5f, %.5f", $0, draft.location.lng ?? 0) } ?? "",
                "volume": Self.number(state.volume), "unit": draft.unit, "cost": Timeline.rupiah(state.estimatedCost),
                "originalChanged": state.volume != draft.volume || state.estimatedCost != draft.estimatedCost,
                "originalVolume": Self.number(draft.volume), "originalCost": Timeline.rupiah(draft.estimatedCost),
                "funding": draft.fundingSource.indonesianName, "sdg": draft.sdg.map { "Tujuan \($0)" } ?? "",
                "beneficiaries": draft.beneficiaries.total, "women": draft.beneficiaries.women,
                "poor": draft.beneficiaries.poor, "disabled": draft.beneficiaries.disabled,
                "proposer": view.proposer, "source": draft.source.indonesianName, "isPokir": draft.source == .council,
                "status": Timeline.statusName(state), "statusClass": state.status.rawValue,
                "supportCount": record.supportCount, "priority": record.priority.map { "\($0)" } ?? "",
                "score": record.score.map { String(format: "%.2f", $0) } ?? "",
                "agency": state.agencyCode.flatMap { Agencies.name($0) } ?? "",
                "mergedInto": state.mergedInto.map { "\($0)" } ?? "", "progress": state.progress,
            ] as [String: Any],
            "timeline": (view.history ?? []).map { ["text": $0.text] },
            "photos": view.photos ?? [],
            "notice": notice ?? "", "errors": errors,
            "canSupport": Policy.allows(principal, .supportProposal, in: village) && !isSupporter
                && (state.status == .pending || state.status == .accepted),
            "isSupporter": isSupporter,
            "loggedIn": user != nil,
            "comments": topLevel.map { comment -> [String: Any] in
                var values = commentValues(comment)
                values["replies"] = comments.filter { $0.parentId == comment.id }.map(commentValues)
                return values
            },
            "canModerate": canModerate,
            "canDecide": canDecide, "forum": state.level.forumName, "isVillageLevel": state.level == .village,
            "isDistrictLevel": state.level == .district,
            "outcomes": outcomes.map { ["value": $0.rawValue, "name": $0.indonesianName] },
            "agencies": Agencies.defaults.map { ["code": $0.code, "name": $0.name] },
            "canRank": canRank,
            "criteria": criteria.map { criterion in
                ["key": criterion.key, "name": criterion.name, "weight": String(format: "%.3f", criterion.weight),
                 "options": criterion.descriptions.enumerated().map { index, text in
                     ["value": index + 1, "text": "\(index + 1) — \(text)", "selected": scores[criterion.key] == index + 1]
                 }] as [String: Any]
            },
            "canRealise": canRealise, "planYear": draft.year,
            "canAddPhoto": user.map { $0.id == record.enteredBy || $0.id == record.proposerId } == true
                || Policy.allows(principal, .recordRealisation, in: village),
            "flash": pesan[flash ?? ""] ?? "",
        ], context: context, status: status)
    }

    func newProposalPage(user: UserRecord, context: AppContext, values: [String: String], village: String?,
                         errors: [String] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let chosenVillage = village ?? (user.role == .citizen || user.role == .villageOperator ? user.regionCode?.description : nil)
        var object: [String: Any] = values
        object["errors"] = errors
        object["year"] = values["year"] ?? "\(planYear)"
        object["villageCode"] = chosenVillage ?? ""
        object["villageName"] = chosenVillage.flatMap { services.placeNames[$0] } ?? ""
        object["fixedVillage"] = user.role == .citizen || user.role == .villageOperator
        object["villages"] = services.villageGroups(selected: chosenVillage)
        object["fields"] = Fields.all.map { field in
            ["code": field.code, "name": field.name,
             "subfields": field.subfields.map { ["code": $0.code, "name": $0.name, "selected": $0.code == values["subfieldCode"]] }]
        }
        object["fundingSources"] = FundingSource.allCases.map {
            ["value": $0.rawValue, "name": $0.indonesianName, "selected": $0.rawValue == values["fundingSource"]]
        }
        let sources = (try? service.source(for: user, asked: nil)).map { _ in
            ProposalSource.allCases.filter { (try? service.source(for: user, asked: $0)) != nil }
        } ?? []
        object["sources"] = sources.map { ["value": $0.rawValue, "name": $0.indonesianName, "selected": $0.rawValue == values["source"]] }
        object["chooseSource"] = sources.count > 1
        object["groupKinds"] = GroupKind.allCases.map { ["value": $0.rawValue, "name": $0.indonesianName] }
        object["physical"] = values["kind"] != "nonPhysical"
        object["idempotencyKey"] = values["idempotencyKey"] ?? TokenMaker.random(bytes: 12)
        return pages.page("proposal-new", title: "Ajukan usulan", values: object, context: context, status: status)
    }

    func rankingPage(_ village: RegionCode, name: String, year: Int, context: AppContext) async throws -> Response {
        let ranked = try await service.planning.ranked(village: village.description, year: year)
        var items = try await rows(ranked)
        for index in items.indices { items[index]["rank"] = index + 1 }
        return pages.page("ranking", title: "Peringkat usulan Desa \(name)", values: [
            "village": ["code": village.description, "name": name], "year": year, "items": items,
            "canRank": Policy.allows(context.principal, .rankProposals, in: village),
            "fixed": ranked.contains { $0.priority != nil },
        ], context: context)
    }

    func districtPage(_ district: RegionCode, name: String, year: Int, context: AppContext, errors: [String] = [],
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        let waiting = try await service.proposals.list(.init(district: district.description, level: .district, year: year),
                                                       .clamped(page: 1, size: 1000)).items
        let use = try await service.planning.ceilingUse(district: district.description, year: year)
        return pages.page("district", title: "Usulan Kecamatan \(name)", values: [
            "district": ["code": district.description, "name": name], "year": year,
            "items": try await rows(waiting.sorted { ($0.state.status == .pending ? 0 : 1, -$0.supportCount) < ($1.state.status == .pending ? 0 : 1, -$1.supportCount) }),
            "ceiling": use.ceiling.map(Timeline.rupiah) ?? "belum ditetapkan",
            "committed": Timeline.rupiah(use.committed),
            "remaining": use.remaining.map(Timeline.rupiah) ?? "—", "overCeiling": (use.remaining ?? 0) < 0,
            "canSetCeiling": Policy.allows(context.principal, .configurePlanning, in: district),
            "errors": errors,
        ], context: context, status: status)
    }

    // MARK: helpers

    /// A district or village of the tenant by code, with its name; 404 otherwise.
    func place(_ raw: String?, _ level: RegionLevel) throws -> (RegionCode, String) {
        guard let code = RegionCode(raw ?? ""), code.level == level, let name = services.placeNames[code.description] else {
            throw AppError.notFound(.init(id: "\(level.indonesianName) tidak ditemukan.", en: "\(level.rawValue) not found."))
        }
        return (code, name)
    }

    func rows(_ records: [ProposalRecord]) async throws -> [[String: Any]] {
        records.map { record in
            ["id": record.id, "title": record.draft.title, "village": services.placeNames[record.draft.villageCode] ?? record.draft.villageCode,
             "year": record.draft.year, "status": Timeline.statusName(record.state), "statusClass": record.state.status.rawValue,
             "supportCount": record.supportCount, "cost": Timeline.rupiah(record.state.estimatedCost),
             "score": record.score.map { String(format: "%.2f", $0) } ?? "—", "isPokir": record.draft.source == .council,
             "field": Fields.field(record.draft.fieldCode)?.name ?? ""]
        }
    }

    static func input(_ form: Form) throws -> ProposalService.Input {
        func number<T: LosslessStringConvertible>(_ key: String, _ type: T.Type, label: String) throws -> T {
            let raw = (form[key] ?? "").replacingOccurrences(of: ".", with: T.self == Double.self ? "." : "")
                .replacingOccurrences(of: ",", with: ".").trimmingCharacters(in: .whitespaces)
            guard let value = T(raw) else {
                throw AppError(.unprocessableContent, code: "\(key).number",
                               message: .init(id: "\(label) harus berupa angka.", en: "\(label) must be a number."), field: key)
            }
            return value
        }
        func optional<T: LosslessStringConvertible>(_ key: String, _ type: T.Type) -> T? {
            form[key].flatMap { T($0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")) }
        }
        func text(_ key: String) -> String? { form[key].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } }
        let subfield = form["subfieldCode"] ?? ""
        return ProposalService.Input(
            villageCode: form["villageCode"] ?? "", year: try number("year", Int.self, label: "Tahun"),
            title: form["title"] ?? "", problem: form["problem"] ?? "", activity: form["activity"] ?? "",
            fieldCode: String(subfield.prefix(2)), subfieldCode: subfield,
            kind: ProposalKind(rawValue: form["kind"] ?? "") ?? .physical,
            location: ProposalLocation(hamlet: text("hamlet"), rw: text("rw"), rt: text("rt"),
                                       lat: optional("lat", Double.self), lng: optional("lng", Double.self)),
            volume: try number("volume", Double.self, label: "Volume"), unit: form["unit"] ?? "",
            estimatedCost: try number("estimatedCost", Int64.self, label: "Perkiraan biaya"),
            fundingSource: FundingSource(rawValue: form["fundingSource"] ?? "") ?? .villageFund,
            beneficiaries: Beneficiaries(total: optional("beneficiariesTotal", Int.self) ?? 0,
                                         women: optional("beneficiariesWomen", Int.self) ?? 0,
                                         poor: optional("beneficiariesPoor", Int.self) ?? 0,
                                         disabled: optional("beneficiariesDisabled", Int.self) ?? 0),
            sdg: optional("sdg", Int.self), source: form["source"].flatMap(ProposalSource.init(rawValue:)),
            groupKind: form["groupKind"].flatMap(GroupKind.init(rawValue:)), groupName: text("groupName"),
            citizenId: nil, showProposerName: form["showProposerName"] == "1")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(value)
    }

    static func statusLabel(_ status: ProposalStatus) -> String {
        switch status {
        case .pending: "Sedang dibahas"
        case .accepted: "Diterima"
        case .rejected: "Ditolak"
        case .merged: "Digabungkan"
        case .inProgress: "Sedang dikerjakan"
        case .completed: "Selesai"
        }
    }
}
