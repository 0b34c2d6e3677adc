import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangCore
@testable import MusrenbangServer
import SQLKit
import Testing
import TestSupport

/// A closed village station (Bubuk) with `men` and `women` checked in, and its kecamatan's operator.
struct ClosedStation {
    let world: AssemblyWorld
    let district: String
    var app: TestApp { world.app }
    var base: String { "/api/v1/assemblies/\(world.id)/villages/\(bubuk)/close-out" }

    static func make(_ app: TestApp, men: Int, women: Int, close: Bool = true) async throws -> ClosedStation {
        let world = try await AssemblyWorld.make(app, villages: [bubuk, "35.10.13.2001"])
        #expect(try await world.hub("checkIn").status == .ok)
        #expect(try await world.session("checkIn").status == .ok)
        for index in 0..<(men + women) {
            let female = index >= men
            // Walk-ins registered on the spot: NIK of Kecamatan Rogojampi (351013), born 12/03/85 (a woman's day + 40).
            let nik = "351013\(female ? "52" : "12")0385\(String(format: "%04d", 100 + index))"
            let checked = try await world.checkIn(#"""
                {"villageCode":"\#(bubuk)","nik":"\#(nik)","name":"Peserta \#(index + 1)","role":"community","gender":"\#(female ? "female" : "male")"}
                """#)
            #expect(checked.status == .created, "\(checked.text)")
        }
        for stage in ["opening", "dialogue", "proposals", "ranking", "agreement"] { #expect(try await world.hub(stage).status == .ok) }
        #expect(try await world.session("agreement").status == .ok)
        if close {
            #expect(try await app.send(.post, "/api/v1/assemblies/\(world.id)/sessions/\(bubuk)/ranking-agreed",
                                       token: world.bubukOperator).status == .noContent)
            #expect(try await world.session("closed").status == .ok)
        }
        return ClosedStation(world: world,
                             district: try await app.staffToken(username: "kec-rogojampi", role: "district_operator", region: "35.10.13"))
    }

    func upload(_ bytes: [UInt8], token: String? = nil) async throws -> TestResponse {
        try await app.client.execute(uri: base + "/scan", method: .post,
                                     headers: [.authorization: "Bearer \(token ?? world.bubukOperator)", .contentType: "application/octet-stream"],
                                     body: ByteBuffer(bytes: bytes))
    }

    func submit(men: Int, women: Int, total: Int, token: String? = nil) async throws -> TestResponse {
        try await app.send(.post, base, json: #"{"men":\#(men),"women":\#(women),"total":\#(total)}"#, token: token ?? world.bubukOperator)
    }

    func overview() async throws -> [String: Any] {
        try await app.send(.get, "/api/v1/assemblies/\(world.id)/close-outs", token: world.planner).json()
    }
}

@Suite("Station close-out API")
struct CloseOutAPITests {
    static let pdf = Array("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)

    @Test("a close-out with a mismatching count is flagged: N checked in, the paper says N+3; the API and the control room show it",
          arguments: TestFlavour.enabled)
    func mismatchIsFlagged(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let station = try await ClosedStation.make(app, men: 2, women: 2)
            let before = try await station.overview()
            #expect((before["counts"] as? [String: Int])?["pending"] == 1)

            #expect(try await station.upload(TestImages.jpeg).status == .created)
            let submitted = try await station.submit(men: 3, women: 4, total: 7)
            #expect(submitted.status == .ok, "\(submitted.text)")
            let body = try submitted.json()
            #expect(body["state"] as? String == "submitted")
            #expect(body["flagged"] as? Bool == true)
            #expect(body["comparison"] as? String == "mismatch")
            #expect(body["difference"] as? [String: Int] == ["total": 3, "men": 1, "women": 2])
            #expect(body["recorded"] as? [String: Int] == ["men": 2, "women": 2, "total": 4])
            #expect(body["paper"] as? [String: Int] == ["men": 3, "women": 4, "total": 7])

            let overview = try await station.overview()
            let counts = try #require(overview["counts"] as? [String: Int])
            #expect(counts["closed"] == 1 && counts["submitted"] == 1 && counts["flagged"] == 1 && counts["pending"] == 0)
            let stations = try #require(overview["stations"] as? [[String: Any]])
            let bubukStation = try #require(stations.first { $0["villageCode"] as? String == bubuk })
            #expect(bubukStation["state"] as? String == "submitted" && bubukStation["flagged"] as? Bool == true)
            #expect(stations.first { $0["villageCode"] as? String == "35.10.13.2001" }?["state"] == nil, "a session still open has no close-out")

            let room = try await app.send(.get, "/musrenbang/\(station.world.id)/kendali?view=tabel", token: station.world.planner)
            #expect(room.status == .ok)
            #expect(room.text.contains(#"data-closeout-count="flagged">1<"#))
            #expect(room.text.contains("Diserahkan, menunggu kecamatan · ditandai"))
            // The public live stream names the village, never the state or the flag.
            let events = try await app.services.database.sql.raw("SELECT payload FROM assembly_events WHERE kind = 'closeout'").all()
            #expect(!events.isEmpty)
            #expect(try events.allSatisfy { try $0.decode(column: "payload", as: String.self) == #"{"village":"\#(bubuk)"}"# })

            // The kecamatan records what happened; the flag stays on the record.
            let incident = try await app.send(.post, station.base + "/incident",
                                              json: #"{"reason":"Tiga peserta hadir tanpa registrasi karena antrean."}"#, token: station.district)
            #expect(incident.status == .ok, "\(incident.text)")
            #expect(try incident.json()["state"] as? String == "incident")
            let after = try #require(try await station.overview()["counts"] as? [String: Int])
            #expect(after["incident"] == 1 && after["flagged"] == 1 && after["submitted"] == 0)
        }
    }

    @Test("a matching count is not flagged; the district validates once; a correction after review is refused", arguments: TestFlavour.enabled)
    func matchingAndValidated(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let station = try await ClosedStation.make(app, men: 1, women: 2)
            #expect(try await station.submit(men: 1, women: 2, total: 3).status == .conflict, "no scan yet")
            #expect(try errorField(try await station.submit(men: 1, women: 2, total: 3)).code == "closeOut.noScan")
            let uploaded = try await station.upload(Self.pdf)
            #expect(uploaded.status == .created, "\(uploaded.text)")
            #expect((try uploaded.json()["scan"] as? [String: Any])?["kind"] as? String == "pdf")
            #expect(try uploaded.json()["state"] as? String == "pending", "a scan alone does not submit")

            let sum = try await station.submit(men: 1, women: 2, total: 4)
            #expect(sum.status == .unprocessableContent)
            #expect(try errorField(sum) == ("total.sum", "total"))
            let range = try await station.submit(men: -1, women: 2, total: 1)
            #expect(try errorField(range) == ("men.range", "men"))
            let missing = try await app.send(.post, station.base, json: #"{"men":1,"women":2}"#, token: station.world.bubukOperator)
            #expect(try errorField(missing) == ("required", "total"))

            let matching = try await station.submit(men: 1, women: 2, total: 3)
            #expect(matching.status == .ok)
            #expect(try matching.json()["flagged"] as? Bool == false)
            #expect(try matching.json()["comparison"] as? String == "matches")

            // The scan is the team's, the kecamatan's and the hub's: not the public's nor another village's.
            let scanURL = try #require((try matching.json()["scan"] as? [String: Any])?["url"] as? String)
            let served = try await app.send(.get, scanURL, token: station.district)
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == "application/pdf")
            #expect(Array(served.body.readableBytesView) == Self.pdf)
            #expect(try await app.send(.get, scanURL, token: station.world.host).status == .ok)
            #expect(try await app.send(.get, scanURL).status == .unauthorized)
            let aliyan = try await app.staffToken(username: "op-aliyan", role: "village_operator", region: "35.10.13.2001")
            #expect(try await app.send(.get, scanURL, token: aliyan).status == .forbidden)

            let validated = try await app.send(.post, station.base + "/validation", token: station.district)
            #expect(validated.status == .ok, "\(validated.text)")
            #expect(try validated.json()["state"] as? String == "validated")
            #expect(try await app.send(.post, station.base + "/validation", token: station.district).status == .conflict)
            let late = try await station.submit(men: 1, women: 2, total: 3)
            #expect(try errorField(late).code == "closeOut.reviewed")
            #expect(try await station.upload(TestImages.jpeg).status == .conflict)
            let counts = try #require(try await station.overview()["counts"] as? [String: Int])
            #expect(counts["validated"] == 1 && counts["flagged"] == 0)
        }
    }

    @Test("a close-out upload that is not an image or a PDF is 422 scan.type; before the session closes 409", arguments: TestFlavour.enabled)
    func badUploads(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let open = try await ClosedStation.make(app, men: 1, women: 0, close: false)
            let early = try await open.upload(Self.pdf)
            #expect(early.status == .conflict)
            #expect(try errorField(early).code == "closeOut.notClosed")
            #expect(try await app.send(.post, "/api/v1/assemblies/\(open.world.id)/sessions/\(bubuk)/ranking-agreed",
                                       token: open.world.bubukOperator).status == .noContent)
            #expect(try await open.world.session("closed").status == .ok)

            for bytes in [Array("<html><body>%PDF-</body></html>".utf8), Array("PK\u{3}\u{4}zip".utf8), [UInt8](), Array("GIF89a".utf8)] {
                let refused = try await open.upload(bytes)
                #expect(refused.status == .unprocessableContent)
                #expect(try errorField(refused) == ("scan.type", "scan"))
            }
            let tooBig = try await open.upload(Self.pdf + [UInt8](repeating: 0x20, count: ScanKind.maximumBytes))
            #expect(tooBig.status == .contentTooLarge)
            #expect(try await app.send(.get, open.base, token: open.world.bubukOperator).json()["scan"] == nil)
            // A village's operator hands in only for their own village.
            let aliyan = try await app.staffToken(username: "op-aliyan", role: "village_operator", region: "35.10.13.2001")
            #expect(try await open.upload(Self.pdf, token: aliyan).status == .forbidden)
        }
    }

    @Test("the kecamatan reviews: an incident needs its reason (422); a village operator may not review (403)", arguments: TestFlavour.enabled)
    func reviewPermissions(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let station = try await ClosedStation.make(app, men: 1, women: 1)
            #expect(try errorField(try await app.send(.post, station.base + "/validation", token: station.district)).code == "closeOut.notSubmitted")
            #expect(try await station.upload(TestImages.jpeg).status == .created)
            #expect(try await station.submit(men: 1, women: 1, total: 2).status == .ok)
            #expect(try await app.send(.post, station.base + "/validation", token: station.world.bubukOperator).status == .forbidden)
            let otherDistrict = try await app.staffToken(username: "kec-lain", role: "district_operator", region: "35.10.01")
            #expect(try await app.send(.post, station.base + "/validation", token: otherDistrict).status == .forbidden)
            #expect(try await app.send(.post, station.base + "/validation").status == .unauthorized)
            for body in [#"{}"#, #"{"reason":"   "}"#, #"{"reason":"ok"}"#] {
                let refused = try await app.send(.post, station.base + "/incident", json: body, token: station.district)
                #expect(refused.status == .unprocessableContent, "\(body)")
                #expect(try errorField(refused).field == "reason")
            }
            #expect(try await app.send(.get, station.base, token: station.district).json()["state"] as? String == "submitted",
                    "nothing half-written")
            let incident = try await app.send(.post, station.base + "/incident", json: #"{"reason":"Tanda tangan Ketua BPD tidak ada."}"#,
                                              token: station.world.planner)
            #expect(try incident.json()["reason"] as? String == "Tanda tangan Ketua BPD tidak ada.")
        }
    }
}
