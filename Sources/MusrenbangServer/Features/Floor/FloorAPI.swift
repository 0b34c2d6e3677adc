import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/assemblies/{id}/floor*`: JSON in, the use case, JSON out.
struct FloorAPI {
    let floor: FloorService
    let assemblies: AssemblyService

    struct VillageBody: Decodable { let villageCode: RegionCode }
    struct MayPublish: Encodable { let mayPublish: Bool }

    func register(on api: RouterGroup<AppContext>) {
        api.get("assemblies/:id/floor", use: show)
        api.post("assemblies/:id/floor/hands", use: raise)
        api.delete("assemblies/:id/floor/hands/:village", use: lower)
        api.post("assemblies/:id/floor/grant") { request, context in
            let key = IdempotencyHeader.key(request)
            return try await moderate(request, context) { try await floor.grant($0, village: $1, by: context.user, idempotencyKey: key) }
        }
        api.post("assemblies/:id/floor/end") { request, context in
            let key = IdempotencyHeader.key(request)
            return try await moderate(request, context, requiresModerator: false) {
                try await floor.end($0, village: $1, by: context.user, idempotencyKey: key)
            }
        }
        api.post("assemblies/:id/floor/mute") { request, context in
            let key = IdempotencyHeader.key(request)
            return try await moderate(request, context) {
                try await floor.mute($0, village: $1, muted: true, by: context.user, idempotencyKey: key)
            }
        }
        api.post("assemblies/:id/floor/unmute") { request, context in
            let key = IdempotencyHeader.key(request)
            return try await moderate(request, context) {
                try await floor.mute($0, village: $1, muted: false, by: context.user, idempotencyKey: key)
            }
        }
        api.put("assemblies/:id/floor/rules", use: setRules)
        api.get("assemblies/:id/floor/may-publish", use: mayPublish)
    }

    func answer(_ state: FloorControl, _ id: AssemblyID, status: HTTPResponse.Status = .ok) async throws -> Response {
        JSON.response(floor.view(state, turns: try await floor.turns(id)), status: status)
    }

    @Sendable func show(_ request: Request, context: AppContext) async throws -> Response {
        let assembly = try await assemblies.assembly(try context.id("id", as: AssemblyID.self))
        return try await answer(try await floor.floor(assembly.id), assembly.id)
    }

    @Sendable func raise(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let villageCode: String; let topic: String }
        let id = try context.id("id", as: AssemblyID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let scope = try await assemblies.session(id, body.villageCode, for: .runSession, by: context.user)
        let raised = try await floor.raise(scope, topic: body.topic, idempotencyKey: IdempotencyHeader.key(request))
        return try await answer(raised.floor, id, status: raised.replayed ? .ok : .created)
    }

    @Sendable func lower(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await assemblies.session(try context.id("id", as: AssemblyID.self), context.parameters.get("village"),
                                                 for: .runSession, by: context.user)
        return try await answer(try await floor.lower(scope, idempotencyKey: IdempotencyHeader.key(request)).floor, scope.id)
    }

    func moderate(_ request: Request, _ context: AppContext, requiresModerator: Bool = true,
                  _ action: (AssemblyID, RegionCode) async throws -> (floor: FloorControl, replayed: Bool)) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        if requiresModerator { _ = try await assemblies.hub(id, for: .moderateFloor, by: context.user) }
        guard context.user != nil else { throw AppError.unauthenticated }
        let body = try await JSON.decode(VillageBody.self, from: request, context: context)
        return try await answer(try await action(id, body.villageCode).floor, id)
    }

    @Sendable func setRules(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        _ = try await assemblies.hub(id, for: .moderateFloor, by: context.user)
        let rules = try await JSON.decode(FloorControl.Rules.self, from: request, context: context)
        return try await answer(try await floor.setRules(id, rules, by: context.user), id)
    }

    @Sendable func mayPublish(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        guard let village = request.uri.queryParameters.get("village").flatMap({ RegionCode($0) }) else { throw AssemblyService.sessionNotFound }
        return JSON.response(MayPublish(mayPublish: try await floor.mayPublish(id, village: village, by: context.user)))
    }
}
