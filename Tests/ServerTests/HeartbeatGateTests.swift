import Foundation
@testable import MusrenbangServer
import MusrenbangCore
import SQLKit
import Testing
import TestSupport

@Suite("A check-in's sign of life")
struct HeartbeatGateTests {
    @Test("the gate opens once per interval for each session")
    func gate() throws {
        let gate = HeartbeatGate(interval: .seconds(10))
        let start = ContinuousClock.now
        let bubukCode = try #require(RegionCode(bubuk)), other = try #require(RegionCode("35.10.13.2001"))
        #expect(gate.due(AssemblyID(rawValue: 1), bubukCode, now: start))
        #expect(!gate.due(AssemblyID(rawValue: 1), bubukCode, now: start + .seconds(9)))
        #expect(gate.due(AssemblyID(rawValue: 1), other, now: start + .seconds(9)), "another village's session")
        #expect(gate.due(AssemblyID(rawValue: 2), bubukCode, now: start + .seconds(9)), "another assembly's session")
        #expect(gate.due(AssemblyID(rawValue: 1), bubukCode, now: start + .seconds(10)))
    }

    @Test("a check-in writes the heartbeat of a silent session, then not again within the interval", arguments: TestFlavour.enabled)
    func checkIn(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            _ = try await world.hub("checkIn")
            _ = try await world.session("checkIn")
            let sql = app.services.database.sql
            func heartbeat() async throws -> Date? {
                try await sql.select().column("last_heartbeat").from("assembly_sessions").where("assembly_id", .equal, world.id)
                    .where("village_code", .equal, bubuk).first()?.decode(column: "last_heartbeat", as: Date?.self)
            }
            func silence() async throws {
                try await sql.update("assembly_sessions").set("last_heartbeat", to: SQLLiteral.null).where("assembly_id", .equal, world.id).run()
            }
            try await silence()
            #expect(try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"3510135203900002","name":"Sri Wahyuni","role":"community","gender":"female"}"#).status == .created)
            #expect(try await heartbeat() != nil, "the first check-in is a sign of life")
            try await silence()
            #expect(try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"3510131203900003","name":"Budi Santoso","role":"community","gender":"male"}"#).status == .created)
            #expect(try await heartbeat() == nil, "written moments ago by this node: not sent again")
        }
    }
}
