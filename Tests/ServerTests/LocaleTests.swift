import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangCore
@testable import MusrenbangServer
import Testing
import TestSupport

/// Every page in both languages: its words come from the string table (a template holds no
/// words of its own), no key is missing in either language, and an English page shows none of
/// the interface's Indonesian words.
@Suite("Both locales")
struct LocaleTests {
    /// Words a template may hold itself: names that are the same in both languages.
    static let sameInBoth: Set<String> = ["Musrenbang", "RT", "RW"]

    /// Indonesian interface words that must not appear on an English page (data — names of
    /// places, what people wrote — may be Indonesian; these are the interface's own words).
    static let indonesian = ["yang", "dan", "untuk", "dengan", "tidak", "belum", "sudah", "dari", "Simpan", "Kirim", "Batalkan", "Masuk",
                             "Daftar", "Keluar", "Beranda", "Usulan", "usulan", "Tahap", "tahap", "Peserta", "Hadir", "hadir", "Warga", "Dukungan",
                             "dukungan", "Komentar", "Keputusan", "Alasan", "Perempuan", "perempuan", "Pilih", "Semua", "Saring", "Kecamatan",
                             "Halaman", "Berikutnya", "Sebelumnya", "Pertanyaan", "Tuan rumah", "menit", "detik", "orang", "Ruang kendali",
                             "Konsol", "Berita acara", "Kesepakatan", "Pemeringkatan", "Registrasi", "Pembukaan", "Terjadwal", "Dibahas",
                             "Diterima", "Ditolak", "Digabungkan", "Diteruskan", "Sumber dana", "Bidang", "Penerima manfaat", "Perkiraan biaya",
                             "Riwayat", "Diskusi", "Catat", "Kata sandi", "Akun", "Tempat", "Pagu", "Antrean", "Giliran", "Desa ", "Dinas"]

    @Test("a template holds no words of its own: every word it shows comes from the string table")
    func templatesHoldNoWords() throws {
        let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/MusrenbangServer/Templates")
        var found: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: templates.path) where file.hasSuffix(".mustache") {
            let source = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            for word in Self.literalWords(source) where !Self.sameInBoth.contains(word) { found.append("\(file): \(word)") }
        }
        #expect(found.isEmpty, "words written into templates: \(found)")
    }

    @Test("every page renders in both languages, with no missing key and no Indonesian interface word in English", arguments: TestFlavour.enabled)
    func everyPageInBothLanguages(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await World.make(app)
            let pages = try await world.pages()
            let routes = buildRouter(app.services).routes.filter { $0.method == .get && !$0.path.description.hasPrefix("/api/") }
                .map(\.path.description)
            // Files, not pages: health, the service worker, photos, recordings and the documents (DocumentTests reads those).
            let skipped: Set<String> = ["/healthz", "/readyz", "/metrics", "/sw.js", "/bahasa/{lang}", "/foto/{hash}", "/musrenbang/{id}/rekaman/{file}", "/musrenbang/{id}/siaran/{file}",
                                        "/dokumen/desa/{code}/{file}", "/dokumen/kecamatan/{code}/{file}", "/dokumen/kabupaten/{file}",
                                        "/dokumen/musrenbang/{id}/{place}/{file}", "/dokumen/usulan/{id}/{file}",
                                        "/kamus/unduh/{file}"]
            let uncovered = Set(routes).subtracting(skipped).subtracting(pages.map(\.route))
            #expect(uncovered.isEmpty, "pages no locale test opens: \(uncovered.sorted())")
            var problems: [String] = []
            for locale in ["id", "en"] {
                for page in pages {
                    var browser = world.browsers[page.caller]!
                    browser.cookies["lang"] = locale
                    let response = try await browser.get(app, page.path)
                    guard response.status == .ok || page.path == "/tidak-ada" else {
                        problems.append("\(locale) \(page.path) as \(page.caller): \(response.status)")
                        continue
                    }
                    let html = response.text
                    if !html.contains(#"<html lang="\#(locale)">"#) { problems.append("\(locale) \(page.path): not marked \(locale)") }
                    if let missing = html.range(of: #"⟦[^⟧]*⟧"#, options: .regularExpression) {
                        problems.append("\(locale) \(page.path): missing string \(html[missing])")
                    }
                    if locale == "en" {
                        let text = Self.visibleText(html)
                        for word in Self.indonesian where Self.contains(text, word: word) {
                            problems.append("en \(page.path) as \(page.caller): Indonesian \"\(word)\" in \(Self.context(text, word))")
                        }
                    }
                }
            }
            #expect(problems.isEmpty, "\(problems.count) problems:\n\(problems.joined(separator: "\n"))")
        }
    }

    // MARK: the world the pages show, in English data so that only the interface can be Indonesian

    struct Page { let route: String; let path: String; let caller: String }

    struct World {
        let app: TestApp
        var browsers: [String: Browser]
        let assembly: Int
        let proposal: Int
        /// An assembly whose Bubuk station has closed and handed in a flagged close-out.
        let closed: Int

        static func make(_ app: TestApp) async throws -> World {
            let planner = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10")
            let host = try await app.staffToken(username: "bupati", role: "host", region: "35.10")
            let villageOperator = try await app.staffToken(username: "op-desa", role: "village_operator", region: bubuk)
            _ = try await app.send(.post, "/api/v1/citizens", json: citizenJSON())
            let created = try await app.send(.post, "/api/v1/assemblies", json: #"""
                {"title":"Village assemblies 2027","level":"village","regencyCode":"35.10","planYear":2027,"startsAt":"2027-01-21T12:00:00Z",
                 "hubVillageCode":"\#(bubuk)","villageCodes":["\#(bubuk)","35.10.13.2001"],
                 "agenda":[{"title":"Welcome","minutes":10,"speaker":"Regent"}],"theme":"youth"}
                """#, token: planner)
            let assembly = try #require(try created.json()["id"] as? Int)
            for stage in ["checkIn", "opening", "dialogue"] {
                _ = try await app.send(.post, "/api/v1/assemblies/\(assembly)/stage", json: #"{"stage":"\#(stage)"}"#, token: host)
                _ = try await app.send(.post, "/api/v1/assemblies/\(assembly)/sessions/\(bubuk)/stage", json: #"{"stage":"\#(stage)"}"#,
                                       token: villageOperator)
            }
            let question = try await app.send(.post, "/api/v1/assemblies/\(assembly)/questions",
                                              json: #"{"body":"When will the road be fixed?","villageCode":"\#(bubuk)"}"#, token: villageOperator)
            _ = try await app.send(.post, "/api/v1/assemblies/\(assembly)/questions/\(try question.json()["id"] as! Int)/status",
                                   json: #"{"status":"approved"}"#, token: planner)
            // A closed poll (in the minutes), and an open one Bubuk has answered.
            for (question, close) in [("Which comes first?", true), ("Should the next assembly be online too?", false)] {
                let poll = try await app.send(.post, "/api/v1/assemblies/\(assembly)/polls",
                                              json: #"{"question":"\#(question)","options":["Roads","Clean water"]}"#, token: host)
                let pollId = try #require(try poll.json()["id"] as? Int, "\(poll.text)")
                _ = try await app.send(.post, "/api/v1/assemblies/\(assembly)/sessions/\(bubuk)/polls/\(pollId)/answer",
                                       json: #"{"option":1}"#, token: villageOperator)
                if close { _ = try await app.send(.post, "/api/v1/assemblies/\(assembly)/polls/\(pollId)/close", token: host) }
            }
            _ = try await app.send(.post, "/api/v1/assemblies/\(assembly)/polls",
                                   json: #"{"question":"Is the sound clear in your office?","options":["Yes","No"]}"#, token: host)
            _ = try await app.send(.post, "/api/v1/assemblies/\(assembly)/floor/hands", json: #"{"villageCode":"\#(bubuk)","topic":"Irrigation"}"#,
                                   token: villageOperator)
            let proposal = try await app.send(.post, "/api/v1/proposals", json: #"""
                {"villageCode":"\#(bubuk)","year":2027,"title":"Road repair in Krajan","problem":"Potholes along 350 m, impassable in the rain.",
                 "activity":"Asphalt the road","fieldCode":"02","subfieldCode":"02.03","kind":"physical","volume":350,"unit":"m",
                 "estimatedCost":175000000,"fundingSource":"villageFund","beneficiaries":{"total":420,"women":210,"poor":60,"disabled":4}}
                """#, token: villageOperator)
            let proposalId = try #require(try proposal.json()["id"] as? Int)
            // A thematic assembly and a tagged proposal: their tags and counts render in both languages too.
            _ = try await app.send(.post, "/api/v1/proposals/\(proposalId)/theme", json: #"{"theme":"youth"}"#, token: planner)
            _ = try await app.send(.post, "/api/v1/proposals/\(proposalId)/comments", json: #"{"body":"A good idea"}"#, token: planner)
            _ = try await app.send(.post, "/api/v1/proposals/\(proposalId)/decisions",
                                   json: #"{"level":"village","outcome":"forwarded","reason":"Beyond village authority"}"#, token: villageOperator)

            let closed = try await closedStation(app, planner: planner, villageOperator: villageOperator)

            var browsers: [String: Browser] = ["anonymous": Browser()]
            for (caller, username, password) in [("planner", "bappeda", "rahasia-123"), ("villageOperator", "op-desa", "rahasia-123"),
                                                 ("citizen", womanNIK, "kata-sandi-1")] {
                var browser = Browser()
                let login = try await browser.get(app, "/masuk")
                _ = try await browser.post(app, "/masuk", form: ["_csrf": try Browser.csrf(in: login), "username": username, "password": password])
                browsers[caller] = browser
            }
            return World(app: app, browsers: browsers, assembly: assembly, proposal: proposalId, closed: closed)
        }

        /// Bubuk alone, one walk-in checked in, closed; a scan and a paper that says one more: flagged.
        static func closedStation(_ app: TestApp, planner: String, villageOperator: String) async throws -> Int {
            let created = try await app.send(.post, "/api/v1/assemblies", json: #"""
                {"title":"Closed stations 2027","level":"village","regencyCode":"35.10","planYear":2027,"startsAt":"2027-01-21T12:00:00Z",
                 "hubVillageCode":"\#(bubuk)","villageCodes":["\#(bubuk)"]}
                """#, token: planner)
            let id = try #require(try created.json()["id"] as? Int)
            let session = "/api/v1/assemblies/\(id)/sessions/\(bubuk)"
            _ = try await app.send(.post, "/api/v1/assemblies/\(id)/stage", json: #"{"stage":"checkIn"}"#, token: planner)
            _ = try await app.send(.post, session + "/stage", json: #"{"stage":"checkIn"}"#, token: villageOperator)
            _ = try await app.send(.post, "/api/v1/assemblies/\(id)/attendance", json: #"""
                {"villageCode":"\#(bubuk)","nik":"3510131203850777","name":"Walk In","role":"youth","gender":"male"}
                """#, token: villageOperator)
            for stage in ["opening", "dialogue", "proposals", "ranking", "agreement"] {
                _ = try await app.send(.post, "/api/v1/assemblies/\(id)/stage", json: #"{"stage":"\#(stage)"}"#, token: planner)
            }
            _ = try await app.send(.post, session + "/stage", json: #"{"stage":"agreement"}"#, token: villageOperator)
            _ = try await app.send(.post, session + "/ranking-agreed", token: villageOperator)
            #expect(try await app.send(.post, session + "/stage", json: #"{"stage":"closed"}"#, token: villageOperator).status == .ok)
            let closeOut = "/api/v1/assemblies/\(id)/villages/\(bubuk)/close-out"
            let scan = try await app.client.execute(uri: closeOut + "/scan", method: .post, headers: [.authorization: "Bearer \(villageOperator)"],
                                                    body: ByteBuffer(bytes: Array("%PDF-1.4\n%%EOF\n".utf8)))
            #expect(scan.status == .created)
            #expect(try await app.send(.post, closeOut, json: #"{"men":2,"women":0,"total":2}"#, token: villageOperator).status == .ok)
            return id
        }

        func pages() async throws -> [Page] {
            let a = "/musrenbang/\(assembly)"
            return [
                Page(route: "/", path: "/", caller: "anonymous"),
                Page(route: "/", path: "/", caller: "planner"),
                Page(route: "/cari", path: "/cari?q=bubuk", caller: "anonymous"),
                Page(route: "/wilayah/{code}", path: "/wilayah/35.10.13", caller: "anonymous"),
                Page(route: "/wilayah/{code}", path: "/wilayah/\(bubuk)", caller: "anonymous"),
                Page(route: "/daftar", path: "/daftar", caller: "anonymous"),
                Page(route: "/masuk", path: "/masuk", caller: "anonymous"),
                Page(route: "/aktivasi", path: "/aktivasi", caller: "anonymous"),
                Page(route: "/akun", path: "/akun", caller: "citizen"),
                Page(route: "/akun", path: "/akun", caller: "planner"),
                Page(route: "/admin/pengguna", path: "/admin/pengguna", caller: "planner"),
                Page(route: "/usulan", path: "/usulan", caller: "anonymous"),
                Page(route: "/usulan/baru", path: "/usulan/baru", caller: "citizen"),
                Page(route: "/usulan/baru", path: "/usulan/baru", caller: "planner"),
                Page(route: "/usulan/saya", path: "/usulan/saya", caller: "villageOperator"),
                Page(route: "/usulan/{id}", path: "/usulan/\(proposal)", caller: "anonymous"),
                Page(route: "/usulan/{id}", path: "/usulan/\(proposal)", caller: "planner"),
                Page(route: "/usulan/{id}", path: "/usulan/\(proposal)", caller: "citizen"),
                Page(route: "/desa/{code}/peringkat", path: "/desa/\(bubuk)/peringkat?tahun=2027", caller: "villageOperator"),
                Page(route: "/kecamatan/{code}/usulan", path: "/kecamatan/35.10.13/usulan?tahun=2027", caller: "planner"),
                Page(route: "/musrenbang", path: "/musrenbang", caller: "planner"),
                Page(route: "/musrenbang/baru", path: "/musrenbang/baru", caller: "planner"),
                Page(route: "/musrenbang/{id}", path: a, caller: "citizen"),
                Page(route: "/musrenbang/{id}/kendali", path: a + "/kendali", caller: "planner"),
                Page(route: "/musrenbang/{id}/desa/{village}", path: a + "/desa/\(bubuk)", caller: "villageOperator"),
                // A closed station: the close-out step, flagged, with the hand-in forms (operator) and the review forms (planner).
                Page(route: "/musrenbang/{id}/desa/{village}", path: "/musrenbang/\(closed)/desa/\(bubuk)", caller: "villageOperator"),
                Page(route: "/musrenbang/{id}/desa/{village}", path: "/musrenbang/\(closed)/desa/\(bubuk)", caller: "planner"),
                Page(route: "/musrenbang/{id}/kendali", path: "/musrenbang/\(closed)/kendali?view=tabel", caller: "planner"),
                Page(route: "/dokumen", path: "/dokumen", caller: "anonymous"),
                Page(route: "/dokumen", path: "/dokumen?wilayah=\(bubuk)&tahun=2027", caller: "planner"),
                Page(route: "/dasbor", path: "/dasbor?tahun=2027", caller: "anonymous"),
                Page(route: "/kamus", path: "/kamus?q=jalan", caller: "planner"),
                Page(route: "/admin/pendampingan", path: "/admin/pendampingan?desa=35.10.13.2007", caller: "planner"),
                Page(route: "/dasbor", path: "/dasbor?tahun=2028", caller: "planner"),
                Page(route: "/perencanaan/program", path: "/perencanaan/program", caller: "planner"),
                Page(route: "/perencanaan/sipd", path: "/perencanaan/sipd?tahun=2027", caller: "planner"),
                Page(route: "/admin/warga", path: "/admin/warga", caller: "villageOperator"),
                Page(route: "/admin/audit", path: "/admin/audit", caller: "planner"),
                Page(route: "/tidak-ada", path: "/tidak-ada", caller: "anonymous"),
            ]
        }
    }

    // MARK: reading text

    /// The words of a template outside its tags: text between HTML tags, and the visible
    /// attributes (labels, placeholders, alternatives).
    static func literalWords(_ source: String) -> [String] {
        var text = source.replacingOccurrences(of: #"\{\{[^}]*\}\}\}?"#, with: " ", options: .regularExpression)
        var visible: [String] = []
        for attribute in ["placeholder", "aria-label", "alt", "title", "label"] {
            let pattern = #"\b\#(attribute)="([^"]*)""#
            let regex = try! NSRegularExpression(pattern: pattern)
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                visible.append(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        text = text.replacingOccurrences(of: #"<script[^>]*>.*?</script>"#, with: " ", options: [.regularExpression])
        text = text.replacingOccurrences(of: #"<[^>]*>"#, with: " ", options: .regularExpression)
        return (visible + [text]).joined(separator: " ")
            .components(separatedBy: CharacterSet.letters.inverted).filter { $0.count >= 2 }
    }

    static func visibleText(_ html: String) -> String {
        html.replacingOccurrences(of: #"<script[^>]*>[\s\S]*?</script>"#, with: " ", options: .regularExpression)
            .replacingOccurrences(of: #"<[^>]*>"#, with: " ", options: .regularExpression)
            .replacingOccurrences(of: "&nbsp;", with: " ")
    }

    static func contains(_ text: String, word: String) -> Bool {
        let pattern = word.hasSuffix(" ") ? #"\b\#(word)"# : #"\b\#(word)\b"#
        return text.range(of: pattern, options: .regularExpression) != nil
    }

    static func context(_ text: String, _ word: String) -> String {
        guard let range = text.range(of: word) else { return "" }
        let start = text.index(range.lowerBound, offsetBy: -40, limitedBy: text.startIndex) ?? text.startIndex
        let end = text.index(range.upperBound, offsetBy: 40, limitedBy: text.endIndex) ?? text.endIndex
        return "…" + text[start..<end].replacingOccurrences(of: "\n", with: " ") + "…"
    }
}
