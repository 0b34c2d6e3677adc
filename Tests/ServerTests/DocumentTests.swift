import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Kecamatan Rogojampi planning 2027: proposals of Bubuk and a neighbour decided at both forums,
/// a ceiling, the planner's program mapping, and the kecamatan's own musrenbang with its
/// attendance and minutes.
struct DocumentWorld {
    let app: TestApp
    let planner: String
    let districtOperator: String
    let bubukOperator: String
    let neighbourOperator: String
    /// Proposal ids by what happened to them.
    let kept: Int, forwardedBacked: Int, forwardedRefused: Int, refusedAtVillage: Int, pending: Int, formula: Int
    let districtAssembly: Int

    static let rogojampi = "35.10.13"
    static let neighbour = "35.10.13.2001"

    static func make(_ app: TestApp) async throws -> DocumentWorld {
        let planner = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10")
        let districtOperator = try await app.staffToken(username: "kec-rogojampi", role: "district_operator", region: rogojampi)
        let bubukOperator = try await app.staffToken(username: "op-bubuk", role: "village_operator", region: bubuk)
        let neighbourOperator = try await app.staffToken(username: "op-tetangga", role: "village_operator", region: neighbour)
        func propose(_ title: String, village: String = bubuk, cost: Int, funding: String) async throws -> Int {
            let created = try await app.send(.post, "/api/v1/proposals", json: proposalJSON(village: village, title: title, cost: cost, funding: funding),
                                             token: planner)
            guard let id = try created.json()["id"] as? Int else { throw TestFailure("proposal: \(created.status) \(created.text)") }
            return id
        }
        func decide(_ id: Int, _ level: String, _ outcome: String, reason: String? = nil) async throws {
            let reasonJSON = reason.map { #","reason":"\#($0)""# } ?? ""
            let answer = try await app.send(.post, "/api/v1/proposals/\(id)/decisions",
                                            json: #"{"level":"\#(level)","outcome":"\#(outcome)"\#(reasonJSON)}"#, token: planner)
            guard answer.status.code < 300 else { throw TestFailure("decision \(level) \(outcome): \(answer.status) \(answer.text)") }
        }
        let kept = try await propose("Sumur bor Dusun Krajan", cost: 60_000_000, funding: "villageFund")
        try await decide(kept, "village", "accepted")
        let backed = try await propose("Jalan poros Krajan–Lor", cost: 700_000_000, funding: "regencyBudget")
        try await decide(backed, "village", "forwarded", reason: "Di luar kewenangan desa")
        try await decide(backed, "district", "accepted")
        let refused = try await propose("Jembatan Dusun Lor", village: neighbour, cost: 900_000_000, funding: "regencyBudget")
        try await decide(refused, "village", "forwarded", reason: "Di luar kewenangan desa")
        try await decide(refused, "district", "rejected", reason: "Melebihi sisa pagu indikatif kecamatan")
        let atVillage = try await propose("Gapura dusun", cost: 25_000_000, funding: "villageFund")
        try await decide(atVillage, "village", "rejected", reason: "Bukan prioritas tahun ini")
        let pending = try await propose("Lampu jalan Dusun Krajan", cost: 40_000_000, funding: "villageFund")
        let formula = try await propose("=HYPERLINK(\\\"http://x.example\\\",\\\"klik\\\")", cost: 10_000_000, funding: "villageAllocation")
        _ = try await app.send(.put, "/api/v1/districts/\(rogojampi)/ceilings/2027", json: #"{"amount":1500000000}"#, token: planner)
        _ = try await app.send(.put, "/api/v1/program-mappings/02.03",
                               json: #"{"regionalPriority":"Infrastruktur dasar","regionalTarget":"Jalan kabupaten mantap","program":"Program Penyelenggaraan Jalan"}"#,
                               token: planner)
        let created = try await app.send(.post, "/api/v1/assemblies", json: #"""
            {"title":"Musrenbang Kecamatan 2027","level":"district","regencyCode":"35.10","planYear":2027,
             "startsAt":"2027-02-05T01:00:00Z","hubVillageCode":"\#(bubuk)","villageCodes":["\#(rogojampi)"]}
            """#, token: planner)
        guard let assembly = try created.json()["id"] as? Int else { throw TestFailure("assembly: \(created.status) \(created.text)") }
        let host = try await app.staffToken(username: "bupati", role: "host", region: "35.10")
        _ = try await app.send(.post, "/api/v1/assemblies/\(assembly)/stage", json: #"{"stage":"checkIn"}"#, token: host)
        _ = try await app.send(.post, "/api/v1/assemblies/\(assembly)/sessions/\(rogojampi)/stage", json: #"{"stage":"checkIn"}"#,
                               token: districtOperator)
        return DocumentWorld(app: app, planner: planner, districtOperator: districtOperator, bubukOperator: bubukOperator,
                             neighbourOperator: neighbourOperator, kept: kept, forwardedBacked: backed, forwardedRefused: refused,
                             refusedAtVillage: atVillage, pending: pending, formula: formula, districtAssembly: assembly)
    }

    /// A walk-in checked in at the kecamatan's session.
    func checkIn(name: String, nik: String, gender: String, consent: Bool) async throws {
        let answer = try await app.send(.post, "/api/v1/assemblies/\(districtAssembly)/attendance", json: #"""
            {"villageCode":"\#(Self.rogojampi)","nik":"\#(nik)","name":"\#(name)","role":"community","gender":"\#(gender)",
             "residenceVillageCode":"\#(bubuk)","nameConsent":\#(consent)}
            """#, token: districtOperator, headers: [.init("Idempotency-Key")!: UUID().uuidString])
        guard answer.status == .created || answer.status == .ok else { throw TestFailure("check-in: \(answer.status) \(answer.text)") }
    }

    func minutes(_ fields: String, finalize: Bool) async throws -> TestResponse {
        try await app.send(.put, "/api/v1/assemblies/\(districtAssembly)/sessions/\(Self.rogojampi)/minutes",
                           json: #"{"fields":\#(fields),"finalize":\#(finalize)}"#, token: districtOperator)
    }

    static let delegates = #"""
        [{"name":"Hj. Siti Maryam","gender":"female","institution":"PKK Kecamatan"},
         {"name":"Bambang Sutrisno","gender":"male","institution":"LPMD Bubuk"},
         {"name":"Agus Salim","gender":"male","institution":"Karang Taruna"}]
        """#

    func get(_ path: String, token: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await app.send(.get, path, token: token, headers: headers)
    }
}

/// A CSV file as rows of fields (RFC 4180), its byte-order mark removed.
func csvRows(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var characters = text.hasPrefix("\u{FEFF}") ? Substring(text.dropFirst()) : Substring(text)
    while let character = characters.popFirst() {
        if quoted {
            if character == "\"" {
                if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
            } else { field.append(character) }
        } else if character == "\"" {
            quoted = true
        } else if character == "," {
            row.append(field); field = ""
        } else if character == "\r\n" || character == "\n" {
            row.append(field); rows.append(row); row = []; field = ""
        } else if character != "\r" {
            field.append(character)
        }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

@Suite("Documents")
struct DocumentTests {
    @Test("DU-RKPDes lists what the village keeps and what it forwards, each with its total; RKPDes only what it accepted",
          arguments: TestFlavour.enabled)
    func villageLists(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await DocumentWorld.make(app)
            let list = try await world.get("/dokumen/desa/\(bubuk)/du-rkpdes-2027.csv")
            #expect(list.status == .ok)
            #expect(list.headers[.contentDisposition] == #"attachment; filename="DU-RKPDes-Bubuk-2027.csv""#)
            #expect(list.headers[.contentType] == "text/csv; charset=utf-8")
            let rows = csvRows(list.text)
            #expect(rows.first?.first == "No" && rows.first?.contains("Urutan Prioritas") == true)
            let titles = rows.map { $0.count > 2 ? $0[2] : "" }
            // Kept: the accepted well, the pending lamp and the formula-looking one (village funds); forwarded: the road.
            #expect(titles.contains("Sumur bor Dusun Krajan") && titles.contains("Lampu jalan Dusun Krajan"))
            #expect(titles.contains("Jalan poros Krajan–Lor"))
            #expect(!titles.contains("Gapura dusun"), "a rejected proposal is not on the list")
            let totals = rows.filter { $0.count > 1 && $0[1].hasPrefix("Jumlah") }.map { $0[12] }
            #expect(totals == ["110000000", "700000000"])
            // Formula injection: the title is text, prefixed so no spreadsheet evaluates it.
            #expect(list.text.contains("'=HYPERLINK"))

            let plan = csvRows(try await world.get("/dokumen/desa/\(bubuk)/rkpdes-2027.csv").text)
            #expect(plan.contains { $0.count > 1 && $0[1] == "Sumur bor Dusun Krajan" })
            #expect(!plan.contains { $0.count > 1 && $0[1] == "Lampu jalan Dusun Krajan" }, "pending is not in the plan yet")
            #expect(plan.contains { $0.count > 7 && $0[1] == "Jumlah per Bidang 02 Pelaksanaan Pembangunan Desa" && $0[7] == "60000000" })
            #expect(plan.last.map { $0[1] == "Jumlah Total" && $0[7] == "60000000" } == true)

            let xlsx = try await world.get("/dokumen/desa/\(bubuk)/du-rkpdes-2027.xlsx")
            #expect(xlsx.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(xlsx.body.readableBytesView.starts(with: [0x50, 0x4B]), "a ZIP package")
        }
    }

    @Test("T-D.4 holds what the kecamatan backed, by agency, with the planner's mapping and the ceiling; once the minutes are final it stays as signed",
          arguments: TestFlavour.enabled)
    func districtPriorities(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await DocumentWorld.make(app)
            let path = "/dokumen/kecamatan/\(DocumentWorld.rogojampi)/t-d4-2027.csv"
            let rows = csvRows(try await world.get(path).text)
            let road = try #require(rows.first { $0.count > 4 && $0[4] == "Jalan poros Krajan–Lor" })
            #expect(road[0] == "1" && road[1] == "Infrastruktur dasar" && road[3] == "Program Penyelenggaraan Jalan")
            #expect(road[9] == "700000000" && road[10] == "Dinas Pekerjaan Umum dan Penataan Ruang")
            #expect(!rows.contains { $0.count > 4 && $0[4] == "Jembatan Dusun Lor" }, "rejected at the kecamatan")
            #expect(rows.contains { $0.count > 9 && $0[4] == "Pagu indikatif kecamatan" && $0[9] == "1500000000" })
            #expect(rows.contains { $0.count > 9 && $0[4] == "Sisa pagu indikatif" && $0[9] == "800000000" })
            let refused = csvRows(try await world.get("/dokumen/kecamatan/\(DocumentWorld.rogojampi)/tidak-terakomodir-2027.csv").text)
            #expect(refused.contains { $0.count > 9 && $0[2] == "Jembatan Dusun Lor" && $0[9] == "Melebihi sisa pagu indikatif kecamatan" })

            // The minutes are finalised: a decision taken afterwards does not change the signed annex.
            let final = try await world.minutes(#"{"venue":"Aula Kecamatan","chair":"Drs. H. Camat","delegates":\#(DocumentWorld.delegates)}"#,
                                                finalize: true)
            #expect(final.status == .ok, "\(final.text)")
            let later = try await app.send(.post, "/api/v1/proposals", json: proposalJSON(title: "Drainase Krajan", cost: 300_000_000,
                                                                                      funding: "regencyBudget"), token: world.planner)
            let laterId = try #require(try later.json()["id"] as? Int)
            for (level, outcome) in [("village", "forwarded"), ("district", "accepted")] {
                _ = try await app.send(.post, "/api/v1/proposals/\(laterId)/decisions",
                                       json: #"{"level":"\#(level)","outcome":"\#(outcome)","reason":"Di luar kewenangan desa"}"#, token: world.planner)
            }
            let signed = try await world.get(path).text
            #expect(!signed.contains("Drainase Krajan"))
            #expect(csvRows(signed) == rows)
        }
    }

    @Test("the kecamatan's minutes are final only with three delegates, one a woman at least", arguments: TestFlavour.enabled)
    func delegates(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await DocumentWorld.make(app)
            let men = #"[{"name":"Bambang Sutrisno","gender":"male","institution":"LPMD"},{"name":"Agus Salim","gender":"male","institution":"KT"},{"name":"Joko Susilo","gender":"male","institution":"BPD"}]"#
            let noWoman = try await world.minutes(#"{"delegates":\#(men)}"#, finalize: true)
            #expect(noWoman.status == .unprocessableContent)
            #expect(try errorField(noWoman).code == "delegates.woman")
            let two = try await world.minutes(#"{"delegates":[{"name":"Siti Maryam","gender":"female","institution":"PKK"}]}"#, finalize: true)
            #expect(try errorField(two).code == "delegates.count")
            // A draft may hold fewer while the forum decides.
            #expect(try await world.minutes(#"{"delegates":[{"name":"Siti Maryam","gender":"female","institution":"PKK"}]}"#, finalize: false).status == .ok)
            #expect(try await world.minutes(#"{"delegates":\#(DocumentWorld.delegates)}"#, finalize: true).status == .ok)
        }
    }

    @Test("the attendance list names a citizen only with consent; it is the session team's, not another village's or the public's",
          arguments: TestFlavour.enabled)
    func attendance(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await DocumentWorld.make(app)
            try await world.checkIn(name: "Siti Aminah Rahayu", nik: "3510135203900001", gender: "female", consent: true)
            try await world.checkIn(name: "Bambang Hadi Wijaya", nik: "3510131203900002", gender: "male", consent: false)
            let path = "/dokumen/musrenbang/\(world.districtAssembly)/\(DocumentWorld.rogojampi)/daftar-hadir.csv"
            let list = try await world.get(path, token: world.districtOperator)
            #expect(list.status == .ok)
            #expect(list.text.contains("Siti Aminah Rahayu"))
            #expect(list.text.contains("B*** H*** W***") && !list.text.contains("Bambang"))
            #expect(try await world.get(path, token: world.neighbourOperator).status == .forbidden)
            #expect(try await world.get(path).status == .unauthorized)
            // The minutes keep the same masking.
            let minutes = try await world.get("/api/v1/assemblies/\(world.districtAssembly)/sessions/\(DocumentWorld.rogojampi)/minutes",
                                              token: world.districtOperator)
            #expect(minutes.text.contains("B*** H*** W***") && !minutes.text.contains("Bambang Hadi"))
        }
    }

    @Test("bad requests: an unknown document 404, a format it does not come in 406, an empty year a valid empty file, a year out of range 404",
          arguments: TestFlavour.enabled)
    func badRequests(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await DocumentWorld.make(app)
            #expect(try await world.get("/dokumen/desa/\(bubuk)/anggaran-2027.xlsx").status == .notFound)
            let pdf = try await world.get("/dokumen/desa/\(bubuk)/du-rkpdes-2027.pdf")
            #expect(pdf.status == .notAcceptable)
            #expect(pdf.text.contains("XLSX, CSV"))
            #expect(try await world.get("/dokumen/desa/\(bubuk)/du-rkpdes-2027.docx").status == .notAcceptable)
            let empty = try await world.get("/dokumen/desa/\(bubuk)/du-rkpdes-2031.csv")
            #expect(empty.status == .ok)
            #expect(csvRows(empty.text).count == 3, "header and two zero totals")
            #expect(try await world.get("/dokumen/desa/\(bubuk)/du-rkpdes-1999.csv").status == .notFound)
            #expect(try await world.get("/dokumen/desa/35.09.01.2001/du-rkpdes-2027.csv").status == .notFound, "another regency's village")
            #expect(try await world.get("/dokumen/kecamatan/\(bubuk)/t-d4-2027.csv").status == .notFound, "a village is not a kecamatan")
        }
    }

    @Test("papers as PDF: the berita acara is a draft until final; without the engine the page says so and spreadsheets still work",
          arguments: TestFlavour.enabled)
    func papers(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await DocumentWorld.make(app)
            let path = "/dokumen/musrenbang/\(world.districtAssembly)/\(DocumentWorld.rogojampi)/berita-acara.pdf"
            let paper = try await world.get(path, token: world.districtOperator)
            #expect(paper.status == .ok)
            #expect(paper.headers[.contentType] == "application/pdf")
            #expect(paper.headers[.contentDisposition] == #"attachment; filename="BA-Musrenbang-Kecamatan-Rogojampi-2027.pdf""#)
            #expect(String(buffer: paper.body).hasPrefix("%PDF-"))
            let sheet = try await world.get("/dokumen/usulan/\(world.forwardedRefused)/lembar-pelacakan.pdf")
            #expect(sheet.status == .ok && String(buffer: sheet.body).hasPrefix("%PDF-"))
        }
        try await withTestApp(flavour, configure: { $0.pdfEngine = "/nonexistent/weasyprint" }) { app in
            let world = try await DocumentWorld.make(app)
            let missing = try await world.get("/dokumen/usulan/\(world.kept)/lembar-pelacakan.pdf")
            #expect(missing.status == .serviceUnavailable)
            #expect(missing.text.contains("WeasyPrint"))
            #expect(try await world.get("/dokumen/desa/\(bubuk)/du-rkpdes-2027.xlsx").status == .ok)
            let page = try await world.get("/usulan/\(world.kept)")
            #expect(page.text.contains("belum terpasang"))
        }
    }

    @Test("decisions are open data: paged by cursor, with ETag and Last-Modified for revalidation", arguments: TestFlavour.enabled)
    func decisionsAPI(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await DocumentWorld.make(app)
            let first = try await world.get("/api/v1/decisions?limit=2&year=2027")
            let body = try first.json()
            let items = try #require(body["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(items.allSatisfy { $0["actorId"] == nil && $0["reason"] != nil || $0["outcome"] as? String == "accepted" })
            let next = try #require(body["next"] as? Int)
            let restBody = try await world.get("/api/v1/decisions?limit=100&after=\(next)").json()
            let rest = try #require(restBody["items"] as? [[String: Any]])
            #expect(rest.count == 4, "six decisions in all")
            #expect(restBody["next"] == nil, "the last page has no next cursor")
            let tag = try #require(first.headers[.eTag])
            #expect(first.headers[.lastModified] != nil)
            let again = try await world.get("/api/v1/decisions?limit=2&year=2027", headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            let since = try await world.get("/api/v1/decisions?limit=2&year=2027", headers: [.ifModifiedSince: first.headers[.lastModified]!])
            #expect(since.status == .notModified)
            #expect(try await world.get("/api/v1/decisions?limit=0").status == .unprocessableContent)
            #expect(try await world.get("/api/v1/decisions?after=-1").status == .unprocessableContent)
            // The proposal list revalidates too.
            let list = try await world.get("/api/v1/proposals?pageSize=3")
            #expect(try await world.get("/api/v1/proposals?pageSize=3", headers: [.ifNoneMatch: list.headers[.eTag]!]).status == .notModified)
        }
    }

    @Test("the program mapping is the planner's; an over-long text is refused naming its field", arguments: TestFlavour.enabled)
    func programMapping(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await DocumentWorld.make(app)
            let body = #"{"regionalPriority":"A","regionalTarget":"B","program":"C"}"#
            #expect(try await app.send(.put, "/api/v1/program-mappings/02.01", json: body, token: world.districtOperator).status == .forbidden)
            #expect(try await app.send(.put, "/api/v1/program-mappings/02.01", json: body).status == .unauthorized)
            #expect(try await app.send(.put, "/api/v1/program-mappings/09.99", json: body, token: world.planner).status == .notFound)
            let long = #"{"regionalPriority":"A","regionalTarget":"B","program":"\#(String(repeating: "x", count: 301))"}"#
            let refused = try await app.send(.put, "/api/v1/program-mappings/02.01", json: long, token: world.planner)
            #expect(try errorField(refused).field == "program")
            let all = try #require(try await world.get("/api/v1/program-mappings").json()["items"] as? [[String: Any]])
            #expect(all.map { $0["subfieldCode"] as? String } == ["02.03"])
        }
    }
}
