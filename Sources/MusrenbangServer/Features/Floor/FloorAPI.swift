import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/assemblies/{id}/floor*`.
struct FloorAPI {
    let services: AppServices
    var service: FloorService { FloorService(services: services) }

    struct View: Encodable {
        struct Waiting: Encodable { let villageCode: String; let villageName: String; let districtName: String; let topic: String
            let position: Int; let waitingSeconds: Int }
        struct Speaking: Encodable { let villageCode: String; let villageName: String; let topic: String; let speakingSeconds: Int
            let secondsLeft: Int; let warned: Bool; let muted: Bool }
        struct Turn: Encodable { let villageCode: String; let villageName: String; let topic: String; let startedAt: Date
            let endedAt: Date; let seconds: Int; let ending: String }
        let rules: FloorControl.Rules
        let queue: [Waiting]
        let stage: [Speaking]
        let turns: [Turn]
    }

    func view(_ id: Int64, _ floor: FloorControl) async throws -> View {
        let now = Date().timeIntervalSince1970
        let names = services.placeNames
        return View(
            rules: floor.rules,
            queue: floor.queue.enumerated().map { index, hand in
                .init(villageCode: hand.village, villageName: names[hand.village] ?? hand.village,
                      districtName: names[String(hand.village.prefix(8))] ?? "", topic: hand.topic, position: index + 1,
                      waitingSeconds: Int(now - hand.raisedAt))
            },
            stage: floor.stage.map { speaker in
                .init(villageCode: speaker.village, villageName: names[speaker.village] ?? speaker.village, topic: speaker.topic,
                      speakingSeconds: Int(now - speaker.grantedAt),
                      secondsLeft: max(0, Int(floor.rules.speakingLimit - (now - speaker.grantedAt))),
                      warned: speaker.warned, muted: speaker.muted)
            },
            turns: try await service.store.turns(id).map {
                .init(villageCode: $0.village, villageName: names[$0.village] ?? $0.village, topic: $0.topic, startedAt: $0.startedAt,
                      endedAt: $0.endedAt, seconds: Int($0.endedAt.timeIntervalSince($0.startedAt)), ending: $0.ending)
            })
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("assemblies/:id/floor") { _, context in
            let assembly = try await service.assemblies.assembly(context.parameters.get("id", as: Int64.self))
            return JSON.response(try await view(assembly.id, try await service.store.floor(assembly.id)))
        }

        api.post("assemblies/:id/floor/hands") { request, context in
            struct Body: Decodable { let villageCode: String; let topic: String }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let id = try AssemblyAPI.id(context)
            let floor = try await service.raise(id, village: body.villageCode, topic: body.topic, by: user)
            return JSON.response(try await view(id, floor), status: .created)
        }

        api.delete("assemblies/:id/floor/hands/:village") { _, context in
            let user = try context.requireUser()
            let id = try AssemblyAPI.id(context)
            return JSON.response(try await view(id, try await service.lower(id, village: context.parameters.get("village") ?? "", by: user)))
        }

        for action in ["grant", "end", "mute", "unmute"] {
            api.post("assemblies/:id/floor/\(action)") { request, context in
                struct Body: Decodable { let villageCode: String }
                let user = try context.requireUser()
                let body = try await JSON.decode(Body.self, from: request, context: context)
                let id = try AssemblyAPI.id(context)
                let floor = switch action {
                case "grant": try await service.grant(id, village: body.villageCode, by: user)
                case "end": try await service.end(id, village: body.villageCode, by: user)
                default: try await service.mute(id, village: body.villageCode, muted: action == "mute", by: user)
                }
                return JSON.response(try await view(id, floor))
            }
        }

        api.put("assemblies/:id/floor/rules") { request, context in
            let user = try context.requireUser()
            let rules = try await JSON.decode(FloorControl.Rules.self, from: request, context: context)
            let id = try AssemblyAPI.id(context)
            return JSON.response(try await view(id, try await service.setRules(id, rules, by: user)))
        }

        // What the media side asks before letting a village publish: only while it holds the floor.
        api.get("assemblies/:id/floor/may-publish") { request, context in
            let user = try context.requireUser()
            let id = try AssemblyAPI.id(context)
            let village = request.uri.queryParameters.get("village") ?? ""
            let assembly = try await service.assemblies.assembly(id)
            let isHub = (try? await service.requireModerator(id, user)) != nil && village == assembly.hubVillageCode
            if !isHub { _ = try await service.assemblies.requireSession(assembly, village, by: user) }
            let onStage = try await service.store.floor(id).mayPublish(village)
            return JSON.response(["mayPublish": isHub || onStage])
        }
    }
}
