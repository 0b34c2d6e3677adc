import Foundation

/// One assembly's conference on Janus. Two VideoRooms: the *stage*, where the hub publishes and
/// villages holding the floor join it, each publisher copied into its own Streaming mountpoint
/// for the public; and the *wall*, where every connected village console sends a small picture
/// for the control room. Rooms are not permanent: after Janus restarts, `ensure` builds them
/// again and re-admits the tokens that were admitted.
public actor Conference {
    public enum Room: String, Sendable, Codable { case stage, wall }

    /// A publisher in one of the rooms. `label` is what the server knows it by (a village code or "hub").
    public struct Feed: Sendable, Equatable, Codable {
        public let id: UInt64
        public let label: String
        public let display: String
        public let room: Room
        /// The public mountpoint this feed is copied into (stage feeds only).
        public let mountpoint: Int?
        public let audioOnly: Bool
    }

    struct Publisher {
        let feed: Feed
        let handle: UInt64
        let audioMid: String?
        /// The hub on the stage: the program, also packaged as HLS.
        var isProgram = false
    }

    let client: JanusClient
    public let assembly: Int64
    let description: String
    /// The server's own token: the hub publishes with it and the server joins subscribers with it.
    let hubToken: String
    let recordingDirectory: String?
    /// Packages the hub's feed (the program) as HLS for the public, when configured.
    let hls: HLSPackager?
    private var builtGeneration: Int?
    private var admitted: Set<String> = []
    private var publishers: [UInt64: Publisher] = [:]

    public init(client: JanusClient, assembly: Int64, description: String, hubToken: String, recordingDirectory: String? = nil,
                hls: HLSPackager? = nil) {
        self.client = client
        self.hls = hls
        self.assembly = assembly
        self.description = description
        self.hubToken = hubToken
        self.recordingDirectory = recordingDirectory
    }

    /// Room numbers derived from the assembly, so every server process agrees.
    public var roomNumber: Int { number(.stage) }
    public func number(_ room: Room) -> Int { (room == .stage ? 10_000 : 20_000) + Int(assembly) }
    /// Mountpoints of this assembly are numbered from here, one per stage publisher.
    var mountpointBase: Int { 1_000_000 + Int(assembly) * 100 }

    /// Makes sure both rooms exist, building them again when Janus lost them (restart, expiry).
    /// Returns whether they were (re)built, so callers know every publisher must join again.
    @discardableResult
    public func ensure() async throws -> Bool {
        _ = try await client.session()
        let current = await client.generation
        if builtGeneration == current { return false }
        for room in [Room.stage, .wall] where try await !client.roomExists(number(room)) {
            try await client.createRoom(number(room), .init(
                description: "\(description) (\(room == .stage ? "panggung" : "pantauan"))",
                publishers: room == .stage ? 9 : 250, bitrate: room == .stage ? 512_000 : 96_000,
                allowed: room == .stage ? [hubToken] + admitted.sorted() : [hubToken],
                recordingDirectory: room == .stage ? recordingDirectory : nil))
        }
        if !admitted.isEmpty { _ = try await client.allow(number(.stage), tokens: admitted.sorted(), add: true) }
        let lost = publishers.values.compactMap(\.feed.mountpoint)
        if publishers.values.contains(where: \.isProgram) { await hls?.stop(assembly) }
        publishers = [:]
        for mountpoint in lost { try? await client.destroyMountpoint(mountpoint) }
        builtGeneration = current
        return true
    }

    /// Lets the holder of `token` publish on the stage (a village given the floor).
    public func admit(_ token: String) async throws {
        admitted.insert(token)
        try await ensure()
        _ = try await client.allow(number(.stage), tokens: [token], add: true)
    }

    /// Takes the right to publish away again (the floor ended).
    public func dismiss(_ token: String) async throws {
        admitted.remove(token)
        try await ensure()
        _ = try await client.allow(number(.stage), tokens: [token], add: false)
    }

    /// The tokens allowed on the stage now, as Janus holds them.
    public func allowed() async throws -> [String] {
        try await ensure()
        return try await client.allow(number(.stage), tokens: [], add: true)
    }

    public func feeds(_ room: Room) -> [Feed] {
        publishers.values.map(\.feed).filter { $0.room == room }.sorted { $0.id < $1.id }
    }

    public func handle(of feed: UInt64) -> UInt64? { publishers[feed]?.handle }

    /// Joins a browser's offer to a room as publisher `feed`, with `token` (Janus checks it
    /// against the room's allowed list), and copies stage feeds into a fresh mountpoint.
    /// A publisher already there under the same feed (a reconnecting console) is replaced.
    public func publish(_ room: Room, feed: UInt64, label: String, display: String, token: String,
                        offer: SessionDescription) async throws -> (handle: UInt64, answer: SessionDescription) {
        try await ensure()
        if publishers[feed] != nil { await unpublish(feed) }
        return try await withNewHandle(JanusClient.videoRoom) { handle in
            let roomNumber = number(room)
            func join() async throws {
                _ = try await client.message(handle, client.joinPin.merging(["request": "join", "ptype": "publisher", "room": roomNumber,
                                                                               "id": feed, "display": display, "token": token]) { $1 })
            }
            do {
                try await join()
            } catch JanusError.plugin(code: 436, _) {
                // The feed is still in the room from before a server restart (Janus keeps the old
                // session for a minute): throw it out and join in its place.
                try await client.kick(roomNumber, participant: feed)
                try await join()
            }
            let reply = try await client.message(handle, ["request": "publish", "display": display], jsep: offer)
            guard let answer = reply.jsep else { throw JanusError.unavailable("publish without an answer") }
            let streams = reply.data["streams"]?.array ?? []
            func mid(_ type: String) -> String? { streams.first { $0["type"]?.string == type }?["mid"]?.string }
            var mountpoint: Int?
            if room == .stage {
                let id = mountpointBase + freeSlot()
                try? await client.destroyMountpoint(id)
                let created = try await client.createMountpoint(id, description: "\(description): \(display)")
                try await client.rtpForward(number(room), publisher: feed, to: created, audioMid: mid("audio"), videoMid: mid("video"))
                mountpoint = id
            }
            // The hub publishes with the server's own token: its feed is the program.
            let isProgram = room == .stage && token == hubToken && mid("video") != nil
            if isProgram, let hls {
                // ffmpeg listens first; Janus's copy goes to its ports. Without it the WebRTC
                // program still runs: HLS is the overflow, not a condition.
                do {
                    let ports = try await hls.start(assembly, audio: mid("audio") != nil)
                    try await client.rtpForward(roomNumber, publisher: feed, to: ports, audioMid: mid("audio"), videoMid: mid("video"))
                } catch {
                    await hls.stop(assembly)
                }
            }
            publishers[feed] = Publisher(feed: Feed(id: feed, label: label, display: display, room: room, mountpoint: mountpoint,
                                                    audioOnly: mid("video") == nil), handle: handle, audioMid: mid("audio"), isProgram: isProgram)
            return (handle, answer)
        }
    }

    /// A fresh handle for one browser connection, detached again if setting it up fails.
    private func withNewHandle<T>(_ plugin: String, _ body: (UInt64) async throws -> T) async throws -> T {
        let handle = try await client.attach(plugin)
        do {
            return try await body(handle)
        } catch {
            await client.detach(handle)
            throw error
        }
    }

    private func freeSlot() -> Int {
        let used = Set(publishers.values.compactMap { $0.feed.mountpoint.map { $0 - mountpointBase } })
        return (0..<100).first { !used.contains($0) } ?? 99
    }

    /// Ends a feed: out of the room (kicked, so it cannot come back without a new join), its
    /// handle detached, its mountpoint gone. Returns whether there was such a feed.
    @discardableResult
    public func unpublish(_ feed: UInt64) async -> Bool {
        guard let publisher = publishers.removeValue(forKey: feed) else { return false }
        if publisher.isProgram { await hls?.stop(assembly) }
        try? await client.kick(number(publisher.feed.room), participant: feed)
        await client.detach(publisher.handle)
        if let mountpoint = publisher.feed.mountpoint { try? await client.destroyMountpoint(mountpoint) }
        return true
    }

    /// Silences or restores a feed's microphone for everyone (the host muted the speaker).
    public func mute(_ feed: UInt64, _ muted: Bool) async throws {
        guard let publisher = publishers[feed], let mid = publisher.audioMid else { return }
        try await client.moderate(number(publisher.feed.room), participant: feed, mid: mid, muted: muted)
    }

    /// The feed published through `handle`, if that handle is a publisher here.
    public func feed(publishedBy handle: UInt64) -> UInt64? {
        publishers.first { $0.value.handle == handle }?.key
    }

    /// Which feed each m-line of a subscription carries, so the browser can put tracks in tiles.
    public struct Slot: Sendable, Codable, Equatable {
        public let mid: String
        public let feed: UInt64
    }

    /// A subscription to some of a room's feeds: Janus's offer for the browser to answer.
    /// `audioOnly` asks for the microphones alone (weak links).
    public func subscribe(_ room: Room, feeds: [UInt64], audioOnly: Bool = false) async throws
        -> (handle: UInt64, offer: SessionDescription, slots: [Slot]) {
        try await ensure()
        let audioMids = feeds.map { publishers[$0]?.audioMid }
        return try await withNewHandle(JanusClient.videoRoom) { handle in
            let streams: [[String: Any]] = zip(feeds, audioMids).compactMap { feed, mid in
                guard audioOnly else { return ["feed": feed] }
                return mid.map { ["feed": feed, "mid": $0] }
            }
            let reply = try await client.message(handle, client.joinPin.merging(["request": "join", "ptype": "subscriber", "room": number(room),
                                                                                 "streams": streams, "token": hubToken, "use_msid": true]) { $1 })
            guard let offer = reply.jsep else { throw JanusError.unavailable("subscription without an offer") }
            let slots = (reply.data["streams"]?.array ?? []).compactMap { stream -> Slot? in
                guard let mid = stream["mid"]?.string, let feed = stream["feed_id"]?.int else { return nil }
                return Slot(mid: mid, feed: UInt64(feed))
            }
            return (handle, offer, slots)
        }
    }

    /// A public viewer of one stage feed, through its Streaming mountpoint.
    public func watch(mountpoint: Int) async throws -> (handle: UInt64, offer: SessionDescription) {
        try await withNewHandle(JanusClient.streaming) { handle in
            let reply = try await client.message(handle, client.joinPin.merging(["request": "watch", "id": mountpoint]) { $1 })
            guard let offer = reply.jsep else { throw JanusError.unavailable("watch without an offer") }
            return (handle, offer)
        }
    }

    /// Hands a subscriber's or viewer's answer to Janus; media starts flowing.
    public func start(_ handle: UInt64, answer: SessionDescription) async throws {
        _ = try await client.message(handle, ["request": "start"], jsep: answer)
    }

    public func close() async throws {
        for feed in Array(publishers.keys) { await unpublish(feed) }
        await hls?.stop(assembly)
        guard builtGeneration != nil else { return }
        try? await client.destroyRoom(number(.wall))
        try await client.destroyRoom(number(.stage))
        builtGeneration = nil
    }
}
