import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangMedia

/// `/api/v1/assemblies/{id}/media*` and `/api/v1/media/peers/{peer}`: the browser's side of the
/// video. Offers and answers pass through here; Janus's API and keys stay on the server.
struct MediaAPI {
    let services: AppServices
    var service: MediaService { MediaService(services: services) }

    /// An SDP from the browser, checked before Janus sees it.
    static func description(_ value: SessionDescription?, type: String) throws -> SessionDescription {
        guard let value, value.type == type, value.sdp.hasPrefix("v=0"), value.sdp.utf8.count <= 64 * 1024 else {
            throw AppError(.unprocessableContent, code: "media.sdp",
                           message: .init(id: "Deskripsi sesi (SDP) tidak sah.", en: "Not a valid session description."), field: type)
        }
        return value
    }

    static func room(_ text: String?) throws -> Conference.Room {
        guard let room = Conference.Room(rawValue: text ?? "stage") else {
            throw AppError(.unprocessableContent, code: "media.room", message: .init(id: "Ruang harus stage atau wall.", en: "Room is stage or wall."),
                           field: "room")
        }
        return room
    }

    /// Whose peer connection this is: the signed-in person, or an anonymous viewer's random key.
    static func owner(_ request: Request, _ context: AppContext) throws -> String {
        if let user = context.user { return "user:\(user.id)" }
        let key = request.headers[.init("X-Media-Viewer")!] ?? ""
        guard (16...64).contains(key.count), key.allSatisfy(\.isHexDigit) else {
            throw AppError(.unprocessableContent, code: "media.viewer",
                           message: .init(id: "Kunci penonton tidak ada.", en: "The viewer key is missing."), field: "X-Media-Viewer")
        }
        return "viewer:\(key)"
    }

    struct Offered: Encodable { let peer: String; let offer: SessionDescription; var streams: [Conference.Slot] = [] }
    struct Answered: Encodable { let peer: String; let answer: SessionDescription }

    func register(on api: RouterGroup<AppContext>) {
        api.get("assemblies/:id/media") { _, context in
            let assembly = try await service.assemblies.assembly(context.parameters.get("id", as: Int64.self))
            var seesWall = false
            if let user = context.user { seesWall = (try? await service.floor.requireModerator(assembly.id, user)) != nil }
            return JSON.response(await service.state(assembly.id, includeWall: seesWall))
        }

        api.post("assemblies/:id/media/publish") { request, context in
            struct Body: Decodable { let villageCode: String; let room: String?; let offer: SessionDescription? }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let offer = try Self.description(body.offer, type: "offer")
            let (peer, answer) = try await service.publish(try AssemblyAPI.id(context), room: try Self.room(body.room),
                                                           as: body.villageCode, offer: offer, by: user)
            return JSON.response(Answered(peer: peer, answer: answer), status: .created)
        }

        api.post("assemblies/:id/media/subscribe") { request, context in
            struct Body: Decodable { let room: String?; let feeds: [UInt64]?; let audioOnly: Bool?; let villageCode: String? }
            let user = try context.requireUser()
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let (peer, offer, slots) = try await service.subscribe(try AssemblyAPI.id(context), room: try Self.room(body.room), feeds: body.feeds,
                                                                   audioOnly: body.audioOnly ?? false, village: body.villageCode, by: user)
            return JSON.response(Offered(peer: peer, offer: offer, streams: slots), status: .created)
        }

        api.post("assemblies/:id/media/watch") { request, context in
            struct Body: Decodable { let mountpoint: Int }
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let (peer, offer) = try await service.watch(try AssemblyAPI.id(context), mountpoint: body.mountpoint,
                                                        viewer: try Self.owner(request, context))
            return JSON.response(Offered(peer: peer, offer: offer), status: .created)
        }

        api.post("media/peers/:peer/answer") { request, context in
            struct Body: Decodable { let answer: SessionDescription? }
            let body = try await JSON.decode(Body.self, from: request, context: context)
            try await service.start(context.parameters.get("peer") ?? "", owner: try Self.owner(request, context),
                                    answer: try Self.description(body.answer, type: "answer"))
            return Response(status: .noContent)
        }

        api.delete("media/peers/:peer") { request, context in
            try await service.leave(context.parameters.get("peer") ?? "", owner: try Self.owner(request, context))
            return Response(status: .noContent)
        }
    }
}
