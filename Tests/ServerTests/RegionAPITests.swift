import Foundation
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Regions API")
struct RegionAPITests {
    @Test("a district with its villages", arguments: TestFlavour.enabled)
    func district(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let response = try await app.send(.get, "/api/v1/regions/35.10.13")
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["code"] as? String == "35.10.13")
            #expect(body["name"] as? String == "Rogojampi")
            #expect(body["level"] as? String == "district")
            #expect(body["parentCode"] as? String == "35.10")
            let children = try #require(body["children"] as? [[String: Any]])
            let bubuk = try #require(children.first { $0["code"] as? String == "35.10.13.2007" })
            #expect(bubuk["name"] as? String == "Bubuk")
            #expect(bubuk["level"] as? String == "village")
            #expect(bubuk["kind"] as? String == "desa")
        }
    }

    @Test("the regency lists its 25 districts; a village says desa or kelurahan", arguments: TestFlavour.enabled)
    func regencyAndVillage(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let regency = try await app.send(.get, "/api/v1/regions/35.10").json()
            #expect((regency["children"] as? [Any])?.count == 25)
            #expect(regency["level"] as? String == "regency")
            let village = try await app.send(.get, "/api/v1/regions/35.10.13.2007").json()
            #expect(village["kind"] as? String == "desa")
            #expect((village["children"] as? [Any])?.isEmpty == true)
            let province = try await app.send(.get, "/api/v1/regions/35").json()
            #expect(province["parentCode"] is NSNull || province["parentCode"] == nil)
        }
    }

    @Test("unknown or malformed codes are a JSON 404", arguments: TestFlavour.enabled)
    func unknown(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            for code in ["35.10.99", "99", "abc", "35.10.13.2007.1"] {
                let response = try await app.send(.get, "/api/v1/regions/\(code)")
                #expect(response.status == .notFound, "\(code)")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let error = try #require(try response.json()["error"] as? [String: Any])
                #expect(error["code"] as? String == "notFound")
            }
        }
    }

    @Test("search is case- and accent-insensitive and scoped", arguments: TestFlavour.enabled)
    func search(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let scoped = try await app.send(.get, "/api/v1/regions?q=BUBUK&within=35.10").json()
            let items = try #require(scoped["items"] as? [[String: Any]])
            #expect(items.map { $0["code"] as? String } == ["35.10.13.2007"])
            let accented = try await app.send(.get, "/api/v1/regions?q=regapu%E2%80%99u").json()
            #expect((accented["items"] as? [[String: Any]])?.first?["name"] as? String == "Regapu’u")
            #expect(try await app.send(.get, "/api/v1/regions").status == .unprocessableContent)
            let badWithin = try await app.send(.get, "/api/v1/regions?q=a&within=x")
            #expect(badWithin.status == .unprocessableContent)
            #expect((try badWithin.json()["error"] as? [String: Any])?["field"] as? String == "within")
        }
    }
}

@Suite("Operations and bad input")
struct OperationsTests {
    @Test("health, readiness and metrics", arguments: TestFlavour.enabled)
    func operations(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            #expect(try await app.send(.get, "/healthz").status == .ok)
            #expect(try await app.send(.get, "/readyz").text == "ready\n")
            _ = try await app.send(.get, "/api/v1/regions/35.10")
            let metrics = try await app.send(.get, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("musrenbang_db_reachable"))
            #expect(metrics.text.contains("/api/v1/regions/{code}"), "request metrics are labelled by route")
            #expect(metrics.text.contains("musrenbang_db_statement_seconds"), "the pool's statements are timed")
            #expect(metrics.text.contains("musrenbang_db_statements_in_flight"))
        }
    }

    @Test("every response has a request id and hardening headers", arguments: TestFlavour.enabled)
    func headers(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            for uri in ["/", "/api/v1/regions/35.10", "/nothing-here"] {
                let response = try await app.send(.get, uri)
                #expect(response.headers[.init("X-Request-Id")!]?.isEmpty == false, "\(uri)")
                #expect(response.headers[.init("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[.init("Content-Security-Policy")!]?.contains("default-src 'self'") == true)
            }
        }
    }

    @Test("malformed JSON is 400, a missing or mistyped field 422 naming it, over 1 MB 413", arguments: TestFlavour.enabled)
    func badBodies(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let malformed = try await app.send(.post, "/api/v1/auth/login", json: #"{"username": "#)
            #expect(malformed.status == .badRequest)
            #expect((try malformed.json()["error"] as? [String: Any])?["code"] as? String == "malformedJSON")

            let missing = try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"x"}"#)
            #expect(missing.status == .unprocessableContent)
            #expect((try missing.json()["error"] as? [String: Any])?["field"] as? String == "password")

            let mistyped = try await app.send(.post, "/api/v1/citizens",
                                              json: #"{"name":"A","nik":3510135203900001,"villageCode":"35.10.13.2007","gender":"female"}"#)
            #expect(mistyped.status == .unprocessableContent)
            #expect((try mistyped.json()["error"] as? [String: Any])?["field"] as? String == "nik")

            // NUL in text, from a body or the query (found by schemathesis: a 500 on PostgreSQL).
            let nulBody = try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"a\u0000b","password":"x"}"#)
            #expect(nulBody.status == .unprocessableContent)
            #expect((try nulBody.json()["error"] as? [String: Any])?["code"] as? String == "nul")
            #expect((try nulBody.json()["error"] as? [String: Any])?["field"] as? String == "username")
            let escaped = try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"a\\u0000b","password":"x"}"#)
            #expect(escaped.status == .unauthorized, "a backslash followed by u0000 is just text")
            let ignored = try await app.send(.post, "/api/v1/auth/login", json: #"{"username":"a","password":"x","note\u0000":"\u0000"}"#)
            #expect(ignored.status == .unauthorized, "an unknown member is ignored, whatever it holds")
            let nulQuery = try await app.send(.get, "/api/v1/proposals?agency=a%00b")
            #expect(nulQuery.status == .unprocessableContent)
            #expect((try nulQuery.json()["error"] as? [String: Any])?["field"] as? String == "agency")

            // Valid JSON with a number its field cannot hold (found by schemathesis: it was 400 "not valid JSON").
            let planner = try await app.staffToken(username: "bappeda", role: "planner", region: "35.10")
            for (body, field) in [(#"{"year":2027.5}"#, "year"), (#"{"year":1e30}"#, "year"), (#"{"year":1.5,"x":[2.5]}"#, nil)] {
                let response = try await app.send(.post, "/api/v1/villages/35.10.13.2007/ranking", json: body, token: planner,
                                                  headers: [.acceptLanguage: "en"])
                #expect(response.status == .unprocessableContent, "\(body)")
                let error = try #require(try response.json()["error"] as? [String: Any])
                #expect(error["code"] as? String == "number", "\(body)")
                #expect(error["field"] as? String == field, "\(body)")
                #expect(error["message"] as? String == "\(field.map { "Field \($0)" } ?? "A field") needs a whole number within its range.")
            }

            let huge = #"{"username":""# + String(repeating: "a", count: 1_100_000) + #"","password":"x"}"#
            let tooLarge = try await app.send(.post, "/api/v1/auth/login", json: huge)
            #expect(tooLarge.status == .contentTooLarge)
        }
    }

    @Test("unknown routes: JSON under /api, an Indonesian page elsewhere", arguments: TestFlavour.enabled)
    func notFound(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let api = try await app.send(.get, "/api/v1/nothing")
            #expect(api.status == .notFound)
            #expect((try api.json()["error"] as? [String: Any])?["code"] as? String == "notFound")
            let page = try await app.send(.get, "/tidak-ada")
            #expect(page.status == .notFound)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("Halaman tidak ditemukan"))
            let english = try await app.send(.get, "/api/v1/regions/99.99", headers: [.acceptLanguage: "en-US"])
            #expect((try english.json()["error"] as? [String: Any])?["message"] as? String == "Unknown region code.")
        }
    }
}
