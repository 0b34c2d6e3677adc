import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing
import TestSupport

@Suite("Assisted-entry log")
struct AssistedEntryTests {
    @Test("what an operator does for a citizen — registration, check-in, a proposal in their name — is logged with who and when; the citizen reads it, planners read it per village; nobody changes it",
          arguments: TestFlavour.enabled)
    func logged(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app)
            let citizenId = try await selfRegisteredCitizen(app)
            let citizen = try await app.login(womanNIK, "kata-sandi-1")
            let op = world.bubukOperator

            // The citizen's own actions leave no line.
            _ = try await app.send(.post, "/api/v1/proposals", json: proposalJSON(), token: citizen)
            #expect((try await app.send(.get, "/api/v1/me/assisted-entries", token: citizen).json()["items"] as? [Any])?.isEmpty == true)

            // The operator: a check-in, a proposal in her name, and another villager registered at the office.
            _ = try await world.hub("checkIn")
            _ = try await world.session("checkIn")
            #expect(try await world.checkIn(#"{"villageCode":"\#(bubuk)","citizenId":\#(citizenId),"role":"womensGroup","gender":"female"}"#).status == .created)
            let onBehalf = try await app.send(.post, "/api/v1/proposals", json: proposalJSON(title: "Lampu jalan gang Melati", extra: #","source":"onBehalf","citizenId":\#(citizenId)"#), token: op)
            #expect(onBehalf.status == .created, "\(onBehalf.text)")
            let proposalId = try #require(try onBehalf.json()["id"] as? Int)
            let registered = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(name: "Budi Santoso", nik: manNIK, gender: "male", password: nil), token: op)
            #expect(registered.status == .created, "\(registered.text)")

            let mine = try #require(try await app.send(.get, "/api/v1/me/assisted-entries", token: citizen).json()["items"] as? [[String: Any]])
            #expect(mine.map { $0["kind"] as? String } == ["proposal", "checkIn"])
            #expect(mine.first?["subject"] as? String == "\(proposalId)")
            #expect((mine.first?["text"] as? String)?.contains("mengajukan usulan #\(proposalId) atas nama Anda") == true)
            #expect(mine.allSatisfy { ($0["staffName"] as? String)?.isEmpty == false && $0["staffRole"] as? String == "village_operator" })
            let account = try await app.send(.get, "/akun", token: citizen).text
            #expect(account.contains("mencatat kehadiran Anda di musrenbang #\(world.id)"))

            // Planners read the village; the operator who acted does not read the log.
            let village = try await app.send(.get, "/api/v1/villages/\(bubuk)/assisted-entries", token: world.planner)
            #expect(village.status == .ok)
            let lines = try #require(try village.json()["items"] as? [[String: Any]])
            #expect(lines.map { $0["kind"] as? String } == ["registration", "proposal", "checkIn"])
            #expect(try village.json()["total"] as? Int == 3)
            #expect(try await app.send(.get, "/api/v1/villages/\(bubuk)/assisted-entries", token: op).status == .forbidden)
            #expect(try await app.send(.get, "/api/v1/villages/35.10.13.2001/assisted-entries", token: world.planner).json()["total"] as? Int == 0)
            let page = try await app.send(.get, "/admin/pendampingan?desa=\(bubuk)", token: world.planner).text
            #expect(page.contains("mendaftarkan akun Budi Santoso"))

            // Append-only: the database refuses to change or remove a line.
            await #expect(throws: (any Error).self) {
                try await app.services.database.sql.raw("UPDATE assisted_entries SET staff_id = \(bind: citizenId)").run()
            }
            await #expect(throws: (any Error).self) {
                try await app.services.database.sql.raw("DELETE FROM assisted_entries").run()
            }
            #expect(try await app.send(.get, "/api/v1/villages/\(bubuk)/assisted-entries", token: world.planner).json()["total"] as? Int == 3)

            // A walk-in from another village, registered by the check-in itself: the registration is
            // logged where the citizen lives, the check-in where the session is.
            #expect(try await world.checkIn(#"{"villageCode":"\#(bubuk)","nik":"3510134403900004","name":"Siti Aminah","role":"community","gender":"female","residenceVillageCode":"35.10.13.2001"}"#).status == .created)
            let home = try await app.send(.get, "/api/v1/villages/35.10.13.2001/assisted-entries", token: world.planner).json()
            #expect((home["items"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["registration"])
            let here = try #require(try await app.send(.get, "/api/v1/villages/\(bubuk)/assisted-entries", token: world.planner).json()["items"] as? [[String: Any]])
            #expect(here.map { $0["kind"] as? String } == ["checkIn", "registration", "proposal", "checkIn"])
        }
    }
}
