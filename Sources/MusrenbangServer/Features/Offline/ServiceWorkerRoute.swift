import Foundation
import HTTPTypes
import Hummingbird
import MusrenbangStore
import NIOCore

/// `GET /sw.js`: the service worker that keeps village consoles usable offline (`Public/sw.js`).
/// From `/static/` it could control only `/static/`; served from the root it may control the
/// consoles. Browsers check it for updates on each visit: `no-cache` makes that a cheap 304.
struct ServiceWorkerRoute: Sendable {
    let script: ByteBuffer
    let etag: String

    static func bundled() -> ServiceWorkerRoute {
        let path = publicDirectory + "/sw.js"
        guard let data = FileManager.default.contents(atPath: path) else { fatalError("\(path) is missing from the bundle") }
        return ServiceWorkerRoute(script: ByteBuffer(bytes: data),
                                  etag: "\"" + TokenMaker.digest(String(decoding: data, as: UTF8.self)) + "\"")
    }

    func register(on router: Router<AppContext>) {
        router.get("sw.js") { request, _ in
            var headers: HTTPFields = [.eTag: etag, .cacheControl: "no-cache"]
            if let validators = request.headers[.ifNoneMatch], APIDescriptionRoute.matches(validators, etag) {
                return Response(status: .notModified, headers: headers)
            }
            headers[.contentType] = "text/javascript; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: script))
        }
    }
}
