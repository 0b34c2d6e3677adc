import Foundation
import Hummingbird
import HTTPTypes
import Logging
import MusrenbangCore
import HummingbirdTesting
@testable import MusrenbangServer
import MusrenbangStore
import SQLKit
import Testing
import TestSupport

/// What a stranger on the day could do to the platform, tried: spend it (rate limits), lock the
/// owners out (throttling by account and address, a second factor), stuff supports with accounts
/// on others' NIKs (district rule, disabling, reclaiming), and what the audit log, the demo and a
/// rehearsal must never allow.
@Suite("The hostile day")
struct HostileDayTests {
    static let forwarded = HTTPField.Name("X-Forwarded-For")!

    @Test("a stranger's registrations are limited per address (429 with Retry-After); the office registers by account",
          arguments: TestFlavour.enabled)
    func registrationFlood(flavour: TestFlavour) async throws {
        try await withTestApp(flavour, setup: .live, configure: {
            $0.rateLimits = .defaults
            $0.trustedProxies = [AddressRange("127.0.0.1")!]
        }) { app in
            var statuses: [Int] = []
            for index in 0..<8 {
                let nik = "35101352039\(String(format: "%05d", 100 + index))"
                let answer = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: nik),
                                                headers: [Self.forwarded: "203.0.113.9"])
                statuses.append(Int(answer.status.code))
                if answer.status == .tooManyRequests {
                    #expect(Int(answer.headers[.retryAfter] ?? "") ?? 0 > 0)
                    #expect(try errorField(answer).code == "rateLimited")
                }
            }
            #expect(statuses.prefix(5).allSatisfy { $0 != 429 } && statuses.suffix(3).allSatisfy { $0 == 429 }, "\(statuses)")
            // Another address (through the trusted proxy) is not held up; nor is a client forging hops
            // left of the proxy's: the proxy's own view counts.
            #expect(try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: "3510135203900200"),
                                       headers: [Self.forwarded: "198.51.100.7"]).status != .tooManyRequests)
            #expect(try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: "3510135203900201"),
                                       headers: [Self.forwarded: "198.51.100.7, 203.0.113.9"]).status == .tooManyRequests)
            // The village office's operator registers by account, behind the same address.
            let office = try await app.staffToken(username: "op-bubuk", role: "village_operator", region: bubuk)
            for index in 0..<8 {
                let answer = try await app.send(.post, "/api/v1/citizens", json: citizenJSON(nik: "35101352039\(String(format: "%05d", 300 + index))"),
                                                token: office, headers: [Self.forwarded: "203.0.113.9"])
                #expect(answer.status == .created)
            }
        }
    }

    @Test("failing logins on the Bupati's account from elsewhere do not lock the Bupati out", arguments: TestFlavour.enabled)
    func lockout(flavour: TestFlavour) async throws {
        try await withTestApp(flavour, setup: .live, configure: { $0.trustedProxies = [AddressRange("127.0.0.1")!] }) { app in
            _ = try await app.staffToken(username: "bupati", role: "host", region: "35.10", password: "kata-sandi-bupati")
            let wrong = #"{"username":"bupati","password":"tebak-tebak"}"#
            var attacker: [Int] = []
            for _ in 0..<9 {
                attacker.append(Int(try await app.send(.post, "/api/v1/auth/login", json: wrong, headers: [Self.forwarded: "203.0.113.66"]).status.code))
            }
            #expect(attacker.contains(429), "the attacker is slowed: \(attacker)")
            let owner = try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"bupati","password":"kata-sandi-bupati"}"#,
                                           headers: [Self.forwarded: "198.51.100.20"])
            #expect(owner.status == .ok, "the right password still works from the owner's address")
        }
    }

    @Test("staff can add a second factor (RFC 6238): needed at every login, a code works once", arguments: TestFlavour.enabled)
    func secondFactor(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let token = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10")
            let started = try await app.send(.post, "/api/v1/me/totp", token: token).json()
            let secretText = try #require(started["secret"] as? String)
            let secret = try #require(Self.base32Decode(secretText))
            #expect((started["uri"] as? String)?.hasPrefix("otpauth://totp/") == true)
            #expect(try await app.send(.post, "/api/v1/me/totp/confirm", json: #"{"code":"000000"}"#, token: token).status == .unprocessableContent)
            let first = TOTP.code(secret: secret, step: TOTP.step(at: Date()))
            #expect(try await app.send(.post, "/api/v1/me/totp/confirm", json: #"{"code":"\#(first)"}"#, token: token).status == .noContent)
            let login = { (otp: String?) in
                try await app.send(.post, "/api/v1/auth/login",
                                   json: #"{"username":"bappeda","password":"rahasia-123"\#(otp.map { #","otp":"\#($0)""# } ?? "")}"#)
            }
            let without = try await login(nil)
            #expect(without.status == .unauthorized)
            #expect(try errorField(without).code == "otpRequired")
            // The code that confirmed is spent; the next step's code works, once.
            let spent = try await login(first)
            #expect(try errorField(spent).code == "otpInvalid")
            let next = TOTP.code(secret: secret, step: TOTP.step(at: Date()) + 1)
            #expect(try await login(next).status == .ok)
            #expect(try await login(next).status == .unauthorized, "a replayed code is refused")
            // RFC 6238's own test vector (SHA-1, T = 59 s): the algorithm is the standard one.
            #expect(TOTP.code(secret: Array("12345678901234567890".utf8), step: 1) == "287082")
            // A citizen has no second factor to set.
            let citizen = try await selfRegisteredCitizen(app)
            _ = citizen
            #expect(try await app.send(.post, "/api/v1/me/totp", token: try await app.login(womanNIK, "kata-sandi-1")).status == .forbidden)
        }
    }

    @Test("the village team disables an account made with someone's NIK (its supports stop counting) and gives it back to the owner",
          arguments: TestFlavour.enabled)
    func citizensAccounts(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let proposal = try await world.created(token: world.planner)
            let squatter = world.citizen
            let citizenId = try #require(try await app.send(.get, "/api/v1/me", token: squatter).json()["id"] as? Int)
            #expect(try await app.send(.post, "/api/v1/proposals/\(proposal)/supports", token: squatter).status.code < 300)
            #expect(try await app.send(.get, "/api/v1/proposals/\(proposal)").json()["supportCount"] as? Int == 1)
            let neighbour = try await app.staffToken(username: "op-tetangga", role: "village_operator", region: "35.10.13.2001")
            #expect(try await app.send(.post, "/api/v1/users/\(citizenId)/disable", json: #"{"reason":"NIK milik orang lain"}"#,
                                       token: neighbour).status == .forbidden)
            let noReason = try await app.send(.post, "/api/v1/users/\(citizenId)/disable", token: world.villageOperator)
            #expect(try errorField(noReason) == ("reason.required", "reason"))
            #expect(try await app.send(.post, "/api/v1/users/\(citizenId)/disable", json: #"{"reason":"NIK milik orang lain"}"#,
                                       token: world.villageOperator).status == .noContent)
            #expect(try await app.send(.get, "/api/v1/me", token: squatter).status == .unauthorized, "its sessions ended")
            #expect(try await app.send(.get, "/api/v1/proposals/\(proposal)").json()["supportCount"] as? Int == 0,
                    "a disabled account's support does not count")

            // The NIK's owner comes to the office with the KTP: the account is theirs again.
            let reclaimed = try await app.send(.post, "/api/v1/citizens/\(citizenId)/reclaim",
                                               json: #"{"name":"Siti Aminah Rahayu","reason":"Pemilik NIK datang dengan KTP"}"#,
                                               token: world.villageOperator)
            let code = try #require(try reclaimed.json()["activationCode"] as? String)
            #expect(try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"\#(womanNIK)","password":"kata-sandi-1"}"#).status == .unauthorized)
            #expect(try await app.send(.post, "/api/v1/citizens/activate",
                                       json: #"{"nik":"\#(womanNIK)","activationCode":"\#(code)","password":"sandi-pemilik-1"}"#).status == .ok)
            let owner = try await app.login(womanNIK, "sandi-pemilik-1")
            #expect(try await app.send(.get, "/api/v1/me", token: owner).json()["name"] as? String == "Siti Aminah Rahayu")
            #expect(try await app.send(.get, "/api/v1/proposals/\(proposal)").json()["supportCount"] as? Int == 0,
                    "the squatter's support was withdrawn")

            // Both are in the audit log with their reasons, readable by the planner only.
            let audit = try await app.send(.get, "/api/v1/audit", token: world.planner).json()
            let lines = try #require(audit["items"] as? [[String: Any]])
            #expect(lines.contains { $0["action"] as? String == "citizen.disable" && $0["reason"] as? String == "NIK milik orang lain" })
            #expect(lines.contains { $0["action"] as? String == "citizen.reclaim" && $0["reason"] as? String == "Pemilik NIK datang dengan KTP" })
            #expect(try await app.send(.get, "/api/v1/audit", token: world.villageOperator).status == .forbidden)
        }
    }

    @Test("the audit log keeps staff changes with their address, not refusals, and cannot be changed", arguments: TestFlavour.enabled)
    func auditLog(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let proposal = try await world.created(token: world.planner)
            _ = try await app.send(.post, "/api/v1/proposals/\(proposal)/decisions",
                                   json: #"{"level":"village","outcome":"forwarded","reason":"Di luar kewenangan desa"}"#, token: world.villageOperator)
            // Refused (a reason too short): not a change.
            _ = try await app.send(.post, "/api/v1/proposals/\(proposal)/decisions",
                                   json: #"{"level":"district","outcome":"rejected","reason":"x"}"#, token: world.planner)
            let entries = try await AuditStore(app.services.database).entries(within: nil, .clamped(page: 1, size: 100)).items
            let decisions = entries.filter { $0.action == "POST /api/v1/proposals/{id}/decisions" }
            #expect(decisions.count == 1)
            #expect(decisions.first?.target == "id=\(proposal)" && decisions.first?.address == "local")
            await #expect(throws: (any Error).self) {
                try await app.services.database.sql.raw("UPDATE audit_log SET action = 'nothing'").run()
            }
            await #expect(throws: (any Error).self) {
                try await app.services.database.sql.raw("DELETE FROM audit_log").run()
            }
            #expect(try await AuditStore(app.services.database).entries(within: nil, .clamped(page: 1, size: 100)).items == entries)
        }
    }

    @Test("a database holding the demo is not served beyond loopback unless asked", arguments: TestFlavour.enabled)
    func demoStaysHome(flavour: TestFlavour) async throws {
        try await withTestDatabase(flavour) { database in
            var configuration = AppConfiguration(host: "0.0.0.0", dataDirectory: URL(fileURLWithPath: "/tmp"))
            try await refuseExposedDemo(configuration, database)  // no demo: served anywhere
            try await AuditStore(database).setFact("demo", "loaded")
            await #expect(throws: StoreError.self) { try await refuseExposedDemo(configuration, database) }
            configuration.allowDemoBeyondLoopback = true
            try await refuseExposedDemo(configuration, database)
            configuration.allowDemoBeyondLoopback = false
            configuration.host = "127.0.0.1"
            try await refuseExposedDemo(configuration, database)
        }
    }

    @Test("a rehearsal's wipe takes only its practice data: a citizen's real proposal made meanwhile survives", arguments: TestFlavour.enabled)
    func rehearsalWipe(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            let rehearsal = try #require(try await app.send(.post, "/api/v1/assemblies/\(world.id)/rehearsal", token: world.planner).json()["id"] as? Int)
            let practice = AssemblyWorld(app: app, planner: world.planner, host: world.host, bubukOperator: world.bubukOperator, id: rehearsal)
            for stage in ["checkIn", "opening", "dialogue", "proposals"] {
                _ = try await practice.hub(stage)
                _ = try await practice.session(stage)
            }
            _ = try await selfRegisteredCitizen(app)
            let citizen = try await app.login(womanNIK, "kata-sandi-1")
            let real = try #require(try await app.send(.post, "/api/v1/proposals", json: proposalJSON(title: "Usulan warga sungguhan"),
                                                       token: citizen).json()["id"] as? Int)
            let trial = try #require(try await app.send(.post, "/api/v1/proposals", json: proposalJSON(title: "Usulan latihan operator"),
                                                        token: world.bubukOperator).json()["id"] as? Int)
            #expect(try await app.send(.delete, "/api/v1/assemblies/\(rehearsal)", token: world.planner).status == .noContent)
            #expect(try await app.send(.get, "/api/v1/proposals/\(real)").status == .ok, "the citizen's proposal is real")
            #expect(try await app.send(.get, "/api/v1/proposals/\(trial)").status == .notFound, "the practice entry went with the rehearsal")
        }
    }

    static func base32Decode(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var buffer = 0, bits = 0, out: [UInt8] = []
        for character in text where character != " " {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = buffer << 5 | value
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> (bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return out
    }
}
