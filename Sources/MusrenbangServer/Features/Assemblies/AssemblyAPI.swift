import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/assemblies*` and `/api/v1/me/checkin-code`.
struct AssemblyAPI {
    let services: AppServices
    var service: AssemblyService { AssemblyService(services: services) }

    struct Detail: Encodable {
        struct Session: Encodable {
            let villageCode: String
            let villageName: String
            let stage: String
            let rankingAgreed: Bool
            let lastHeartbeat: Date?
        }
        struct Transition: Encodable { let from: String; let to: String; let at: Date }
        let id: Int64
        let title: String
        let level: String
        let regencyCode: String
        let planYear: Int
        let startsAt: Date
        let hubVillageCode: String
        let stage: String
        let rehearsalOf: Int64?
        let agenda: [AgendaItem]
        let stageLog: [Transition]
        let sessions: [Session]
    }

    func detail(_ assembly: AssemblyRecord) async throws -> Detail {
        Detail(id: assembly.id, title: assembly.title, level: assembly.level.rawValue, regencyCode: assembly.regencyCode,
               planYear: assembly.planYear, startsAt: assembly.startsAt, hubVillageCode: assembly.hubVillageCode,
               stage: assembly.stage.rawValue, rehearsalOf: assembly.rehearsalOf,
               agenda: try await service.store.agenda(assembly.id),
               stageLog: try await service.store.stageLog(assembly.id, village: nil).map {
                   Detail.Transition(from: $0.from.rawValue, to: $0.to.rawValue, at: $0.at)
               },
               sessions: try await service.store.sessions(assembly.id).map {
                   Detail.Session(villageCode: $0.villageCode, villageName: services.placeNames[$0.villageCode] ?? $0.villageCode,
                                  stage: $0.stage.rawValue, rankingAgreed: $0.rankingAgreed, lastHeartbeat: $0.lastHeartbeat)
               })
    }

    func register(on api: RouterGroup<AppContext>) {
        api.post("assemblies") { request, context in
            let user = try context.requireUser()
            let input = try await JSON.decode(AssemblyService.Schedule.self, from: request, context: context)
            let id = try await service.schedule(input, by: user)
            return JSON.response(["id": id], status: .created)
        }

        api.get("assemblies") { _, _ in
            struct Item: Encodable { let id: Int64; let title: String; let stage: String; let startsAt: Date; let rehearsal: Bool }
            let list = try await service.store.current(regency: services.configuration.regency.description)
            return JSON.response(["items": list.map {
                Item(id: $0.id, title: $0.title, stage: $0.stage.rawValue, startsAt: $0.startsAt, rehearsal: $0.rehearsalOf != nil)
            }])
        }

        api.get("assemblies/:id") { _, context in
            JSON.response(try await detail(try await service.assembly(context.parameters.get("id", as: Int64.self))))
        }

        api.put("assemblies/:id/agenda") { request, context in
            struct Body: Decodable { let items: [AgendaItem] }
            let user = try context.requireUser()
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            try AppContext.require(user, .configurePlanning, in: RegionCode(assembly.regencyCode))
            let body = try await JSON.decode(Body.self, from: request, context: context)
            guard body.items.allSatisfy({ !$0.title.isEmpty && (1...600).contains($0.minutes) }) else {
                throw AppError(.unprocessableContent, code: "agenda.invalid",
                               message: .init(id: "Setiap acara memerlukan judul dan durasi 1–600 menit.",
                                              en: "Each agenda item needs a title and 1–600 minutes."), field: "items")
            }
            try await service.store.setAgenda(assembly.id, body.items)
            return Response(status: .noContent)
        }

        // Gladi resik: the same assembly in a sandbox, wiped with DELETE afterwards.
        api.post("assemblies/:id/rehearsal") { _, context in
            let user = try context.requireUser()
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let sessions = try await service.store.sessions(assembly.id).map(\.villageCode)
            let id = try await service.schedule(.init(
                title: "Gladi resik: \(assembly.title)", level: assembly.level, regencyCode: assembly.regencyCode,
                planYear: assembly.planYear, startsAt: Date(), hubVillageCode: assembly.hubVillageCode, villageCodes: sessions,
                agenda: try await service.store.agenda(assembly.id)), by: user, rehearsalOf: assembly.id)
            return JSON.response(["id": id], status: .created)
        }

        api.delete("assemblies/:id") { _, context in
            let user = try context.requireUser()
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            try AppContext.require(user, .configurePlanning, in: RegionCode(assembly.regencyCode))
            guard assembly.rehearsalOf != nil else {
                throw AppError(.conflict, code: "assembly.notRehearsal",
                               message: .init(id: "Hanya gladi resik yang dapat dihapus; musrenbang sungguhan disimpan.",
                                              en: "Only rehearsals can be deleted; real assemblies are kept."))
            }
            try await service.store.wipeRehearsal(assembly.id)
            return Response(status: .noContent)
        }

        api.post("assemblies/:id/stage") { request, context in
            struct Body: Decodable { let stage: AssemblyStage }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let moved = try await service.moveHub(try Self.id(context), to: body.stage, by: user)
            return JSON.response(try await detail(moved))
        }

        api.post("assemblies/:id/sessions/:village/stage") { request, context in
            struct Body: Decodable { let stage: AssemblyStage }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let session = try await service.moveSession(try Self.id(context), village: context.parameters.get("village") ?? "",
                                                        to: body.stage, by: user)
            return JSON.response(session)
        }

        api.post("assemblies/:id/sessions/:village/heartbeat") { _, context in
            let user = try context.requireUser()
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let village = context.parameters.get("village") ?? ""
            _ = try await service.requireSession(assembly, village, by: user)
            try await service.store.heartbeat(assembly.id, village: village)
            return Response(status: .noContent)
        }

        api.post("assemblies/:id/sessions/:village/ranking-agreed") { _, context in
            let user = try context.requireUser()
            try await service.agreeRanking(try Self.id(context), village: context.parameters.get("village") ?? "", by: user)
            return Response(status: .noContent)
        }

        api.post("assemblies/:id/attendance") { request, context in
            struct Answer: Encodable { let id: Int64; let villageCode: String; let userId: Int64; let role: String; let gender: String
                let guest: Bool; let created: Bool }
            let user = try context.requireUser()
            let input = try await JSON.decode(AssemblyService.CheckIn.self, from: request, context: context)
            let (record, isNew) = try await service.checkIn(try Self.id(context), input, by: user)
            return JSON.response(Answer(id: record.id, villageCode: record.villageCode, userId: record.userId, role: record.role.rawValue,
                                        gender: record.gender.rawValue, guest: record.isGuest, created: isNew),
                                 status: isNew ? .created : .ok)
        }

        api.get("assemblies/:id/summary") { _, context in
            guard let summary = try await service.store.summary(try Self.id(context)) else { throw AssemblyService.notFound }
            return JSON.response(summary)
        }

        api.get("assemblies/:id/live") { request, context in
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let lastEventId = request.headers[.init("Last-Event-ID")!].flatMap { Int64($0) }
                ?? request.uri.queryParameters.get("lastEventId", as: Int64.self) ?? 0
            let maxSeconds = min(3600, max(1, request.uri.queryParameters.get("maxSeconds", as: Int.self) ?? 300))
            return LiveStream.response(assembly: assembly.id, lastEventId: lastEventId, maxSeconds: maxSeconds,
                                       store: service.store, hub: services.live)
        }

        api.post("assemblies/:id/questions") { request, context in
            struct Body: Decodable { let body: String; let villageCode: String? }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let id = try await ask(try Self.id(context), body: body.body, village: body.villageCode, by: user)
            return JSON.response(["id": id], status: .created)
        }

        api.get("assemblies/:id/questions") { request, context in
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let wanted = (request.uri.queryParameters.get("status") ?? "approved,answered").split(separator: ",")
                .compactMap { QuestionStatus(rawValue: String($0)) }
            let moderator = context.user.map { [.planner, .host, .admin].contains($0.role) } ?? false
            let statuses = moderator ? wanted : wanted.filter { $0 == .approved || $0 == .answered }
            let questions = try await service.store.questions(assembly.id, statuses: statuses)
            return JSON.response(["items": questions])
        }

        api.post("assemblies/:id/questions/:question/status") { request, context in
            struct Body: Decodable { let status: QuestionStatus }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            try await moderate(try Self.id(context), question: context.parameters.get("question", as: Int64.self) ?? -1,
                               status: body.status, by: user)
            return Response(status: .noContent)
        }

        api.post("assemblies/:id/questions/:question/upvote") { _, context in
            let user = try context.requireUser()
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let count = try await service.store.upvote(assembly.id, question: context.parameters.get("question", as: Int64.self) ?? -1, by: user.id)
            await services.live.poke(assembly.id)
            return JSON.response(["upvotes": count])
        }

        // The draft names every attendee: for the session's operators and the planner, not the public.
        api.get("assemblies/:id/sessions/:village/minutes") { _, context in
            let user = try context.requireUser()
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let village = context.parameters.get("village") ?? ""
            _ = try await service.requireSession(assembly, village, by: user)
            return JSON.response(try await service.minutes(assembly.id, village: village))
        }

        api.put("assemblies/:id/sessions/:village/minutes") { request, context in
            struct Body: Decodable {
                let fields: BeritaAcara.Editable
                let finalize: Bool?
                let amendmentReason: String?
            }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let minutes = try await service.saveMinutes(try Self.id(context), village: context.parameters.get("village") ?? "",
                                                        fields: body.fields, finalize: body.finalize ?? false,
                                                        amendmentReason: body.amendmentReason, by: user)
            return JSON.response(minutes)
        }

        api.get("me/checkin-code") { request, context in
            let user = try context.requireUser()
            let assembly = try await service.assembly(request.uri.queryParameters.get("assembly", as: Int64.self))
            return JSON.response(["code": CheckInCode.make(citizen: user.id, assembly: assembly.id, secret: services.secret)])
        }
    }

    /// During the dialogue, from the asker's village (an operator may send for someone at the office).
    func ask(_ id: Int64, body: String, village: String?, by user: UserRecord) async throws -> Int64 {
        let assembly = try await service.assembly(id)
        let villageCode = village ?? user.regionCode?.description ?? assembly.hubVillageCode
        guard let session = try await service.store.session(id, village: villageCode) else { throw AssemblyService.sessionNotFound }
        guard session.stage == .dialogue || assembly.stage == .dialogue else {
            throw AppError(.conflict, code: "questions.closed",
                           message: .init(id: "Pertanyaan dibuka pada tahap dialog.", en: "Questions are open during the dialogue."))
        }
        if user.role != .citizen, let region = RegionCode(villageCode), !Policy.allows(user.principal, .registerCitizen, in: region) {
            throw AppError.forbidden
        }
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (5...500).contains(text.count) else {
            throw AppError(.unprocessableContent, code: "body.length",
                           message: .init(id: "Pertanyaan 5–500 karakter.", en: "A question is 5–500 characters."), field: "body")
        }
        let question = try await service.store.ask(id, village: villageCode, author: user.id, body: text)
        await services.live.poke(id)
        return question
    }

    /// Moderators (planner, operators of the question's village) approve or hide; the host
    /// (and planner) marks answered.
    func moderate(_ id: Int64, question: Int64, status: QuestionStatus, by user: UserRecord) async throws {
        let assembly = try await service.assembly(id)
        let all = try await service.store.questions(id, statuses: QuestionStatus.allCases)
        guard let target = all.first(where: { $0.id == question }) else {
            throw AppError.notFound(.init(id: "Pertanyaan tidak ditemukan.", en: "Question not found."))
        }
        let allowed: Bool = switch status {
        case .answered: [.host, .planner, .admin].contains(user.role)
        case .approved, .hidden: Policy.allows(user.principal, .moderate, in: RegionCode(target.villageCode))
        case .pending: false
        }
        guard allowed else { throw AppError.forbidden }
        _ = try await service.store.setQuestionStatus(assembly.id, question: question, status)
        await services.live.poke(id)
    }

    static func id(_ context: AppContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw AssemblyService.notFound }
        return id
    }
}
