import Foundation
import Testing
@testable import MusrenbangCore

private let A = RegionCode("35.10.13.2001")!, B = RegionCode("35.10.13.2002")!, C = RegionCode("35.10.13.2003")!
private let D = RegionCode("35.10.13.2004")!, Z = RegionCode("35.10.13.2099")!

@Suite("Floor control")
struct FloorControlTests {
    @Test func handsWaitInTheOrderRaised() throws {
        var floor = FloorControl()
        _ = try floor.raise(A, topic: "Jalan rusak", now: 0)
        _ = try floor.raise(B, topic: "Irigasi", now: 1)
        _ = try floor.raise(C, topic: "Posyandu", now: 2)
        #expect(floor.queue.map(\.village) == [A, B, C])
        #expect(floor.position(of: B) == 2)
        #expect(throws: FloorControl.Refusal.alreadyWaiting) { try floor.raise(A, topic: "Lagi", now: 3) }
        #expect(throws: FloorControl.Refusal.emptyTopic) { try floor.raise(D, topic: "  ", now: 3) }
        _ = try floor.lower(B)
        #expect(floor.queue.map(\.village) == [A, C])
        #expect(throws: FloorControl.Refusal.notWaiting) { try floor.lower(B) }
    }

    @Test func atMostKVillagesBesidesTheHub() throws {
        var floor = FloorControl(rules: .init(maximumOnStage: 2))
        for village in [A, B, C] { _ = try floor.raise(village, topic: "Usulan", now: 0) }
        #expect(try floor.grant(B, now: 10) == [.granted(village: B)], "any waiting village, not only the first")
        _ = try floor.grant(A, now: 11)
        #expect(throws: FloorControl.Refusal.stageFull) { try floor.grant(C, now: 12) }
        #expect(throws: FloorControl.Refusal.alreadyOnStage) { try floor.grant(A, now: 12) }
        #expect(throws: FloorControl.Refusal.notWaiting) { try floor.grant(Z, now: 12) }
        #expect(throws: FloorControl.Refusal.alreadyOnStage) { try floor.raise(A, topic: "Lagi", now: 12) }
        #expect(floor.mayPublish(A) && floor.mayPublish(B) && !floor.mayPublish(C))
    }

    @Test func revokingEndsTheTurnForTheMinutes() throws {
        var floor = FloorControl()
        _ = try floor.raise(A, topic: "Jembatan", now: 0)
        _ = try floor.grant(A, now: 100)
        _ = try floor.mute(A, true)
        #expect(!floor.mayPublish(A))
        let events = try floor.end(A, now: 160)
        #expect(events == [.ended(.init(village: A, topic: "Jembatan", startedAt: 100, endedAt: 160, ending: .revoked))])
        #expect(!floor.mayPublish(A))
        #expect(throws: FloorControl.Refusal.notOnStage) { try floor.end(A, now: 170) }
    }

    @Test func theTimerWarnsOnceThenEndsTheTurnAtTheLimit() throws {
        var floor = FloorControl(rules: .init(maximumOnStage: 2, speakingLimit: 120, warningBefore: 20))
        _ = try floor.raise(A, topic: "Air bersih", now: 0)
        _ = try floor.grant(A, now: 0)
        #expect(floor.tick(now: 99).isEmpty)
        #expect(floor.tick(now: 100) == [.warned(village: A, secondsLeft: 20)])
        #expect(floor.tick(now: 110).isEmpty, "warned once")
        #expect(floor.tick(now: 125) == [.ended(.init(village: A, topic: "Air bersih", startedAt: 0, endedAt: 120, ending: .timeUp))])
        #expect(floor.stage.isEmpty)
    }

    @Test func theStateSurvivesARestartAsData() throws {
        var floor = FloorControl()
        _ = try floor.raise(A, topic: "Jalan", now: 0)
        _ = try floor.grant(A, now: 5)
        _ = try floor.raise(B, topic: "PAUD", now: 6)
        // The server stores the floor between restarts as JSON; it must come back identical.
        let saved = try JSONDecoder().decode(FloorControl.self, from: JSONEncoder().encode(floor))
        #expect(saved == floor)
        #expect(saved.position(of: B) == 1)
        #expect(saved.mayPublish(A))
    }
}
