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

    static let hubFeed: UInt64 = 1
    static let logger = Logger(label: "musrenbang.media")

    static func hubToken(_ secret: ServerSecret, assembly: AssemblyID) -> String {
        secret.sign("hub:\(assembly)", purpose: "janus")
    }

    /// A village's join token for the stage: Janus lets it in only while the server has added it.
    static func villageToken(_ secret: ServerSecret, assembly: AssemblyID, village: RegionCode) -> String {
        secret.sign("publish:\(assembly):\(village)", purpose: "janus")
    }

    /// Feeds are numbered by the village code's digits, so a feed names its village everywhere.
    static func feed(of village: RegionCode) -> UInt64 {
        UInt64(village.description.filter(\.isNumber)) ?? 0
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
            throw AppError.conflict("media.feedTaken", id: "Siaran ini sudah dikirim dari perangkat lain. Hentikan di sana terlebih dahulu.",
                                    en: "This feed is already being sent from another device. Stop it there first.")
        } catch MediaRefusal.tooManyFromClient {
            var error = AppError(.tooManyRequests, code: "media.tooMany",
                                 message: .init(id: "Terlalu banyak sambungan video dari alamat ini. Tutup sebagian lalu coba lagi.",
                                                en: "Too many video connections from this address. Close some and try again."))
            // Unanswered connections from this address are gone by then at the latest.
            let wait = Int(services.configuration.media.answerTimeout.components.seconds)
            error.headers[.retryAfter] = "\(max(5, wait) + Int.random(in: 0...10))"
            throw error
        } catch MediaRefusal.full {
            var error = AppError(.serviceUnavailable, code: "media.full",
                                 message: .init(id: "Penonton video sedang penuh. Halaman akan mencoba lagi dengan sendirinya.",
                                                en: "Video is at capacity right now. The page will try again by itself."))
            error.headers[.retryAfter] = "\(Int.random(in: 30...90))"
            throw error
        } catch let error as JanusError {
            if case .plugin(let code, _) = error, code == 433 {
                throw AppError(.forbidden, code: "media.refusedByJanus",
                               message: .init(id: "Server video menolak: desa ini tidak memegang giliran bicara.",
                                              en: "The video server refused: this village does not hold the floor."))
            }
            if case .janus(let code, _) = error, [464, 465].contains(code) {
                throw AppError.invalid("offer", "media.sdp", id: "Deskripsi sesi (SDP) ditolak server video.",
                                       en: "The video server refused the session description.")
            }
            if case .plugin(let code, _) = error, code == 428 {
                throw AppError.conflict("media.feedGone", id: "Siaran itu sudah berakhir; muat ulang daftar.", en: "That feed has ended; reload the list.")
            }
            Self.logger.warning("janus failed", metadata: ["error": "\(error)"])
            throw Self.unavailable
        }
    }

    enum Publisher { case hub, village(RegionCode) }

    /// Who is asking to publish: the hub (those who lead the assembly) or a village's session team.
    /// On the stage a village needs the floor; on the wall any connected village may.
    func authorizePublish(_ id: AssemblyID, room: Conference.Room, as label: String,
                          by user: UserRecord?) async throws -> (AssemblyRecord, Publisher, UserRecord) {
        if label == "hub" {
            let (assembly, user) = try await assemblies.hub(id, for: .leadAssembly, by: user)
            guard room == .stage else { throw AppError.forbidden }
            try Self.open(assembly)
            return (assembly, .hub, user)
        }
        let scope = try await assemblies.session(id, label, for: .runSession, by: user)
        try Self.open(scope.assembly)
        if room == .stage, try await !FloorStore(services.database).floor(id).stage.contains(where: { $0.village == scope.village }) {
            throw AppError(.forbidden, code: "media.noFloor",
                           message: .init(id: "Desa ini belum diberi giliran bicara.", en: "This village has not been given the floor."))
        }
        return (scope.assembly, .village(scope.village), scope.user)
    }

    static func open(_ assembly: AssemblyRecord) throws {
        guard assembly.stage < .closed else {
            throw AppError.conflict("media.closed", id: "Musrenbang sudah selesai.", en: "The assembly has closed.")
        }
    }

    func publish(_ id: AssemblyID, room: Conference.Room, as label: String, offer: SessionDescription,
                 by user: UserRecord?) async throws -> (peer: String, answer: SessionDescription) {
        let (assembly, publisher, user) = try await authorizePublish(id, room: room, as: label, by: user)
        let media = try await director()
        let (feed, display, token): (UInt64, String, String) = switch publisher {
        case .hub: (Self.hubFeed, "Tuan rumah", Self.hubToken(services.secret, assembly: id))
        case .village(let code): (Self.feed(of: code), Names.village(code, services.places.name(code)).id,
                                  // The wall is the control room's own room: the server joins it with the hub's token.
                                  room == .stage ? Self.villageToken(services.secret, assembly: id, village: code)
                                                 : Self.hubToken(services.secret, assembly: id))
        }
        return try await janus {
            try await media.publish(id.rawValue, description: assembly.title, room: room, feed: feed, label: label, display: display,
                                    token: token, offer: offer, owner: "user:\(user.id)")
        }
    }

    /// The stage for village consoles and the staff; the wall for those who lead the assembly.
    /// A village console names its village: its operator may watch the stage from there.
    func subscribe(_ id: AssemblyID, room: Conference.Room, feeds wanted: [UInt64]?, audioOnly: Bool, village: String?,
                   by user: UserRecord?) async throws -> (peer: String, offer: SessionDescription, slots: [Conference.Slot]) {
        let assembly: AssemblyRecord, person: UserRecord
        if room == .wall {
            (assembly, person) = try await assemblies.hub(id, for: .watchWall, by: user)
        } else if let village {
            let scope = try await assemblies.session(id, village, for: .runSession, by: user)
            (assembly, person) = (scope.assembly, scope.user)
        } else {
            (assembly, person) = try await assemblies.hub(id, for: .watchStage, by: user)
        }
        let media = try await director()
        let present = await media.feeds(id.rawValue, room: room).map(\.id)
        let feeds = wanted.map { $0.filter(present.contains) } ?? present
        guard !feeds.isEmpty else {
            throw AppError.conflict("media.noFeeds", id: "Belum ada siaran.", en: "Nothing is being sent yet.")
        }
        return try await janus { try await media.subscribe(id.rawValue, description: assembly.title, room: room, feeds: feeds,
                                                           audioOnly: audioOnly, owner: "user:\(person.id)") }
    }

    /// The public program: one stage feed through its Streaming mountpoint, without login. The
    /// connection's owner key is made here and handed back: only it can answer or close the peer.
    func watch(_ id: AssemblyID, mountpoint: Int, client: String) async throws -> (peer: String, offer: SessionDescription, owner: String) {
        let assembly = try await assemblies.assembly(id)
        let media = try await director()
        guard await media.feeds(id.rawValue, room: .stage).contains(where: { $0.mountpoint == mountpoint }) else {
            throw AppError.conflict("media.feedGone", id: "Siaran itu sudah berakhir.", en: "That feed has ended.")
        }
        return try await janus { try await media.watch(id.rawValue, description: assembly.title, mountpoint: mountpoint, client: client) }
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
    func follow(_ assembly: AssemblyID, _ events: [FloorControl.Event]) async {
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
                try? await media.admit(assembly.rawValue, description: title,
                                       token: Self.villageToken(services.secret, assembly: assembly, village: village))
            case .ended(let turn):
                try? await media.dismiss(assembly.rawValue, description: title,
                                         token: Self.villageToken(services.secret, assembly: assembly, village: turn.village))
                await media.revoke(assembly.rawValue, room: .stage, feed: Self.feed(of: turn.village))
            case .muted(let village, let muted):
                try? await media.mute(assembly.rawValue, feed: Self.feed(of: village), muted)
            default:
                break
            }
        }
    }

    /// The assembly closed: its rooms go, and the stage's recordings become one file per segment.
    func closed(_ id: AssemblyID) async {
        guard let media = services.media else { return }
        await media.close(id.rawValue)
        if let directory = await media.recordingDirectory(id.rawValue) {
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
    }

    /// The converted recordings of an assembly (of some feeds only, for a village's minutes).
    func recordings(_ id: AssemblyID, feeds: Set<UInt64>? = nil) async -> [RecordingLink] {
        guard let media = services.media, let directory = await media.recordingDirectory(id.rawValue) else { return [] }
        let places = services.places
        return Recordings.list(directory).filter { feeds?.contains($0.feed) ?? true }.map { segment in
            let who = segment.feed == Self.hubFeed ? "Tuan rumah"
                : places.village(feed: segment.feed).map { Names.village($0, places.name($0)).id } ?? "Desa"
            return RecordingLink(name: "\(who), mulai \(Format.clock(segment.started).id)", url: "/musrenbang/\(id)/rekaman/\(segment.file)",
                                 size: "\(max(1, segment.bytes / 1024)) KB")
        }
    }

    /// A recording's file, only by a name from the directory listing: nothing else on disk can be asked for.
    func recordingFile(_ id: AssemblyID, named file: String) async -> (path: String, segment: Recordings.Segment)? {
        guard let directory = await services.media?.recordingDirectory(id.rawValue),
              let segment = Recordings.list(directory).first(where: { $0.file == file }) else { return nil }
        return (directory.appendingPathComponent(segment.file).path, segment)
    }

    /// A file of the public program's HLS, only by a name ffmpeg writes. No database read: players
    /// ask for one every second or two each.
    func programFile(_ id: AssemblyID, named file: String) -> (path: String, kind: HLSPackager.FileKind)? {
        guard let hls = services.hls, let kind = HLSPackager.kind(of: file),
              let url = hls.file(id.rawValue, named: file) else { return nil }
        return (url.path, kind)
    }

    static func programURL(_ id: AssemblyID) -> String { "/musrenbang/\(id)/siaran/\(HLSPackager.playlist)" }

    /// How the public watches the program: WebRTC while this process has room for another
    /// viewer, HLS (a few seconds behind) for everyone else.
    struct Program: Encodable {
        /// Another public WebRTC viewer fits under this server's cap.
        let webrtc: Bool
        /// The HLS playlist, while the program is being packaged.
        let hls: String?
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
        let program: Program
    }

    func state(_ id: AssemblyID, for user: UserRecord?) async throws -> State {
        let assembly = try await assemblies.assembly(id)
        guard let media = services.media else {
            return State(configured: false, available: false, epoch: 0, stage: [], wall: [], program: Program(webrtc: false, hls: nil))
        }
        func feeds(_ room: Conference.Room) async -> [State.Feed] {
            await media.feeds(id.rawValue, room: room).map {
                .init(feed: $0.id, label: $0.label, name: $0.display, mountpoint: $0.mountpoint, audioOnly: $0.audioOnly)
            }
        }
        let seesWall = Access.allows(user, .watchWall, in: assembly.regencyCode)
        return State(configured: true, available: await media.available, epoch: await media.epoch, stage: await feeds(.stage),
                     wall: seesWall ? await feeds(.wall) : [],
                     program: Program(webrtc: await media.hasViewerRoom(),
                                      hls: services.hls?.isPublished(id.rawValue) == true ? Self.programURL(id) : nil))
    }

    /// Tells the assembly's live stream that its video changed, so pages re-read and re-join.
    static func announce(_ services: AppServices, _ assembly: AssemblyID, kind: String = "media", payload: [String: String] = [:]) async {
        _ = try? await AssemblyStore(services.database).announce(assembly, kind: kind, payload: payload)
        await services.live.poke(assembly)
    }
}

/// Keeps Janus's session alive, notices when Janus goes and comes back (then rooms are rebuilt
/// and pages told), and builds the conferences of assemblies under way at start.
///
/// It runs in every process, leader or not (unlike `FloorTimer`): each process has its own
/// session on Janus, its own peers to expire and its own conferences in memory (with the tokens
/// it re-admits after a Janus restart), which `prepare` fills from the stored floor. None of it
/// writes the shared database but the "media" event announced when this process's Janus changed.
struct MediaWatchdog: Service {
    let services: AppServices
    static let logger = Logger(label: "musrenbang.media")

    func run() async throws {
        // A service that returns ends the whole server: without Janus, wait for the shutdown.
        guard let media = services.media else { return try await gracefulShutdown() }
        let services = self.services
        if let hls = media.hls, hls.reapLeftovers() > 0 {
            Self.logger.warning("stopped ffmpeg left by a previous run")
        }
        await media.onChange { assembly in await MediaService.announce(services, AssemblyID(rawValue: assembly)) }
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
        // No ffmpeg outlives the server.
        await media.hls?.stopAll()
    }

    /// At start and after every Janus restart: the rooms of assemblies under way, with the
    /// villages the stored floor has on stage (granted while Janus was away, or before a server restart).
    static func prepare(_ services: AppServices, _ media: MediaDirector) async {
        for assembly in (try? await AssemblyStore(services.database).current(regency: services.places.regency.code)) ?? []
        where assembly.stage < .closed {
            let conference = await media.conference(assembly.id.rawValue, description: assembly.title)
            for speaker in (try? await FloorStore(services.database).floor(assembly.id).stage) ?? [] {
                try? await conference.admit(MediaService.villageToken(services.secret, assembly: assembly.id, village: speaker.village))
            }
            _ = try? await conference.ensure()
        }
    }
}
