import Foundation

/// Every assembly's conference on one Janus, and every browser peer connection the server set up
/// there. Browsers never see Janus's API: they hold a peer id, which is only good for its owner.
/// A watchdog calls `check()`; when Janus comes back from a restart the rooms are rebuilt, the
/// dead peers forgotten and every assembly told, so its pages join again by themselves.
public enum MediaRefusal: Error, Sendable, Equatable {
    /// Another person is already sending this feed (the hub from another device, a village's second tab).
    case feedTaken
    /// This client already holds its share of public viewer connections.
    case tooManyFromClient
    /// The public's viewer connections are all taken.
    case full
}

/// How many browser connections the server sets up on Janus, and how long one may stay unanswered.
public struct MediaLimits: Sendable, Equatable {
    /// Public WebRTC viewers (no login) in all, on every assembly together, on this process;
    /// beyond it the public page plays the program as HLS.
    public var maximumViewers: Int
    /// Public viewers from one client address.
    public var viewersPerClient: Int
    /// Live connections of one signed-in person (a looping page cannot pile up handles).
    public var peersPerOwner: Int
    /// A viewer or subscriber whose browser has not answered Janus's offer by then is dropped,
    /// with its handle: an answer normally comes within a second or two.
    public var answerTimeout: Duration

    public init(maximumViewers: Int = 200, viewersPerClient: Int = 32, peersPerOwner: Int = 12, answerTimeout: Duration = .seconds(30)) {
        self.maximumViewers = maximumViewers
        self.viewersPerClient = viewersPerClient
        self.peersPerOwner = peersPerOwner
        self.answerTimeout = answerTimeout
    }
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
        /// The client address of a public viewer (its cap is counted by it).
        public let client: String?
        let created: ContinuousClock.Instant
        /// Whether the browser answered (publishers answer in their offer): unanswered ones expire.
        var answered: Bool
    }

    public nonisolated let client: JanusClient
    let recordingRoot: URL?
    let hubToken: @Sendable (Int64) -> String
    public nonisolated let limits: MediaLimits
    /// Packages each assembly's program as HLS (nil: WebRTC only).
    public nonisolated let hls: HLSPackager?
    /// Public viewers being set up on Janus now, by client: they count against the caps too.
    private var arriving: [String: Int] = [:]
    private var conferences: [Int64: Conference] = [:]
    private var peers: [String: Peer] = [:]
    private var changed: (@Sendable (Int64) async -> Void)?
    private var generation = 0
    public private(set) var available = false

    public init(client: JanusClient, recordingRoot: URL?, limits: MediaLimits = MediaLimits(), hls: HLSPackager? = nil,
                hubToken: @escaping @Sendable (Int64) -> String) {
        self.client = client
        self.hls = hls
        self.recordingRoot = recordingRoot
        self.limits = limits
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
                                    recordingDirectory: directory?.path, hls: hls)
        conferences[assembly] = conference
        return conference
    }

    /// Keeps the Janus session alive, notices outages and restarts, and drops connections that
    /// were never answered. Returns availability.
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
            if available { await expireUnanswered() }
            return available
        }
        for assembly in conferences.keys { await changed?(assembly) }
        return available
    }

    // MARK: peers

    private func register(_ assembly: Int64, _ handle: UInt64, owner: String, kind: Kind, client: String? = nil) async -> String {
        let mine = peers.values.filter { $0.owner == owner }.sorted { $0.created < $1.created }
        for old in mine.dropLast(max(0, limits.peersPerOwner - 1)) { await drop(old) }
        let id = Self.randomKey()
        let answered = if case .publisher = kind { true } else { false }
        peers[id] = Peer(id: id, assembly: assembly, handle: handle, owner: owner, kind: kind, client: client,
                         created: .now, answered: answered)
        return id
    }

    static func randomKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Drops viewers and subscribers whose browser never answered, and detaches their handles:
    /// otherwise a client that asks for offers and never answers them fills the caps for good.
    /// Returns how many went. (The watchdog's `check()` runs it every 2 s.)
    @discardableResult
    public func expireUnanswered() async -> Int {
        let deadline = ContinuousClock.now - limits.answerTimeout
        let stale = peers.values.filter { !$0.answered && $0.created < deadline }
        for peer in stale { await drop(peer) }
        return stale.count
    }

    /// Public viewer connections open or being set up: in all, and of one client.
    public func viewers(from client: String? = nil) -> Int {
        let open = peers.values.filter { $0.kind == .viewer && (client == nil || $0.client == client) }.count
        return open + (client.map { arriving[$0, default: 0] } ?? arriving.values.reduce(0, +))
    }

    /// Whether another public WebRTC viewer fits under this process's cap (else: HLS).
    public func hasViewerRoom() -> Bool { viewers() < limits.maximumViewers }

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

    /// A public viewer of one mountpoint. The server names its owner (a fresh random key, returned
    /// with the offer): a client that could choose it would make up a new one per connection.
    /// Counted against the caps from the moment it is asked for, so a burst cannot slip past them.
    public func watch(_ assembly: Int64, description: String, mountpoint: Int,
                      client: String) async throws -> (peer: String, offer: SessionDescription, owner: String) {
        guard viewers(from: client) < limits.viewersPerClient else { throw MediaRefusal.tooManyFromClient }
        guard viewers() < limits.maximumViewers else { throw MediaRefusal.full }
        arriving[client, default: 0] += 1
        defer {
            arriving[client, default: 1] -= 1
            if arriving[client] == 0 { arriving[client] = nil }
        }
        let (handle, offer) = try await conference(assembly, description: description).watch(mountpoint: mountpoint)
        let owner = "viewer:\(Self.randomKey())"
        return (await register(assembly, handle, owner: owner, kind: .viewer, client: client), offer, owner)
    }

    public func start(_ peer: Peer, answer: SessionDescription) async throws {
        guard let conference = conferences[peer.assembly] else { throw JanusError.unavailable("no conference") }
        try await conference.start(peer.handle, answer: answer)
        peers[peer.id]?.answered = true
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

    /// A connection ended on Janus's side (browser gone, network cut): a publisher's feed leaves
    /// the stage; a viewer's or subscriber's handle is detached, or Janus would keep it for good.
    private func received(_ event: JanusEvent) async {
        guard event.kind == "hangup" || event.kind == "detached",
              let peer = peers.values.first(where: { $0.handle == event.handle }) else { return }
        peers[peer.id] = nil
        if case .publisher(_, let feed) = peer.kind {
            if let conference = conferences[peer.assembly], await conference.feed(publishedBy: event.handle) == feed {
                await conference.unpublish(feed)
                await changed?(peer.assembly)
            }
        } else if event.kind == "hangup" {
            await client.detach(event.handle)
        }
    }
}
