import Foundation
import Testing
@testable import MusrenbangMedia

/// Replays answers recorded from a real Janus 1.1.2 (Debian's package, the project's generated
/// configuration) and keeps what the client sent. A fake at the true edge: the recordings are real.
final class RecordedTransport: JanusTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [String]
    private var polls: [String]
    private(set) var sent: [(path: String, body: [String: Any])] = []

    init(_ recordings: [String], polls: [String] = []) {
        answers = recordings
        self.polls = polls
    }

    /// The long poll answers what was recorded, then waits like an idle Janus.
    func poll(_ path: String) async throws -> Data {
        guard let name = lock.withLock({ polls.isEmpty ? nil : polls.removeFirst() }) else {
            try await Task.sleep(for: .seconds(30))
            throw JanusError.unavailable("idle")
        }
        return try Data(contentsOf: Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Recordings")!)
    }

    func post(_ path: String, body: Data) async throws -> Data {
        let name: String = lock.withLock {
            sent.append((path, (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]))
            return answers.removeFirst()
        }
        let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Recordings")!
        return try Data(contentsOf: url)
    }

    func body(_ index: Int) -> [String: Any] { lock.withLock { sent[index].body } }
    func path(_ index: Int) -> String { lock.withLock { sent[index].path } }
}

@Suite("Janus client against recorded Janus answers")
struct JanusClientTests {
    @Test func createsARoomWithTheAdminKeyAndAllowedTokens() async throws {
        let transport = RecordedTransport(["create-session", "attach-videoroom", "videoroom-create"])
        let client = JanusClient(transport: transport, adminKey: "k3y-admin")
        try await client.createRoom(4101, .init(description: "Musrenbang 1", publishers: 3, allowed: ["hub-token"]))
        #expect(transport.body(0)["janus"] as? String == "create")
        #expect(transport.body(1)["plugin"] as? String == "janus.plugin.videoroom")
        #expect(transport.path(2) == "/3077963819606231/1234887075760047")
        let request = try #require(transport.body(2)["body"] as? [String: Any])
        #expect(request["admin_key"] as? String == "k3y-admin")
        #expect(request["allowed"] as? [String] == ["hub-token"])
        #expect(request["fir_freq"] as? Int == 3)
        #expect(request["record"] as? Bool == false)
    }

    @Test func pluginRefusalsBecomeTypedErrors() async throws {
        let transport = RecordedTransport(["create-session", "attach-videoroom", "videoroom-create-unauthorized", "videoroom-destroy-missing"])
        let client = JanusClient(transport: transport, adminKey: "wrong")
        await #expect(throws: JanusError.plugin(code: 433, reason: "Unauthorized (wrong admin_key)")) {
            try await client.createRoom(4102, .init(description: "x", publishers: 1, allowed: []))
        }
        await #expect(throws: JanusError.plugin(code: 426, reason: "No such room (4199)")) {
            try await client.destroyRoom(4199)
        }
        #expect(transport.sent.count == 4, "the session and handle are reused")
    }

    @Test func tokensAreAddedToTheRoom() async throws {
        let transport = RecordedTransport(["create-session", "attach-videoroom", "videoroom-allowed-add", "videoroom-exists"])
        let client = JanusClient(transport: transport, adminKey: "k3y-admin")
        #expect(try await client.allow(4101, tokens: ["village-token"], add: true) == ["hub-token", "village-token"])
        #expect(try await client.roomExists(4101))
    }

    @Test func aMountpointReportsItsPortsIncludingRTCP() async throws {
        let transport = RecordedTransport(["create-session", "attach-streaming", "streaming-create", "streaming-destroy"])
        let client = JanusClient(transport: transport, adminKey: "k3y-admin")
        let mountpoint = try await client.createMountpoint(4101, description: "Musrenbang 1 (publik)")
        #expect(mountpoint == .init(id: 4101, audioPort: 40002, videoPort: 40003, videoRTCPPort: 40004))
        let media = try #require((transport.body(2)["body"] as? [String: Any])?["media"] as? [[String: Any]])
        #expect(media.allSatisfy { $0["iface"] as? String == "127.0.0.1" }, "mountpoints bind loopback only")
        try await client.destroyMountpoint(4101)
    }

    @Test func aLostSessionIsForgottenSoTheNextCallStartsAnew() async throws {
        let transport = RecordedTransport(["create-session", "session-missing", "create-session", "keepalive"])
        let client = JanusClient(transport: transport, adminKey: "k3y-admin")
        await #expect(throws: JanusError.janus(code: 458, reason: "No such session 999999")) { try await client.keepalive() }
        try await client.keepalive()
        #expect(transport.body(2)["janus"] as? String == "create", "a new session after Janus lost the old one")
    }

    /// `watch` is acknowledged at once; the offer arrives later on the session's long poll and
    /// is matched to the request by its transaction (recorded from Janus 1.1.2; the transaction
    /// renumbered to this client's sequence).
    @Test func anAsynchronousRequestIsAnsweredThroughTheLongPoll() async throws {
        let transport = RecordedTransport(["create-session", "attach-streaming", "streaming-watch-ack"], polls: ["poll-watch-offer"])
        let client = JanusClient(transport: transport, adminKey: "k3y-admin")
        let handle = try await client.attach(JanusClient.streaming)
        let reply = try await client.message(handle, ["request": "watch", "id": 4242])
        #expect(reply.jsep?.type == "offer")
        #expect(reply.jsep?.sdp.hasPrefix("v=0") == true)
        #expect(reply.data["result"]?["status"]?.string == "preparing")
        #expect(transport.path(2) == "/3077963819606231/4462858253536651", "sent on the streaming handle")
    }

    @Test func anAsynchronousRequestWithoutAnAnswerTimesOut() async throws {
        let transport = RecordedTransport(["create-session", "attach-streaming", "streaming-watch-ack"])
        let client = JanusClient(transport: transport, adminKey: "k3y-admin")
        let handle = try await client.attach(JanusClient.streaming)
        await #expect(throws: JanusError.unavailable("no answer from Janus in time")) {
            _ = try await client.message(handle, ["request": "watch", "id": 4242], timeout: .milliseconds(300))
        }
    }

    @Test func anUnreachableOrForeignServerIsUnavailable() async throws {
        struct Garbage: JanusTransport {
            func post(_ path: String, body: Data) async throws -> Data { Data("<html>".utf8) }
            func poll(_ path: String) async throws -> Data { Data("<html>".utf8) }
        }
        let client = JanusClient(transport: Garbage(), adminKey: "k")
        await #expect(throws: JanusError.unavailable("not a Janus answer")) { _ = try await client.session() }
    }
}

/// A client of the Janus the test suite started (`MUSRENBANG_TEST_JANUS_URL`, `MUSRENBANG_TEST_JANUS_KEY`).
func liveJanusClient() -> JanusClient {
    let environment = ProcessInfo.processInfo.environment
    return JanusClient(transport: HTTPJanusTransport(base: URL(string: environment["MUSRENBANG_TEST_JANUS_URL"]!)!),
                       adminKey: environment["MUSRENBANG_TEST_JANUS_KEY"] ?? "")
}

/// Against a real Janus when one runs (`MUSRENBANG_TEST_JANUS_URL`, e.g. http://127.0.0.1:18088/janus,
/// with admin key `MUSRENBANG_TEST_JANUS_KEY`): create and destroy a room and a mountpoint.
@Suite("Janus client against a running Janus", .enabled(if: ProcessInfo.processInfo.environment["MUSRENBANG_TEST_JANUS_URL"] != nil))
struct LiveJanusTests {
    @Test func roomAndMountpointRoundTrip() async throws {
        let client = liveJanusClient()
        let room = Int.random(in: 100_000...999_999)
        try await client.createRoom(room, .init(description: "test", publishers: 2, allowed: ["a"]))
        #expect(try await client.roomExists(room))
        #expect(try await client.allow(room, tokens: ["b"], add: true).sorted() == ["a", "b"])
        try await client.destroyRoom(room)
        #expect(try await !client.roomExists(room))
        let mountpoint = try await client.createMountpoint(room, description: "test")
        #expect(mountpoint.videoRTCPPort > 0)
        try await client.destroyMountpoint(room)
    }
}

/// The conference of one assembly on a running Janus: built, tokens following the floor, and
/// built again after Janus lost it (as after a restart).
@Suite("Conference on a running Janus", .enabled(if: ProcessInfo.processInfo.environment["MUSRENBANG_TEST_JANUS_URL"] != nil))
struct LiveConferenceTests {
    @Test func theStageFollowsTheFloorAndComesBack() async throws {
        let client = liveJanusClient()
        let assembly = Int64.random(in: 500_000...900_000)
        let conference = Conference(client: client, assembly: assembly, description: "Musrenbang uji", hubToken: "hub")
        #expect(try await conference.ensure(), "built the first time")
        #expect(try await !conference.ensure(), "and not again while Janus keeps it")
        let stage = await conference.number(.stage)
        #expect(stage == 10_000 + Int(assembly))
        #expect(try await client.roomExists(await conference.number(.wall)))
        #expect(try await conference.allowed() == ["hub"])
        try await conference.admit("village-bubuk")
        #expect(try await conference.allowed().sorted() == ["hub", "village-bubuk"])
        try await conference.dismiss("village-bubuk")
        #expect(try await conference.allowed() == ["hub"])

        // Janus refuses a publisher whose token the server has not admitted, whatever its SDP.
        let offer = SessionDescription(type: "offer", sdp: "v=0\r\n")
        await #expect(throws: JanusError.plugin(code: 433, reason: "Unauthorized (not in the allowed list)")) {
            _ = try await conference.publish(.stage, feed: 3510132002, label: "35.10.13.2002", display: "Desa Mangir",
                                             token: "village-mangir", offer: offer)
        }
        #expect(await conference.feeds(.stage).isEmpty)

        // A feed left in the room by an earlier server process (its Janus session not yet
        // expired) is thrown out: the new join gets past "User ID already exists" (436) and only
        // this test's fake SDP is refused, at the publish step.
        let old = try await client.attach(JanusClient.videoRoom)
        _ = try await client.message(old, ["request": "join", "ptype": "publisher", "room": stage, "id": 1, "token": "hub"])
        do {
            _ = try await conference.publish(.stage, feed: 1, label: "hub", display: "Tuan rumah", token: "hub", offer: offer)
            Issue.record("a fake SDP cannot be published")
        } catch let error as JanusError {
            #expect(error == .janus(code: 465, reason: "Missing mandatory lines (o=, s= or m=)"),
                    "past the join (the stale feed was kicked), refused for the SDP")
        }

        // Janus loses the room (a restart) while a village holds the floor: the next call builds
        // it again, with the hub and that village.
        try await conference.admit("village-mangir")
        try await client.destroyRoom(stage)
        await client.forget()
        #expect(try await conference.allowed().sorted() == ["hub", "village-mangir"])
        #expect(try await client.roomExists(stage))
        try await conference.close()
        #expect(try await !client.roomExists(stage))
    }
}

/// The stage's raw recordings become one file per speaker segment.
@Suite("Recordings")
struct RecordingTests {
    @Test func filesOfOnePublishAreOneSegmentAndALaterPublishAnother() {
        let names = ["videoroom-10002-user-1-1795960056066149-audio-0.mjr", "videoroom-10002-user-1-1795960056066262-video-1.mjr",
                     "videoroom-10002-user-1-1795960064796008-audio-0.mjr", "videoroom-10002-user-1-1795960064796147-video-1.mjr",
                     "videoroom-10002-user-3510132002-1795960059942003-audio-0.mjr", "notes.txt", "videoroom-10002-user-x-1-audio-0.mjr"]
        let raws = names.compactMap { name in Recordings.Raw(name).map { (name: name, raw: $0) } }
        #expect(raws.count == 5, "foreign files are left alone")
        let segments = Recordings.segments(raws)
        #expect(segments.keys.sorted() == ["segment-1-1795960056066149.webm", "segment-1-1795960064796008.webm",
                                           "segment-3510132002-1795960059942003.webm"])
        #expect(segments["segment-1-1795960056066149.webm"]?.map(\.raw.medium).sorted() == ["audio", "video"])
    }

    /// With Debian's janus-pp-rec and ffmpeg: real files recorded by Janus 1.1.2 in the browser test.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/janus-pp-rec")
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg")))
    func rawRecordingsBecomeOnePlayableFile() async throws {
        let source = Bundle.module.url(forResource: "mjr", withExtension: nil, subdirectory: "Recordings")!
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recordings-\(UUID())")
        try FileManager.default.copyItem(at: source, to: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let segments = await Recordings.convert(directory)
        #expect(segments.map(\.file) == ["segment-3510132002-1795960059942003.webm"])
        #expect(segments.first?.feed == 3510132002)
        #expect((segments.first?.bytes ?? 0) > 20_000, "audio and video together")
        #expect(await Recordings.convert(directory) == segments, "converting again changes nothing")
    }
}
