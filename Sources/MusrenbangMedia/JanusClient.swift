import Foundation

/// A typed client for the parts of Janus's API the platform uses: sessions and keepalives,
/// plugin handles, VideoRoom rooms and their allowed tokens, Streaming mountpoints, and the
/// asynchronous requests that carry browsers' SDP (answered through the session's long poll).
public actor JanusClient {
    let transport: any JanusTransport
    /// VideoRoom and Streaming `admin_key`: without it nobody can create rooms or mountpoints.
    let adminKey: String
    /// Every room and mountpoint is created with this `secret` (needed to edit, forward, kick,
    /// moderate or destroy it) and this `pin` (needed to join or watch): only the server holds them,
    /// so nothing else that reaches Janus's API can touch the platform's rooms.
    public let roomSecret: String
    public let roomPin: String
    private var sessionId: UInt64?
    private var handles: [String: UInt64] = [:]
    private var counter = 0
    private var pending: [String: CheckedContinuation<JanusResponse, any Error>] = [:]
    private var polled: UInt64?
    private var eventHandler: (@Sendable (JanusEvent) async -> Void)?
    /// Counts sessions: handles made under an older generation died with it (Janus restarted).
    public private(set) var generation = 0

    public static let videoRoom = "janus.plugin.videoroom"
    public static let streaming = "janus.plugin.streaming"

    /// The `secret` and `pin` a room or mountpoint is created with (Janus takes an empty one as none).
    nonisolated var guarded: [String: Any] {
        var fields: [String: Any] = [:]
        if !roomSecret.isEmpty { fields["secret"] = roomSecret }
        if !roomPin.isEmpty { fields["pin"] = roomPin }
        return fields
    }

    /// The pin to join or watch with, when rooms have one.
    public nonisolated var joinPin: [String: Any] { roomPin.isEmpty ? [:] : ["pin": roomPin] }

    public init(transport: any JanusTransport, adminKey: String, roomSecret: String = "", roomPin: String = "") {
        self.transport = transport
        self.adminKey = adminKey
        self.roomSecret = roomSecret
        self.roomPin = roomPin
    }

    // MARK: sessions and handles

    public func session() async throws -> UInt64 {
        if let sessionId { return sessionId }
        let response = try await send("", ["janus": "create"])
        guard let id = response.data?.id else { throw JanusError.unavailable("no session id") }
        sessionId = id
        handles = [:]
        generation += 1
        return id
    }

    /// Receives `webrtcup`, `hangup`, `detached` and unsolicited plugin events of every handle.
    public func onEvent(_ handler: @escaping @Sendable (JanusEvent) async -> Void) {
        eventHandler = handler
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
        polled = nil
        let waiting = pending
        pending = [:]
        for continuation in waiting.values { continuation.resume(throwing: JanusError.unavailable("session lost")) }
    }

    // MARK: handles for browsers' peer connections

    /// A new handle, one per browser peer connection, so each has its own WebRTC state in Janus.
    public func attach(_ plugin: String) async throws -> UInt64 {
        let id = try await session()
        let response = try await send("/\(id)", ["janus": "attach", "plugin": plugin])
        guard let handle = response.data?.id else { throw JanusError.unavailable("no handle id") }
        return handle
    }

    /// Ends a handle and its peer connection; a publisher leaves its room with it.
    public func detach(_ handle: UInt64) async {
        guard let id = sessionId else { return }
        _ = try? await send("/\(id)/\(handle)", ["janus": "detach"])
    }

    /// A plugin request that Janus acknowledges first and answers later in an event (join,
    /// publish, start, watch): waits for that event on the long poll, at most `timeout`.
    public func message(_ handle: UInt64, _ body: [String: Any], jsep: SessionDescription? = nil,
                        timeout: Duration = .seconds(15)) async throws -> PluginReply {
        let id = try await session()
        if polled != id {
            polled = id
            Task { await self.poll(id) }
        }
        var message: [String: Any] = ["janus": "message", "body": body]
        if let jsep { message["jsep"] = jsep.json }
        let (transaction, payload) = try envelope(message)
        let response: JanusResponse = try await withCheckedThrowingContinuation { continuation in
            pending[transaction] = continuation
            Task { await self.deliver(transaction, path: "/\(id)/\(handle)", payload: payload) }
            Task {
                try? await Task.sleep(for: timeout)
                self.finish(transaction, .failure(JanusError.unavailable("no answer from Janus in time")))
            }
        }
        guard let data = response.plugindata?.data else { throw JanusError.unavailable("no plugin data") }
        if let code = data["error_code"]?.int {
            throw JanusError.plugin(code: code, reason: data["error"]?.string ?? "")
        }
        return PluginReply(data: data, jsep: response.jsep)
    }

    private func deliver(_ transaction: String, path: String, payload: Data) async {
        do {
            let response = try decode(try await transport.post(path, body: payload))
            // `ack` means the answer comes through the long poll; anything else is the answer.
            if response.janus != "ack" { finish(transaction, .success(response)) }
        } catch {
            finish(transaction, .failure(error))
        }
    }

    private func finish(_ transaction: String, _ result: Result<JanusResponse, any Error>) {
        pending.removeValue(forKey: transaction)?.resume(with: result)
    }

    /// The session's long poll: answers to waiting requests, other events to the handler.
    private func poll(_ id: UInt64) async {
        while sessionId == id {
            do {
                let data = try await transport.poll("/\(id)?maxev=20")
                let events = try (try? JSONDecoder().decode([JanusResponse].self, from: data)) ?? [decode(data)]
                for event in events {
                    if let transaction = event.transaction, pending[transaction] != nil, event.janus == "event" {
                        finish(transaction, .success(event))
                    } else if let handle = event.sender, let eventHandler, event.janus != "keepalive" {
                        // Not awaited here: a handler that asked Janus something would wait for this very loop.
                        let event = JanusEvent(kind: event.janus, handle: handle, data: event.plugindata?.data)
                        Task { await eventHandler(event) }
                    }
                }
            } catch let error as JanusError where error.isSessionGone {
                if sessionId == id { forget() }
                return
            } catch {
                try? await Task.sleep(for: .seconds(1))
            }
        }
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
        try decode(try await transport.post(path, body: try envelope(message).body))
    }

    /// The message with a fresh transaction, as JSON.
    private func envelope(_ message: [String: Any]) throws -> (transaction: String, body: Data) {
        counter += 1
        var message = message
        message["transaction"] = "mb-\(counter)"
        return ("mb-\(counter)", try JSONSerialization.data(withJSONObject: message, options: [.sortedKeys]))
    }

    private func decode(_ data: Data) throws -> JanusResponse {
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
        body.merge(guarded) { $1 }
        if let directory = settings.recordingDirectory { body["rec_dir"] = directory }
        _ = try await request(Self.videoRoom, body)
    }

    public func roomExists(_ room: Int) async throws -> Bool {
        try await request(Self.videoRoom, ["request": "exists", "room": room])["exists"]?.bool ?? false
    }

    /// Adds or removes join tokens; returns the room's allowed list after the change.
    public func allow(_ room: Int, tokens: [String], add: Bool) async throws -> [String] {
        let data = try await request(Self.videoRoom, ["request": "allowed", "room": room, "action": add ? "add" : "remove",
                                                      "allowed": tokens, "secret": roomSecret])
        return data["allowed"]?.array?.compactMap(\.string) ?? []
    }

    /// Throws a participant out of a room (the floor was taken back); it can no longer publish there.
    public func kick(_ room: Int, participant: UInt64) async throws {
        _ = try await request(Self.videoRoom, ["request": "kick", "room": room, "id": participant, "secret": roomSecret])
    }

    /// Mutes one medium of a participant at Janus: nobody receives it until unmuted.
    public func moderate(_ room: Int, participant: UInt64, mid: String, muted: Bool) async throws {
        _ = try await request(Self.videoRoom, ["request": "moderate", "room": room, "id": participant, "mid": mid, "mute": muted, "secret": roomSecret])
    }

    /// Copies a publisher's RTP into a Streaming mountpoint. `streams` pairs each of the
    /// publisher's mids with a port; the video's RTCP port carries viewers' keyframe requests back.
    public func rtpForward(_ room: Int, publisher: UInt64, to mountpoint: Mountpoint, audioMid: String?, videoMid: String?) async throws {
        var streams: [[String: Any]] = []
        if let audioMid { streams.append(["mid": audioMid, "port": mountpoint.audioPort]) }
        if let videoMid { streams.append(["mid": videoMid, "port": mountpoint.videoPort, "rtcp_port": mountpoint.videoRTCPPort]) }
        guard !streams.isEmpty else { return }
        _ = try await request(Self.videoRoom, ["request": "rtp_forward", "room": room, "publisher_id": publisher, "host": "127.0.0.1",
                                               "admin_key": adminKey, "secret": roomSecret, "streams": streams])
    }

    /// Copies a publisher's RTP to the program's ffmpeg (HLS), with the payload types its SDP
    /// declares. Janus's sender reports go to the video's RTCP port (ffmpeg syncs audio and video
    /// by them); keyframes come from the room's `fir_freq`, since ffmpeg 5.1 sends its own RTCP
    /// to its own port pair rather than back to Janus.
    public func rtpForward(_ room: Int, publisher: UInt64, to ports: HLSPackager.Ports, audioMid: String?, videoMid: String?) async throws {
        var streams: [[String: Any]] = []
        if let audioMid { streams.append(["mid": audioMid, "port": ports.audio, "pt": HLSPackager.audioPayloadType]) }
        if let videoMid {
            streams.append(["mid": videoMid, "port": ports.video, "rtcp_port": ports.videoRTCP, "pt": HLSPackager.videoPayloadType])
        }
        guard !streams.isEmpty else { return }
        _ = try await request(Self.videoRoom, ["request": "rtp_forward", "room": room, "publisher_id": publisher, "host": "127.0.0.1",
                                               "admin_key": adminKey, "secret": roomSecret, "streams": streams])
    }

    public func destroyRoom(_ room: Int) async throws {
        _ = try await request(Self.videoRoom, ["request": "destroy", "room": room, "secret": roomSecret])
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
        let data = try await request(Self.streaming, guarded.merging([
            "request": "create", "type": "rtp", "id": id, "admin_key": adminKey, "description": description, "permanent": false,
            "media": [
                ["type": "audio", "mid": "a", "port": 0, "pt": 111, "codec": "opus", "iface": "127.0.0.1"],
                ["type": "video", "mid": "v", "port": 0, "rtcpport": 0, "pt": 100, "codec": "vp8", "iface": "127.0.0.1"],
            ],
        ]) { $1 })
        let ports = data["stream"]?["ports"]?.array ?? []
        func port(_ type: String, _ key: String) -> Int? { ports.first { $0["type"]?.string == type }?[key]?.int }
        guard let audio = port("audio", "port"), let video = port("video", "port"), let rtcp = port("video", "rtcp_port") else {
            throw JanusError.unavailable("mountpoint without ports")
        }
        return Mountpoint(id: id, audioPort: audio, videoPort: video, videoRTCPPort: rtcp)
    }

    public func destroyMountpoint(_ id: Int) async throws {
        _ = try await request(Self.streaming, ["request": "destroy", "id": id, "admin_key": adminKey, "secret": roomSecret])
    }
}
