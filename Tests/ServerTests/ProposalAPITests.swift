import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangCore
import MusrenbangStore
import Testing
import TestSupport

func proposalJSON(village: String = bubuk, title: String = "Perbaikan jalan dusun Krajan", cost: Int = 175_000_000,
                  funding: String = "villageFund", extra: String = "") -> String {
    #"""
    {"villageCode":"\#(village)","year":2027,"title":"\#(title)","problem":"Jalan berlubang sepanjang 350 m, sulit dilalui saat hujan.",
     "activity":"Pengaspalan jalan lingkungan","fieldCode":"02","subfieldCode":"02.03","kind":"physical",
     "location":{"hamlet":"Krajan","rw":"02","rt":"01","lat":-8.28,"lng":114.3},"volume":350,"unit":"m",
     "estimatedCost":\#(cost),"fundingSource":"\#(funding)","beneficiaries":{"total":420,"women":210,"poor":60,"disabled":4},"sdg":9\#(extra)}
    """#
}

/// A village with a registered citizen who proposes, and the staff who decide.
struct ProposalWorld {
    let app: TestApp
    let citizen: String
    let villageOperator: String
    let districtOperator: String
    let planner: String

    static func make(_ app: TestApp) async throws -> ProposalWorld {
        _ = try await app.send(.post, "/api/v1/citizens", json: citizenJSON())
        return ProposalWorld(
            app: app,
            citizen: try await app.login(womanNIK, "kata-sandi-1"),
            villageOperator: try await app.staffToken(username: "op-bubuk", role: "village_operator", region: bubuk),
            districtOperator: try await app.staffToken(username: "kec-rogojampi", role: "district_operator", region: "35.10.13"),
            planner: try await app.staffToken(username: "bappeda", role: "planner", region: "35.10"))
    }

    func submit(_ json: String = proposalJSON(), token: String? = nil, key: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[.init("Idempotency-Key")!] = key }
        return try await app.send(.post, "/api/v1/proposals", json: json, token: token ?? citizen, headers: headers)
    }

    func created(_ json: String = proposalJSON(), token: String? = nil) async throws -> Int {
        let response = try await submit(json, token: token)
        guard response.status == .created, let id = try response.json()["id"] as? Int else {
            throw TestFailure("proposal not created: \(response.status) \(response.text)")
        }
        return id
    }

    func decide(_ id: Int, _ json: String, token: String) async throws -> TestResponse {
        try await app.send(.post, "/api/v1/proposals/\(id)/decisions", json: json, token: token)
    }

    func get(_ id: Int) async throws -> [String: Any] {
        try await app.send(.get, "/api/v1/proposals/\(id)").json()
    }
}

@Suite("Proposals API")
struct ProposalAPITests {
    @Test("a citizen submits; the proposal has status, support count and history", arguments: TestFlavour.enabled)
    func submit(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let response = try await world.submit()
            #expect(response.status == .created)
            let body = try response.json()
            #expect(body["status"] as? String == "pending")
            #expect(body["level"] as? String == "village")
            #expect(body["supportCount"] as? Int == 0)
            #expect(body["proposer"] as? String == "Warga Desa Bubuk")
            let history = try #require(body["history"] as? [[String: Any]])
            #expect(history.count == 1)
            #expect(history[0]["event"] as? String == "submitted")
            #expect((history[0]["text"] as? String)?.hasPrefix("Diajukan di Musrenbang Desa") == true)
            #expect(!response.text.contains(womanNIK))
        }
    }

    @Test("bad proposals are refused with 422 naming the field", arguments: TestFlavour.enabled)
    func refusals(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let cases: [(String, String)] = [
                (proposalJSON(cost: -5), "estimatedCost"),
                (proposalJSON(village: "35.10.99.2001"), "villageCode"),
                (proposalJSON().replacingOccurrences(of: #""lat":-8.28,"lng":114.3"#, with: #""lat":52.5,"lng":13.4"#), "location"),
                (proposalJSON().replacingOccurrences(of: #""volume":350"#, with: #""volume":-1"#), "volume"),
                (proposalJSON().replacingOccurrences(of: #""subfieldCode":"02.03""#, with: #""subfieldCode":"09.09""#), "subfieldCode"),
                (proposalJSON().replacingOccurrences(of: #""fundingSource":"villageFund""#, with: #""fundingSource":"lottery""#), "fundingSource"),
                (proposalJSON().replacingOccurrences(of: #""title":"Perbaikan jalan dusun Krajan","#, with: ""), "title"),
                // More than a 32-bit column holds: a 500 on PostgreSQL before it was bounded.
                (proposalJSON().replacingOccurrences(of: #""total":420"#, with: #""total":3000000000"#), "beneficiaries"),
            ]
            for (json, field) in cases {
                let response = try await world.submit(json)
                #expect(response.status == .unprocessableContent, "\(field)")
                #expect(try errorField(response).field == field)
            }
            let other = try await world.submit(proposalJSON(village: "35.10.13.2001"))
            #expect(other.status == .forbidden, "a citizen proposes for their own village")
            #expect(try await app.send(.post, "/api/v1/proposals", json: proposalJSON()).status == .unauthorized)
            let list = try await app.send(.get, "/api/v1/proposals").json()
            #expect(list["total"] as? Int == 0, "nothing half-written")
        }
    }

    @Test("a hundred concurrent retries with one idempotency key make one proposal", arguments: TestFlavour.enabled)
    func idempotency(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let statuses = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        // As a client does: a 503 (the pool busy with the other 99 on a machine running
                        // the whole suite) is sent again with the same key.
                        var response = try await world.submit(key: "retry-123")
                        for _ in 0..<20 where response.status == .serviceUnavailable {
                            try await Task.sleep(for: .milliseconds(200))
                            response = try await world.submit(key: "retry-123")
                        }
                        return (response.status.code, try response.json()["id"] as? Int ?? -1)
                    }
                }
                return try await group.reduce(into: [(Int, Int)]()) { $0.append($1) }
            }
            // One 201 — none if the request that made it was answered 503 after all (its retry then gets 200).
            #expect(statuses.filter { $0.0 == 201 }.count <= 1)
            #expect(statuses.allSatisfy { $0.0 == 201 || $0.0 == 200 })
            #expect(Set(statuses.map(\.1)).count == 1)
            #expect(try await app.send(.get, "/api/v1/proposals").json()["total"] as? Int == 1)
            #expect(try await world.submit(key: "another").status == .created)
        }
    }

    @Test("one support per citizen, even a hundred at once; withdrawing works", arguments: TestFlavour.enabled)
    func supports(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created(token: world.villageOperator)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        let response = try await app.send(.post, "/api/v1/proposals/\(id)/supports", token: world.citizen)
                        return response.status.code
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1)
            #expect(statuses.filter { $0 == 409 }.count == 99)
            #expect(try await world.get(id)["supportCount"] as? Int == 1)
            #expect(try await app.send(.delete, "/api/v1/proposals/\(id)/supports", token: world.citizen).status == .ok)
            #expect(try await world.get(id)["supportCount"] as? Int == 0)
            #expect(try await app.send(.delete, "/api/v1/proposals/\(id)/supports", token: world.citizen).status == .notFound)
            #expect(try await app.send(.post, "/api/v1/proposals/\(id)/supports", token: world.villageOperator).status == .forbidden)

            // Once decided, the count is part of the record: no new supports, and none withdrawn.
            let again = try await app.send(.post, "/api/v1/proposals/\(id)/supports", token: world.citizen)
            #expect(again.status == .created)
            #expect(try again.json()["supportCount"] as? Int == 1, "the answer carries the count after the support")
            #expect(try await world.decide(id, #"{"level":"village","outcome":"rejected","reason":"Di luar prioritas"}"#,
                                           token: world.villageOperator).status == .created)
            let closed = try await app.send(.delete, "/api/v1/proposals/\(id)/supports", token: world.citizen)
            #expect(closed.status == .conflict)
            #expect(try errorField(closed).code == "support.closed")
            #expect(try await world.get(id)["supportCount"] as? Int == 1)
        }
    }

    @Test("realisation input is bounded: budget line, amount, year and note each named", arguments: TestFlavour.enabled)
    func realisationRefusals(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created(token: world.villageOperator)
            #expect(try await world.decide(id, #"{"level":"village","outcome":"accepted"}"#, token: world.villageOperator).status == .created)
            let note = String(repeating: "n", count: 2001)
            let cases: [(String, String, String)] = [
                (#"{"budgetLine":" ","amount":5,"year":2027,"progress":10}"#, "budgetLine", "realisation.invalid"),
                // A control character is refused at the boundary, before any rule (BoundaryText).
                (#"{"budgetLine":"\f\n","amount":5,"year":2027,"progress":10}"#, "budgetLine", "text.control"),
                (#"{"budgetLine":"1.03","amount":-5,"year":2027,"progress":10}"#, "amount", "amount.negative"),
                (#"{"budgetLine":"1.03","amount":5,"year":3000000000,"progress":10}"#, "year", "year.range"),
                (#"{"budgetLine":"1.03","amount":5,"year":1999,"progress":10}"#, "year", "year.range"),
                (#"{"budgetLine":"1.03","amount":5,"year":2027,"progress":10,"note":"\#(note)"}"#, "note", "note.length"),
            ]
            for (json, field, code) in cases {
                let response = try await app.send(.post, "/api/v1/proposals/\(id)/realisations", json: json, token: world.planner)
                #expect(response.status == .unprocessableContent, "\(code)")
                #expect(try errorField(response).field == field)
                #expect(try errorField(response).code == code)
            }
            let fine = try await app.send(.post, "/api/v1/proposals/\(id)/realisations",
                                          json: #"{"budgetLine":"1.03","amount":5,"year":2027,"progress":10,"note":"Tahap awal"}"#,
                                          token: world.planner)
            #expect(fine.status == .created)
            let decidedCost = try await world.decide(try await world.created(token: world.villageOperator),
                                                     #"{"level":"village","outcome":"acceptedWithChanges","reason":"Disesuaikan","estimatedCost":1000000000001}"#,
                                                     token: world.villageOperator)
            #expect(decidedCost.status == .unprocessableContent)
            #expect(try errorField(decidedCost).code == "estimatedCost.tooLarge")
        }
    }

    @Test("village → district → agency → regency, with reasons, notices and a public timeline", arguments: TestFlavour.enabled)
    func routing(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created(proposalJSON(funding: "regencyBudget"))
            let noReason = try await world.decide(id, #"{"level":"village","outcome":"forwarded"}"#, token: world.villageOperator)
            #expect(try errorField(noReason) == ("reason.required", "reason"))
            let wrongLevel = try await world.decide(id, #"{"level":"district","outcome":"forwarded","reason":"Prioritas kecamatan"}"#,
                                                    token: world.districtOperator)
            #expect(wrongLevel.status == .conflict)
            let notAllowed = try await world.decide(id, #"{"level":"village","outcome":"forwarded","reason":"Di luar kewenangan desa"}"#,
                                                    token: world.citizen)
            #expect(notAllowed.status == .forbidden)
            let keep = try await world.decide(id, #"{"level":"village","outcome":"accepted"}"#, token: world.villageOperator)
            #expect(keep.status == .conflict, "APBD-funded work is beyond village authority")

            #expect(try await world.decide(id, #"{"level":"village","outcome":"forwarded","reason":"Di luar kewenangan desa"}"#,
                                           token: world.villageOperator).status == .created)
            let agency = try await app.staffToken(username: "pupr", role: "agency", region: "35.10", agency: "PUPR")
            #expect(try await world.decide(id, #"{"level":"district","outcome":"forwarded","reason":"Prioritas 1 kecamatan"}"#,
                                           token: world.districtOperator).status == .created)
            let atAgency = try await world.get(id)
            #expect(atAgency["level"] as? String == "agency")
            #expect(atAgency["agencyCode"] as? String == "PUPR")
            let changed = try await world.decide(id, #"{"level":"agency","outcome":"acceptedWithChanges","reason":"Disesuaikan dengan pagu","estimatedCost":150000000}"#,
                                                 token: agency)
            #expect(changed.status == .created)
            let host = try await app.staffToken(username: "bupati", role: "host", region: "35.10")
            #expect(try await world.decide(id, #"{"level":"regency","outcome":"accepted"}"#, token: host).status == .created)
            let final = try await world.get(id)
            #expect(final["status"] as? String == "accepted")
            #expect((final["current"] as? [String: Any])?["estimatedCost"] as? Int == 150_000_000)
            let texts = try #require(final["history"] as? [[String: Any]]).compactMap { $0["text"] as? String }
            #expect(texts.count == 5)
            #expect(texts[1].hasPrefix("Diteruskan di Musrenbang Desa"))
            #expect(texts[1].contains("alasan: Di luar kewenangan desa"))

            let realised = try await app.send(.post, "/api/v1/proposals/\(id)/realisations",
                                              json: #"{"budgetLine":"1.03.10.2.01","amount":150000000,"year":2027,"progress":100}"#,
                                              token: agency)
            #expect(realised.status == .created)
            #expect(try realised.json()["status"] as? String == "completed")

            let notices = try await app.send(.get, "/api/v1/me/notifications", token: world.citizen).json()
            let messages = try #require(notices["items"] as? [[String: Any]]).compactMap { $0["message"] as? String }
            #expect(messages.count == 5)
            #expect(messages.contains { $0.contains("Diteruskan di Musrenbang Desa — alasan: Di luar kewenangan desa") })
        }
    }

    @Test("a district rejects with a reason the citizen can read", arguments: TestFlavour.enabled)
    func rejection(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created(proposalJSON(funding: "regencyBudget"))
            _ = try await world.decide(id, #"{"level":"village","outcome":"forwarded","reason":"Di luar kewenangan desa"}"#, token: world.villageOperator)
            let other = try await app.staffToken(username: "kec-lain", role: "district_operator", region: "35.10.01")
            #expect(try await world.decide(id, #"{"level":"district","outcome":"rejected","reason":"Tidak sesuai"}"#, token: other).status == .forbidden)
            #expect(try await world.decide(id, #"{"level":"district","outcome":"rejected","reason":"Melebihi pagu indikatif kecamatan"}"#,
                                           token: world.districtOperator).status == .created)
            let page = try await app.send(.get, "/api/v1/proposals/\(id)").json()
            #expect(page["status"] as? String == "rejected")
            #expect(page["level"] as? String == "district")
            let again = try await world.decide(id, #"{"level":"district","outcome":"forwarded","reason":"Berubah pikiran"}"#, token: world.districtOperator)
            #expect(again.status == .conflict)
            let mine = try await app.send(.get, "/api/v1/me/proposals", token: world.citizen).json()
            #expect(mine["total"] as? Int == 1)
        }
    }

    @Test("supports arriving together: each person counted once per proposal, a bad one refused alone", arguments: TestFlavour.enabled)
    func supportsTogether(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            var proposals: [ProposalID] = []
            for title in ["Jalan Krajan", "Sumur Bor", "Posyandu"] {
                proposals.append(ProposalID(rawValue: Int64(try await world.created(proposalJSON(title: title), token: world.villageOperator))))
            }
            var people: [UserID] = []
            for index in 0..<8 {
                people.append(try #require(try await app.services.accounts.createCitizen(NewCitizen(
                    name: "Warga \(index)", nikHash: "together-\(index)", nikMasked: "351013********0\(index)", gender: .female,
                    village: RegionCode(bubuk)!, passwordHash: nil, phone: nil, createdBy: nil))))
            }
            let engagement = EngagementStore(app.services.database)
            func together(_ attempts: [(ProposalID, UserID)]) async -> [(ProposalID, Result<EngagementStore.SupportOutcome, any Error>)] {
                await withTaskGroup(of: (ProposalID, Result<EngagementStore.SupportOutcome, any Error>).self) { group in
                    for (proposal, person) in attempts {
                        group.addTask { (proposal, await Result(awaiting: { try await engagement.support(proposal, by: person, idempotencyKey: nil) })) }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
            }
            // Everyone supports the first two proposals twice at once.
            let outcomes = await together(proposals.prefix(2).flatMap { proposal in people.flatMap { [(proposal, $0), (proposal, $0)] } })
            for proposal in proposals.prefix(2) {
                let mine = outcomes.filter { $0.0 == proposal }.compactMap { try? $0.1.get() }
                let counts = mine.compactMap { if case .added(let count) = $0 { count } else { nil } }
                #expect(counts.count == 8 && mine.filter { $0 == .alreadySupporting }.count == 8)
                #expect(counts.allSatisfy { (1...8).contains($0) } && counts.max() == 8, "each answer carries a count that includes it")
                #expect(try await world.get(Int(proposal.rawValue))["supportCount"] as? Int == 8)
            }
            // One support among others names no proposal: it fails, alone.
            let mixed = await together(people.map { (proposals[2], $0) } + [(ProposalID(rawValue: 999_999), people[0])])
            #expect(mixed.filter { (try? $0.1.get()) == nil }.map(\.0) == [ProposalID(rawValue: 999_999)])
            #expect(try await world.get(Int(proposals[2].rawValue))["supportCount"] as? Int == 8)
        }
    }

    @Test("merging carries supports without counting anyone twice", arguments: TestFlavour.enabled)
    func merge(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let survivor = try await world.created(token: world.villageOperator)
            let duplicate = try await world.created(proposalJSON(title: "Perbaiki jalan Krajan"), token: world.villageOperator)
            _ = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(name: "Budi", nik: manNIK, gender: "male"))
            let second = try await app.login(manNIK, "kata-sandi-1")
            for token in [world.citizen, second] {
                #expect(try await app.send(.post, "/api/v1/proposals/\(duplicate)/supports", token: token).status == .created)
            }
            #expect(try await app.send(.post, "/api/v1/proposals/\(survivor)/supports", token: world.citizen).status == .created)
            let noTarget = try await world.decide(duplicate, #"{"level":"village","outcome":"merged","reason":"Sama dengan usulan lain"}"#,
                                                  token: world.villageOperator)
            #expect(try errorField(noTarget).field == "mergedInto")
            let itself = try await world.decide(duplicate, #"{"level":"village","outcome":"merged","reason":"Sama","mergedInto":\#(duplicate)}"#,
                                                token: world.villageOperator)
            #expect(itself.status == .unprocessableContent)
            #expect(try await world.decide(duplicate, #"{"level":"village","outcome":"merged","reason":"Sama dengan usulan lain","mergedInto":\#(survivor)}"#,
                                           token: world.villageOperator).status == .created)
            #expect(try await world.get(survivor)["supportCount"] as? Int == 2)
            #expect(try await world.get(duplicate)["status"] as? String == "merged")
            #expect(try await world.get(duplicate)["mergedInto"] as? Int == survivor)
        }
    }

    @Test("similar proposals are found in other words; lists filter and page stably", arguments: TestFlavour.enabled)
    func similarAndList(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let road = try await world.created(token: world.villageOperator)
            for index in 0..<7 {
                _ = try await world.created(proposalJSON(title: "Pelatihan menjahit kelompok \(index)")
                    .replacingOccurrences(of: "Pengaspalan jalan lingkungan", with: "Pelatihan keterampilan"), token: world.villageOperator)
            }
            let similar = try await app.send(.get, "/api/v1/similar?village=\(bubuk)&year=2027&text=memperbaiki%20jalan%20krajan").json()
            let items = try #require(similar["items"] as? [[String: Any]])
            #expect(items.first?["id"] as? Int == road)
            #expect(items.count <= 5)
            let ofRoad = try await app.send(.get, "/api/v1/proposals/\(road)/similar").json()
            #expect((ofRoad["items"] as? [[String: Any]])?.contains { $0["id"] as? Int == road } == false)

            let page1 = try await app.send(.get, "/api/v1/proposals?village=\(bubuk)&pageSize=3&page=1").json()
            let page3 = try await app.send(.get, "/api/v1/proposals?village=\(bubuk)&pageSize=3&page=3").json()
            #expect(page1["total"] as? Int == 8)
            #expect((page1["items"] as? [Any])?.count == 3)
            #expect((page3["items"] as? [Any])?.count == 2)
            let searched = try await app.send(.get, "/api/v1/proposals?q=MENJAHIT&status=pending&field=02&year=2027").json()
            #expect(searched["total"] as? Int == 7)
            let bad = try await app.send(.get, "/api/v1/proposals?status=lost")
            #expect(try errorField(bad).field == "status")
        }
    }

    @Test("paging at the extremes answers 422 naming the parameter, and the server keeps answering", arguments: TestFlavour.enabled)
    func pagingExtremes(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            // This one request used to overflow the offset and stop the process.
            for (query, field) in [("page=9223372036854775807&pageSize=2", "page"), ("page=0", "page"), ("page=-3", "page"),
                                   ("pageSize=1000000", "pageSize"), ("pageSize=0", "pageSize"),
                                   ("page=99999999999999999999999", "page"), ("page=dua", "page")] {
                let refused = try await app.send(.get, "/api/v1/proposals?\(query)")
                #expect(refused.status == .unprocessableContent, "\(query)")
                #expect(try errorField(refused).field == field, "\(query)")
            }
            let last = try await app.send(.get, "/api/v1/proposals?page=100000&pageSize=1000")
            #expect(last.status == .ok)
            #expect((try last.json()["items"] as? [Any])?.isEmpty == true)
            let html = try await app.send(.get, "/usulan?page=9223372036854775807")
            #expect(html.status == .ok)
        }
    }

    @Test("scores rank the village; moving one is logged; priorities stay unique", arguments: TestFlavour.enabled)
    func ranking(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let low = try await world.created(token: world.villageOperator)
            let high = try await world.created(proposalJSON(title: "Pembangunan jembatan dusun Krajan"), token: world.villageOperator)
            let unscored = try await world.created(proposalJSON(title: "Penerangan jalan umum"), token: world.villageOperator)
            for (id, urgency) in [(low, 2), (high, 5)] {
                let scored = try await app.send(.post, "/api/v1/proposals/\(id)/scores",
                                                json: #"{"scores":{"urgency":\#(urgency),"impact":4,"damage":4,"cost":3}}"#,
                                                token: world.villageOperator)
                #expect(scored.status == .ok)
            }
            #expect(try await app.send(.post, "/api/v1/proposals/\(low)/scores", json: #"{"scores":{"urgency":9}}"#,
                                       token: world.villageOperator).status == .unprocessableContent)
            #expect(try await app.send(.post, "/api/v1/proposals/\(low)/scores", json: #"{"scores":{"urgency":3}}"#,
                                       token: world.citizen).status == .forbidden)
            let ranked = try await app.send(.post, "/api/v1/villages/\(bubuk)/ranking", json: #"{"year":2027}"#, token: world.villageOperator).json()
            #expect(ranked["order"] as? [Int] == [high, low, unscored])
            let noReason = try await app.send(.post, "/api/v1/proposals/\(unscored)/priority", json: #"{"priority":1,"reason":""}"#,
                                              token: world.villageOperator)
            #expect(noReason.status == .unprocessableContent)
            let moved = try await app.send(.post, "/api/v1/proposals/\(unscored)/priority",
                                           json: #"{"priority":1,"reason":"Kesepakatan musyawarah: keselamatan warga"}"#, token: world.villageOperator).json()
            #expect(moved["order"] as? [Int] == [unscored, high, low])
            let list = try await app.send(.get, "/api/v1/villages/\(bubuk)/ranking?year=2027").json()
            let priorities = try #require(list["items"] as? [[String: Any]]).compactMap { $0["priority"] as? Int }
            #expect(priorities == [1, 2, 3])
            let history = try #require(try await world.get(unscored)["history"] as? [[String: Any]])
            #expect(history.last?["reason"] as? String == "Kesepakatan musyawarah: keselamatan warga")
        }
    }

    @Test("the district ceiling shows what remains", arguments: TestFlavour.enabled)
    func ceiling(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            #expect(try await app.send(.put, "/api/v1/districts/35.10.13/ceilings/2027", json: #"{"amount":500000000}"#,
                                       token: world.districtOperator).status == .forbidden)
            #expect(try await app.send(.put, "/api/v1/districts/35.10.13/ceilings/2027", json: #"{"amount":500000000}"#,
                                       token: world.planner).status == .noContent)
            let id = try await world.created(proposalJSON(funding: "regencyBudget"))
            _ = try await world.decide(id, #"{"level":"village","outcome":"forwarded","reason":"Di luar kewenangan desa"}"#, token: world.villageOperator)
            _ = try await world.decide(id, #"{"level":"district","outcome":"forwarded","reason":"Prioritas kecamatan"}"#, token: world.districtOperator)
            let use = try await app.send(.get, "/api/v1/districts/35.10.13/ceilings/2027").json()
            #expect(use["ceiling"] as? Int == 500_000_000)
            #expect(use["committed"] as? Int == 175_000_000)
            #expect(use["remaining"] as? Int == 325_000_000)
        }
    }

    @Test("comments, one level of replies, flags, and hiding with a visible reason", arguments: TestFlavour.enabled)
    func comments(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created()
            let first = try await app.send(.post, "/api/v1/proposals/\(id)/comments", json: #"{"body":"Setuju, jalan ini rusak parah <b>sekali</b>"}"#,
                                           token: world.citizen)
            let commentId = try #require(try first.json()["id"] as? Int)
            let reply = try await app.send(.post, "/api/v1/proposals/\(id)/comments", json: #"{"body":"Sudah dicek","parentId":\#(commentId)}"#,
                                           token: world.villageOperator)
            let replyId = try #require(try reply.json()["id"] as? Int)
            let nested = try await app.send(.post, "/api/v1/proposals/\(id)/comments", json: #"{"body":"Balasan dalam","parentId":\#(replyId)}"#,
                                            token: world.citizen)
            #expect(try errorField(nested) == ("parentId.nested", "parentId"))
            #expect(try await app.send(.post, "/api/v1/comments/\(commentId)/flag", token: world.planner).json()["flagCount"] as? Int == 1)
            #expect(try await app.send(.post, "/api/v1/comments/\(commentId)/flag", token: world.planner).json()["flagCount"] as? Int == 1)
            #expect(try await app.send(.post, "/api/v1/comments/\(commentId)/hide", json: #"{"reason":"Mengandung SARA"}"#,
                                       token: world.citizen).status == .forbidden)
            #expect(try await app.send(.post, "/api/v1/comments/\(commentId)/hide", json: #"{"reason":"Mengandung SARA"}"#,
                                       token: world.villageOperator).status == .noContent)
            let list = try await app.send(.get, "/api/v1/proposals/\(id)/comments").json()
            let items = try #require(list["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(items[0]["hidden"] as? Bool == true)
            #expect(items[0]["hiddenReason"] as? String == "Mengandung SARA")
            #expect(items[0]["body"] is NSNull || items[0]["body"] == nil)
            #expect(items[1]["parentId"] as? Int == commentId)
            #expect(items[1]["author"] as? String == "Petugas op-bubuk (Operator desa)")
            let citizenComment = try await app.send(.post, "/api/v1/proposals/\(id)/comments", json: #"{"body":"Terima kasih"}"#, token: world.citizen)
            #expect(citizenComment.status == .created)
            let again = try #require(try await app.send(.get, "/api/v1/proposals/\(id)/comments").json()["items"] as? [[String: Any]])
            #expect(again.last?["author"] as? String == "Warga Desa Bubuk", "a citizen's name is not shown in public")
            #expect(!String(describing: again).contains("Siti"))
        }
    }

    @Test("photos are checked by content, limited in size and number, and served with nosniff", arguments: TestFlavour.enabled)
    func photos(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created()
            let png = TestImages.pngs[0]
            func upload(_ bytes: [UInt8], type: String = "image/png") async throws -> TestResponse {
                try await app.client.execute(uri: "/api/v1/proposals/\(id)/photos", method: .post,
                                             headers: [.authorization: "Bearer \(world.citizen)", .contentType: type],
                                             body: ByteBuffer(bytes: bytes))
            }
            let fake = try await upload(Array("<html><script>alert(1)</script>".utf8), type: "image/jpeg")
            #expect(try errorField(fake) == ("photo.type", "photo"))
            let huge = try await upload([0xFF, 0xD8, 0xFF] + Array(repeating: 0, count: 5 * 1024 * 1024))
            #expect(huge.status == .contentTooLarge)
            let ok = try await upload(png)
            #expect(ok.status == .created)
            let url = try #require(try ok.json()["url"] as? String)
            let served = try await app.send(.get, url)
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == "image/png")
            #expect(served.headers[.init("X-Content-Type-Options")!] == "nosniff")
            for n in 1...2 { #expect(try await upload(TestImages.pngs[n]).status == .created) }
            #expect(try errorField(try await upload(TestImages.pngs[3])) == ("photo.tooMany", "photo"))
        }
    }
}
