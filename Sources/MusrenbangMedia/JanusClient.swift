import Foundation

/// A typed client for the parts of Janus's API the platform uses: sessions and keepalives,
/// plugin handles, VideoRoom rooms and their allowed tokens, Streaming mountpoints.
public actor JanusClient {
    let transport: any JanusTransport
    /// VideoRoom and Streaming `admin_key`: without it nobody can create rooms or mountpoints.
    let adminKey: String
    private var sessionId: UInt64?
    private var handles: [String: UInt64] = [:]
    private var counter = 0

    public static let videoRoom = "janus.plugin.videoroom"
    public static let streaming = "janus.plugin.streaming"

    public init(transport: any JanusTransport, adminKey: String) {
        self.transport = transport
        self.adminKey = adminKey
    }

    // MARK: sessions and handles

    public func session() async throws -> UInt64 {
        if let sessionId { return sessionId }
        let response = try await send("", ["janus": "create"])
        guard let id = response.data?.id else { throw JanusError.unavailable("no session id") }
        sessionId = id
        handles = [:]
        return id
    }

    /// Keeps the session alive; when Janus lost it (restart, timeout) the next call starts anew.
    public func keepalive() async throws {
        let id = try await session()
        do {
            _ = try await send("/\(id)", ["janus": "keepalive"])
        } catch let error as JanusError where error.isSessionGone {
            forget()
            throw error
        }
    }

    public func forget() {
        sessionId = nil
        handles = [:]
    }

    func handle(_ plugin: String) async throws -> UInt64 {
        if let handle = handles[plugin] { return handle }
        let id = try await session()
        let response = try await send("/\(id)", ["janus": "attach", "plugin": plugin])
        guard let handle = response.data?.id else { throw JanusError.unavailable("no handle id") }
        handles[plugin] = handle
        return handle
    }

    /// A synchronous plugin request: answers `success` with `plugindata` at once.
    func request(_ plugin: String, _ body: [String: Any]) async throws -> JSONValue {
        let handle = try await handle(plugin)
        let response = try await send("/\(sessionId!)/\(handle)", ["janus": "message", "body": body])
        guard let data = response.plugindata?.data else { throw JanusError.unavailable("no plugin data") }
        if let code = data["error_code"]?.int {
            throw JanusError.plugin(code: code, reason: data["error"]?.string ?? "")
        }
        return data
    }

    func send(_ path: String, _ message: [String: Any]) async throws -> JanusResponse {
        counter += 1
        var message = message
        message["transaction"] = "mb-\(counter)"
        let body = try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys])
        let data = try await transport.post(path, body: body)
        guard let response = try? JSONDecoder().decode(JanusResponse.self, from: data) else {
            throw JanusError.unavailable("not a Janus answer")
        }
        if response.janus == "error", let error = response.error {
            throw JanusError.janus(code: error.code, reason: error.reason)
        }
        return response
    }

    // MARK: VideoRoom

    public struct RoomSettings: Sendable {
        public var description: String
        public var publishers: Int
        public var bitrate: Int
        /// Only holders of these tokens may join; the server adds a village's token when it gets the floor.
        public var allowed: [String]
        public var recordingDirectory: String?

        public init(description: String, publishers: Int, bitrate: Int = 512_000, allowed: [String], recordingDirectory: String? = nil) {
            self.description = description
            self.publishers = publishers
            self.bitrate = bitrate
            self.allowed = allowed
            self.recordingDirectory = recordingDirectory
        }
    }

    public func createRoom(_ room: Int, _ settings: RoomSettings) async throws {
        var body: [String: Any] = [
            "request": "create", "room": room, "admin_key": adminKey, "description": settings.description,
            "publishers": settings.publishers, "audiocodec": "opus", "videocodec": "vp8", "bitrate": settings.bitrate,
            "fir_freq": 3, "permanent": false, "allowed": settings.allowed, "record": settings.recordingDirectory != nil,
        ]
        if let directory = settings.recordingDirectory { body["rec_dir"] = directory }
        _ = try await request(Self.videoRoom, body)
    }

    public func roomExists(_ room: Int) async throws -> Bool {
        try await request(Self.videoRoom, ["request": "exists", "room": room])["exists"]?.bool ?? false
    }

    /// Adds or removes join tokens; returns the room's allowed list after the change.
    public func allow(_ room: Int, tokens: [String], add: Bool) async throws -> [String] {
        let data = try await request(Self.videoRoom, ["request": "allowed", "room": room, "action": add ? "add" : "remove",
                                                      "allowed": tokens, "secret": ""])
        return data["allowed"]?.array?.compactMap(\.string) ?? []
    }

    public func destroyRoom(_ room: Int) async throws {
        _ = try await request(Self.videoRoom, ["request": "destroy", "room": room, "secret": ""])
    }

    // MARK: Streaming

    public struct Mountpoint: Sendable, Equatable {
        public let id: Int
        public let audioPort: Int
        public let videoPort: Int
        /// Where viewers' keyframe requests go; passed to `rtp_forward` so late viewers decode.
        public let videoRTCPPort: Int
    }

    /// An RTP mountpoint fed by `rtp_forward`, bound to loopback, with an RTCP port for keyframes.
    public func createMountpoint(_ id: Int, description: String) async throws -> Mountpoint {
        let data = try await request(Self.streaming, [
            "request": "create", "type": "rtp", "id": id, "admin_key": adminKey, "description": description, "permanent": false,
            "media": [
                ["type": "audio", "mid": "a", "port": 0, "pt": 111, "codec": "opus", "iface": "127.0.0.1"],
                ["type": "video", "mid": "v", "port": 0, "rtcpport": 0, "pt": 100, "codec": "vp8", "iface": "127.0.0.1"],
            ],
        ])
        let ports = data["stream"]?["ports"]?.array ?? []
        func port(_ type: String, _ key: String) -> Int? { ports.first { $0["type"]?.string == type }?[key]?.int }
        guard let audio = port("audio", "port"), let video = port("video", "port"), let rtcp = port("video", "rtcp_port") else {
            throw JanusError.unavailable("mountpoint without ports")
        }
        return Mountpoint(id: id, audioPort: audio, videoPort: video, videoRTCPPort: rtcp)
    }

    public func destroyMountpoint(_ id: Int) async throws {
        _ = try await request(Self.streaming, ["request": "destroy", "id": id, "admin_key": adminKey, "secret": ""])
    }
}
