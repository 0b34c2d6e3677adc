import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

let catalogColumns = "id_kamus,giat_teks,satuan,anggaran,kode_skpd,kelompok,bidang,sub_bidang,output_teks,is_locked"

/// A generated dictionary of `count` items in SIPD's columns, ids 100000…, priced `price(i)`.
func generatedCatalog(_ count: Int, price: (Int) -> Int = { 10_000 + ($0 % 97) * 1_000 }) -> String {
    let works = ["Rabat beton jalan lingkungan", "Pembangunan saluran drainase", "Perbaikan gorong-gorong", "Pelatihan kader posyandu",
                 "Pengadaan bibit tanaman pangan", "Pembangunan sumur bor", "Pemeliharaan jembatan desa", "Penerangan jalan tenaga surya"]
    let places: [(agency: String, field: String, subfield: String)] = [("PUPR", "02", "02.03"), ("PUPR", "02", "02.04"), ("PUPR", "02", "02.03"),
        ("DINKES", "02", "02.02"), ("DISPERTAN", "04", "04.02"), ("PUPR", "02", "02.07"), ("PUPR", "02", "02.03"), ("PUPR", "02", "02.07")]
    var lines = [catalogColumns]
    lines.reserveCapacity(count + 1)
    for i in 0..<count {
        let kind = i % works.count
        lines.append("\(100_000 + i),\(works[kind]) paket \(i),unit,\(price(i)),\(places[kind].agency),,\(places[kind].field),\(places[kind].subfield),,0")
    }
    return lines.joined(separator: "\n") + "\n"
}

extension TestApp {
    func importCatalog(_ csv: String, token: String?) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "text/csv"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: "/api/v1/catalog/import", method: .post, headers: headers, body: ByteBuffer(string: csv))
    }
}

@Suite("Activity dictionary API")
struct CatalogAPITests {
    @Test("a 20,000-item dictionary imports; a re-import updates by id_kamus and never duplicates; search follows the contract",
          arguments: TestFlavour.enabled)
    func importLarge(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let planner = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10")
            let first = try await app.importCatalog(generatedCatalog(20_000), token: planner)
            #expect(first.status == .ok, "\(first.text.prefix(500))")
            #expect(try first.json()["added"] as? Int == 20_000)
            // Every price changes: the same ids are updated in place.
            let second = try await app.importCatalog(generatedCatalog(20_000, price: { _ in 77_000 }), token: planner)
            #expect(try second.json()["added"] as? Int == 0)
            #expect(try second.json()["updated"] as? Int == 20_000)
            let all = try await app.services.database.sql.raw("SELECT COUNT(*) AS n, MIN(unit_price) AS lo, MAX(unit_price) AS hi FROM catalog_items").first()
            #expect(try all?.decode(column: "n", as: Int.self) == 20_000)
            #expect(try all?.decode(column: "lo", as: Int.self) == 77_000)
            #expect(try all?.decode(column: "hi", as: Int.self) == 77_000)

            let found = try await app.send(.get, "/api/v1/catalog?q=perbaikan%20gorong&year=2027")
            #expect(found.status == .ok)
            let items = try #require(try found.json()["items"] as? [[String: Any]])
            #expect(items.count == 20)
            let item = try #require(items.first)
            #expect(Set(item.keys).isSuperset(of: ["id", "text", "unit", "unitPrice", "agencyCode", "fieldCode", "subfieldCode", "locked"]))
            #expect(items.allSatisfy { ($0["text"] as? String)?.hasPrefix("Perbaikan gorong-gorong") == true })
            #expect(item["unitPrice"] as? Int == 77_000)
            // Another form of the same word finds the same items (the stem "baik").
            let stemmed = try await app.send(.get, "/api/v1/catalog?q=diperbaiki%20gorong").json()["items"] as? [[String: Any]]
            #expect(stemmed?.first?["id"] as? String == item["id"] as? String)
            #expect(try await app.send(.get, "/api/v1/catalog?year=20x").status == .unprocessableContent)
        }
    }

    @Test("a malformed dictionary is refused whole: every bad row named, nothing imported; only planners import",
          arguments: TestFlavour.enabled)
    func malformed(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let planner = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10")
            _ = try await app.importCatalog(generatedCatalog(3), token: planner)
            let bad = """
            \(catalogColumns)
            200,Jalan usaha tani,m,125000,PUPR,,02,02.03,,0
            201,Jalan,m,150.000,PUPR,,02,02.03,,0
            202,Sumur,unit,1000,DINAS_X,,02,02.03,,0
            200,Duplikat,m,1,PUPR,,02,02.03,,0
            """
            let response = try await app.importCatalog(bad, token: planner)
            #expect(response.status == .unprocessableContent)
            let body = try response.json()
            #expect((body["error"] as? [String: Any])?["code"] as? String == "catalog.refused")
            let refused = try #require(body["refused"] as? [[String: Any]])
            #expect(refused.map { $0["id"] as? String } == ["201", "202", "200"])
            #expect(refused.map { $0["line"] as? Int } == [3, 4, 5])
            let count = try await app.services.database.sql.raw("SELECT COUNT(*) AS n FROM catalog_items").first()
            #expect(try count?.decode(column: "n", as: Int.self) == 3)
            let wrongColumns = try await app.importCatalog("kode,nama\n1,Jalan\n", token: planner)
            #expect(wrongColumns.status == .unprocessableContent)
            #expect(try await app.importCatalog(generatedCatalog(1), token: nil).status == .unauthorized)
            let villageOperator = try await app.staffToken(username: "op-bubuk", role: "village_operator", region: bubuk)
            #expect(try await app.importCatalog(generatedCatalog(1), token: villageOperator).status == .forbidden)
        }
    }

    @Test("a proposal that follows an item is priced volume × unit price by the server; a client's cost is ignored; locked, retired and unknown items are refused",
          arguments: TestFlavour.enabled)
    func pricedProposal(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let csv = """
            \(catalogColumns),tahun_awal,tahun_akhir
            J-1,Rabat beton jalan lingkungan,m2,150000,PUPR,Jalan,02,02.04,Jalan terbangun,0,,
            J-2,Jalan makadam,m2,90000,PUPR,Jalan,02,02.03,,1,,
            J-3,Jalan tanah lama,m2,50000,PUPR,Jalan,02,02.03,,0,2020,2024

            """
            #expect(try await app.importCatalog(csv, token: world.planner).status == .ok)
            func json(_ item: String, cost: String = #","estimatedCost":1"#) -> String {
                #"""
                {"villageCode":"\#(bubuk)","year":2027,"title":"Rabat beton gang Mawar","problem":"Gang becek dan licin setiap musim hujan.",
                 "kind":"physical","volume":120.5,"unit":"km"\#(cost),"fieldCode":"01","subfieldCode":"01.01","catalogItemId":"\#(item)",
                 "fundingSource":"villageFund","beneficiaries":{"total":80,"women":40,"poor":10,"disabled":2}}
                """#
            }
            let response = try await world.submit(json("J-1"))
            try #require(response.status == .created, "\(response.text)")
            let body = try response.json()
            #expect(body["estimatedCost"] as? Int == 18_075_000)
            #expect(body["unit"] as? String == "m2")
            #expect(body["subfieldCode"] as? String == "02.04")
            #expect(body["catalogItemId"] as? String == "J-1")
            #expect(body["unitPrice"] as? Int == 150_000)
            #expect(body["activity"] as? String == "Rabat beton jalan lingkungan")
            // No cost at all is fine for a dictionary proposal.
            #expect(try await world.submit(json("J-1", cost: "")).status == .created)
            // A later price does not change a proposal already made.
            _ = try await app.importCatalog("\(catalogColumns)\nJ-1,Rabat beton jalan lingkungan,m2,999000,PUPR,Jalan,02,02.04,,0\n", token: world.planner)
            let id = try #require(body["id"] as? Int)
            #expect(try await world.get(id)["estimatedCost"] as? Int == 18_075_000)

            for (item, code) in [("J-2", "catalogItemId.locked"), ("J-3", "catalogItemId.retired"), ("NOPE", "catalogItemId.unknown")] {
                let refused = try await world.submit(json(item))
                #expect(refused.status == .unprocessableContent)
                let error = try refused.json()["error"] as? [String: Any]
                #expect(error?["code"] as? String == code)
                #expect(error?["field"] as? String == (code == "catalogItemId.unknown" ? "catalogItemId" : "catalogItemId"))
            }
            // A free proposal still needs its own cost.
            let free = try await world.submit(proposalJSON().replacingOccurrences(of: #""estimatedCost":175000000,"#, with: ""))
            #expect(free.status == .unprocessableContent)
            #expect((try free.json()["error"] as? [String: Any])?["field"] as? String == "estimatedCost")
        }
    }
}
