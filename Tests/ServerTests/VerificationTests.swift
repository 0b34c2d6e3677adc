import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangCore
@testable import MusrenbangServer
import SQLKit
import Testing
import TestSupport

@Suite("Field verification")
struct VerificationTests {
    /// A proposal forwarded by the village to the kecamatan forum: PUPR (the agency of 02.03) may verify it.
    static func waitingAtDistrict(_ world: ProposalWorld) async throws -> Int {
        let id = try await world.created()
        let forwarded = try await world.decide(id, #"{"level":"village","outcome":"forwarded","reason":"Di luar kewenangan desa"}"#,
                                               token: world.villageOperator)
        #expect(forwarded.status == .created, "\(forwarded.text)")
        return id
    }

    @Test("the agency that would take a proposal verifies it in the field with a geotagged photo; the reason shows on the desk and the public page; EXIF is not served",
          arguments: TestFlavour.enabled)
    func verifyWithPhoto(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await Self.waitingAtDistrict(world)
            let pupr = try await app.staffToken(username: "dinas-pupr", role: "agency", region: "35.10", agency: "PUPR")
            let dinkes = try await app.staffToken(username: "dinas-kes", role: "agency", region: "35.10", agency: "DINKES")
            let today = app.services.today.description
            let path = "/api/v1/proposals/\(id)/verification"

            // Another agency may not; the finding "not feasible" needs a reason; a date ahead is refused.
            #expect(try await app.send(.post, path, json: #"{"status":"feasible","surveyedOn":"\#(today)"}"#, token: dinkes).status == .forbidden)
            let noReason = try await app.send(.post, path, json: #"{"status":"notFeasible","surveyedOn":"\#(today)"}"#, token: pupr)
            #expect(noReason.status == .unprocessableContent)
            #expect((try noReason.json()["error"] as? [String: Any])?["field"] as? String == "reason")
            let ahead = try await app.send(.post, path, json: #"{"status":"feasible","surveyedOn":"2999-01-01"}"#, token: pupr)
            #expect((try ahead.json()["error"] as? [String: Any])?["code"] as? String == "surveyedOn.range")
            let badDate = try await app.send(.post, path, json: #"{"status":"feasible","surveyedOn":"5/2/2027"}"#, token: pupr)
            #expect((try badDate.json()["error"] as? [String: Any])?["code"] as? String == "surveyedOn.invalid")
            #expect(try await world.get(id)["verification"].flatMap { $0 as? [String: Any] }?["status"] as? String == "notSurveyed")

            // The surveyor's photo, taken with the phone's GPS on: stored and served without it.
            let original = try await TestImages.withGPS(TestImages.jpeg)
            let upload = try await PhotoHygieneTests.upload(app, id, original, token: pupr)
            #expect(upload.status == .created, "\(upload.text)")
            let url = try #require(try upload.json()["url"] as? String)
            let served = Array(try await app.send(.get, url).body.readableBytesView)
            #expect(!(try await TestImages.tags(served)).keys.contains { $0.contains("GPS") })
            let purpose = try await app.services.database.sql.raw("SELECT purpose FROM proposal_photos WHERE proposal_id = \(bind: id)").first()
            #expect(try purpose?.decode(column: "purpose", as: String.self) == "verification")

            let verified = try await app.send(.post, path, json: #"""
                {"status":"notFeasible","reason":"Ruas jalan ini sudah masuk paket jalan provinsi 2027.","surveyedOn":"\#(today)",
                 "notes":"Diukur bersama kepala dusun.","lat":-8.2781,"lng":114.3012}
                """#, token: pupr)
            #expect(verified.status == .ok, "\(verified.text)")
            let verification = try #require(try verified.json()["verification"] as? [String: Any])
            #expect(verification["status"] as? String == "notFeasible")
            #expect(verification["reason"] as? String == "Ruas jalan ini sudah masuk paket jalan provinsi 2027.")
            #expect(verification["surveyedOn"] as? String == today)
            #expect(verification["lat"] as? Double == -8.2781)
            let history = try #require(try verified.json()["history"] as? [[String: Any]])
            #expect(history.last?["event"] as? String == "verified")
            #expect((history.last?["text"] as? String)?.contains("Verifikasi lapangan") == true)

            // The public tracking page and the kecamatan desk show the finding and its reason.
            let page = try await app.send(.get, "/usulan/\(id)").text
            #expect(page.contains("Tidak layak") && page.contains("sudah masuk paket jalan provinsi"))
            let desk = try await app.send(.get, "/kecamatan/35.10.13/usulan?tahun=2027").text
            #expect(desk.contains("Verifikasi lapangan: Tidak layak — Ruas jalan ini sudah masuk paket jalan provinsi 2027."))
        }
    }

    @Test("verification waits for the kecamatan or agency forum: at the village it is refused (409)", arguments: TestFlavour.enabled)
    func onlyWhileWaiting(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created()
            let response = try await app.send(.post, "/api/v1/proposals/\(id)/verification",
                                              json: #"{"status":"feasible","surveyedOn":"\#(app.services.today)"}"#, token: world.planner)
            #expect(response.status == .conflict)
            #expect((try response.json()["error"] as? [String: Any])?["code"] as? String == "verification.notWaiting")
        }
    }
}
