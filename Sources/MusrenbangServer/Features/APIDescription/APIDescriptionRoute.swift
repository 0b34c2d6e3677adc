import Foundation
import Hummingbird
import HTTPTypes
import MusrenbangStore
import NIOCore

/// `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the API, exactly the file this
/// build ships (`Public/openapi.json`, written by `docs/openapi/build_openapi.py`; see docs/api.md).
/// Public. Its `ETag` is the SHA-256 of its bytes; caches keep it but revalidate before each use
/// (`no-cache`), so a new deployment is seen at once and an unchanged document costs a 304.
struct APIDescriptionRoute: Sendable {
    let document: ByteBuffer
    let etag: String

    init(document: Data) {
        self.document = ByteBuffer(bytes: document)
        self.etag = "\"" + TokenMaker.digest(String(decoding: document, as: UTF8.self)) + "\""
    }

    /// The document bundled with the server; a build without it is broken, so it stops here.
    static func bundled() -> APIDescriptionRoute {
        guard let document = FileManager.default.contents(atPath: bundledPath) else {
            fatalError("\(bundledPath) is missing from the bundle: run python3 docs/openapi/build_openapi.py")
        }
        return APIDescriptionRoute(document: document)
    }

    static var bundledPath: String { publicDirectory + "/openapi.json" }

    func register(on api: RouterGroup<AppContext>) {
        api.get("openapi.json") { request, _ in respond(to: request) }
    }

    func respond(to request: Request) -> Response {
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "no-cache"]
        if let validators = request.headers[.ifNoneMatch], Self.matches(validators, etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: document))
    }

    /// `If-None-Match` compares weakly (RFC 9110 §13.1.2): `*`, or any listed tag, `W/` or not.
    static func matches(_ validators: String, _ etag: String) -> Bool {
        validators.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == etag
        }
    }
}
