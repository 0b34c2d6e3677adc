import MusrenbangCore
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import MusrenbangServer
import Testing
import TestSupport

@Suite("Floor control API")
struct FloorAPITests {
    @Test("villages queue for the floor, the host grants it, publishing follows the floor", arguments: TestFlavour.enabled)
    func floor(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let aliyan = "35.10.13.2001"
            let world = try await AssemblyWorld.make(app, villages: [bubuk, aliyan, "35.10.13.2002"])
            let aliyanOperator = try await app.staffToken(username: "op-aliyan", role: "village_operator", region: aliyan)
            let floorURI = "/api/v1/assemblies/\(world.id)/floor"
            let early = try await app.send(.post, "\(floorURI)/hands", json: #"{"villageCode":"\#(bubuk)","topic":"Jalan rusak"}"#, token: world.bubukOperator)
            #expect(early.status == .conflict, "the floor opens with the assembly")
            for stage in ["checkIn", "opening"] { _ = try await world.hub(stage) }

            #expect(try await app.send(.post, "\(floorURI)/hands", json: #"{"villageCode":"\#(bubuk)","topic":"Jalan rusak"}"#, token: world.bubukOperator).status == .created)
            #expect(try await app.send(.post, "\(floorURI)/hands", json: #"{"villageCode":"\#(aliyan)","topic":"Irigasi sawah"}"#, token: aliyanOperator).status == .created)
            #expect(try await app.send(.post, "\(floorURI)/hands", json: #"{"villageCode":"\#(aliyan)","topic":"Lagi"}"#, token: aliyanOperator).status == .conflict)
            #expect(try await app.send(.post, "\(floorURI)/hands", json: #"{"villageCode":"\#(aliyan)","topic":"Bukan desa saya"}"#, token: world.bubukOperator).status == .forbidden)
            let floor = try await app.send(.get, floorURI).json()
            let queue = try #require(floor["queue"] as? [[String: Any]])
            #expect(queue.map { $0["villageCode"] as? String } == [bubuk, aliyan])
            #expect(queue.first?["districtName"] as? String == "Rogojampi")

            func mayPublish(_ village: String, _ token: String) async throws -> Bool? {
                try await app.send(.get, "\(floorURI)/may-publish?village=\(village)", token: token).json()["mayPublish"] as? Bool
            }
            #expect(try await mayPublish(aliyan, aliyanOperator) == false, "no floor, no publishing")
            #expect(try await app.send(.post, "\(floorURI)/grant", json: #"{"villageCode":"\#(aliyan)"}"#, token: world.bubukOperator).status == .forbidden)
            #expect(try await app.send(.post, "\(floorURI)/grant", json: #"{"villageCode":"\#(aliyan)"}"#, token: world.host).status == .ok)
            #expect(try await mayPublish(aliyan, aliyanOperator) == true)
            #expect(try await mayPublish(bubuk, world.host) == true, "the hub (Desa Bubuk) always may")
            _ = try await app.send(.post, "\(floorURI)/mute", json: #"{"villageCode":"\#(aliyan)"}"#, token: world.host)
            #expect(try await mayPublish(aliyan, aliyanOperator) == false, "muted")
            #expect(try await app.send(.post, "\(floorURI)/end", json: #"{"villageCode":"\#(aliyan)"}"#, token: world.host).status == .ok)
            #expect(try await mayPublish(aliyan, aliyanOperator) == false, "revoked")
            let turns = try #require(try await app.send(.get, floorURI).json()["turns"] as? [[String: Any]])
            #expect(turns.first?["villageCode"] as? String == aliyan)
            #expect(turns.first?["ending"] as? String == "revoked")

            let minutes = try await app.send(.get, "/api/v1/assemblies/\(world.id)/sessions/\(aliyan)/minutes", token: aliyanOperator).json()
            #expect((minutes["floorTurns"] as? [[String: Any]])?.first?["topic"] as? String == "Irigasi sawah", "turns go to the minutes")
            let events = try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=1").text
            #expect(events.contains("event: floor"))
            #expect(events.contains(#""event":"granted""#))
        }
    }

    @Test("the timer ends a turn at the limit, and the floor survives a restart", arguments: TestFlavour.enabled)
    func timerAndRestart(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            for stage in ["checkIn", "opening"] { _ = try await world.hub(stage) }
            let floorURI = "/api/v1/assemblies/\(world.id)/floor"
            #expect(try await app.send(.put, "\(floorURI)/rules", json: #"{"maximumOnStage":1,"speakingLimit":5,"warningBefore":3}"#,
                                       token: world.host).status == .ok)
            #expect(try await app.send(.put, "\(floorURI)/rules", json: #"{"maximumOnStage":0,"speakingLimit":5,"warningBefore":3}"#,
                                       token: world.host).status == .unprocessableContent)
            _ = try await app.send(.post, "\(floorURI)/hands", json: #"{"villageCode":"\#(bubuk)","topic":"Air bersih"}"#, token: world.bubukOperator)
            _ = try await app.send(.post, "\(floorURI)/grant", json: #"{"villageCode":"\#(bubuk)"}"#, token: world.host)

            // A "restart": a new service reads the floor back from the database.
            let restarted = FloorService(services: app.services)
            #expect(try await restarted.store.floor(AssemblyID(rawValue: Int64(world.id))).stage.map(\.village.description) == [bubuk])
            let now = Date().timeIntervalSince1970
            try await restarted.tick(now: now + 2.5)
            #expect(try await restarted.store.floor(AssemblyID(rawValue: Int64(world.id))).stage.first?.warned == true)
            try await restarted.tick(now: now + 10)
            let floor = try await app.send(.get, floorURI).json()
            #expect((floor["stage"] as? [Any])?.isEmpty == true)
            #expect((floor["turns"] as? [[String: Any]])?.first?["ending"] as? String == "timeUp")
            #expect((floor["turns"] as? [[String: Any]])?.first?["seconds"] as? Int == 5)
        }
    }
}
