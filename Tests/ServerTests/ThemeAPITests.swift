import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Thematic musrenbang API")
struct ThemeAPITests {
    /// A women's musrenbang for Desa Bubuk, at its proposal stage.
    func womensAssembly(_ app: TestApp) async throws -> (world: AssemblyWorld, id: Int) {
        let world = try await AssemblyWorld.make(app, villages: [bubuk])
        let created = try await app.send(.post, "/api/v1/assemblies", json: #"""
            {"title":"Musrenbang Perempuan Desa Bubuk 2027","level":"village","regencyCode":"35.10","planYear":2027,
             "startsAt":"2027-01-14T01:00:00Z","hubVillageCode":"35.10.13.2007","villageCodes":["\#(bubuk)"],"theme":"women"}
            """#, token: world.planner)
        #expect(created.status == .created)
        let id = try #require(try created.json()["id"] as? Int)
        let thematic = AssemblyWorld(app: app, planner: world.planner, host: world.host, bubukOperator: world.bubukOperator, id: id)
        for stage in ["checkIn", "opening", "dialogue", "proposals"] { #expect(try await thematic.hub(stage).status == .ok) }
        #expect(try await thematic.session("checkIn").status == .ok)
        return (thematic, id)
    }

    @Test("a thematic assembly end to end: scheduled with its theme, its proposal tagged, found by the filter, counted on the dashboard, marked on the ranking",
          arguments: TestFlavour.enabled)
    func thematicAssemblyEndToEnd(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let (world, id) = try await womensAssembly(app)
            let detail = try await app.send(.get, "/api/v1/assemblies/\(id)").json()
            #expect(detail["theme"] as? String == "women")
            let listed = try #require(try await app.send(.get, "/api/v1/assemblies").json()["items"] as? [[String: Any]])
            #expect(listed.first { $0["id"] as? Int == id }?["theme"] as? String == "women")
            #expect(try await app.send(.get, "/musrenbang/\(id)").text.contains("Tematik: Perempuan"))

            // Who came: a woman for the PKK and a man for the RT; the women's group counts her.
            #expect(try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(womanNIK)","name":"Siti Aminah","role":"womensGroup","gender":"female"}"#).status == .created)
            #expect(try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"\#(manNIK)","name":"Budi Santoso","role":"rtRw","gender":"male"}"#).status == .created)
            let attendance = try #require(try await world.summary()["attendance"] as? [String: Any])
            #expect(attendance["total"] as? Int == 2)
            #expect(attendance["themeGroup"] as? Int == 1)

            #expect(try await world.session("opening").status == .ok)
            #expect(try await world.session("dialogue").status == .ok)
            #expect(try await world.session("proposals").status == .ok)
            let general = try await app.send(.post, "/api/v1/proposals", json: proposalJSON(title: "Penerangan jalan umum dusun"),
                                             token: world.bubukOperator)
            #expect(general.status == .created)
            let generalId = try #require(try general.json()["id"] as? Int)
            // Whatever its subject, a proposal made in the women's session is theirs; the operator may clear the tag.
            #expect(try general.json()["theme"] as? String == "women")
            let untagged = try await app.send(.post, "/api/v1/proposals/\(generalId)/theme", json: #"{"theme":null}"#, token: world.bubukOperator)
            #expect(untagged.status == .ok)
            #expect(try untagged.json()["theme"] == nil, "a general proposal has no theme member")

            let made = try await app.send(.post, "/api/v1/proposals",
                                          json: proposalJSON(title: "Pelatihan usaha olahan pangan ibu-ibu PKK"), token: world.bubukOperator)
            #expect(made.status == .created)
            let proposal = try #require(try made.json()["id"] as? Int)
            #expect(try made.json()["theme"] as? String == "women")
            let shown = try await app.send(.get, "/api/v1/proposals/\(proposal)").json()
            #expect(shown["theme"] as? String == "women")
            let history = try #require(try await app.send(.get, "/api/v1/proposals/\(generalId)").json()["history"] as? [[String: Any]])
            #expect(history.contains { $0["event"] as? String == "themed" })

            // The list filtered by theme finds it, and only it.
            let filtered = try await app.send(.get, "/api/v1/proposals?theme=women&year=2027").json()
            let items = try #require(filtered["items"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? Int } == [proposal])
            #expect(try await app.send(.get, "/api/v1/proposals?theme=youth").json()["total"] as? Int == 0)
            let page = try await app.send(.get, "/usulan?theme=women&year=2027").text
            #expect(page.contains("Pelatihan usaha olahan pangan"))
            #expect(!page.contains("Penerangan jalan umum dusun"))
            #expect(page.contains(#"data-theme="women""#))

            // The dashboard counts it with its beneficiaries (L / P / RTM / difabel).
            let themes = try #require(try await app.send(.get, "/api/v1/dashboard/themes?year=2027").json()["items"] as? [[String: Any]])
            let women = try #require(themes.first { $0["theme"] as? String == "women" })
            #expect(women["proposals"] as? Int == 1)
            let counted = try #require(women["beneficiaries"] as? [String: Any])
            #expect(counted["total"] as? Int == 420)
            #expect(counted["men"] as? Int == 210)
            #expect(counted["women"] as? Int == 210)
            #expect(counted["poorHouseholds"] as? Int == 60)
            #expect(counted["disabled"] as? Int == 4)
            #expect(themes.first { $0["theme"] == nil }?["proposals"] as? Int == 1)
            let dashboard = try await app.send(.get, "/dasbor?tahun=2027").text
            #expect(dashboard.contains(#"id="tematik""#))
            #expect(dashboard.contains("RTM"))

            // The ranking marks it.
            let ranked = try await app.send(.post, "/api/v1/villages/\(bubuk)/ranking", json: #"{"year":2027}"#, token: world.bubukOperator)
            #expect(ranked.status == .ok)
            let ranking = try #require(try await app.send(.get, "/api/v1/villages/\(bubuk)/ranking?year=2027").json()["items"] as? [[String: Any]])
            let entry = ranking.compactMap { $0["proposal"] as? [String: Any] }.first { $0["id"] as? Int == proposal }
            #expect(entry?["theme"] as? String == "women")
            let rankingPage = try await app.send(.get, "/desa/\(bubuk)/peringkat?tahun=2027").text
            #expect(rankingPage.contains(#"data-theme="women""#))
            #expect(rankingPage.contains("Tematik: Perempuan"))

            // The proposal page shows the theme and its beneficiaries as L / P / RTM / difabel.
            let proposalPage = try await app.send(.get, "/usulan/\(proposal)").text
            #expect(proposalPage.contains("Tematik: Perempuan"))
            #expect(proposalPage.contains(">RTM</abbr> 60"))
        }
    }

    @Test("themes are checked at the boundary; only the village team tags, in its own village", arguments: TestFlavour.enabled)
    func refusals(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let bad = try await app.send(.post, "/api/v1/assemblies", json: #"""
                {"title":"Musrenbang Lansia","level":"village","regencyCode":"35.10","planYear":2027,
                 "startsAt":"2027-01-14T01:00:00Z","hubVillageCode":"35.10.13.2007","theme":"elderly"}
                """#, token: world.planner)
            #expect(try errorField(bad) == ("theme.invalid", "theme"))
            #expect(try await app.send(.get, "/api/v1/proposals?theme=elderly").status == .unprocessableContent)
            #expect(try await app.send(.get, "/api/v1/dashboard/themes?year=abc").status == .unprocessableContent)

            let id = try await world.created(token: world.villageOperator)
            let tag = #"{"theme":"youth"}"#
            #expect(try await app.send(.post, "/api/v1/proposals/\(id)/theme", json: tag).status == .unauthorized)
            #expect(try await app.send(.post, "/api/v1/proposals/\(id)/theme", json: tag, token: world.citizen).status == .forbidden)
            let elsewhere = try await app.staffToken(username: "op-lain", role: "village_operator", region: "35.10.13.2001")
            #expect(try await app.send(.post, "/api/v1/proposals/\(id)/theme", json: tag, token: elsewhere).status == .forbidden)
            let invalid = try await app.send(.post, "/api/v1/proposals/\(id)/theme", json: #"{"theme":"elderly"}"#, token: world.villageOperator)
            #expect(try errorField(invalid) == ("theme.invalid", "theme"))
            #expect(try await app.send(.post, "/api/v1/proposals/999999/theme", json: tag, token: world.planner).status == .notFound)
            let tagged = try await app.send(.post, "/api/v1/proposals/\(id)/theme", json: tag, token: world.planner)
            #expect(try tagged.json()["theme"] as? String == "youth")
            let again = try await app.send(.post, "/api/v1/proposals/\(id)/theme", json: tag, token: world.villageOperator)
            #expect(again.status == .ok)
            let history = try #require(try await world.get(id)["history"] as? [[String: Any]])
            #expect(history.filter { $0["event"] as? String == "themed" }.count == 1, "the same tag again writes nothing")
        }
    }

    @Test("the village operator tags a proposal from its page; a citizen sees the tag but no form", arguments: TestFlavour.enabled)
    func pageForm(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created(token: world.villageOperator)
            var villageOffice = Browser()
            let login = try await villageOffice.get(app, "/masuk")
            _ = try await villageOffice.post(app, "/masuk", form: ["_csrf": try Browser.csrf(in: login), "username": "op-bubuk",
                                                               "password": "rahasia-123"])
            let page = try await villageOffice.get(app, "/usulan/\(id)")
            #expect(page.text.contains(#"action="/usulan/\#(id)/tema""#))
            let posted = try await villageOffice.post(app, "/usulan/\(id)/tema", form: ["_csrf": try Browser.csrf(in: page), "theme": "disability"])
            #expect(posted.status == .seeOther)
            #expect(posted.headers[.location] == "/usulan/\(id)#tema")
            let saved = try await villageOffice.get(app, "/usulan/\(id)")
            #expect(saved.text.contains("Tema usulan tersimpan."))
            #expect(saved.text.contains("Tematik: Disabilitas"))
            _ = try await villageOffice.post(app, "/usulan/\(id)/tema", form: ["_csrf": try Browser.csrf(in: saved), "theme": "lansia"])
            let refused = try await villageOffice.get(app, "/usulan/\(id)")
            #expect(refused.text.contains("Tema tidak dikenal"))
            #expect(try await world.get(id)["theme"] as? String == "disability", "a refused tag changes nothing")

            var citizen = Browser()
            let citizenLogin = try await citizen.get(app, "/masuk")
            _ = try await citizen.post(app, "/masuk", form: ["_csrf": try Browser.csrf(in: citizenLogin), "username": womanNIK,
                                                              "password": "kata-sandi-1"])
            let seen = try await citizen.get(app, "/usulan/\(id)").text
            #expect(seen.contains("Tematik: Disabilitas"))
            #expect(!seen.contains("/tema\""))
        }
    }
}
