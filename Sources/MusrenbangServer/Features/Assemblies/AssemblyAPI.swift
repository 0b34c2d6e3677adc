import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/assemblies*` and `/api/v1/me/checkin-code`: JSON in, the use case, JSON out.
struct AssemblyAPI {
    let assemblies: AssemblyService
    let minutes: MinutesService
    let places: Places
    let live: LiveHub

    struct Detail: Encodable {
        struct Session: Encodable {
            let villageCode: RegionCode; let villageName: String; let stage: String; let rankingAgreed: Bool; let lastHeartbeat: Date?
        }
        struct Transition: Encodable { let from: String; let to: String; let at: Date }
        let id: AssemblyID; let title: String; let level: String; let regencyCode: RegionCode; let planYear: Int; let startsAt: Date
        let hubVillageCode: RegionCode; let stage: String; let rehearsalOf: AssemblyID?; let agenda: [AgendaItem]
        let stageLog: [Transition]; let sessions: [Session]
        /// `women`, `children`, `disability`, `youth`; null for the general musrenbang.
        let theme: String?
    }
    struct Item: Encodable {
        let id: AssemblyID; let title: String; let stage: String; let startsAt: Date; let rehearsal: Bool; let theme: String?
    }
    struct Items<T: Encodable>: Encodable { let items: [T] }
    struct Created<ID: Encodable>: Encodable { let id: ID }
    struct SessionAnswer: Encodable { let villageCode: RegionCode; let stage: AssemblyStage; let rankingAgreed: Bool; let lastHeartbeat: Date? }
    struct Attended: Encodable {
        let id: Int64; let villageCode: RegionCode; let userId: UserID; let role: String; let gender: String; let guest: Bool; let created: Bool
    }
    /// A question as anyone may read it: no author (the minutes would name them).
    struct Question: Encodable {
        let id: QuestionID; let villageCode: RegionCode; let body: String; let status: QuestionStatus; let upvotes: Int; let createdAt: Date
    }
    struct Upvotes: Encodable { let upvotes: Int }
    struct Code: Encodable { let code: String }
    struct StageBody: Decodable { let stage: AssemblyStage }

    func register(on api: RouterGroup<AppContext>) {
        api.post("assemblies", use: schedule)
        api.get("assemblies", use: list)
        api.get("assemblies/:id", use: detail)
        api.put("assemblies/:id/agenda", use: setAgenda)
        api.post("assemblies/:id/rehearsal", use: rehearse)
        api.delete("assemblies/:id", use: wipe)
        api.post("assemblies/:id/stage", use: moveHub)
        api.post("assemblies/:id/sessions/:village/stage", use: moveSession)
        api.post("assemblies/:id/sessions/:village/heartbeat", use: heartbeat)
        api.post("assemblies/:id/sessions/:village/ranking-agreed", use: agreeRanking)
        api.post("assemblies/:id/attendance", use: checkIn)
        api.get("assemblies/:id/summary", use: summary)
        api.get("assemblies/:id/live", use: liveStream)
        api.post("assemblies/:id/questions", use: ask)
        api.get("assemblies/:id/questions", use: questions)
        api.post("assemblies/:id/questions/:question/status", use: moderate)
        api.post("assemblies/:id/questions/:question/upvote", use: upvote)
        api.get("assemblies/:id/sessions/:village/minutes", use: readMinutes)
        api.get("assemblies/:id/sessions/:village/figures", use: stationFigures)
        api.put("assemblies/:id/sessions/:village/minutes", use: saveMinutes)
        api.get("me/checkin-code", use: checkInCode)
    }

    @Sendable func schedule(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .scheduleAssembly)
        let input = try await JSON.decode(AssemblyService.Schedule.self, from: request, context: context)
        return JSON.response(Created(id: try await assemblies.schedule(input, by: context.user)), status: .created)
    }

    @Sendable func list(_ request: Request, context: AppContext) async throws -> Response {
        JSON.revalidated(Items(items: try await assemblies.current().map {
            Item(id: $0.id, title: $0.title, stage: $0.stage.rawValue, startsAt: $0.startsAt, rehearsal: $0.rehearsalOf != nil,
                 theme: $0.theme?.rawValue)
        }), request: request, lastModified: nil)
    }

    @Sendable func detail(_ request: Request, context: AppContext) async throws -> Response {
        JSON.revalidated(detail(try await assemblies.detail(try context.id("id", as: AssemblyID.self))), request: request, lastModified: nil)
    }

    func detail(_ found: AssemblyService.Detail) -> Detail {
        let assembly = found.assembly
        return Detail(id: assembly.id, title: assembly.title, level: assembly.level.rawValue, regencyCode: assembly.regencyCode,
                      planYear: assembly.planYear, startsAt: assembly.startsAt, hubVillageCode: assembly.hubVillageCode,
                      stage: assembly.stage.rawValue, rehearsalOf: assembly.rehearsalOf, agenda: found.agenda,
                      stageLog: found.hubLog.map { .init(from: $0.from.rawValue, to: $0.to.rawValue, at: $0.at) },
                      sessions: found.sessions.map {
                          .init(villageCode: $0.villageCode, villageName: places.name($0.villageCode), stage: $0.stage.rawValue,
                                rankingAgreed: $0.rankingAgreed, lastHeartbeat: $0.lastHeartbeat)
                      }, theme: assembly.theme?.rawValue)
    }

    @Sendable func setAgenda(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let items: [AgendaItem] }
        let id = try context.id("id", as: AssemblyID.self)
        _ = try await assemblies.hub(id, for: .scheduleAssembly, by: context.user)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        try await assemblies.setAgenda(id, body.items, by: context.user)
        return Response(status: .noContent)
    }

    @Sendable func rehearse(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(Created(id: try await assemblies.rehearse(try context.id("id", as: AssemblyID.self), by: context.user)), status: .created)
    }

    @Sendable func wipe(_ request: Request, context: AppContext) async throws -> Response {
        try await assemblies.wipeRehearsal(try context.id("id", as: AssemblyID.self), by: context.user)
        return Response(status: .noContent)
    }

    @Sendable func moveHub(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        _ = try await assemblies.hub(id, for: .leadAssembly, by: context.user)
        let body = try await JSON.decode(StageBody.self, from: request, context: context)
        _ = try await assemblies.moveHub(id, to: body.stage, by: context.user)
        return JSON.response(detail(try await assemblies.detail(id)))
    }

    func session(_ context: AppContext, for action: Action) async throws -> AssemblyService.Session {
        try await assemblies.session(try context.id("id", as: AssemblyID.self), context.parameters.get("village"), for: action, by: context.user)
    }

    @Sendable func moveSession(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await session(context, for: .runSession)
        let body = try await JSON.decode(StageBody.self, from: request, context: context)
        let moved = try await assemblies.moveSession(scope, to: body.stage)
        return JSON.response(SessionAnswer(villageCode: moved.villageCode, stage: moved.stage, rankingAgreed: moved.rankingAgreed,
                                           lastHeartbeat: moved.lastHeartbeat))
    }

    @Sendable func heartbeat(_ request: Request, context: AppContext) async throws -> Response {
        try await assemblies.heartbeat(try await session(context, for: .runSession))
        return Response(status: .noContent)
    }

    @Sendable func agreeRanking(_ request: Request, context: AppContext) async throws -> Response {
        try await assemblies.agreeRanking(try await session(context, for: .agreeRanking))
        return Response(status: .noContent)
    }

    @Sendable func checkIn(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let input = try await JSON.decode(AssemblyService.CheckIn.self, from: request, context: context)
        let scope = try await assemblies.session(id, input.villageCode, for: .runSession, by: context.user)
        let (record, isNew) = try await assemblies.checkIn(scope, input, idempotencyKey: IdempotencyHeader.key(request))
        return JSON.response(Attended(id: record.id, villageCode: record.villageCode, userId: record.userId, role: record.role.rawValue,
                                      gender: record.gender.rawValue, guest: record.isGuest, created: isNew),
                             status: isNew ? .created : .ok)
    }

    struct Station: Encodable {
        struct Role: Encodable { let role: String; let name: String; let count: Int }
        let villageCode: RegionCode; let name: String; let stage: String; let stageName: String; let lastHeartbeat: Date?
        let attendance: Int; let women: Int; let men: Int; let byRole: [Role]; let proposals: Int; let consoleUrl: String
    }

    /// One station as the control room's detail shows it: attendance by unsur, proposals, last heartbeat.
    @Sendable func stationFigures(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await session(context, for: .monitorStations)
        let figures = try await assemblies.figures(scope)
        let locale = context.locale
        let byRole = AttendanceRole.allCases.compactMap { role in
            figures.attendance.byRole[role.rawValue].map { Station.Role(role: role.rawValue, name: Names.attendanceRole(role).text(locale), count: $0) }
        }
        return JSON.response(Station(
            villageCode: scope.village, name: Names.village(scope.village, places.name(scope.village)).text(locale),
            stage: scope.session.stage.rawValue, stageName: Names.stage(scope.session.stage).text(locale),
            lastHeartbeat: scope.session.lastHeartbeat, attendance: figures.attendance.total, women: figures.attendance.women,
            men: figures.attendance.men, byRole: byRole, proposals: figures.proposals, consoleUrl: "/musrenbang/\(scope.id)/desa/\(scope.village)"))
    }

    @Sendable func summary(_ request: Request, context: AppContext) async throws -> Response {
        JSON.revalidated(try await assemblies.summary(try context.id("id", as: AssemblyID.self)), request: request, lastModified: nil)
    }

    /// Refused before anything is read when the caps are reached, so a crowd of refused clients
    /// costs no database time. Staff of the assembly's regency are counted by account and not
    /// against the public's cap: a full public page never cuts the consoles and the control room off.
    @Sendable func liveStream(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        let assembly: AssemblyRecord, lease: LiveHub.Lease
        if let user = context.user {
            assembly = try await assemblies.assembly(id)
            let staff = Access.allows(user, .watchStage, in: assembly.regencyCode)
            lease = try await live.admit(staff ? .staff("\(user.id)") : .publicClient(context.clientAddress))
        } else {
            lease = try await live.admit(.publicClient(context.clientAddress))
            do {
                assembly = try await assemblies.assembly(id)
            } catch {
                await lease.release()
                throw error
            }
        }
        let lastEventId: Int64? = request.headers[.init("Last-Event-ID")!].flatMap { Int64($0) }
            ?? request.uri.queryParameters.get("lastEventId", as: Int64.self)
            ?? (request.uri.queryParameters.get("start") == "now" ? nil : 0)
        let longest = live.limits.longestSeconds
        var maxSeconds = min(longest, max(1, request.uri.queryParameters.get("maxSeconds", as: Int.self) ?? 300))
        // Long streams end at slightly different times, so listeners that came together do not all reconnect together.
        if maxSeconds >= 60 { maxSeconds = Int.random(in: maxSeconds * 4 / 5...maxSeconds) }
        return LiveStream.response(assembly: assembly.id, lastEventId: lastEventId, maxSeconds: maxSeconds, hub: live, lease: lease)
    }

    @Sendable func ask(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let body: String; let villageCode: String? }
        let id = try context.id("id", as: AssemblyID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let asked = try await assemblies.ask(id, body: body.body, village: body.villageCode, by: context.user,
                                             idempotencyKey: IdempotencyHeader.key(request))
        return JSON.response(Created(id: asked.question), status: asked.isNew ? .created : .ok)
    }

    @Sendable func questions(_ request: Request, context: AppContext) async throws -> Response {
        // Like the proposal list's filters: an unknown value is refused, never silently dropped.
        let raw = request.uri.queryParameters.get("status").flatMap { $0.isEmpty ? nil : $0 } ?? "approved,answered"
        let wanted = try raw.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let status = QuestionStatus(rawValue: String(part)) else {
                throw AppError.invalid("status", "status.invalid", id: "Status pertanyaan tidak dikenal: \(part.prefix(40)).",
                                       en: "Unknown question status: \(part.prefix(40)).")
            }
            return status
        }
        let found = try await assemblies.questions(try context.id("id", as: AssemblyID.self), statuses: wanted, for: context.user)
        return JSON.response(Items(items: found.map {
            Question(id: $0.id, villageCode: $0.villageCode, body: $0.body, status: $0.status, upvotes: $0.upvotes, createdAt: $0.createdAt)
        }))
    }

    @Sendable func moderate(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let status: QuestionStatus }
        let id = try context.id("id", as: AssemblyID.self)
        let question = try context.id("question", as: QuestionID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let body = try await JSON.decode(Body.self, from: request, context: context)
        try await assemblies.moderate(id, question: question, status: body.status, by: context.user)
        return Response(status: .noContent)
    }

    @Sendable func upvote(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(Upvotes(upvotes: try await assemblies.upvote(try context.id("id", as: AssemblyID.self),
                                                                   question: try context.id("question", as: QuestionID.self), by: context.user)))
    }

    /// The draft names every attendee: for the session's operators and the planner, not the public.
    @Sendable func readMinutes(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(try await minutes.minutes(try await session(context, for: .readMinutesDraft)))
    }

    @Sendable func saveMinutes(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let fields: BeritaAcara.Editable; let finalize: Bool?; let amendmentReason: String? }
        let scope = try await session(context, for: .runSession)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        try await minutes.save(scope, fields: body.fields, finalize: body.finalize ?? false, amendmentReason: body.amendmentReason)
        return JSON.response(try await minutes.minutes(scope))
    }

    @Sendable func checkInCode(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .manageOwnAccount)
        guard let raw = request.uri.queryParameters.get("assembly", as: Int64.self) else { throw AssemblyService.notFound }
        return JSON.response(Code(code: try await assemblies.checkInCode(for: context.user, assembly: AssemblyID(rawValue: raw))))
    }
}
