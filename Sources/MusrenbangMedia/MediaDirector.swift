import Foundation

/// Every assembly's conference on one Janus, and every browser peer connection the server set up
/// there. Browsers never see Janus's API: they hold a peer id, which is only good for its owner.
/// A watchdog calls `check()`; when Janus comes back from a restart the rooms are rebuilt, the
/// dead peers forgotten and every assembly told, so its pages join again by themselves.
public enum MediaRefusal: Error, Sendable, Equatable {
    /// Another person is already sending this feed (the hub from another device, a village's second tab).
    case feedTaken
}

public actor MediaDirector {
    public enum Kind: Sendable, Equatable {
        case publisher(Conference.Room, feed: UInt64)
        case subscriber(Conference.Room)
        case viewer
    }

    public struct Peer: Sendable {
        public let id: String
        public let assembly: Int64
        public let handle: UInt64
        public let owner: String
        public let kind: Kind
        let created: Date
    }

    let client: JanusClient
    let recordingRoot: URL?
    let hubToken: @Sendable (Int64) -> String
    /// At most this many live peers per owner: a looping page cannot pile up handles in Janus.
    let peersPerOwner: Int
    /// And at most this many in all (public viewers make up their own keys).
    let maximumPeers: Int
    private var conferences: [Int64: Conference] = [:]
    private var peers: [String: Peer] = [:]
    private var changed: (@Sendable (Int64) async -> Void)?
    private var generation = 0
    public private(set) var available = false

    public init(client: JanusClient, recordingRoot: URL?, peersPerOwner: Int = 12, maximumPeers: Int = 5000,
                hubToken: @escaping @Sendable (Int64) -> String) {
        self.client = client
        self.recordingRoot = recordingRoot
        self.peersPerOwner = peersPerOwner
        self.maximumPeers = maximumPeers
        self.hubToken = hubToken
    }

    /// Called with an assembly whenever its feeds changed or Janus went away or came back.
    public func onChange(_ handler: @escaping @Sendable (Int64) async -> Void) async {
        changed = handler
        await client.onEvent { [weak self] event in await self?.received(event) }
    }

    public func recordingDirectory(_ assembly: Int64) -> URL? {
        recordingRoot?.appendingPathComponent("assembly-\(assembly)", isDirectory: true)
    }

    public func conference(_ assembly: Int64, description: String) -> Conference {
        if let conference = conferences[assembly] { return conference }
        let directory = recordingDirectory(assembly)
        if let directory { try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        let conference = Conference(client: client, assembly: assembly, description: description, hubToken: hubToken(assembly),
                                    recordingDirectory: directory?.path)
        conferences[assembly] = conference
        return conference
    }

    /// Keeps the Janus session alive and notices outages and restarts. Returns availability.
    @discardableResult
    public func check() async -> Bool {
        let wasAvailable = available
        do {
            try await client.keepalive()
            available = true
        } catch {
            available = false
        }
        let current = await client.generation
        if available, current != generation {
            generation = current
            peers = [:]
            for conference in conferences.values { _ = try? await conference.ensure() }
        } else if available == wasAvailable {
            return available
        }
        for assembly in conferences.keys { await changed?(assembly) }
        return available
    }

    // MARK: peers

    private func register(_ assembly: Int64, _ handle: UInt64, owner: String, kind: Kind) async -> String {
        let mine = peers.values.filter { $0.owner == owner }.sorted { $0.created < $1.created }
        for old in mine.dropLast(max(0, peersPerOwner - 1)) { await drop(old) }
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in bytes.indices { bytes[index] = .random(in: 0...255) }
        let id = bytes.map { String(format: "%02x", $0) }.joined()
        peers[id] = Peer(id: id, assembly: assembly, handle: handle, owner: owner, kind: kind, created: Date())
        return id
    }

    public func peer(_ id: String, owner: String) -> Peer? {
        guard let peer = peers[id], peer.owner == owner else { return nil }
        return peer
    }

    public func publish(_ assembly: Int64, description: String, room: Conference.Room, feed: UInt64, label: String, display: String,
                        token: String, offer: SessionDescription, owner: String) async throws -> (peer: String, answer: SessionDescription) {
        let conference = conference(assembly, description: description)
        for held in peers.values where held.assembly == assembly && held.kind == .publisher(room, feed: feed) {
            // The same person reconnecting replaces their old connection; someone else may not
            // take the feed over (two open control rooms would otherwise throw each other off).
            guard held.owner == owner else { throw MediaRefusal.feedTaken }
            peers[held.id] = nil
        }
        let (handle, answer) = try await conference.publish(room, feed: feed, label: label, display: display, token: token, offer: offer)
        let id = await register(assembly, handle, owner: owner, kind: .publisher(room, feed: feed))
        await changed?(assembly)
        return (id, answer)
    }

    public func subscribe(_ assembly: Int64, description: String, room: Conference.Room, feeds: [UInt64], audioOnly: Bool,
                          owner: String) async throws -> (peer: String, offer: SessionDescription, slots: [Conference.Slot]) {
        let (handle, offer, slots) = try await conference(assembly, description: description).subscribe(room, feeds: feeds, audioOnly: audioOnly)
        return (await register(assembly, handle, owner: owner, kind: .subscriber(room)), offer, slots)
    }

    /// Browser connections set up through this server and still open.
    public var peerCount: Int { peers.count }

    /// Counts Janus sessions seen: when it changes, Janus restarted and pages must join again.
    public var epoch: Int { generation }

    public func watch(_ assembly: Int64, description: String, mountpoint: Int, owner: String) async throws -> (peer: String, offer: SessionDescription) {
        guard peers.count < maximumPeers else { throw JanusError.unavailable("too many viewers") }
        let (handle, offer) = try await conference(assembly, description: description).watch(mountpoint: mountpoint)
        return (await register(assembly, handle, owner: owner, kind: .viewer), offer)
    }

    public func start(_ peer: Peer, answer: SessionDescription) async throws {
        guard let conference = conferences[peer.assembly] else { throw JanusError.unavailable("no conference") }
        try await conference.start(peer.handle, answer: answer)
    }

    /// A browser closes its peer connection (page left, stage changed).
    public func leave(_ peer: Peer) async {
        await drop(peer)
    }

    private func drop(_ peer: Peer) async {
        peers[peer.id] = nil
        if case .publisher(_, let feed) = peer.kind, let conference = conferences[peer.assembly],
           await conference.handle(of: feed) == peer.handle {
            await conference.unpublish(feed)
            await changed?(peer.assembly)
        } else {
            await client.detach(peer.handle)
        }
    }

    /// Takes a feed off a room at once (the floor ended): kicked by Janus, mountpoint gone.
    public func revoke(_ assembly: Int64, room: Conference.Room, feed: UInt64) async {
        guard let conference = conferences[assembly] else { return }
        peers = peers.filter { $0.value.assembly != assembly || $0.value.kind != .publisher(room, feed: feed) }
        if await conference.unpublish(feed) { await changed?(assembly) }
    }

    public func feeds(_ assembly: Int64, room: Conference.Room) async -> [Conference.Feed] {
        await conferences[assembly]?.feeds(room) ?? []
    }

    public func mute(_ assembly: Int64, feed: UInt64, _ muted: Bool) async throws {
        try await conferences[assembly]?.mute(feed, muted)
    }

    public func admit(_ assembly: Int64, description: String, token: String) async throws {
        try await conference(assembly, description: description).admit(token)
    }

    public func dismiss(_ assembly: Int64, description: String, token: String) async throws {
        try await conference(assembly, description: description).dismiss(token)
    }

    /// The assembly closed: its rooms and mountpoints go, its recordings stay on disk.
    public func close(_ assembly: Int64) async {
        guard let conference = conferences.removeValue(forKey: assembly) else { return }
        peers = peers.filter { $0.value.assembly != assembly }
        try? await conference.close()
        await changed?(assembly)
    }

    /// A publisher's connection ended on Janus's side (browser gone, network cut): its feed leaves the stage.
    private func received(_ event: JanusEvent) async {
        guard event.kind == "hangup" || event.kind == "detached",
              let peer = peers.values.first(where: { $0.handle == event.handle }) else { return }
        peers[peer.id] = nil
        if case .publisher(_, let feed) = peer.kind, let conference = conferences[peer.assembly],
           await conference.feed(publishedBy: event.handle) == feed {
            await conference.unpublish(feed)
            await changed?(peer.assembly)
        }
    }
}
