import Foundation
import HummingbirdTesting
import MusrenbangStore
import SQLKit
import Testing
import TestSupport

/// Valid NIKs of Kecamatan Rogojampi (351013): a woman born 12-03-1990 and a man born the same day.
let womanNIK = "3510135203900001"
let manNIK = "3510131203900002"
let bubuk = "35.10.13.2007"

func citizenJSON(name: String = "Siti Aminah", nik: String = womanNIK, village: String = bubuk, gender: String = "female",
                 password: String? = "kata-sandi-1") -> String {
    let passwordField = password.map { #","password":"\#($0)""# } ?? ""
    return #"{"name":"\#(name)","nik":"\#(nik)","villageCode":"\#(village)","gender":"\#(gender)"\#(passwordField)}"#
}

/// A citizen who registered themself, by their account's id (a self-registration's answer
/// carries none, so that it tells nothing about a NIK that had an account).
func selfRegisteredCitizen(_ app: TestApp, json: String = citizenJSON(), nik: String = womanNIK, password: String = "kata-sandi-1") async throws -> Int {
    let created = try await app.send(.post, "/api/v1/citizens", json: json)
    guard created.status == .created else { throw TestFailure("registration: \(created.status) \(created.text)") }
    let token = try await app.login(nik, password)
    guard let id = try await app.send(.get, "/api/v1/me", token: token).json()["id"] as? Int else { throw TestFailure("no id") }
    return id
}

func errorField(_ response: TestResponse) throws -> (code: String?, field: String?) {
    let error = try response.json()["error"] as? [String: Any]
    return (error?["code"] as? String, error?["field"] as? String)
}

@Suite("Citizens API")
struct CitizenAPITests {
    @Test("a citizen registers, gets a masked NIK, and logs in with the NIK", arguments: TestFlavour.enabled)
    func registerAndLogIn(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let created = try await app.send(.post, "/api/v1/citizens", json: citizenJSON())
            #expect(created.status == .created)
            let body = try created.json()
            #expect(body["nikMasked"] as? String == "351013********01")
            #expect(body["villageCode"] as? String == bubuk)
            #expect(body["id"] == nil, "a self-registration's answer does not say which account it made")
            #expect(!created.text.contains(womanNIK))

            let token = try await app.login(womanNIK, "kata-sandi-1")
            let me = try await app.send(.get, "/api/v1/me", token: token).json()
            #expect(me["role"] as? String == "citizen")
            #expect(me["regionCode"] as? String == bubuk)
            #expect(me["name"] as? String == "Siti Aminah")
        }
    }

    @Test("the raw NIK is stored nowhere", arguments: TestFlavour.enabled)
    func nikNeverStored(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            _ = try await app.send(.post, "/api/v1/citizens", json: citizenJSON())
            _ = try await app.login(womanNIK, "kata-sandi-1")
            for table in ["users", "auth_tokens"] {
                let rows = try await app.services.database.sql.raw("SELECT * FROM \(unsafeRaw: table)").all()
                for row in rows {
                    for column in row.allColumns {
                        let text = (try? row.decode(column: column, as: String?.self)) ?? nil
                        #expect(text?.contains(womanNIK) != true, "\(table).\(column)")
                    }
                }
            }
        }
    }

    @Test("each NIK rule refuses with 422 naming the field", arguments: TestFlavour.enabled)
    func nikRules(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let cases: [(String, String, String)] = [
                ("351013520390001", "female", "nik.length"),
                ("3599995203900001", "female", "nik.unknownDistrict"),
                ("3510133203900001", "male", "nik.birthDate"),
                ("3510135203900001", "male", "nik.genderMismatch"),
            ]
            for (nik, gender, code) in cases {
                let response = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: nik, gender: gender))
                #expect(response.status == .unprocessableContent, "\(code)")
                #expect(try errorField(response) == (code, "nik"))
            }
            #expect(try await app.services.accounts.countUsers(role: .citizen) == 0)
        }
    }

    @Test("one person, one account: a second registration of a NIK makes nothing, and a stranger cannot tell it had an account",
          arguments: TestFlavour.enabled)
    func duplicateNIK(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let first = try await app.send(.post, "/api/v1/citizens", json: citizenJSON())
            let again = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(name: "Orang Lain", password: "sandi-lain-9"))
            // The same answer as for a NIK never seen: status and body.
            #expect(again.status == first.status && again.text == first.text)
            #expect(!again.text.contains("Siti"))
            #expect(try await app.services.accounts.countUsers(role: .citizen) == 1)
            // The squatter's password opens nothing; the first registrant's still does.
            #expect(try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"\#(womanNIK)","password":"sandi-lain-9"}"#).status == .unauthorized)
            _ = try await app.login(womanNIK, "kata-sandi-1")
            // An operator registering at the office is told plainly.
            let operatorToken = try await app.staffToken(username: "op-bubuk", role: "village_operator", region: bubuk)
            let office = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(name: "Orang Lain"), token: operatorToken)
            #expect(office.status == .conflict)
            #expect(try errorField(office).code == "nik.taken")
        }
    }

    @Test("the NIK's kecamatan must be the village's; the village must be in the regency", arguments: TestFlavour.enabled)
    func villageRules(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            // A NIK of Rogojampi cannot make an account in Pesanggaran, nor one from Jakarta in Bubuk.
            let elsewhere = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(village: "35.10.01.2001"))
            #expect(try errorField(elsewhere) == ("nik.otherDistrict", "nik"))
            let jakarta = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: "3171015203900001"))
            #expect(jakarta.status == .unprocessableContent)
            #expect(try await app.services.accounts.countUsers(role: .citizen) == 0)
            let outside = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: manNIK, village: "35.09.01.2001", gender: "male"))
            #expect(outside.status == .unprocessableContent)
            #expect(try errorField(outside) == ("villageCode.outsideRegency", "villageCode"))
            let district = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: manNIK, village: "35.10.13", gender: "male"))
            #expect(try errorField(district) == ("villageCode.unknown", "villageCode"))
            let noPassword = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: manNIK, gender: "male", password: nil))
            #expect(try errorField(noPassword) == ("required", "password"))
            let gender = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: manNIK, gender: "other"))
            #expect(try errorField(gender) == ("gender.invalid", "gender"))
        }
    }

    @Test("a village operator registers a resident without a password; the resident activates it once", arguments: TestFlavour.enabled)
    func operatorRegistration(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let operatorToken = try await app.staffToken(username: "op-bubuk", role: "village_operator", region: bubuk)
            let created = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(password: nil), token: operatorToken)
            #expect(created.status == .created)
            let code = try #require(try created.json()["activationCode"] as? String)
            #expect(code.count == 9)

            let wrong = try await app.send(.post, "/api/v1/citizens/activate",
                                           json: #"{"nik":"\#(womanNIK)","activationCode":"AAAA-AAAA","password":"sandi-baru-1"}"#)
            #expect(wrong.status == .unprocessableContent)
            let activate = #"{"nik":"\#(womanNIK)","activationCode":"\#(code.lowercased())","password":"sandi-baru-1"}"#
            #expect(try await app.send(.post, "/api/v1/citizens/activate", json: activate).status == .ok)
            #expect(try await app.send(.post, "/api/v1/citizens/activate", json: activate).status == .unprocessableContent)
            _ = try await app.login(womanNIK, "sandi-baru-1")
        }
    }

    @Test("operators register only in their own area; citizens cannot register others", arguments: TestFlavour.enabled)
    func registrationScope(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let otherVillage = try await app.staffToken(username: "op-aliyan", role: "village_operator", region: "35.10.13.2001")
            let refused = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(password: nil), token: otherVillage)
            #expect(refused.status == .forbidden)
            let district = try await app.staffToken(username: "kec", role: "district_operator", region: "35.10.13")
            #expect(try await app.send(.post, "/api/v1/citizens", json: citizenJSON(password: nil), token: district).status == .created)

            _ = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: manNIK, gender: "male"))
            let citizen = try await app.login(manNIK, "kata-sandi-1")
            let byCitizen = try await app.send(.post, "/api/v1/citizens",
                                               json: citizenJSON(nik: "3510131203900003", gender: "male"), token: citizen)
            #expect(byCitizen.status == .forbidden)
            #expect(try await app.services.accounts.countUsers(role: .citizen) == 2)
        }
    }
}

@Suite("Auth API")
struct AuthAPITests {
    @Test("login answers a token and the user; wrong or unknown credentials are 401 alike", arguments: TestFlavour.enabled)
    func login(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            _ = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10", password: "rahasia-123")
            let ok = try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"bappeda","password":"rahasia-123"}"#)
            #expect(ok.status == .ok)
            let user = try #require(try ok.json()["user"] as? [String: Any])
            #expect(user["role"] as? String == "planner")
            #expect(user["regionCode"] as? String == "35.10")
            let wrong = try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"bappeda","password":"salah-salah"}"#)
            let unknown = try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"nobody","password":"salah-salah"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.text == unknown.text)
        }
    }

    @Test("repeated failures are throttled per account with Retry-After", arguments: TestFlavour.enabled)
    func throttle(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            _ = try await app.staffToken(username: "bupati", role: "host", region: "35.10", password: "rahasia-123")
            var statuses: [Int] = []
            for _ in 0..<6 {
                let response = try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"bupati","password":"tebak-tebak"}"#)
                statuses.append(response.status.code)
                if response.status == .tooManyRequests {
                    #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
                }
            }
            #expect(statuses == [401, 401, 401, 401, 401, 429])
            // Even the right password waits while the account is throttled.
            let right = try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"bupati","password":"rahasia-123"}"#)
            #expect(right.status == .tooManyRequests)
        }
    }

    @Test("me needs a valid token; logout ends it", arguments: TestFlavour.enabled)
    func meAndLogout(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            #expect(try await app.send(.get, "/api/v1/me").status == .unauthorized)
            #expect(try await app.send(.get, "/api/v1/me", token: "nonsense").status == .unauthorized)
            let token = try await app.staffToken(username: "dprd", role: "council", region: "35.10")
            let me = try await app.send(.get, "/api/v1/me", token: token).json()
            #expect(me["role"] as? String == "council")
            #expect(me["name"] as? String == "Petugas dprd")
            #expect(me["id"] is Int)
            #expect(try await app.send(.post, "/api/v1/auth/logout", token: token).status == .noContent)
            #expect(try await app.send(.get, "/api/v1/me", token: token).status == .unauthorized)
        }
    }

    @Test("changing the password checks the old one and ends other sessions", arguments: TestFlavour.enabled)
    func passwordChange(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let token = try await app.staffToken(username: "kec", role: "district_operator", region: "35.10.13", password: "lama-lama-1")
            let other = try await app.login("kec", "lama-lama-1")
            let wrong = try await app.send(.post, "/api/v1/me/password",
                                           json: #"{"currentPassword":"keliru-keliru","newPassword":"baru-baru-1"}"#, token: token)
            #expect(try errorField(wrong) == ("password.wrong", "currentPassword"))
            let short = try await app.send(.post, "/api/v1/me/password",
                                           json: #"{"currentPassword":"lama-lama-1","newPassword":"pendek"}"#, token: token)
            #expect(try errorField(short) == ("password.length", "newPassword"))
            let ok = try await app.send(.post, "/api/v1/me/password",
                                        json: #"{"currentPassword":"lama-lama-1","newPassword":"baru-baru-1"}"#, token: token)
            #expect(ok.status == .noContent)
            #expect(try await app.send(.get, "/api/v1/me", token: token).status == .ok)
            #expect(try await app.send(.get, "/api/v1/me", token: other).status == .unauthorized)
            _ = try await app.login("kec", "baru-baru-1")
        }
    }
}

@Suite("Staff accounts API")
struct StaffAPITests {
    @Test("a planner staffs the regency but cannot make admins or reach another regency", arguments: TestFlavour.enabled)
    func plannerCreates(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let planner = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10")
            let body = #"{"username":"op-bubuk","name":"Operator Bubuk","password":"rahasia-123","role":"village_operator","regionCode":"35.10.13.2007"}"#
            #expect(try await app.send(.post, "/api/v1/users", json: body, token: planner).status == .created)
            #expect(try await app.send(.post, "/api/v1/users", json: body, token: planner).status == .conflict)
            let admin = #"{"username":"root2","name":"Root","password":"rahasia-123","role":"admin"}"#
            #expect(try await app.send(.post, "/api/v1/users", json: admin, token: planner).status == .forbidden)
            let elsewhere = #"{"username":"op-x","name":"Operator X","password":"rahasia-123","role":"village_operator","regionCode":"35.09.01.2001"}"#
            #expect(try await app.send(.post, "/api/v1/users", json: elsewhere, token: planner).status == .forbidden)
            let wrongLevel = #"{"username":"op-y","name":"Operator Y","password":"rahasia-123","role":"village_operator","regionCode":"35.10.13"}"#
            let refused = try await app.send(.post, "/api/v1/users", json: wrongLevel, token: planner)
            #expect(try errorField(refused) == ("regionCode.level", "regionCode"))
            let agency = #"{"username":"pupr","name":"Dinas PUPR","password":"rahasia-123","role":"agency","regionCode":"35.10"}"#
            #expect(try errorField(try await app.send(.post, "/api/v1/users", json: agency, token: planner)).field == "agencyCode")
            let list = try await app.send(.get, "/api/v1/users", token: planner).json()
            #expect((list["items"] as? [[String: Any]])?.contains { $0["username"] as? String == "op-bubuk" } == true)
        }
    }

    @Test("only admins and planners manage staff", arguments: TestFlavour.enabled)
    func othersCannot(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let body = #"{"username":"x-op","name":"X Operator","password":"rahasia-123","role":"village_operator","regionCode":"35.10.13.2007"}"#
            #expect(try await app.send(.post, "/api/v1/users", json: body).status == .unauthorized)
            for (username, role, region) in [("op-desa", "village_operator", bubuk), ("bupati", "host", "35.10"), ("kec", "district_operator", "35.10.13")] {
                let token = try await app.staffToken(username: username, role: role, region: region)
                #expect(try await app.send(.post, "/api/v1/users", json: body, token: token).status == .forbidden, "\(role)")
                #expect(try await app.send(.get, "/api/v1/users", token: token).status == .forbidden, "\(role)")
            }
        }
    }

    @Test("a disabled account's tokens stop working", arguments: TestFlavour.enabled)
    func disable(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let planner = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10")
            let operatorToken = try await app.staffToken(username: "op-desa", role: "village_operator", region: bubuk)
            let id = try #require(try await app.services.accounts.user(username: "op-desa")?.id)
            #expect(try await app.send(.post, "/api/v1/users/\(id)/disable", token: planner).status == .noContent)
            #expect(try await app.send(.get, "/api/v1/me", token: operatorToken).status == .unauthorized)
            #expect(try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"op-desa","password":"rahasia-123"}"#).status == .unauthorized)
            #expect(try await app.send(.post, "/api/v1/users/\(id)/enable", token: planner).status == .noContent)
            _ = try await app.login("op-desa", "rahasia-123")
            let plannerId = try #require(try await app.services.accounts.user(username: "bappeda")?.id)
            #expect(try await app.send(.post, "/api/v1/users/\(plannerId)/disable", token: planner).status == .forbidden)
        }
    }
}
