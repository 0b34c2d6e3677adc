import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangCore
@testable import MusrenbangServer
import MusrenbangStore
import SQLKit
import Testing
import TestSupport

/// An assembly in its dialogue, with the hub and Bubuk's session under way.
struct PollWorld {
    let assembly: AssemblyWorld
    var app: TestApp { assembly.app }
    var id: Int { assembly.id }

    static func make(_ app: TestApp, villages: [String]? = [bubuk, "35.10.13.2001"]) async throws -> PollWorld {
        let assembly = try await AssemblyWorld.make(app, villages: villages)
        for stage in ["checkIn", "opening", "dialogue"] {
            _ = try await assembly.hub(stage)
        }
        _ = try await assembly.session("checkIn")
        return PollWorld(assembly: assembly)
    }

    func open(_ json: String = #"{"question":"Apa prioritas pertama desa?","options":["Jalan","Air bersih","Irigasi"]}"#,
              token: String? = nil) async throws -> TestResponse {
        try await app.send(.post, "/api/v1/assemblies/\(id)/polls", json: json, token: token ?? assembly.host)
    }

    func answer(_ poll: Int, option: Int, village: String = bubuk, token: String? = nil, key: String? = nil) async throws -> TestResponse {
        try await app.send(.post, "/api/v1/assemblies/\(id)/sessions/\(village)/polls/\(poll)/answer", json: #"{"option":\#(option)}"#,
                           token: token ?? assembly.bubukOperator, headers: key.map { [.init("Idempotency-Key")!: $0] } ?? [:])
    }

    func results(_ poll: Int) async throws -> [String: Any] {
        try await app.send(.get, "/api/v1/assemblies/\(id)/polls/\(poll)").json()
    }

    static func counts(_ results: [String: Any]) -> [Int] {
        (results["options"] as? [[String: Any]] ?? []).map { $0["count"] as? Int ?? -1 }
    }
}

@Suite("Polls API")
struct PollAPITests {
    @Test("the host opens a poll, an office answers once: a second answer is 409 and the first is kept", arguments: TestFlavour.enabled)
    func answerOnce(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await PollWorld.make(app)
            let opened = try await world.open()
            #expect(opened.status == .created, "\(opened.text)")
            let poll = try #require(try opened.json()["id"] as? Int)
            #expect(try opened.json()["status"] as? String == "open")
            #expect(try opened.json()["audience"] as? String == "office")

            let first = try await world.answer(poll, option: 2, key: "jawab-1")
            #expect(first.status == .created, "\(first.text)")
            #expect(try first.json()["option"] as? Int == 2)

            let second = try await world.answer(poll, option: 3)
            #expect(second.status == .conflict)
            #expect(second.text.contains("poll.alreadyAnswered"))
            // The same request sent again with its key: the original answer, not a conflict.
            let retry = try await world.answer(poll, option: 2, key: "jawab-1")
            #expect(retry.status == .ok, "\(retry.text)")
            #expect(try retry.json()["id"] as? Int == (try first.json()["id"] as? Int))
            #expect(try retry.json()["created"] as? Bool == false)
            // The key sent again with another option is another request.
            #expect(try await world.answer(poll, option: 1, key: "jawab-1").status == .unprocessableContent)

            let results = try await world.results(poll)
            #expect(PollWorld.counts(results) == [0, 1, 0])
            #expect(results["total"] as? Int == 1)
            #expect(results["officesAnswered"] as? Int == 1)
            #expect(results["officesPresent"] as? Int == 1)

            // Every change reached the live log.
            let events = try await app.services.database.sql.raw("SELECT COUNT(*) AS n FROM assembly_events WHERE kind = 'poll'").first()
            #expect(try events?.decode(column: "n", as: Int.self) == 2)
        }
    }

    @Test("a closed poll refuses answers (409) and closes once; its results stay", arguments: TestFlavour.enabled)
    func closing(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await PollWorld.make(app)
            let poll = try #require(try await world.open().json()["id"] as? Int)
            #expect(try await world.answer(poll, option: 1).status == .created)
            let closed = try await app.send(.post, "/api/v1/assemblies/\(world.id)/polls/\(poll)/close", token: world.assembly.planner)
            #expect(closed.status == .ok, "\(closed.text)")
            #expect(try closed.json()["status"] as? String == "closed")
            let late = try await world.answer(poll, option: 2, village: "35.10.13.2001", token: world.assembly.planner)
            #expect(late.status == .conflict && late.text.contains("poll.closed"), "\(late.text)")
            let again = try await app.send(.post, "/api/v1/assemblies/\(world.id)/polls/\(poll)/close", token: world.assembly.host)
            #expect(again.status == .conflict && again.text.contains("poll.closed"))
            #expect(PollWorld.counts(try await world.results(poll)) == [1, 0, 0])
            // An answer whose response was lost, retried with its key after the poll closed: still
            // the first answer (not "closed"); a new key is refused as any late answer is.
            let second = try #require(try await world.open().json()["id"] as? Int)
            let first = try await world.answer(second, option: 3, key: "sebelum-tutup")
            #expect(first.status == .created, "\(first.text)")
            #expect(try await app.send(.post, "/api/v1/assemblies/\(world.id)/polls/\(second)/close", token: world.assembly.planner).status == .ok)
            let retried = try await world.answer(second, option: 3, key: "sebelum-tutup")
            #expect(retried.status == .ok, "\(retried.text)")
            #expect(try retried.json()["id"] as? Int == (try first.json()["id"] as? Int))
            #expect(try retried.json()["created"] as? Bool == false)
            #expect(try await world.answer(second, option: 3, key: "sesudah-tutup").status == .conflict)
            // An unknown poll, or another assembly's: 404.
            #expect(try await world.answer(999_999, option: 1).status == .notFound)
        }
    }

    @Test("bad polls and bad answers are 422 naming the field", arguments: TestFlavour.enabled)
    func badInput(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await PollWorld.make(app)
            for (json, code) in [(#"{"question":"Apa?","options":["Ya","Tidak"]}"#, "question.length"),
                                 (#"{"question":"Setuju dengan usulan?","options":["Ya"]}"#, "options.count"),
                                 (#"{"question":"Setuju dengan usulan?","options":["1","2","3","4","5","6","7"]}"#, "options.count"),
                                 (#"{"question":"Setuju dengan usulan?","options":["Ya","  "]}"#, "options.blank"),
                                 (#"{"question":"Setuju dengan usulan?","options":["Ya","YA"]}"#, "options.duplicate"),
                                 (#"{"question":"Setuju dengan usulan?","options":["Ya","\#(String(repeating: "x", count: 121))"]}"#, "options.length"),
                                 (#"{"question":"Setuju dengan usulan?","options":["Ya","Tidak"],"audience":"semua"}"#, "audience.invalid"),
                                 (#"{"options":["Ya","Tidak"]}"#, "required")] {
                let refused = try await world.open(json)
                #expect(refused.status == .unprocessableContent, "\(json): \(refused.status)")
                #expect(refused.text.contains(code), "\(json): \(refused.text)")
            }
            let poll = try #require(try await world.open().json()["id"] as? Int)
            for option in [0, 4] {
                let refused = try await world.answer(poll, option: option)
                #expect(refused.status == .unprocessableContent && refused.text.contains("option.unknown"), "\(refused.text)")
            }
            #expect(try await world.answer(poll, option: 1).status == .created)
            let polls = try await app.services.database.sql.raw("SELECT COUNT(*) AS n FROM polls").first()
            #expect(try polls?.decode(column: "n", as: Int.self) == 1, "no refused poll was written")
        }
    }

    @Test("who may open, close and answer", arguments: TestFlavour.enabled)
    func permissions(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await PollWorld.make(app)
            #expect(try await world.open(token: world.assembly.bubukOperator).status == .forbidden)
            let anonymous = try await app.send(.post, "/api/v1/assemblies/\(world.id)/polls", json: #"{"question":"Setuju?","options":["Ya","Tidak"]}"#)
            #expect(anonymous.status == .unauthorized)
            let poll = try #require(try await world.open(token: world.assembly.planner).json()["id"] as? Int)
            #expect(try await app.send(.post, "/api/v1/assemblies/\(world.id)/polls/\(poll)/close", token: world.assembly.bubukOperator).status == .forbidden)
            // Another village's operator answers for their own office, never for Bubuk.
            let neighbour = try await app.staffToken(username: "op-tetangga", role: "village_operator", region: "35.10.13.2001")
            #expect(try await world.answer(poll, option: 1, token: neighbour).status == .forbidden)
            // Its session has not started: not present, so not answering.
            let early = try await world.answer(poll, option: 1, village: "35.10.13.2001", token: neighbour)
            #expect(early.status == .conflict && early.text.contains("poll.sessionNotLive"), "\(early.text)")
            // A citizen does not answer an office poll, and an office not a citizen poll.
            _ = try await selfRegisteredCitizen(app)
            let citizen = try await app.login(womanNIK, "kata-sandi-1")
            let asCitizen = try await app.send(.post, "/api/v1/assemblies/\(world.id)/polls/\(poll)/answer", json: #"{"option":1}"#, token: citizen)
            #expect(asCitizen.status == .conflict && asCitizen.text.contains("poll.officeOnly"), "\(asCitizen.text)")
            #expect(try await app.send(.post, "/api/v1/assemblies/\(world.id)/polls/\(poll)/answer", json: #"{"option":1}"#,
                                       token: world.assembly.bubukOperator).status == .forbidden)
            #expect(try await world.answer(poll, option: 1).status == .created)
            // Results are public.
            #expect(try await app.send(.get, "/api/v1/assemblies/\(world.id)/polls").status == .ok)
        }
    }

    @Test("a citizen poll: each checked-in citizen answers once, under the village they checked in at", arguments: TestFlavour.enabled)
    func citizens(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await PollWorld.make(app)
            let opened = try await world.open(#"{"question":"Setuju jalan diaspal?","options":["Setuju","Tidak setuju"],"audience":"citizen"}"#)
            let poll = try #require(try opened.json()["id"] as? Int, "\(opened.text)")
            let citizenId = try await selfRegisteredCitizen(app)
            let citizen = try await app.login(womanNIK, "kata-sandi-1")
            let path = "/api/v1/assemblies/\(world.id)/polls/\(poll)/answer"
            let absent = try await app.send(.post, path, json: #"{"option":1}"#, token: citizen)
            #expect(absent.status == .conflict && absent.text.contains("poll.notCheckedIn"), "\(absent.text)")
            #expect(try await world.assembly.checkIn(#"{"villageCode":"\#(bubuk)","citizenId":\#(citizenId),"role":"womensGroup","gender":"female"}"#).status == .created)
            let answered = try await app.send(.post, path, json: #"{"option":1}"#, token: citizen)
            #expect(answered.status == .created, "\(answered.text)")
            #expect(try answered.json()["villageCode"] as? String == bubuk)
            let again = try await app.send(.post, path, json: #"{"option":2}"#, token: citizen)
            #expect(again.status == .conflict && again.text.contains("poll.alreadyAnswered"))
            // The office's team does not answer a citizen poll.
            let office = try await world.answer(poll, option: 2)
            #expect(office.status == .conflict && office.text.contains("poll.citizenOnly"))
            let results = try await world.results(poll)
            #expect(PollWorld.counts(results) == [1, 0])
            #expect(results["officesAnswered"] as? Int == 1)
        }
    }

    @Test("closed polls and their results go into the minutes; closing the assembly closes an open poll", arguments: TestFlavour.enabled)
    func minutes(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await PollWorld.make(app)
            let first = try #require(try await world.open().json()["id"] as? Int)
            #expect(try await world.answer(first, option: 3).status == .created)
            _ = try await app.send(.post, "/api/v1/assemblies/\(world.id)/polls/\(first)/close", token: world.assembly.host)
            let open = try #require(try await world.open(#"{"question":"Musrenbang tahun depan daring lagi?","options":["Ya","Tidak"]}"#)
                .json()["id"] as? Int)
            let path = "/api/v1/assemblies/\(world.id)/sessions/\(bubuk)/minutes"
            let draft = try await app.send(.get, path, token: world.assembly.bubukOperator).json()
            let polls = try #require(draft["polls"] as? [[String: Any]])
            #expect(polls.count == 1, "only the closed poll")
            #expect(polls.first?["question"] as? String == "Apa prioritas pertama desa?")
            #expect(polls.first?["villageAnswer"] as? String == "Irigasi")
            #expect((polls.first?["options"] as? [[String: Any]])?.map { $0["count"] as? Int } == [0, 0, 1])
            #expect(polls.first?["officesPresent"] as? Int == 1)
            // The berita acara as printed (the HTML the PDF is made from) holds the poll and its result.
            let services = app.services
            let scope = try await AssemblyService(services: services).session(AssemblyID(rawValue: Int64(world.id)), bubuk,
                                                                               for: .readMinutesDraft, by: try await services.accounts.user(username: "op-bubuk"))
            let record = try await MinutesService(services: services).minutes(scope)
            let html = services.printer.templates.html(.villageMinutes, Papers(places: services.places).villageMinutes(
                record, assembly: scope.assembly, agenda: []), frame: services.printer.frame(title: "BA", isDraft: true, regencyName: "Banyuwangi"))
            #expect(html.contains("Jajak Pendapat") && html.contains("Apa prioritas pertama desa?"))
            #expect(html.contains("Irigasi: 1 (100%)"))
            let pdf = try await app.send(.get, "/dokumen/musrenbang/\(world.id)/\(bubuk)/berita-acara.pdf", token: world.assembly.bubukOperator)
            #expect(pdf.status == .ok || pdf.status == .serviceUnavailable, "\(pdf.status) \(pdf.text.prefix(200))")

            for stage in ["proposals", "ranking", "agreement", "closed"] { _ = try await world.assembly.hub(stage) }
            #expect(try await world.results(open)["status"] as? String == "closed")
            let after = try await app.send(.get, path, token: world.assembly.bubukOperator).json()
            #expect((after["polls"] as? [[String: Any]])?.count == 2)
            // No new poll once the assembly has closed.
            #expect(try await world.open().status == .conflict)
        }
    }

    @Test("a rehearsal's polls are wiped with it", arguments: TestFlavour.enabled)
    func rehearsal(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await PollWorld.make(app)
            let made = try await app.send(.post, "/api/v1/assemblies/\(world.id)/rehearsal", token: world.assembly.planner)
            let rehearsal = try #require(try made.json()["id"] as? Int, "\(made.text)")
            let practice = PollWorld(assembly: AssemblyWorld(app: app, planner: world.assembly.planner, host: world.assembly.host,
                                                            bubukOperator: world.assembly.bubukOperator, id: rehearsal))
            for stage in ["checkIn", "opening", "dialogue"] { _ = try await practice.assembly.hub(stage) }
            _ = try await practice.assembly.session("checkIn")
            let poll = try #require(try await practice.open().json()["id"] as? Int)
            #expect(try await practice.answer(poll, option: 1).status == .created)
            #expect(try await app.send(.delete, "/api/v1/assemblies/\(rehearsal)", token: world.assembly.planner).status == .noContent)
            for table in ["polls", "poll_options", "poll_answers"] {
                let rows = try await app.services.database.sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()
                #expect(try rows?.decode(column: "n", as: Int.self) == 0, "\(table)")
            }
        }
    }

    /// The evening itself: every village office of Banyuwangi answers at the same moment.
    @Test("a poll answered concurrently by 217 offices is counted exactly", arguments: TestFlavour.enabled)
    func twoHundredSeventeenOffices(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await PollWorld.make(app, villages: nil)
            let detail = try await app.send(.get, "/api/v1/assemblies/\(world.id)").json()
            let villages = try #require(detail["sessions"] as? [[String: Any]]).compactMap { $0["villageCode"] as? String }
            #expect(villages.count == 217)
            var operators: [String: String] = [:]
            for village in villages {
                operators[village] = try await app.staffToken(username: "op-\(village.replacingOccurrences(of: ".", with: ""))", role: "village_operator", region: village)
                if village != bubuk { _ = try await world.assembly.session("checkIn", village: village, token: operators[village]) }
            }
            let poll = try #require(try await world.open().json()["id"] as? Int)
            let expected = villages.enumerated().reduce(into: [0, 0, 0]) { counts, pair in counts[pair.offset % 3] += 1 }
            let answer = { (wave: Int) async throws -> [Int] in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for (index, village) in villages.enumerated() {
                        let token = operators[village]!
                        group.addTask {
                            let response = try await world.answer(poll, option: (index + wave) % 3 + 1, village: village, token: token)
                            return Int(response.status.code)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            let statuses = try await answer(0)
            #expect(statuses.filter { $0 == 201 }.count == 217, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
            // Every office at once again, each with another option: all refused, nothing counted twice.
            let repeats = try await answer(1)
            #expect(repeats.allSatisfy { $0 == 409 }, "\(Dictionary(grouping: repeats, by: { $0 }).mapValues(\.count))")

            let results = try await world.results(poll)
            #expect(results["total"] as? Int == 217)
            #expect(PollWorld.counts(results) == expected)
            #expect(results["officesAnswered"] as? Int == 217)
            #expect(results["officesPresent"] as? Int == 217)
            let rows = try await app.services.database.sql.raw("SELECT COUNT(*) AS n FROM poll_answers").first()
            #expect(try rows?.decode(column: "n", as: Int.self) == 217)
            let events = try await app.services.database.sql.raw("SELECT COUNT(*) AS n FROM assembly_events WHERE kind = 'poll'").first()
            #expect(try events?.decode(column: "n", as: Int.self) == 218, "one for the opening, one per answer")
        }
    }
}
