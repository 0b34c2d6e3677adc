import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangCore
import MusrenbangStore
import SQLKit
import Testing
import TestSupport

/// An assembly of Banyuwangi with the staff that runs it.
struct AssemblyWorld {
    let app: TestApp
    let planner: String
    let host: String
    let bubukOperator: String
    let id: Int

    static func make(_ app: TestApp, villages: [String]? = nil) async throws -> AssemblyWorld {
        let planner = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10")
        let list = villages.map { ",\"villageCodes\":[\($0.map { "\"\($0)\"" }.joined(separator: ","))]" } ?? ""
        let created = try await app.send(.post, "/api/v1/assemblies", json: #"""
            {"title":"Musrenbangdes Serentak 2027","level":"village","regencyCode":"35.10","planYear":2027,
             "startsAt":"2027-01-21T12:00:00Z","hubVillageCode":"35.10.13.2007"\#(list)}
            """#, token: planner)
        guard created.status == .created, let id = try created.json()["id"] as? Int else {
            throw TestFailure("assembly not created: \(created.status) \(created.text)")
        }
        return AssemblyWorld(app: app, planner: planner,
                             host: try await app.staffToken(username: "bupati", role: "host", region: "35.10"),
                             bubukOperator: try await app.staffToken(username: "op-bubuk", role: "village_operator", region: bubuk),
                             id: id)
    }

    func hub(_ stage: String) async throws -> TestResponse {
        try await app.send(.post, "/api/v1/assemblies/\(id)/stage", json: #"{"stage":"\#(stage)"}"#, token: host)
    }

    func session(_ stage: String, village: String = bubuk, token: String? = nil) async throws -> TestResponse {
        try await app.send(.post, "/api/v1/assemblies/\(id)/sessions/\(village)/stage", json: #"{"stage":"\#(stage)"}"#,
                           token: token ?? bubukOperator)
    }

    func checkIn(_ json: String, token: String? = nil) async throws -> TestResponse {
        try await app.send(.post, "/api/v1/assemblies/\(id)/attendance", json: json, token: token ?? bubukOperator,
                           headers: [.init("Idempotency-Key")!: UUID().uuidString])
    }

    func summary() async throws -> [String: Any] {
        try await app.send(.get, "/api/v1/assemblies/\(id)/summary").json()
    }
}

@Suite("Assemblies API")
struct AssemblyAPITests {
    @Test("a planner schedules one assembly with a session in every village", arguments: TestFlavour.enabled)
    func schedule(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app)
            let detail = try await app.send(.get, "/api/v1/assemblies/\(world.id)").json()
            let sessions = try #require(detail["sessions"] as? [[String: Any]])
            #expect(sessions.count == 217)
            #expect(sessions.allSatisfy { $0["stage"] as? String == "scheduled" })
            #expect((detail["agenda"] as? [Any])?.isEmpty == false)
            let blankTitle = try await app.send(.put, "/api/v1/assemblies/\(world.id)/agenda",
                                                json: #"{"items":[{"title":" \u200B ","minutes":30}]}"#, token: world.planner)
            #expect(try errorField(blankTitle) == ("agenda.invalid", "items"))
            let controlTitle = try await app.send(.put, "/api/v1/assemblies/\(world.id)/agenda",
                                                  json: #"{"items":[{"title":"\n\f","minutes":30}]}"#, token: world.planner)
            #expect(try errorField(controlTitle) == ("text.control", "items[0].title"))
            let refused = try await app.send(.post, "/api/v1/assemblies", json: #"""
                {"title":"Musrenbang lain","level":"village","regencyCode":"35.10","planYear":2027,"startsAt":"2027-01-21T12:00:00Z","hubVillageCode":"35.10.13.2007"}
                """#, token: world.bubukOperator)
            #expect(refused.status == .forbidden)
            let badHub = try await app.send(.post, "/api/v1/assemblies", json: #"""
                {"title":"Musrenbang lain","level":"village","regencyCode":"35.10","planYear":2027,"startsAt":"2027-01-21T12:00:00Z","hubVillageCode":"35.09.01.2001"}
                """#, token: world.planner)
            #expect(try errorField(badHub).field == "hubVillageCode")
            let district = try await app.send(.post, "/api/v1/assemblies", json: #"""
                {"title":"Musrenbang Kecamatan serentak","level":"district","regencyCode":"35.10","planYear":2027,"startsAt":"2027-02-05T01:00:00Z","hubVillageCode":"35.10.13.2007"}
                """#, token: world.planner)
            let districtId = try #require(try district.json()["id"] as? Int)
            #expect((try await app.send(.get, "/api/v1/assemblies/\(districtId)").json()["sessions"] as? [Any])?.count == 25)
        }
    }

    @Test("the hub leads one stage at a time; villages follow, lag, never lead, close after agreeing", arguments: TestFlavour.enabled)
    func stages(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk, "35.10.13.2001"])
            #expect(try await world.hub("opening").status == .conflict)
            #expect(try await world.hub("checkIn").status == .ok)
            #expect(try await world.session("opening").status == .conflict, "not ahead of the hub")
            #expect(try await world.hub("opening").status == .ok)
            let detail = try await app.send(.get, "/api/v1/assemblies/\(world.id)").json()
            let sessions = try #require(detail["sessions"] as? [[String: Any]])
            #expect(sessions.allSatisfy { $0["stage"] as? String == "scheduled" }, "villages move themselves")
            #expect(try await world.session("opening").status == .ok, "a village may catch up in one step")
            let summary = try await world.summary()
            #expect((summary["villages"] as? [String: Any])?["notStarted"] as? Int == 1)
            #expect(try await app.send(.post, "/api/v1/assemblies/\(world.id)/stage", json: #"{"stage":"dialogue"}"#,
                                       token: world.bubukOperator).status == .forbidden)
            for stage in ["dialogue", "proposals", "ranking", "agreement"] { #expect(try await world.hub(stage).status == .ok) }
            #expect(try await world.session("agreement").status == .ok)
            #expect(try await world.session("closed").status == .conflict, "ranking not agreed")
            let other = try await app.staffToken(username: "op-aliyan", role: "village_operator", region: "35.10.13.2001")
            #expect(try await app.send(.post, "/api/v1/assemblies/\(world.id)/sessions/\(bubuk)/ranking-agreed",
                                       token: other).status == .forbidden)
            #expect(try await app.send(.post, "/api/v1/assemblies/\(world.id)/sessions/\(bubuk)/ranking-agreed",
                                       token: world.bubukOperator).status == .noContent)
            #expect(try await world.session("closed").status == .ok)
            #expect(try await world.session("agreement").status == .conflict, "never backwards")
            #expect(try await world.hub("closed").status == .ok)
            let log = try #require(try await app.send(.get, "/api/v1/assemblies/\(world.id)").json()["stageLog"] as? [[String: Any]])
            #expect(log.map { $0["to"] as? String } == ["checkIn", "opening", "dialogue", "proposals", "ranking", "agreement", "closed"])
            #expect(log.allSatisfy { $0["at"] is String })
        }
    }

    @Test("check-in by citizen id, NIK, signed code and as a walk-in; once per person; refusals", arguments: TestFlavour.enabled)
    func checkIn(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app)
            let citizenId = try await selfRegisteredCitizen(app)
            let early = try await world.checkIn(#"{"villageCode":"\#(bubuk)","citizenId":\#(citizenId),"role":"womensGroup","gender":"female"}"#)
            #expect(early.status == .conflict, "registration has not opened")
            _ = try await world.hub("checkIn")
            _ = try await world.session("checkIn")

            let first = try await world.checkIn(#"{"villageCode":"\#(bubuk)","citizenId":\#(citizenId),"role":"womensGroup","gender":"female"}"#)
            #expect(first.status == .created)
            let again = try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(womanNIK)","role":"community","gender":"female"}"#)
            #expect(again.status == .ok, "the same person by NIK is the existing record")
            #expect(try again.json()["id"] as? Int == (try first.json()["id"] as? Int))

            let citizen = try await app.login(womanNIK, "kata-sandi-1")
            let code = try #require(try await app.send(.get, "/api/v1/me/checkin-code?assembly=\(world.id)", token: citizen).json()["code"] as? String)
            #expect(try await world.checkIn(#"{"villageCode":"\#(bubuk)","code":"\#(code)","role":"community","gender":"female"}"#).status == .ok)
            let forged = try await world.checkIn(#"{"villageCode":"\#(bubuk)","code":"\#(citizenId)-000000","role":"community","gender":"female"}"#)
            #expect(try errorField(forged).code == "code.invalid")

            let unknown = try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(manNIK)","role":"youth","gender":"male"}"#)
            #expect(unknown.status == .notFound)
            let walkIn = try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(manNIK)","name":"Budi Santoso","role":"youth","gender":"male"}"#)
            #expect(walkIn.status == .created)
            let guestNIK = "3510134509850003"
            let guest = try await world.checkIn(#"""
                {"villageCode":"\#(bubuk)","nik":"\#(guestNIK)","name":"Tamu Aliyan","residenceVillageCode":"35.10.13.2001","role":"guestOfficial","gender":"female"}
                """#)
            #expect(try guest.json()["guest"] as? Bool == true)
            let other = try await app.staffToken(username: "op-aliyan", role: "village_operator", region: "35.10.13.2001")
            #expect(try await world.checkIn(#"{"villageCode":"\#(bubuk)","citizenId":\#(citizenId),"role":"community","gender":"female"}"#,
                                            token: other).status == .forbidden)

            let summary = try await world.summary()
            let attendance = try #require(summary["attendance"] as? [String: Any])
            #expect(attendance["total"] as? Int == 3)
            #expect(attendance["women"] as? Int == 2)
            #expect(attendance["men"] as? Int == 1)
            #expect((attendance["byRole"] as? [String: Int])?["womensGroup"] == 1)
        }
    }

    @Test("a walk-in whose NIK was registered meanwhile is checked in as that account: its gender, where it lives", arguments: TestFlavour.enabled)
    func walkInRace(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            _ = try await world.hub("checkIn")
            _ = try await world.session("checkIn")
            // Registered (a woman of Bubuk) after the operator's form looked the NIK up and found nothing.
            let citizenId = try await selfRegisteredCitizen(app)
            let operatorId = try #require(try await app.send(.get, "/api/v1/me", token: world.bubukOperator).json()["id"] as? Int)
            let form = NewCitizen(name: "Nama di formulir", nikHash: app.services.secret.nikHash(womanNIK), nikMasked: "3510********0001",
                                  gender: .male, village: try #require(RegionCode("35.10.13.2001")), passwordHash: nil, phone: nil,
                                  createdBy: UserID(rawValue: Int64(operatorId)))
            let (record, isNew) = try await AssemblyStore(app.services.database).checkIn(
                AssemblyID(rawValue: Int64(world.id)), village: try #require(RegionCode(bubuk)), person: .walkIn(form), role: .community,
                gender: .male, isGuest: true, by: UserID(rawValue: Int64(operatorId)))
            #expect(isNew)
            #expect(record.userId == UserID(rawValue: Int64(citizenId)))
            #expect(record.gender == .female, "the account's gender, not the form's")
            #expect(!record.isGuest, "she lives in Bubuk")
        }
    }

    /// The walk-in form is not read against the registry first: the registration in the check-in
    /// finds the account, and a form the rules refuse looks the NIK up before refusing.
    @Test("a walk-in form for a registered NIK checks in that account, even when the form contradicts the NIK", arguments: TestFlavour.enabled)
    func walkInRegistered(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            _ = try await world.hub("checkIn")
            _ = try await world.session("checkIn")
            let citizenId = try await selfRegisteredCitizen(app)
            // A woman's NIK (day + 40) with "male" on the form: refused as a registration.
            let wrong = try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(womanNIK)","name":"Nama Lain","role":"community","gender":"male"}"#)
            #expect(wrong.status == .created)
            #expect(try wrong.json()["userId"] as? Int == citizenId)
            #expect(try wrong.json()["gender"] as? String == "female")
            let again = try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(womanNIK)","name":"Nama Lain","role":"community","gender":"female"}"#)
            #expect(again.status == .ok)
            #expect(try again.json()["id"] as? Int == (try wrong.json()["id"] as? Int))
            let accounts = try await app.services.database.sql.raw("SELECT count(*) AS n FROM users WHERE role = 'citizen'").first()?
                .decode(column: "n", as: Int.self)
            #expect(accounts == 1)
            // Unknown and refused: the registration's own refusal.
            let refused = try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(manNIK)","name":"Budi Santoso","role":"youth","gender":"female"}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(try errorField(refused).field == "nik")
        }
    }

    @Test("concurrent check-ins by many operators never lose or double a count", arguments: TestFlavour.enabled)
    func concurrentCheckIns(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let villages = try await app.send(.get, "/api/v1/regions/35.10.13").json()["children"] as! [[String: Any]]
            let codes = villages.compactMap { $0["code"] as? String }
            let world = try await AssemblyWorld.make(app, villages: codes)
            _ = try await world.hub("checkIn")
            var operators: [String: String] = [:]
            for (index, code) in codes.enumerated() {
                operators[code] = try await app.staffToken(username: "op-\(index)", role: "village_operator", region: code)
                _ = try await world.session("checkIn", village: code, token: operators[code]!)
            }
            // Every operator registers walk-ins at once, each person twice (a retry).
            let people = (0..<60).map { index in (codes[index % codes.count], "3510131203\(String(format: "%02d", 80 + index % 10))\(String(format: "%04d", index))") }
            let tokens = operators
            let lastBefore = try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=1").text
                .split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }.max() ?? 0
            let listening = Task {
                // Long enough to outlast the rush when the whole suite shares the machine.
                try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=8",
                                   headers: [.init("Last-Event-ID")!: "\(lastBefore)"]).text
            }
            try await Task.sleep(for: .milliseconds(200))
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for (village, nik) in people + people {
                    group.addTask {
                        try await world.checkIn(#"{"villageCode":"\#(village)","nik":"\#(nik)","name":"Warga \#(nik.suffix(4))","role":"community","gender":"male"}"#,
                                                token: tokens[village]!).status.code
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 60)
            #expect(statuses.allSatisfy { $0 == 201 || $0 == 200 || $0 == 409 })
            let summary = try await world.summary()
            #expect((summary["attendance"] as? [String: Any])?["total"] as? Int == 60)
            let perVillage = try #require(summary["perVillage"] as? [[String: Any]])
            #expect(perVillage.reduce(0) { $0 + ($1["attendance"] as? Int ?? 0) } == 60)
            // A listener connected during the rush heard every event, in order, none skipped.
            func ids(_ text: String) -> [Int] { text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) } }
            var live = ids(try await listening.value)
            let replayed = ids(try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=1",
                                                  headers: [.init("Last-Event-ID")!: "\(lastBefore)"]).text)
            // A stream that ended before the rush did is resumed as a browser's EventSource does,
            // from the last id it heard: together they must still hold every event once, in order.
            for _ in 0..<3 where live.count < replayed.count {
                live += ids(try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=1",
                                               headers: [.init("Last-Event-ID")!: "\(live.last ?? lastBefore)"]).text)
            }
            #expect(live == replayed)
            #expect(live.count == 60)
        }
    }

    @Test("the live stream delivers a check-in, and a reconnect with Last-Event-ID misses nothing", arguments: TestFlavour.enabled)
    func liveStream(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            // Long enough for the three writes below on a machine busy with the whole suite.
            let listening = Task {
                try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=6").text
            }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await world.hub("checkIn")
            _ = try await world.session("checkIn")
            _ = try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(manNIK)","name":"Budi","role":"youth","gender":"male"}"#)
            let first = try await listening.value
            #expect(first.contains("event: stage"))
            #expect(first.contains("event: attendance"))
            let ids = first.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
            let lastSeen = try #require(ids.last)

            // While disconnected, two more things happen.
            _ = try await world.hub("opening")
            _ = try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(womanNIK)","name":"Siti","role":"womensGroup","gender":"female"}"#)
            let resumed = try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=1",
                                             headers: [.init("Last-Event-ID")!: "\(lastSeen)"]).text
            let resumedIds = resumed.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
            #expect(resumedIds.count == 2, "the hub's move and the check-in")
            #expect(resumedIds.allSatisfy { $0 > lastSeen })
            #expect(resumed.contains(#""hub":"opening""#))
            #expect(resumed.contains("event: attendance"))
        }
    }

    @Test("questions during the dialogue: moderated, upvoted once, answered by the host", arguments: TestFlavour.enabled)
    func questions(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            _ = try await app.send(.post, "/api/v1/citizens", json: citizenJSON())
            let citizen = try await app.login(womanNIK, "kata-sandi-1")
            let early = try await app.send(.post, "/api/v1/assemblies/\(world.id)/questions", json: #"{"body":"Kapan jalan kami diperbaiki?"}"#, token: citizen)
            #expect(early.status == .conflict)
            for stage in ["checkIn", "opening", "dialogue"] { _ = try await world.hub(stage) }
            let asked = try await app.send(.post, "/api/v1/assemblies/\(world.id)/questions", json: #"{"body":"Kapan jalan kami diperbaiki?"}"#, token: citizen)
            let question = try #require(try asked.json()["id"] as? Int)
            #expect((try await app.send(.get, "/api/v1/assemblies/\(world.id)/questions").json()["items"] as? [Any])?.isEmpty == true,
                    "the public sees only approved questions")
            #expect(try await app.send(.post, "/api/v1/assemblies/\(world.id)/questions/\(question)/status", json: #"{"status":"approved"}"#,
                                       token: citizen).status == .forbidden)
            #expect(try await app.send(.post, "/api/v1/assemblies/\(world.id)/questions/\(question)/status", json: #"{"status":"approved"}"#,
                                       token: world.bubukOperator).status == .noContent)
            for _ in 0..<3 {
                _ = try await app.send(.post, "/api/v1/assemblies/\(world.id)/questions/\(question)/upvote", token: citizen)
            }
            let listed = try await app.send(.get, "/api/v1/assemblies/\(world.id)/questions").json()["items"] as? [[String: Any]]
            #expect(listed?.first?["upvotes"] as? Int == 1)
            #expect(try await app.send(.post, "/api/v1/assemblies/\(world.id)/questions/\(question)/status", json: #"{"status":"answered"}"#,
                                       token: world.host).status == .noContent)

            // The status filter (found by schemathesis: an empty list of statuses was a 500 on PostgreSQL).
            let questions = "/api/v1/assemblies/\(world.id)/questions"
            let unknown = try await app.send(.get, questions + "?status=Dibahas")
            #expect(unknown.status == .unprocessableContent)
            #expect(try errorField(unknown) == ("status.invalid", "status"))
            #expect(try await app.send(.get, questions + "?status=answered,nope").status == .unprocessableContent)
            #expect((try await app.send(.get, questions + "?status=").json()["items"] as? [Any])?.count == 1, "empty: the default")
            let onlyPending = try await app.send(.get, questions + "?status=pending")
            #expect(onlyPending.status == .ok, "the public sees no pending questions: an empty list")
            #expect((try onlyPending.json()["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("proposals made during the proposal stage join the session; minutes lock when final", arguments: TestFlavour.enabled)
    func proposalsAndMinutes(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            for stage in ["checkIn", "opening", "dialogue", "proposals"] { _ = try await world.hub(stage) }
            _ = try await world.session("proposals")
            _ = try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(womanNIK)","name":"Siti Aminah","role":"womensGroup","gender":"female"}"#)
            let created = try await app.send(.post, "/api/v1/proposals", json: proposalJSON(extra: #","source":"onBehalf""#), token: world.bubukOperator)
            #expect(created.status == .created)
            let summary = try await world.summary()
            #expect((summary["proposals"] as? [String: Any])?["total"] as? Int == 1)
            #expect(((summary["proposals"] as? [String: Any])?["byField"] as? [String: Int])?["02"] == 1)
            for stage in ["ranking", "agreement"] { _ = try await world.hub(stage) }
            _ = try await world.session("ranking")
            _ = try await app.send(.post, "/api/v1/assemblies/\(world.id)/sessions/\(bubuk)/ranking-agreed", token: world.bubukOperator)

            let minutesURI = "/api/v1/assemblies/\(world.id)/sessions/\(bubuk)/minutes"
            #expect(try await app.send(.get, minutesURI).status == .unauthorized, "attendees' names are not public")
            let draft = try await app.send(.get, minutesURI, token: world.bubukOperator).json()
            #expect((draft["attendance"] as? [String: Any])?["women"] as? Int == 1)
            #expect((draft["rankedProposals"] as? [[String: Any]])?.first?["priority"] as? Int == 1)
            // Each refusal names the member at fault.
            let long = String(repeating: "x", count: 301)
            let names = (0..<41).map { "\"Saksi \($0)\"" }.joined(separator: ",")
            for (body, field) in [(#"{"fields":{"onlineLink":"\#(long)"}}"#, "onlineLink"), (#"{"fields":{"minuteTaker":"\#(long)"}}"#, "minuteTaker"),
                                  (#"{"fields":{"signatories":[\#(names)]}}"#, "signatories"),
                                  (#"{"fields":{"resourcePersons":[\#(names)]}}"#, "resourcePersons"),
                                  (#"{"fields":{},"amendmentReason":"\#(long)\#(long)"}"#, "amendmentReason")] {
                let refused = try await app.send(.put, minutesURI, json: body, token: world.bubukOperator)
                #expect(refused.status == .unprocessableContent, "\(field)")
                #expect(try errorField(refused).field == field)
            }
            let fields = #"{"chair":"Ketua BPD","minuteTaker":"Sekdes","resourcePersons":["Camat Rogojampi"],"agreements":"Usulan disepakati","decisionMethod":"consensus"}"#
            let final = try await app.send(.put, minutesURI, json: #"{"fields":\#(fields),"finalize":true}"#, token: world.bubukOperator)
            #expect(final.status == .ok)
            #expect(try final.json()["finalizedAt"] is String)
            let locked = try await app.send(.put, minutesURI, json: #"{"fields":{"chair":"Orang lain"}}"#, token: world.bubukOperator)
            #expect(try errorField(locked).code == "minutes.finalized")
            let amended = try await app.send(.put, minutesURI, json: #"{"fields":{"chair":"Kepala Desa"},"amendmentReason":"Salah tulis nama ketua"}"#,
                                             token: world.bubukOperator).json()
            #expect((amended["fields"] as? [String: Any])?["chair"] as? String == "Kepala Desa")
            #expect((amended["amendments"] as? [String])?.first?.contains("Salah tulis nama ketua") == true)
        }
    }

    @Test("a rehearsal is a sandbox wiped afterwards; real assemblies cannot be deleted", arguments: TestFlavour.enabled)
    func rehearsal(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            let rehearsal = try #require(try await app.send(.post, "/api/v1/assemblies/\(world.id)/rehearsal", token: world.planner).json()["id"] as? Int)
            let sandbox = AssemblyWorld(app: app, planner: world.planner, host: world.host, bubukOperator: world.bubukOperator, id: rehearsal)
            for stage in ["checkIn", "opening", "dialogue", "proposals"] { _ = try await sandbox.hub(stage) }
            _ = try await sandbox.session("proposals")
            _ = try await app.send(.post, "/api/v1/proposals", json: proposalJSON(extra: #","source":"onBehalf""#), token: world.bubukOperator)
            #expect(try await app.send(.delete, "/api/v1/assemblies/\(world.id)", token: world.planner).status == .conflict)
            #expect(try await app.send(.delete, "/api/v1/assemblies/\(rehearsal)", token: world.planner).status == .noContent)
            #expect(try await app.send(.get, "/api/v1/assemblies/\(rehearsal)").status == .notFound)
            #expect(try await app.send(.get, "/api/v1/proposals").json()["total"] as? Int == 0)
            #expect(try await app.send(.get, "/api/v1/assemblies/\(world.id)").status == .ok)
        }
    }

    @Test("a rehearsal is not rehearsed again; a rehearsal of one made earlier does not stop it being wiped", arguments: TestFlavour.enabled)
    func rehearsalOfRehearsal(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            let rehearsal = try #require(try await app.send(.post, "/api/v1/assemblies/\(world.id)/rehearsal", token: world.planner).json()["id"] as? Int)
            let again = try await app.send(.post, "/api/v1/assemblies/\(rehearsal)/rehearsal", token: world.planner)
            #expect(again.status == .conflict)
            #expect(try errorField(again).code == "assembly.rehearsal")

            // A rehearsal of a rehearsal made before this rule: wiping its parent no longer fails (it was a 500).
            let nested = try #require(try await app.send(.post, "/api/v1/assemblies/\(world.id)/rehearsal", token: world.planner).json()["id"] as? Int)
            try await app.services.database.sql.raw("UPDATE assemblies SET rehearsal_of = \(bind: rehearsal) WHERE id = \(bind: nested)").run()
            #expect(try await app.send(.delete, "/api/v1/assemblies/\(rehearsal)", token: world.planner).status == .noContent)
            let moved = try await app.send(.get, "/api/v1/assemblies/\(nested)").json()
            #expect(moved["rehearsalOf"] as? Int == world.id)
            #expect(try await app.send(.delete, "/api/v1/assemblies/\(nested)", token: world.planner).status == .noContent)
        }
    }
}
