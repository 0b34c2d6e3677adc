import Foundation
import Hummingbird
import HummingbirdTesting
import SQLKit
import MusrenbangCore
import MusrenbangStore
import MusrenbangServer
import Testing
import TestSupport

/// A browser's cookie jar, just enough for form round trips.
struct Browser {
    var cookies: [String: String] = [:]

    var cookieHeader: HTTPFields {
        cookies.isEmpty ? [:] : [.cookie: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
    }

    mutating func keep(_ response: TestResponse) {
        for header in response.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            cookies[String(pair[0])] = pair[1].isEmpty ? nil : String(pair[1])
        }
    }

    mutating func get(_ app: TestApp, _ uri: String) async throws -> TestResponse {
        let response = try await app.client.execute(uri: uri, method: .get, headers: cookieHeader, body: nil)
        keep(response)
        return response
    }

    mutating func post(_ app: TestApp, _ uri: String, form: [String: String]) async throws -> TestResponse {
        var headers = cookieHeader
        headers[.contentType] = "application/x-www-form-urlencoded"
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._*"))
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        let response = try await app.client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        keep(response)
        return response
    }

    /// Post/Redirect/Get: the page a form's 303 sends the browser to.
    mutating func follow(_ app: TestApp, _ response: TestResponse) async throws -> TestResponse {
        guard response.status == .seeOther, let location = response.headers[.location] else {
            throw TestFailure("expected 303 See Other, got \(response.status)")
        }
        return try await get(app, location)
    }

    /// The CSRF token a page's forms carry.
    static func csrf(in page: TestResponse) throws -> String {
        let html = page.text
        let marker = #"name="_csrf" value=""#
        guard let start = html.range(of: marker)?.upperBound, let end = html[start...].firstIndex(of: "\"") else {
            throw TestFailure("no CSRF token in page")
        }
        return String(html[start..<end])
    }
}

@Suite("Pages")
struct PageTests {
    @Test("home shows the regency and its districts; region pages list villages", arguments: TestFlavour.enabled)
    func publicPages(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            var browser = Browser()
            let home = try await browser.get(app, "/")
            #expect(home.status == .ok)
            #expect(home.text.contains("Kabupaten Banyuwangi"))
            #expect(home.text.contains(#"href="/wilayah/35.10.13""#))
            #expect(home.text.contains("<strong>217</strong>"))
            #expect(home.text.contains(#"<html lang="id">"#))
            let district = try await browser.get(app, "/wilayah/35.10.13")
            #expect(district.text.contains("Bubuk"))
            #expect(try await browser.get(app, "/wilayah/35.10.99").status == .notFound)
            let search = try await browser.get(app, "/cari?q=bubuk")
            #expect(search.text.contains(#"href="/wilayah/35.10.13.2007""#))
        }
    }

    @Test("forms without a valid CSRF token are refused and change nothing", arguments: TestFlavour.enabled)
    func csrf(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            var browser = Browser()
            _ = try await browser.get(app, "/daftar")
            let form = ["name": "Siti", "nik": womanNIK, "gender": "female", "villageCode": bubuk,
                        "password": "kata-sandi-1", "passwordConfirm": "kata-sandi-1"]
            #expect(try await browser.post(app, "/daftar", form: form).status == .forbidden)
            var forged = form
            forged["_csrf"] = String(repeating: "0", count: 64)
            #expect(try await browser.post(app, "/daftar", form: forged).status == .forbidden)
            var stranger = Browser()
            let strangerPage = try await stranger.get(app, "/daftar")
            forged["_csrf"] = try Browser.csrf(in: strangerPage)
            #expect(try await browser.post(app, "/daftar", form: forged).status == .forbidden, "a token is bound to its browser")
            #expect(try await app.services.accounts.countUsers(role: .citizen) == 0)
        }
    }

    @Test("register, see the account, log out and back in with cookies that are HttpOnly and SameSite", arguments: TestFlavour.enabled)
    func registerFlow(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            var browser = Browser()
            let page = try await browser.get(app, "/daftar")
            #expect(page.text.contains(#"value="35.10.13.2007""#))
            let registered = try await browser.post(app, "/daftar", form: [
                "_csrf": try Browser.csrf(in: page), "name": "Siti <b>Aminah</b>", "nik": womanNIK, "gender": "female",
                "villageCode": bubuk, "password": "kata-sandi-1", "passwordConfirm": "kata-sandi-1",
            ])
            #expect(registered.status == .seeOther)
            let cookie = try #require(registered.headers[values: .setCookie].first { $0.hasPrefix("mb_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"), "no TLS in front in this test")
            let account = try await browser.get(app, "/akun")
            #expect(account.text.contains("351013********01"))
            #expect(account.text.contains("Siti &lt;b&gt;Aminah&lt;/b&gt;"))
            #expect(!account.text.contains(womanNIK))

            _ = try await browser.post(app, "/keluar", form: ["_csrf": try Browser.csrf(in: account)])
            #expect(try await browser.get(app, "/akun").status == .seeOther)
            let login = try await browser.get(app, "/masuk")
            let refusedLogin = try await browser.post(app, "/masuk", form: ["_csrf": try Browser.csrf(in: login), "username": womanNIK,
                                                                               "password": "salah-salah"])
            #expect(refusedLogin.status == .seeOther)
            let wrong = try await browser.follow(app, refusedLogin)
            #expect(wrong.text.contains("kata sandi salah"))
            #expect(!wrong.text.contains(womanNIK), "a NIK typed at login is not echoed back")
            #expect(try await browser.get(app, "/masuk").text.contains("kata sandi salah") == false, "the refusal shows once")
            let again = try await browser.post(app, "/masuk", form: ["_csrf": try Browser.csrf(in: login), "username": womanNIK, "password": "kata-sandi-1"])
            #expect(again.status == .seeOther)
            #expect(try await browser.get(app, "/akun").status == .ok)
        }
    }

    @Test("a refused registration shows every problem in Indonesian and keeps the other fields", arguments: TestFlavour.enabled)
    func registerErrors(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            var browser = Browser()
            let page = try await browser.get(app, "/daftar")
            let refused = try await browser.post(app, "/daftar", form: [
                "_csrf": try Browser.csrf(in: page), "name": "Budi", "nik": womanNIK, "gender": "male",
                "villageCode": bubuk, "password": "pendek", "passwordConfirm": "pendek",
            ])
            #expect(refused.status == .seeOther)
            #expect(refused.headers[.location] == "/daftar")
            // What is kept for the form to come back is never the NIK or the password.
            let kept = try await app.services.database.sql.raw("SELECT data FROM flash").all()
                .map { try $0.decode(column: "data", as: String.self) }.joined()
            #expect(kept.contains("Budi") && !kept.contains(womanNIK) && !kept.contains("pendek"))
            let shown = try await browser.follow(app, refused)
            #expect(shown.status == .ok)
            #expect(shown.text.contains("jenis kelamin perempuan"))
            #expect(shown.text.contains("Kata sandi harus 8 sampai 72 karakter."))
            #expect(shown.text.contains(#"value="Budi""#))
            #expect(shown.text.contains(#"value="35.10.13.2007" selected"#))
            #expect(!shown.text.contains(womanNIK))
        }
    }

    @Test("the staff page is for planners and admins only, and creates accounts", arguments: TestFlavour.enabled)
    func staffPage(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            var anonymous = Browser()
            #expect(try await anonymous.get(app, "/admin/pengguna").status == .unauthorized)
            _ = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10", password: "rahasia-123")
            _ = try await app.staffToken(username: "op-desa", role: "village_operator", region: bubuk, password: "rahasia-123")

            var operatorBrowser = Browser()
            let login = try await operatorBrowser.get(app, "/masuk")
            _ = try await operatorBrowser.post(app, "/masuk", form: ["_csrf": try Browser.csrf(in: login), "username": "op-desa", "password": "rahasia-123"])
            #expect(try await operatorBrowser.get(app, "/admin/pengguna").status == .forbidden)

            var planner = Browser()
            let plannerLogin = try await planner.get(app, "/masuk")
            _ = try await planner.post(app, "/masuk", form: ["_csrf": try Browser.csrf(in: plannerLogin), "username": "bappeda", "password": "rahasia-123"])
            let staff = try await planner.get(app, "/admin/pengguna")
            #expect(staff.status == .ok)
            #expect(!staff.text.contains(#"<option value="admin">"#))
            let created = try await planner.post(app, "/admin/pengguna", form: [
                "_csrf": try Browser.csrf(in: staff), "username": "kec-rogojampi", "name": "Operator Rogojampi",
                "role": "district_operator", "regionCode": "35.10.13", "password": "rahasia-123",
            ])
            #expect(created.status == .seeOther)
            #expect(try await planner.follow(app, created).text.contains("Akun petugas dibuat."))
            #expect(try await app.services.accounts.user(username: "kec-rogojampi")?.role.rawValue == "district_operator")
        }
    }

    @Test("English is the second locale", arguments: TestFlavour.enabled)
    func english(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            var browser = Browser()
            let switched = try await browser.get(app, "/bahasa/en")
            #expect(switched.status == .seeOther)
            let home = try await browser.get(app, "/")
            #expect(home.text.contains(#"<html lang="en">"#))
            #expect(home.text.contains("Districts"))
        }
    }
}

@Suite("Usulan saya")
struct MyProposalsTests {
    @Test("an operator's entries stay listed with more than a thousand newer proposals in the database", arguments: TestFlavour.enabled)
    func operatorEntriesPastAThousand(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let operatorToken = try await app.staffToken(username: "op-desa", role: "village_operator", region: bubuk)
            let entered = try await app.send(.post, "/api/v1/proposals", json: proposalJSON(title: "Usulan yang dicatat operator",
                                                                                          extra: #","source":"bpd""#), token: operatorToken)
            #expect(entered.status == .created)
            // 1,100 newer proposals by someone else: the operator's own is far past the first thousand.
            let planner = try #require(try await app.services.accounts.user(id: try await StaffAccounts.create(
                app.services, username: "bappeda", name: "Bappeda", password: "rahasia-123", role: "planner", region: "35.10", agency: nil)))
            var generator = ProposalGenerator(seed: 7, year: 2027)
            try await ProposalStore(app.services.database).bulkInsert((0..<1_100).map { _ in
                .init(draft: generator.draft(village: RegionCode(bubuk)!), proposer: nil, enteredBy: planner.id, enteredByRole: .planner)
            })
            let api = try await app.send(.get, "/api/v1/me/proposals", token: operatorToken).json()
            #expect(api["total"] as? Int == 1)
            #expect((api["items"] as? [[String: Any]])?.first?["title"] as? String == "Usulan yang dicatat operator")

            var browser = Browser()
            let login = try await browser.get(app, "/masuk")
            _ = try await browser.post(app, "/masuk", form: ["_csrf": try Browser.csrf(in: login), "username": "op-desa", "password": "rahasia-123"])
            let mine = try await browser.get(app, "/usulan/saya")
            #expect(mine.text.contains("Usulan yang dicatat operator"))
            #expect(mine.text.components(separatedBy: #"class="card-item""#).count - 1 == 1, "only the operator's own")
        }
    }
}
