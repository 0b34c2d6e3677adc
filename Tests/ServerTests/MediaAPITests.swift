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

            // A public viewer needs no key of its own: the server names it (only Janus is missing here).
            let anonymous = try await app.send(.post, "\(media)/watch", json: #"{"mountpoint":1}"#)
            #expect(anonymous.status == .serviceUnavailable)
            let answer = #"{"answer":{"type":"answer","sdp":"v=0\r\n"}}"#
            #expect(try await app.send(.post, "/api/v1/media/peers/abc/answer", json: answer).status == .unprocessableContent,
                    "answering a viewer's peer needs the key the server gave it")

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

@Suite("Media caps: public viewers")
struct MediaCapsTests {
    /// The refusals the director raises, as the API answers them.
    @Test("beyond the caps: 429 for one client, 503 for everyone, both with Retry-After")
    func refusals() async throws {
        try await withTestApp(.sqlite) { app in
            let service = MediaService(services: app.services)
            for (refusal, status, code) in [(MediaRefusal.tooManyFromClient, HTTPResponse.Status.tooManyRequests, "media.tooMany"),
                                            (.full, .serviceUnavailable, "media.full")] {
                do {
                    _ = try await service.janus { () async throws -> Int in throw refusal }
                    Issue.record("not refused")
                } catch let error as AppError {
                    #expect(error.status == status)
                    #expect(error.code == code)
                    #expect(Int(error.headers[.retryAfter] ?? "") ?? 0 > 0)
                }
            }
        }
    }

    /// 5,000 requests to watch, from 250 addresses that never answer: the caps hold, the rest is
    /// refused before Janus is asked, and once the answer timeout passes the watchdog's check
    /// drops every unanswered peer and its Janus handle, so new viewers get in again.
    @Test("5,000 watch requests that never answer: refused beyond the caps, expired after the timeout",
          .enabled(if: ProcessInfo.processInfo.environment["MUSRENBANG_TEST_JANUS_URL"] != nil))
    func unansweredViewers() async throws {
        let url = URL(string: ProcessInfo.processInfo.environment["MUSRENBANG_TEST_JANUS_URL"]!)!
        let limits = MediaLimits(maximumViewers: 150, viewersPerClient: 10, answerTimeout: .seconds(6))
        try await withTestApp(.sqlite, janus: url, configure: { $0.media = limits }) { app in
            let director = try #require(app.services.media)
            #expect(await director.check())
            let assembly = Int64.random(in: 900_000...990_000)
            let conference = await director.conference(assembly, description: "caps")
            try await conference.ensure()
            let client = director.client
            let mountpoint = try await client.createMountpoint(Int(assembly) + 2_000_000, description: "caps")

            actor Tally {
                var admitted: [(peer: String, owner: String)] = []
                var tooMany = 0, full = 0, other: [String] = []
                func add(_ result: Result<(peer: String, owner: String), any Error>) {
                    switch result {
                    case .success(let peer): admitted.append(peer)
                    case .failure(MediaRefusal.tooManyFromClient): tooMany += 1
                    case .failure(MediaRefusal.full): full += 1
                    case .failure(let error): other.append("\(error)")
                    }
                }
            }
            let tally = Tally()
            let started = ContinuousClock.now
            // 250 addresses, 20 requests each in a row, 25 at a time.
            let requests = (0..<5000).map { "10.9.\($0 / 20 / 100).\($0 / 20 % 100)" }
            for batch in stride(from: 0, to: requests.count, by: 25) {
                await withTaskGroup(of: Void.self) { group in
                    for address in requests[batch..<min(batch + 25, requests.count)] {
                        group.addTask {
                            do {
                                let (peer, _, owner) = try await director.watch(assembly, description: "caps", mountpoint: mountpoint.id, client: address)
                                await tally.add(.success((peer, owner)))
                            } catch {
                                await tally.add(.failure(error))
                            }
                        }
                    }
                }
            }
            let (admitted, tooMany, full, other) = (await tally.admitted, await tally.tooMany, await tally.full, await tally.other)
            #expect(other.isEmpty, "\(other.prefix(3))")
            #expect(admitted.count == 150, "the global cap")
            #expect(full + tooMany == 4850)
            #expect(tooMany > 0 && full > 0, "both caps refused some")
            #expect(await director.viewers() == 150)
            #expect(Set(admitted.map(\.owner)).count == 150, "every viewer got an owner key of its own, from the server")
            let handles = await admitted.asyncMap { await director.peer($0.peer, owner: $0.owner)?.handle }
            #expect(handles.allSatisfy { $0 != nil })
            #expect(await director.peer(admitted[0].peer, owner: "viewer:0123456789abcdef") == nil, "another key does not own it")

            // Before the timeout nothing goes; after it, the watchdog's check drops them all at Janus too.
            if ContinuousClock.now - started < .seconds(5) { #expect(await director.expireUnanswered() == 0) }
            try await Task.sleep(for: .seconds(6.5))
            #expect(await director.check())
            #expect(await director.viewers() == 0)
            #expect(await director.peerCount == 0)
            for handle in handles.compactMap({ $0 }).prefix(10) {
                await #expect(throws: JanusError.self, "the handle is gone from Janus") {
                    _ = try await client.message(handle, ["request": "list"], timeout: .seconds(3))
                }
            }
            let again = try await director.watch(assembly, description: "caps", mountpoint: mountpoint.id, client: "10.9.0.1")
            #expect(!again.peer.isEmpty, "a viewer gets in again")
            try? await client.destroyMountpoint(mountpoint.id)
            await director.close(assembly)
        }
    }
}

extension Array where Element: Sendable {
    func asyncMap<T: Sendable>(_ transform: (Element) async -> T) async -> [T] {
        var result: [T] = []
        for element in self { result.append(await transform(element)) }
        return result
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
