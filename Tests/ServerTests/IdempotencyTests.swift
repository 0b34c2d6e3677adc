import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangStore
import SQLKit
import Testing
import TestSupport

/// Writes a client may retry after a lost answer (a crash, a cut connection, a 503): the same
/// `Idempotency-Key` with the same request answers what the first request made and never makes a
/// second record; the key with another request is 422 `idempotency.mismatch` and changes nothing.
@Suite("Idempotency keys")
struct IdempotencyTests {
    static func count(_ app: TestApp, _ sql: String) async throws -> Int {
        try await app.services.database.sql.raw(SQLQueryString(sql)).first()?.decode(column: "n", as: Int.self) ?? -1
    }

    static func keyed(_ key: String) -> HTTPFields { [.init("Idempotency-Key")!: key] }

    static func code(_ response: TestResponse) throws -> String? {
        (try response.json()["error"] as? [String: Any])?["code"] as? String
    }

    @Test("check-in: a retry answers the first record; another body under the key is refused", arguments: TestFlavour.enabled)
    func checkIn(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            _ = try await world.hub("checkIn")
            _ = try await world.session("checkIn")
            let uri = "/api/v1/assemblies/\(world.id)/attendance"
            let walkIn = #"{"villageCode":"\#(bubuk)","nik":"3510135203900002","name":"Sri Wahyuni","role":"community","gender":"female"}"#
            let first = try await app.send(.post, uri, json: walkIn, token: world.bubukOperator, headers: Self.keyed("checkin-1"))
            #expect(first.status == .created)
            let again = try await app.send(.post, uri, json: walkIn, token: world.bubukOperator, headers: Self.keyed("checkin-1"))
            #expect(again.status == .ok)
            #expect(try again.json()["id"] as? Int == (try first.json()["id"] as? Int))
            #expect(try again.json()["created"] as? Bool == false)
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM attendance WHERE assembly_id = \(world.id)") == 1)
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM assembly_events WHERE assembly_id = \(world.id) AND kind = 'attendance'") == 1)

            let other = #"{"villageCode":"\#(bubuk)","nik":"3510131203900003","name":"Budi Santoso","role":"community","gender":"male"}"#
            let reused = try await app.send(.post, uri, json: other, token: world.bubukOperator, headers: Self.keyed("checkin-1"))
            #expect(reused.status == .unprocessableContent)
            #expect(try Self.code(reused) == "idempotency.mismatch")
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM attendance WHERE assembly_id = \(world.id)") == 1)
            #expect(try await app.send(.post, uri, json: other, token: world.bubukOperator, headers: Self.keyed("checkin-2")).status == .created)

            // Check-in has closed: a retry is still answered with what the first request did,
            // a new check-in is refused, and the key still refuses another body.
            for stage in ["opening", "dialogue", "proposals", "ranking", "agreement"] { _ = try await world.hub(stage) }
            _ = try await world.session("agreement")
            _ = try await app.send(.post, "/api/v1/assemblies/\(world.id)/sessions/\(bubuk)/ranking-agreed", token: world.bubukOperator)
            #expect(try await world.session("closed").status == .ok)
            let late = try await app.send(.post, uri, json: walkIn, token: world.bubukOperator, headers: Self.keyed("checkin-1"))
            #expect(late.status == .ok)
            #expect(try late.json()["id"] as? Int == (try first.json()["id"] as? Int))
            let third = #"{"villageCode":"\#(bubuk)","nik":"3510134403900004","name":"Siti Aminah","role":"community","gender":"female"}"#
            let closed = try await app.send(.post, uri, json: third, token: world.bubukOperator, headers: Self.keyed("checkin-3"))
            #expect(closed.status == .conflict)
            #expect(try Self.code(closed) == "attendance.closed")
            let misused = try await app.send(.post, uri, json: third, token: world.bubukOperator, headers: Self.keyed("checkin-1"))
            #expect(try Self.code(misused) == "idempotency.mismatch")
        }
    }

    @Test("questions: a retry asks nothing again, even twenty at once; another body is refused", arguments: TestFlavour.enabled)
    func questions(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            for stage in ["checkIn", "opening", "dialogue"] { _ = try await world.hub(stage) }
            let uri = "/api/v1/assemblies/\(world.id)/questions"
            let body = #"{"body":"Kapan jalan desa diperbaiki?","villageCode":"\#(bubuk)"}"#
            let answers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await app.send(.post, uri, json: body, token: world.bubukOperator, headers: Self.keyed("q-1"))
                        return (Int(response.status.code), try response.json()["id"] as? Int ?? -1)
                    }
                }
                return try await group.reduce(into: [(Int, Int)]()) { $0.append($1) }
            }
            #expect(answers.filter { $0.0 == 201 }.count == 1)
            #expect(answers.allSatisfy { $0.0 == 201 || $0.0 == 200 })
            #expect(Set(answers.map(\.1)).count == 1)
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM questions WHERE assembly_id = \(world.id)") == 1)

            let reused = try await app.send(.post, uri, json: #"{"body":"Kapan irigasi sawah dibangun?","villageCode":"\#(bubuk)"}"#,
                                            token: world.bubukOperator, headers: Self.keyed("q-1"))
            #expect(reused.status == .unprocessableContent)
            #expect(try Self.code(reused) == "idempotency.mismatch")
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM questions WHERE assembly_id = \(world.id)") == 1)
            // The key is the sender's: another person's same key is another request.
            let other = try await app.staffToken(username: "op-bubuk-2", role: "village_operator", region: bubuk)
            #expect(try await app.send(.post, uri, json: body, token: other, headers: Self.keyed("q-1")).status == .created)

            // The dialogue is over: a retry is still answered with the first question, a new one is refused.
            _ = try await world.hub("proposals")
            let late = try await app.send(.post, uri, json: body, token: world.bubukOperator, headers: Self.keyed("q-1"))
            #expect(late.status == .ok)
            #expect(try late.json()["id"] as? Int == answers.first?.1)
            let closed = try await app.send(.post, uri, json: body, token: world.bubukOperator, headers: Self.keyed("q-2"))
            #expect(try Self.code(closed) == "questions.closed")
        }
    }

    @Test("supports: a retry counts once; the key on another proposal is refused", arguments: TestFlavour.enabled)
    func supports(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created(token: world.villageOperator)
            let second = try await world.created(proposalJSON(title: "Saluran irigasi tersier"), token: world.villageOperator)
            let first = try await app.send(.post, "/api/v1/proposals/\(id)/supports", token: world.citizen, headers: Self.keyed("s-1"))
            #expect(first.status == .created)
            let again = try await app.send(.post, "/api/v1/proposals/\(id)/supports", token: world.citizen, headers: Self.keyed("s-1"))
            #expect(again.status == .ok, "a retry, not 409 already supporting")
            #expect(try again.json()["supportCount"] as? Int == 1)
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM supports WHERE proposal_id = \(id)") == 1)
            #expect(try await Self.count(app, "SELECT support_count AS n FROM proposals WHERE id = \(id)") == 1)
            // Without the key, a second support is what it always was: already supporting.
            #expect(try await app.send(.post, "/api/v1/proposals/\(id)/supports", token: world.citizen).status == .conflict)

            let reused = try await app.send(.post, "/api/v1/proposals/\(second)/supports", token: world.citizen, headers: Self.keyed("s-1"))
            #expect(reused.status == .unprocessableContent)
            #expect(try Self.code(reused) == "idempotency.mismatch")
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM supports WHERE proposal_id = \(second)") == 0)

            // Once the proposal is decided its support is closed, but a retry is still answered.
            #expect(try await world.decide(id, #"{"level":"village","outcome":"rejected","reason":"Sudah ada di RKPDes"}"#,
                                           token: world.villageOperator).status == .created)
            let late = try await app.send(.post, "/api/v1/proposals/\(id)/supports", token: world.citizen, headers: Self.keyed("s-1"))
            #expect(late.status == .ok)
            #expect(try late.json()["supportCount"] as? Int == 1)
            let closed = try await app.send(.post, "/api/v1/proposals/\(id)/supports", token: world.citizen, headers: Self.keyed("s-2"))
            #expect(try Self.code(closed) == "support.closed")
        }
    }

    @Test("proposals: the key with another body is refused", arguments: TestFlavour.enabled)
    func proposals(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            #expect(try await world.submit(key: "p-1").status == .created)
            // The same request spelled differently (spacing) is the same request.
            let respaced = proposalJSON().replacingOccurrences(of: ",\"", with: ", \"")
            #expect(try await world.submit(respaced, key: "p-1").status == .ok)
            let reused = try await world.submit(proposalJSON(title: "Lampu jalan dusun Krajan"), key: "p-1")
            #expect(reused.status == .unprocessableContent)
            #expect(try Self.code(reused) == "idempotency.mismatch")
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM proposals") == 1)
        }
    }

    @Test("the floor: a retried raise, grant and end change the floor once", arguments: TestFlavour.enabled)
    func floor(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            for stage in ["checkIn", "opening"] { _ = try await world.hub(stage) }
            let floorURI = "/api/v1/assemblies/\(world.id)/floor"
            let hand = #"{"villageCode":"\#(bubuk)","topic":"Air bersih"}"#
            let village = #"{"villageCode":"\#(bubuk)"}"#
            #expect(try await app.send(.post, "\(floorURI)/hands", json: hand, token: world.bubukOperator, headers: Self.keyed("f-1")).status == .created)
            #expect(try await app.send(.post, "\(floorURI)/hands", json: hand, token: world.bubukOperator, headers: Self.keyed("f-1")).status == .ok,
                    "a retry, not 409 already queued")
            #expect(try await app.send(.post, "\(floorURI)/grant", json: village, token: world.host, headers: Self.keyed("f-2")).status == .ok)
            #expect(try await app.send(.post, "\(floorURI)/grant", json: village, token: world.host, headers: Self.keyed("f-2")).status == .ok,
                    "a retry, not 409 already speaking")
            #expect(try await app.send(.post, "\(floorURI)/end", json: village, token: world.host, headers: Self.keyed("f-3")).status == .ok)
            #expect(try await app.send(.post, "\(floorURI)/end", json: village, token: world.host, headers: Self.keyed("f-3")).status == .ok,
                    "a retry, not 409 not speaking")
            let mismatch = try await app.send(.post, "\(floorURI)/mute", json: village, token: world.host, headers: Self.keyed("f-2"))
            #expect(mismatch.status == .unprocessableContent, "the grant's key on a mute")
            #expect(try Self.code(mismatch) == "idempotency.mismatch")
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM floor_turns WHERE assembly_id = \(world.id)") == 1)
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM assembly_events WHERE assembly_id = \(world.id) AND kind = 'floor'") == 3)
        }
    }

    /// Each request makes its change in its own transaction and meets the others at the key, the
    /// last thing it writes: the losers roll back their change (a second account, a second hand)
    /// and answer the winner's.
    @Test("ten at once with one key: one walk-in registered and checked in, one hand raised", arguments: TestFlavour.enabled)
    func racing(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            _ = try await world.hub("checkIn")
            _ = try await world.session("checkIn")
            func tenAtOnce(_ uri: String, _ json: String, key: String) async throws -> [(status: Int, id: Int?)] {
                try await withThrowingTaskGroup(of: (status: Int, id: Int?).self) { group in
                    for _ in 0..<10 {
                        group.addTask {
                            let response = try await app.send(.post, uri, json: json, token: world.bubukOperator, headers: Self.keyed(key))
                            return (Int(response.status.code), try? response.json()["id"] as? Int)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            let walkIn = #"{"villageCode":"\#(bubuk)","nik":"3510135203900002","name":"Sri Wahyuni","role":"community","gender":"female"}"#
            let checkIns = try await tenAtOnce("/api/v1/assemblies/\(world.id)/attendance", walkIn, key: "race-checkin")
            #expect(checkIns.filter { $0.status == 201 }.count == 1)
            #expect(checkIns.allSatisfy { $0.status == 201 || $0.status == 200 }, "\(checkIns)")
            #expect(Set(checkIns.map(\.id)).count == 1)
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM attendance WHERE assembly_id = \(world.id)") == 1)
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM users WHERE name = 'Sri Wahyuni'") == 1)
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM assembly_events WHERE assembly_id = \(world.id) AND kind = 'attendance'") == 1)

            _ = try await world.hub("opening")
            let hand = #"{"villageCode":"\#(bubuk)","topic":"Air bersih"}"#
            let raises = try await tenAtOnce("/api/v1/assemblies/\(world.id)/floor/hands", hand, key: "race-hand")
            #expect(raises.allSatisfy { $0.status == 201 || $0.status == 200 }, "a race with itself, not 409 already queued: \(raises)")
            #expect(raises.filter { $0.status == 201 }.count == 1)
            #expect(try await Self.count(app, "SELECT count(*) AS n FROM assembly_events WHERE assembly_id = \(world.id) AND kind = 'floor'") == 1)
        }
    }

    @Test("a database that cannot answer is 503 database.unavailable with Retry-After, not 500", arguments: TestFlavour.enabled)
    func unavailable(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            for stage in ["checkIn", "opening", "dialogue"] { _ = try await world.hub(stage) }
            try await app.services.database.close()
            let started = ContinuousClock.now
            let response = try await app.send(.post, "/api/v1/assemblies/\(world.id)/questions",
                                              json: #"{"body":"Kapan jalan desa diperbaiki?","villageCode":"\#(bubuk)"}"#,
                                              token: world.bubukOperator, headers: Self.keyed("q-down"))
            #expect(response.status == .serviceUnavailable)
            #expect(try Self.code(response) == "database.unavailable")
            #expect(response.headers[.retryAfter] != nil)
            #expect(ContinuousClock.now - started < .seconds(15), "answered, not hanging")
            #expect(try await app.send(.get, "/readyz").status == .serviceUnavailable)
        }
    }
}
