import Foundation
import Hummingbird
import Logging
import Metrics
import MusrenbangCore
import MusrenbangMedia
import MusrenbangStore
import ServiceLifecycle

/// Who may send and receive which video in an assembly. The browser hands its SDP to the server;
/// the server checks the floor and the person, then talks to Janus with tokens only it holds.
struct MediaService: Sendable {
    let services: AppServices
    var assemblies: AssemblyService { AssemblyService(services: services) }
    var floor: FloorService { FloorService(services: services) }

    static let hubFeed: UInt64 = 1
    static let logger = Logger(label: "musrenbang.media")

    static func hubToken(_ secret: ServerSecret, assembly: Int64) -> String {
        secret.sign("hub:\(assembly)", purpose: "janus")
    }

    /// A village's join token for the stage: Janus lets it in only while the server has added it.
    static func villageToken(_ secret: ServerSecret, assembly: Int64, village: String) -> String {
        secret.sign("publish:\(assembly):\(village)", purpose: "janus")
    }

    /// Feeds are numbered by the village code's digits, so a feed names its village everywhere.
    static func feed(of village: String) -> UInt64? {
        UInt64(village.filter(\.isNumber))
    }

    static let unavailable = AppError(.serviceUnavailable, code: "media.unavailable",
                                      message: .init(id: "Video tidak tersedia saat ini. Kegiatan lain tetap berjalan.",
                                                     en: "Video is not available right now. Everything else carries on."))

    func director() async throws -> MediaDirector {
        guard let media = services.media, await media.available else { throw Self.unavailable }
        return media
    }

    /// Turns Janus's failures into answers: down is 503, a refusal by Janus is 403.
    func janus<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch MediaRefusal.feedTaken {
            throw AppError(.conflict, code: "media.feedTaken",
                           message: .init(id: "Siaran ini sudah dikirim dari perangkat lain. Hentikan di sana terlebih dahulu.",
                                          en: "This feed is already being sent from another device. Stop it there first."))
        } catch let error as JanusError {
            if case .plugin(let code, _) = error, code == 433 {
                throw AppError(.forbidden, code: "media.refusedByJanus",
                               message: .init(id: "Server video menolak: desa ini tidak memegang giliran bicara.",
                                              en: "The video server refused: this village does not hold the floor."))
            }
            if case .janus(let code, _) = error, [464, 465].contains(code) {
                throw AppError(.unprocessableContent, code: "media.sdp",
                               message: .init(id: "Deskripsi sesi (SDP) ditolak server video.", en: "The video server refused the session description."),
                               field: "offer")
            }
            if case .plugin(let code, _) = error, code == 428 {
                throw AppError(.conflict, code: "media.feedGone",
                               message: .init(id: "Siaran itu sudah berakhir; muat ulang daftar.", en: "That feed has ended; reload the list."))
            }
            Self.logger.warning("janus failed", metadata: ["error": "\(error)"])
            throw Self.unavailable
        }
    }

    enum Publisher { case hub, village(String) }

    /// Who is asking to publish: the hub (host, planner, admin of the regency) or a village
    /// operator. On the stage a village needs the floor; on the wall any connected village may.
    func authorizePublish(_ assembly: AssemblyRecord, room: Conference.Room, as label: String, by user: UserRecord) async throws -> Publisher {
        guard assembly.stage < .closed else {
            throw AppError(.conflict, code: "media.closed", message: .init(id: "Musrenbang sudah selesai.", en: "The assembly has closed."))
        }
        if label == "hub" {
            guard room == .stage else { throw AppError.forbidden }
            try await floor.requireModerator(assembly.id, user)
            return .hub
        }
        _ = try await assemblies.requireSession(assembly, label, by: user)
        if room == .stage, try await !floor.store.floor(assembly.id).stage.contains(where: { $0.village == label }) {
            throw AppError(.forbidden, code: "media.noFloor",
                           message: .init(id: "Desa ini belum diberi giliran bicara.", en: "This village has not been given the floor."))
        }
        return .village(label)
    }

    func publish(_ id: Int64, room: Conference.Room, as label: String, offer: SessionDescription,
                 by user: UserRecord) async throws -> (peer: String, answer: SessionDescription) {
        let assembly = try await assemblies.assembly(id)
        let publisher = try await authorizePublish(assembly, room: room, as: label, by: user)
        let media = try await director()
        let (feed, display, token): (UInt64, String, String) = switch publisher {
        case .hub: (Self.hubFeed, "Tuan rumah", Self.hubToken(services.secret, assembly: id))
        case .village(let code): (Self.feed(of: code) ?? 0, "Desa \(services.placeNames[code] ?? code)",
                                  // The wall is the control room's own room: the server joins it with the hub's token.
                                  room == .stage ? Self.villageToken(services.secret, assembly: id, village: code)
                                                 : Self.hubToken(services.secret, assembly: id))
        }
        return try await janus {
            try await media.publish(id, description: assembly.title, room: room, feed: feed, label: label, display: display,
                                    token: token, offer: offer, owner: "user:\(user.id)")
        }
    }

    /// The stage for village consoles and the control room; the wall for the control room only.
    /// A village console names its village: its operator may watch the stage from there.
    func subscribe(_ id: Int64, room: Conference.Room, feeds wanted: [UInt64]?, audioOnly: Bool, village: String?,
                   by user: UserRecord) async throws -> (peer: String, offer: SessionDescription, slots: [Conference.Slot]) {
        let assembly = try await assemblies.assembly(id)
        if room == .wall {
            try await floor.requireModerator(id, user)
        } else if let village {
            _ = try await assemblies.requireSession(assembly, village, by: user)
        } else {
            guard Policy.reaches(user.principal, RegionCode(assembly.regencyCode)!), user.role != .citizen else { throw AppError.forbidden }
        }
        let media = try await director()
        let present = await media.feeds(id, room: room).map(\.id)
        let feeds = wanted.map { $0.filter(present.contains) } ?? present
        guard !feeds.isEmpty else {
            throw AppError(.conflict, code: "media.noFeeds", message: .init(id: "Belum ada siaran.", en: "Nothing is being sent yet."))
        }
        return try await janus { try await media.subscribe(id, description: assembly.title, room: room, feeds: feeds, audioOnly: audioOnly,
                                                    owner: "user:\(user.id)") }
    }

    /// The public program: one stage feed through its Streaming mountpoint, without login.
    func watch(_ id: Int64, mountpoint: Int, viewer: String) async throws -> (peer: String, offer: SessionDescription) {
        let assembly = try await assemblies.assembly(id)
        let media = try await director()
        guard await media.feeds(id, room: .stage).contains(where: { $0.mountpoint == mountpoint }) else {
            throw AppError(.conflict, code: "media.feedGone", message: .init(id: "Siaran itu sudah berakhir.", en: "That feed has ended."))
        }
        return try await janus { try await media.watch(id, description: assembly.title, mountpoint: mountpoint, owner: viewer) }
    }

    func peer(_ id: String, owner: String) async throws -> (MediaDirector, MediaDirector.Peer) {
        let media = try await director()
        guard let peer = await media.peer(id, owner: owner) else {
            throw AppError(.notFound, code: "media.peer", message: .init(id: "Sambungan video tidak dikenal.", en: "Unknown media connection."))
        }
        return (media, peer)
    }

    func start(_ id: String, owner: String, answer: SessionDescription) async throws {
        let (media, peer) = try await peer(id, owner: owner)
        try await janus { try await media.start(peer, answer: answer) }
    }

    func leave(_ id: String, owner: String) async throws {
        let (media, peer) = try await peer(id, owner: owner)
        await media.leave(peer)
    }

    /// Follows the floor on Janus: a granted village's token goes into the stage room's allowed
    /// list; an ended turn takes it out and throws the village's feed off the stage.
    func follow(_ assembly: Int64, _ events: [FloorControl.Event]) async {
        // Most floor events (hands, the timer's warning) change nothing on Janus: no reads for them.
        let relevant = events.filter {
            switch $0 {
            case .granted, .ended, .muted: true
            default: false
            }
        }
        guard !relevant.isEmpty, let media = services.media, await media.available else { return }
        let title = (try? await assemblies.assembly(assembly))?.title ?? "Musrenbang \(assembly)"
        for event in relevant {
            switch event {
            case .granted(let village):
                try? await media.admit(assembly, description: title,
                                       token: Self.villageToken(services.secret, assembly: assembly, village: village))
            case .ended(let turn):
                try? await media.dismiss(assembly, description: title,
                                         token: Self.villageToken(services.secret, assembly: assembly, village: turn.village))
                if let feed = Self.feed(of: turn.village) { await media.revoke(assembly, room: .stage, feed: feed) }
            case .muted(let village, let muted):
                if let feed = Self.feed(of: village) { try? await media.mute(assembly, feed: feed, muted) }
            default:
                break
            }
        }
    }

    /// The assembly closed: its rooms go, and the stage's recordings become one file per segment.
    func closed(_ id: Int64) async {
        guard let media = services.media else { return }
        await media.close(id)
        if let directory = await media.recordingDirectory(id) {
            let segments = await Recordings.convert(directory)
            Self.logger.info("recordings converted", metadata: ["assembly": "\(id)", "segments": "\(segments.count)"])
            await Self.announce(services, id, kind: "recordings", payload: ["segments": "\(segments.count)"])
        }
    }

    /// A recording as people see it: who spoke and when, and where to download it.
    struct RecordingLink: Codable, Sendable {
        let name: String
        let url: String
        let size: String

        var page: [String: Any] { ["name": name, "url": url, "size": size] }
    }

    /// The converted recordings of an assembly (of some feeds only, for a village's minutes).
    func recordings(_ id: Int64, feeds: Set<UInt64>? = nil) async -> [RecordingLink] {
        guard let media = services.media, let directory = await media.recordingDirectory(id) else { return [] }
        return Recordings.list(directory).filter { feeds?.contains($0.feed) ?? true }.map { segment in
            let code = segment.feed == Self.hubFeed ? nil : services.placeNames.keys.first { Self.feed(of: $0) == segment.feed }
            let who = code.map { "Desa \(services.placeNames[$0] ?? $0)" } ?? "Tuan rumah"
            return RecordingLink(name: "\(who), mulai \(WIB.clock(segment.started))", url: "/musrenbang/\(id)/rekaman/\(segment.file)",
                                 size: "\(max(1, segment.bytes / 1024)) KB")
        }
    }

    /// The state a page needs to decide what to show and join.
    struct State: Encodable {
        struct Feed: Encodable { let feed: UInt64; let label: String; let name: String; let mountpoint: Int?; let audioOnly: Bool }
        let configured: Bool
        let available: Bool
        /// Changes when Janus restarted: connections made before are dead.
        let epoch: Int
        let stage: [Feed]
        let wall: [Feed]
    }

    func state(_ id: Int64, includeWall: Bool) async -> State {
        guard let media = services.media else { return State(configured: false, available: false, epoch: 0, stage: [], wall: []) }
        func feeds(_ room: Conference.Room) async -> [State.Feed] {
            await media.feeds(id, room: room).map { .init(feed: $0.id, label: $0.label, name: $0.display, mountpoint: $0.mountpoint, audioOnly: $0.audioOnly) }
        }
        return State(configured: true, available: await media.available, epoch: await media.epoch, stage: await feeds(.stage), wall: includeWall ? await feeds(.wall) : [])
    }

    /// Tells the assembly's live stream that its video changed, so pages re-read and re-join.
    static func announce(_ services: AppServices, _ assembly: Int64, kind: String = "media", payload: [String: String] = [:]) async {
        _ = try? await AssemblyStore(services.database).announce(assembly, kind: kind, payload: payload)
        await services.live.poke(assembly)
    }
}

/// Keeps Janus's session alive, notices when Janus goes and comes back (then rooms are rebuilt
/// and pages told), and builds the conferences of assemblies under way at start.
struct MediaWatchdog: Service {
    let services: AppServices

    func run() async throws {
        // A service that returns ends the whole server: without Janus, wait for the shutdown.
        guard let media = services.media else { return try await gracefulShutdown() }
        let services = self.services
        await media.onChange { assembly in await MediaService.announce(services, assembly) }
        var prepared: Int?
        let available = Gauge(label: "musrenbang_media_available")
        let peers = Gauge(label: "musrenbang_media_peers")
        while !Task.isShuttingDownGracefully {
            let up = await media.check()
            available.record(up ? 1 : 0)
            peers.record(await media.peerCount)
            if up, await media.epoch != prepared {
                prepared = await media.epoch
                await Self.prepare(services, media)
            }
            try? await Task.sleep(for: .seconds(2))
        }
    }

    /// At start and after every Janus restart: the rooms of assemblies under way, with the
    /// villages the stored floor has on stage (granted while Janus was away, or before a server restart).
    static func prepare(_ services: AppServices, _ media: MediaDirector) async {
        for assembly in (try? await AssemblyStore(services.database).current(regency: services.tenant.code)) ?? []
        where assembly.stage < .closed {
            let conference = await media.conference(assembly.id, description: assembly.title)
            for speaker in (try? await FloorStore(services.database).floor(assembly.id).stage) ?? [] {
                try? await conference.admit(MediaService.villageToken(services.secret, assembly: assembly.id, village: speaker.village))
            }
            _ = try? await conference.ensure()
        }
    }
}
