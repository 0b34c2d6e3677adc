import MusrenbangCore
import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangMedia
@testable import MusrenbangServer
import Testing
import TestSupport

/// An SDP shaped like a browser's; Janus never sees it in the tests without Janus.
private let offer = #"{"type":"offer","sdp":"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}"#
private let mangir = "35.10.13.2002"

@Suite("Media API: who may send and receive video")
struct MediaAPITests {
    @Test("without Janus: pages learn video is unavailable, the floor still decides who may publish", arguments: TestFlavour.enabled)
    func withoutJanus(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk, mangir])
            let mangirOperator = try await app.staffToken(username: "op-mangir", role: "village_operator", region: mangir)
            for stage in ["checkIn", "opening"] { _ = try await world.hub(stage) }
            let media = "/api/v1/assemblies/\(world.id)/media"

            let state = try await app.send(.get, media).json()
            #expect(state["configured"] as? Bool == false)
            #expect(state["available"] as? Bool == false)

            let badSDP = try await app.send(.post, "\(media)/publish", json: #"{"villageCode":"\#(mangir)","offer":{"type":"answer","sdp":"x"}}"#,
                                            token: mangirOperator)
            #expect(badSDP.status == .unprocessableContent)
            #expect(try badSDP.json()["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "media.sdp")

            let noFloor = try await app.send(.post, "\(media)/publish", json: #"{"villageCode":"\#(mangir)","offer":\#(offer)}"#,
                                             token: mangirOperator)
            #expect(noFloor.status == .forbidden)
            #expect(noFloor.text.contains("media.noFloor"))
            #expect(noFloor.text.contains("belum diberi giliran bicara"))
            let notMine = try await app.send(.post, "\(media)/publish", json: #"{"villageCode":"\#(bubuk)","room":"wall","offer":\#(offer)}"#,
                                             token: mangirOperator)
            #expect(notMine.status == .forbidden, "another village's camera")
            let fakeHub = try await app.send(.post, "\(media)/publish", json: #"{"villageCode":"hub","offer":\#(offer)}"#, token: mangirOperator)
            #expect(fakeHub.status == .forbidden, "only the host and planners are the hub")
            let wall = try await app.send(.post, "\(media)/subscribe", json: #"{"room":"wall"}"#, token: mangirOperator)
            #expect(wall.status == .forbidden, "the monitoring wall is the control room's")
            #expect(try await app.send(.post, "\(media)/publish", json: #"{"villageCode":"\#(mangir)","offer":\#(offer)}"#).status == .unauthorized)

            // With the floor, the only thing missing is Janus: 503 with the Indonesian notice.
            _ = try await app.send(.post, "/api/v1/assemblies/\(world.id)/floor/hands", json: #"{"villageCode":"\#(mangir)","topic":"Irigasi"}"#,
                                   token: mangirOperator)
            _ = try await app.send(.post, "/api/v1/assemblies/\(world.id)/floor/grant", json: #"{"villageCode":"\#(mangir)"}"#, token: world.host)
            let down = try await app.send(.post, "\(media)/publish", json: #"{"villageCode":"\#(mangir)","offer":\#(offer)}"#, token: mangirOperator)
            #expect(down.status == .serviceUnavailable)
            #expect(down.text.contains("Video tidak tersedia"))

            let anonymous = try await app.send(.post, "\(media)/watch", json: #"{"mountpoint":1}"#)
            #expect(anonymous.status == .unprocessableContent, "a public viewer names itself with a random key")
            let watcher = try await app.send(.post, "\(media)/watch", json: #"{"mountpoint":1}"#,
                                             headers: [.init("X-Media-Viewer")!: "0123456789abcdef0123456789abcdef"])
            #expect(watcher.status == .serviceUnavailable)

            let console = try await app.send(.get, "/musrenbang/\(world.id)/desa/\(mangir)", token: mangirOperator)
            #expect(console.text.contains("data-media") && console.text.contains("Siaran langsung"))
        }
    }

    @Test("with Janus: the floor opens and closes the stage room to a village",
          .enabled(if: ProcessInfo.processInfo.environment["MUSRENBANG_TEST_JANUS_URL"] != nil), arguments: [TestFlavour.sqlite])
    func withJanus(flavour: TestFlavour) async throws {
        let url = URL(string: ProcessInfo.processInfo.environment["MUSRENBANG_TEST_JANUS_URL"]!)!
        try await withTestApp(flavour, janus: url) { app in
            let director = try #require(app.services.media)
            #expect(await director.check(), "the watchdog's check finds Janus")
            let world = try await AssemblyWorld.make(app, villages: [bubuk, mangir])
            let mangirOperator = try await app.staffToken(username: "op-mangir", role: "village_operator", region: mangir)
            for stage in ["checkIn", "opening"] { _ = try await world.hub(stage) }
            let state = try await app.send(.get, "/api/v1/assemblies/\(world.id)/media").json()
            #expect(state["available"] as? Bool == true)

            let conference = await director.conference(Int64(world.id), description: "x")
            let token = MediaService.villageToken(app.services.secret, assembly: AssemblyID(rawValue: Int64(world.id)), village: RegionCode(mangir)!)
            #expect(try await !conference.allowed().contains(token))
            _ = try await app.send(.post, "/api/v1/assemblies/\(world.id)/floor/hands", json: #"{"villageCode":"\#(mangir)","topic":"Irigasi"}"#,
                                   token: mangirOperator)
            _ = try await app.send(.post, "/api/v1/assemblies/\(world.id)/floor/grant", json: #"{"villageCode":"\#(mangir)"}"#, token: world.host)
            #expect(try await conference.allowed().contains(token), "granted: Janus lets the village's token in")
            _ = try await app.send(.post, "/api/v1/assemblies/\(world.id)/floor/end", json: #"{"villageCode":"\#(mangir)"}"#, token: world.host)
            #expect(try await !conference.allowed().contains(token), "ended: and out again")
            await director.close(Int64(world.id))
        }
    }
}

@Suite("Media watchdog")
struct MediaWatchdogTests {
    /// Service lifecycle ends the whole server when one service returns: without Janus the
    /// watchdog must keep waiting (a server without video once stopped 3 s after starting).
    @Test("without Janus the watchdog runs until shutdown instead of ending the server")
    func waitsWithoutJanus() async throws {
        actor Ended { var yes = false; func mark() { yes = true } }
        try await withTestApp(.sqlite) { app in
            let ended = Ended()
            let watchdog = Task {
                try? await MediaWatchdog(services: app.services).run()
                await ended.mark()
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(await !ended.yes, "still running half a second later")
            watchdog.cancel()
        }
    }
}
