import Foundation
import Hummingbird
import HummingbirdTesting
@testable import MusrenbangServer
import Testing
import TestSupport

/// The OpenAPI description (`Public/openapi.json`, written by `docs/openapi/build_openapi.py`)
/// against the router itself: every route under `/api/v1` is documented, every documented
/// operation is a route, and `GET /api/v1/openapi.json` serves the bundled file.
/// (`docs/openapi/check.py`, run by scripts/test, validates the document and checks that it is the
/// generator's output; schemathesis then checks the running server against it.)
@Suite("OpenAPI description")
struct OpenAPITests {
    static func bundled() throws -> Data {
        try #require(FileManager.default.contents(atPath: APIDescriptionRoute.bundledPath), "no \(APIDescriptionRoute.bundledPath)")
    }

    /// `METHOD /path` of every operation the document describes.
    static func documentedOperations(_ document: Data) throws -> Set<String> {
        let root = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
        let paths = try #require(root["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        return Set(paths.flatMap { path, item in item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
    }

    /// What the comparison reports; empty when the document and the routes agree.
    static func differences(routes: Set<String>, documented: Set<String>) -> [String] {
        routes.subtracting(documented).sorted().map { "registered but not documented: \($0)" }
            + documented.subtracting(routes).sorted().map { "documented but not registered: \($0)" }
    }

    @Test("the document lists exactly the routes the router registers under /api/v1")
    func routesAgree() async throws {
        try await withTestApp(.sqlite) { app in
            let routes = Set(buildRouter(app.services).routes.map { "\($0.method) \($0.path)" }
                .filter { $0.split(separator: " ")[1].hasPrefix("/api/v1/") })
            let documented = try Self.documentedOperations(try Self.bundled())
            let differences = Self.differences(routes: routes, documented: documented)
            #expect(differences.isEmpty, """
                the OpenAPI document and the router disagree (edit docs/openapi/build_openapi.py, run it, commit both):
                \(differences.joined(separator: "\n"))
                """)
            #expect(routes.count > 70)
        }
    }

    @Test("the comparison fails both ways: a route left out of the document, an operation that is no route")
    func comparisonFails() {
        let routes: Set = ["GET /api/v1/a", "POST /api/v1/a", "GET /api/v1/b/{id}"]
        #expect(Self.differences(routes: routes, documented: routes).isEmpty)
        #expect(Self.differences(routes: routes, documented: routes.subtracting(["POST /api/v1/a"]))
            == ["registered but not documented: POST /api/v1/a"])
        #expect(Self.differences(routes: routes, documented: routes.union(["DELETE /api/v1/b/{id}"]))
            == ["documented but not registered: DELETE /api/v1/b/{id}"])
        #expect(Self.differences(routes: routes, documented: routes.subtracting(["GET /api/v1/b/{id}"]).union(["GET /api/v1/b/{code}"]))
            == ["registered but not documented: GET /api/v1/b/{id}", "documented but not registered: GET /api/v1/b/{code}"])
    }

    @Test("GET /api/v1/openapi.json serves the bundled file, with an ETag and 304 on a match")
    func served() async throws {
        try await withTestApp(.sqlite) { app in
            let response = try await app.send(.get, "/api/v1/openapi.json")
            #expect(response.status == .ok)
            #expect(Data(buffer: response.body) == (try Self.bundled()))
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.headers[.cacheControl] == "no-cache")
            let etag = try #require(response.headers[.eTag])
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count == 66)
            let document = try response.json()
            #expect(document["openapi"] as? String == "3.1.0")

            for validators in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
                let again = try await app.send(.get, "/api/v1/openapi.json", headers: [.ifNoneMatch: validators])
                #expect(again.status == .notModified, "\(validators)")
                #expect(again.body.readableBytes == 0)
                #expect(again.headers[.eTag] == etag)
            }
            let changed = try await app.send(.get, "/api/v1/openapi.json", headers: [.ifNoneMatch: "\"other\""])
            #expect(changed.status == .ok)
            #expect(changed.headers[.eTag] == etag)
        }
    }

    @Test("a wrong method on a known path is 405 with Allow; an unknown path stays 404")
    func methodNotAllowed() async throws {
        try await withTestApp(.sqlite) { app in
            for (method, path, allow) in [(HTTPRequest.Method.post, "/api/v1/openapi.json", "GET"),
                                          (.delete, "/api/v1/proposals/1", "GET"),
                                          (.put, "/api/v1/proposals/1/supports", "DELETE, POST"),
                                          (.get, "/api/v1/auth/login", "POST"),
                                          (.patch, "/api/v1/assemblies", "GET, POST")] {
                let response = try await app.send(method, path, headers: [.acceptLanguage: "en"])
                #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                #expect(response.headers[.allow] == allow, "\(method) \(path)")
                let error = try #require(try response.json()["error"] as? [String: Any])
                #expect(error["code"] as? String == "methodNotAllowed")
                #expect(error["message"] as? String == "Method \(method.rawValue) is not allowed at this address.")
            }
            // Pages too, resolved as the router does: a literal segment before a parameter.
            let page = try await app.send(.delete, "/usulan/baru")
            #expect(page.status == .methodNotAllowed)
            #expect(page.headers[.allow] == "GET, POST")
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(try await app.send(.get, "/usulan/baru/dukung").headers[.allow] == "POST")

            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/nothing"), (.post, "/api/v1/proposals/1/nothing"), (.delete, "/tidak-ada")] {
                let response = try await app.send(method, path)
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(response.headers[.allow] == nil)
            }
        }
    }
}
