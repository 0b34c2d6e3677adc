import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangMedia

/// `/api/v1/assemblies/{id}/media*` and `/api/v1/media/peers/{peer}`: the browser's side of the
/// video. Offers and answers pass through here; Janus's API and keys stay on the server.
struct MediaAPI {
    let media: MediaService

    /// An SDP from the browser, checked before Janus sees it.
    static func description(_ value: SessionDescription?, type: String) throws -> SessionDescription {
        guard let value, value.type == type, value.sdp.hasPrefix("v=0"), value.sdp.utf8.count <= 64 * 1024 else {
            throw AppError.invalid(type, "media.sdp", id: "Deskripsi sesi (SDP) tidak sah.", en: "Not a valid session description.")
        }
        return value
    }

    static func room(_ text: String?) throws -> Conference.Room {
        guard let room = Conference.Room(rawValue: text ?? "stage") else {
            throw AppError.invalid("room", "media.room", id: "Ruang harus stage atau wall.", en: "Room is stage or wall.")
        }
        return room
    }

    /// Whose peer connection this is: the signed-in person, or the public viewer holding the key
    /// the server gave it with the offer.
    /// (A signed-in person watching the public page holds such a key too: the key decides.)
    static func owner(_ request: Request, _ context: AppContext) throws -> String {
        let key = request.headers[.init("X-Media-Viewer")!] ?? ""
        if key.isEmpty, let user = context.user { return "user:\(user.id)" }
        guard (16...64).contains(key.count), key.allSatisfy(\.isHexDigit) else {
            throw AppError.invalid("X-Media-Viewer", "media.viewer", id: "Kunci penonton tidak ada.", en: "The viewer key is missing.")
        }
        return "viewer:\(key)"
    }

    struct Offered: Encodable {
        let peer: String; let offer: SessionDescription; var streams: [Conference.Slot] = []
        /// A public viewer's key, chosen by the server: sent back as `X-Media-Viewer` to answer or leave.
        var viewer: String? = nil
    }
    struct Answered: Encodable { let peer: String; let answer: SessionDescription }

    func register(on api: RouterGroup<AppContext>) {
        api.get("assemblies/:id/media", use: state)
        api.post("assemblies/:id/media/publish", use: publish)
        api.post("assemblies/:id/media/subscribe", use: subscribe)
        api.post("assemblies/:id/media/watch", use: watch)
        api.post("media/peers/:peer/answer", use: answer)
        api.delete("media/peers/:peer", use: leave)
    }

    @Sendable func state(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(try await media.state(try context.id("id", as: AssemblyID.self), for: context.user))
    }

    @Sendable func publish(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let villageCode: String; let room: String?; let offer: SessionDescription? }
        let id = try context.id("id", as: AssemblyID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let offer = try Self.description(body.offer, type: "offer")
        let (peer, answer) = try await media.publish(id, room: try Self.room(body.room), as: body.villageCode, offer: offer, by: context.user)
        return JSON.response(Answered(peer: peer, answer: answer), status: .created)
    }

    @Sendable func subscribe(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let room: String?; let feeds: [UInt64]?; let audioOnly: Bool?; let villageCode: String? }
        let id = try context.id("id", as: AssemblyID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let (peer, offer, slots) = try await media.subscribe(id, room: try Self.room(body.room), feeds: body.feeds,
                                                             audioOnly: body.audioOnly ?? false, village: body.villageCode, by: context.user)
        return JSON.response(Offered(peer: peer, offer: offer, streams: slots), status: .created)
    }

    @Sendable func watch(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let mountpoint: Int }
        let id = try context.id("id", as: AssemblyID.self)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let (peer, offer, owner) = try await media.watch(id, mountpoint: body.mountpoint, client: context.clientAddress)
        return JSON.response(Offered(peer: peer, offer: offer, viewer: String(owner.dropFirst("viewer:".count))), status: .created)
    }

    @Sendable func answer(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let answer: SessionDescription? }
        let body = try await JSON.decode(Body.self, from: request, context: context)
        try await media.start(context.parameters.get("peer") ?? "", owner: try Self.owner(request, context),
                              answer: try Self.description(body.answer, type: "answer"))
        return Response(status: .noContent)
    }

    @Sendable func leave(_ request: Request, context: AppContext) async throws -> Response {
        try await media.leave(context.parameters.get("peer") ?? "", owner: try Self.owner(request, context))
        return Response(status: .noContent)
    }
}
