import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangCore
@testable import MusrenbangServer
import MusrenbangStore
import Testing
import TestSupport

/// Proposals at every stage, made and decided through the API as the forums would.
struct SipdWorld {
    let world: ProposalWorld
    var app: TestApp { world.app }
    var planner: String { world.planner }
    /// At the regency forum, following dictionary item J-1.
    let atRegency: Int
    /// Accepted by the regency forum, no budget yet.
    let forumAccepted: Int
    /// At the regency forum: SIPD will refuse it.
    let toRefuse: Int
    /// At the regency forum: the decision file will give it a bad amount.
    let badAmount: Int
    /// Pokir, waiting at the agency forum.
    let pokir: Int
    /// Still at the village forum: not for SIPD.
    let atVillage: Int
    /// Rejected by the kecamatan: not for SIPD.
    let rejected: Int

    static func make(_ app: TestApp) async throws -> SipdWorld {
        let world = try await ProposalWorld.make(app)
        let planner = world.planner
        let catalog = try await app.importCatalog("\(catalogColumns)\nJ-1,Rabat beton jalan lingkungan,m2,150000,PUPR,,02,02.03,,0\n", token: planner)
        guard catalog.status == .ok else { throw TestFailure("catalog: \(catalog.text)") }
        func proposal(_ title: String, extra: String = "") async throws -> Int {
            try await world.created(proposalJSON(title: title, funding: "regencyBudget", extra: extra), token: planner)
        }
        func step(_ id: Int, _ level: String, _ outcome: String) async throws {
            let response = try await world.decide(id, #"{"level":"\#(level)","outcome":"\#(outcome)","reason":"Prioritas daerah tahun ini"}"#,
                                                  token: planner)
            guard response.status == .created else { throw TestFailure("\(id) \(level) \(outcome): \(response.text)") }
        }
        func toRegency(_ id: Int) async throws {
            try await step(id, "village", "forwarded")
            try await step(id, "district", "forwarded")
            try await step(id, "agency", "accepted")
        }
        let atRegency = try await proposal("Rabat beton jalan Krajan", extra: #","catalogItemId":"J-1""#)
        try await toRegency(atRegency)
        let forumAccepted = try await proposal("Saluran drainase Sukorejo")
        try await toRegency(forumAccepted)
        try await step(forumAccepted, "regency", "accepted")
        let toRefuse = try await proposal("Gedung serbaguna dusun Krajan")
        try await toRegency(toRefuse)
        let badAmount = try await proposal("Penerangan jalan tenaga surya")
        try await toRegency(badAmount)
        let pokir = try await proposal("Jembatan penghubung dusun pokir", extra: #","source":"council""#)
        let atVillage = try await proposal("Pelatihan kader posyandu desa")
        let rejected = try await proposal("Pagar kantor desa Bubuk")
        try await step(rejected, "village", "forwarded")
        try await step(rejected, "district", "rejected")
        return SipdWorld(world: world, atRegency: atRegency, forumAccepted: forumAccepted, toRefuse: toRefuse, badAmount: badAmount,
                         pokir: pokir, atVillage: atVillage, rejected: rejected)
    }

    /// The export of 2027 as records (header first).
    func export() async throws -> [[String]] {
        let response = try await app.send(.get, "/dokumen/kabupaten/sipd-usulan-2027.csv")
        guard response.status == .ok else { throw TestFailure("export: \(response.status) \(response.text)") }
        var parser = CSVParser()
        return parser.feed(Array(response.text.utf8)) + parser.finish()
    }

    func importDecisions(_ csv: String, token: String?) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "text/csv"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await app.client.execute(uri: "/api/v1/sipd/decisions", method: .post, headers: headers, body: ByteBuffer(string: csv))
    }
}

@Suite("SIPD bridge API")
struct SipdAPITests {
    @Test("the export holds exactly the accepted, forwarded and pokir proposals of the year, with their SIPD ids",
          arguments: TestFlavour.enabled)
    func export(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await SipdWorld.make(app)
            let records = try await world.export()
            let header = try #require(records.first)
            #expect(header == SipdBridge.exportHeader)
            let rows = records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
            #expect(Set(rows.compactMap { $0["id_usulan"].flatMap(Int.init) })
                    == [world.atRegency, world.forumAccepted, world.toRefuse, world.badAmount, world.pokir])
            let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0["id_usulan"]!, $0) })
            let priced = try #require(byId["\(world.atRegency)"])
            #expect(priced["id_kamus"] == "J-1")
            #expect(priced["kode_skpd"] == "PUPR")
            #expect(priced["kode_wilayah"] == "35.10.13.2007")
            #expect(priced["lurahteks"] == "Bubuk")
            #expect(priced["harga_satuan"] == "150000")
            #expect(priced["anggaran"] == "\(350 * 150_000)")
            #expect(priced["jenis_usul_teks"] == "musrenbang")
            #expect(priced["status_usul_teks"] == "Diteruskan ke Musrenbang Kabupaten/Kota")
            #expect(priced["status"] == "" && priced["kode_rekening"] == "")
            #expect(byId["\(world.forumAccepted)"]?["id_kamus"] == "")
            #expect(byId["\(world.forumAccepted)"]?["status_usul_teks"] == "Diterima")
            let pokir = try #require(byId["\(world.pokir)"])
            #expect(pokir["jenis_usul_teks"] == "pokir")
            #expect(pokir["kode_skpd"] == "PUPR")  // the sub-bidang's agency (02.03)
            #expect(pokir["fraksi_dewan"] == "" && pokir["id_reses"] == "")
            // No personal data: the export names no proposer.
            #expect(!rows.contains { $0.values.contains("Siti Aminah") })
            // The workbook carries the same sheet; both are public and linked from the documents page.
            let xlsx = try await app.send(.get, "/dokumen/kabupaten/sipd-usulan-2027.xlsx")
            #expect(xlsx.status == .ok)
            #expect(try await app.send(.get, "/dokumen").text.contains("/dokumen/kabupaten/sipd-usulan-"))
            #expect(try await app.send(.get, "/dokumen/kabupaten/sipd-usulan-1999.csv").status == .notFound)
        }
    }

    @Test("SIPD export → import round trip: decisions applied, unmatched and conflicting rows exact, a re-import idempotent",
          arguments: TestFlavour.enabled)
    func roundTrip(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await SipdWorld.make(app)
            let records = try await world.export()
            let header = records[0]
            let column = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
            // SIPD's operator fills the decision columns of the exported file.
            let decisions: [Int: (status: String, line: String, amount: String, reason: String)] = [
                world.atRegency: ("diterima", "1.03.10.2.01.0001", "50000000", ""),
                world.forumAccepted: ("Diterima", "1.03.10.2.01.0002", "75000000.00", "Disetujui TAPD"),
                world.toRefuse: ("ditolak", "", "", "Tidak sesuai prioritas RKPD 2027"),
                world.badAmount: ("diterima", "1.03.10.2.01.0003", "75.000.000", ""),
                world.pokir: ("diterima", "1.03.10.2.01.0004", "10000000", ""),
            ]
            var lines: [[String]] = [header]
            for record in records.dropFirst() {
                var record = record
                let decision = try #require(decisions[Int(record[column["id_usulan"]!])!])
                record[column["status"]!] = decision.status
                record[column["kode_rekening"]!] = decision.line
                record[column["pagu"]!] = decision.amount
                record[column["alasan"]!] = decision.reason
                lines.append(record)
            }
            // Rows SIPD holds that are not ours, and one for a proposal SIPD cannot decide.
            var unknown = Array(repeating: "", count: header.count)
            unknown[column["id_usulan"]!] = "999999"; unknown[column["status"]!] = "diterima"
            unknown[column["kode_rekening"]!] = "9.99"; unknown[column["pagu"]!] = "1"
            lines.append(unknown)
            var notANumber = unknown
            notANumber[column["id_usulan"]!] = "SIPD-77"
            lines.append(notANumber)
            var village = unknown
            village[column["id_usulan"]!] = "\(world.atVillage)"
            lines.append(village)
            let csv = lines.map { $0.map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" }.joined(separator: ",") }
                .joined(separator: "\r\n") + "\r\n"

            let first = try await world.importDecisions(csv, token: world.planner)
            #expect(first.status == .ok, "\(first.text)")
            let report = try first.json()
            #expect(report["rows"] as? Int == 8)
            #expect(report["matched"] as? Int == 3)
            #expect(report["applied"] as? Int == 3)
            #expect(report["unchanged"] as? Int == 0)
            #expect(report["unmatched"] as? Int == 2)
            #expect(report["conflicting"] as? Int == 3)
            let problems = try #require(report["problems"] as? [[String: Any]])
            let kinds = Dictionary(uniqueKeysWithValues: problems.map { ($0["id"] as! String, $0["kind"] as! String) })
            #expect(kinds == ["999999": "unmatched", "SIPD-77": "unmatched", "\(world.badAmount)": "conflicting",
                              "\(world.pokir)": "conflicting", "\(world.atVillage)": "conflicting"])
            #expect(problems.allSatisfy { !(($0["reasons"] as? [String]) ?? []).isEmpty && ($0["line"] as? Int ?? 0) > 1 })

            // The proposals now say what SIPD decided, in their public history.
            let accepted = try await world.world.get(world.atRegency)
            #expect(accepted["status"] as? String == "accepted")
            let history = try #require(accepted["history"] as? [[String: Any]])
            let budgeted = try #require(history.last)
            #expect(budgeted["event"] as? String == "budgeted")
            #expect((budgeted["text"] as? String)?.contains("1.03.10.2.01.0001") == true)
            #expect((budgeted["text"] as? String)?.contains("Rp 50.000.000") == true)
            #expect(history.contains { ($0["text"] as? String)?.contains("keputusan SIPD") == true })
            let budgetOnly = try await world.world.get(world.forumAccepted)
            #expect(budgetOnly["status"] as? String == "accepted")
            #expect((budgetOnly["history"] as? [[String: Any]])?.filter { $0["event"] as? String == "decision" && $0["level"] as? String == "regency" }.count == 1)
            let refused = try await world.world.get(world.toRefuse)
            #expect(refused["status"] as? String == "rejected")
            #expect((refused["history"] as? [[String: Any]])?.last?["reason"] as? String == "Tidak sesuai prioritas RKPD 2027")
            // Conflicting rows changed nothing.
            #expect(try await world.world.get(world.badAmount)["status"] as? String == "pending")
            #expect(try await world.world.get(world.pokir)["level"] as? String == "agency")
            #expect(try await SipdStore(app.services.database).budget(of: ProposalID(rawValue: Int64(world.badAmount))) == nil)
            #expect(try await SipdStore(app.services.database).budget(of: ProposalID(rawValue: Int64(world.atRegency)))
                    == SipdBudget(budgetLine: "1.03.10.2.01.0001", amount: 50_000_000))
            // The proposer was told.
            let page = try await app.send(.get, "/usulan/\(world.atRegency)")
            #expect(page.text.contains("Masuk anggaran (SIPD): kode rekening 1.03.10.2.01.0001, pagu Rp 50.000.000"))

            // The same file again changes nothing: the applied rows are matched, unchanged.
            let historyBefore = try await app.services.database.sql.raw("SELECT COUNT(*) AS n FROM proposal_history").first()!
                .decode(column: "n", as: Int.self)
            let again = try await world.importDecisions(csv, token: world.planner).json()
            #expect(again["matched"] as? Int == 3 && again["applied"] as? Int == 0 && again["unchanged"] as? Int == 3)
            #expect(again["unmatched"] as? Int == 2 && again["conflicting"] as? Int == 3)
            #expect(try await app.services.database.sql.raw("SELECT COUNT(*) AS n FROM proposal_history").first()!
                    .decode(column: "n", as: Int.self) == historyBefore)

            // The next export carries SIPD's decision; read back as it is, it changes nothing either.
            let next = try await world.export()
            let rows = next.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(next[0], $0)) }
            #expect(!rows.contains { $0["id_usulan"] == "\(world.toRefuse)" })
            let carried = try #require(rows.first { $0["id_usulan"] == "\(world.atRegency)" })
            #expect(carried["status"] == "diterima" && carried["kode_rekening"] == "1.03.10.2.01.0001" && carried["pagu"] == "50000000")
            let decided = ([next[0]] + next.dropFirst().filter { !$0[column["status"]!].isEmpty })
                .map { $0.map { "\"\($0)\"" }.joined(separator: ",") }.joined(separator: "\n")
            let reread = try await world.importDecisions(decided, token: world.planner).json()
            #expect(reread["rows"] as? Int == 2 && reread["unchanged"] as? Int == 2 && reread["applied"] as? Int == 0)

            // A different decision for what SIPD already decided is a conflict, and changes nothing.
            let changed = "id_usulan,status,kode_rekening,pagu,alasan\n\(world.atRegency),diterima,1.03.10.2.01.0001,60000000,\n\(world.toRefuse),diterima,1.1,5,\n"
            let conflict = try await world.importDecisions(changed, token: world.planner).json()
            #expect(conflict["conflicting"] as? Int == 2 && conflict["matched"] as? Int == 0)
            #expect(try await SipdStore(app.services.database).budget(of: ProposalID(rawValue: Int64(world.atRegency)))?.amount == 50_000_000)

            // The command line reads the same file the same way, as a named planner.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("sipd-\(UUID()).csv")
            try csv.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let cli = try await SipdService(services: app.services).importFile(file, as: "bappeda")
            #expect(cli.matched == 3 && cli.unchanged == 3 && cli.unmatched == 2 && cli.conflicting == 3 && !cli.isClean)
        }
    }

    @Test("only planners and admins apply SIPD's decisions; an unreadable file is 422 and changes nothing",
          arguments: TestFlavour.enabled)
    func permissions(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await SipdWorld.make(app)
            let csv = "id_usulan,status,kode_rekening,pagu,alasan\n\(world.atRegency),diterima,1.03,10,\n"
            #expect(try await world.importDecisions(csv, token: nil).status == .unauthorized)
            let host = try await app.staffToken(username: "bupati", role: "host", region: "35.10")
            #expect(try await world.importDecisions(csv, token: host).status == .forbidden)
            #expect(try await world.importDecisions(csv, token: world.world.villageOperator).status == .forbidden)
            #expect(try await world.world.get(world.atRegency)["status"] as? String == "pending")
            let unreadable = try await world.importDecisions("id_usulan,status\n\(world.atRegency),diterima\n", token: world.planner)
            #expect(unreadable.status == .unprocessableContent)
            #expect(try unreadable.json()["error"].flatMap { $0 as? [String: Any] }?["code"] as? String == "sipd.unreadable")
            #expect(try await world.world.get(world.atRegency)["status"] as? String == "pending")
            #expect(try await world.importDecisions("", token: world.planner).status == .unprocessableContent)
            let admin = try await app.staffToken(username: "root", role: "admin", region: nil)
            #expect(try await world.importDecisions(csv, token: admin).status == .ok)
            #expect(try await world.world.get(world.atRegency)["status"] as? String == "accepted")
            // The desk itself: planners only.
            #expect(try await app.send(.get, "/perencanaan/sipd", token: host).status == .forbidden)
        }
    }
}
