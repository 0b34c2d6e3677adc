import Foundation
import Hummingbird
import HTTPTypes
import Mustache
import MusrenbangCore
import MusrenbangStore

/// Renders server-side HTML: Mustache templates, escaped by default (`{{value}}`), in the
/// visitor's language, inside one layout that carries the navigation and the CSRF token.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let regencyName: String
    let csrf: CSRFGuard

    public static func load(regencyName: String, csrf: CSRFGuard) async throws -> PageRenderer {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw AppError(.internalServerError, code: "templates", message: .init(id: "Templat hilang", en: "Templates missing"))
        }
        let library = try await MustacheLibrary(directory: directory.path)
        return PageRenderer(library: library, regencyName: regencyName, csrf: csrf)
    }

    /// A whole page. `values` are the template's own; the layout adds user, strings and CSRF.
    func page(_ template: String, title: String, values: [String: Any] = [:], context: AppContext,
              status: HTTPResponse.Status = .ok) -> Response {
        var object = values
        object["pageTitle"] = title
        object["hasErrors"] = !((values["errors"] as? [String]) ?? []).isEmpty
        object["regencyName"] = regencyName
        object["t"] = Strings.table(context.locale)
        object["lang"] = context.locale.rawValue
        object["otherLang"] = context.locale == .indonesian ? "en" : "id"
        object["csrf"] = context.csrfNonce.map { csrf.token(for: $0) } ?? ""
        if let user = context.user {
            object["user"] = ["name": user.name, "role": user.role.rawValue, "isStaffAdmin": Policy.allows(user.principal, .manageStaff)]
        }
        let html = library.render(Self.prepare(object), withTemplate: template) ?? "<!doctype html><title>error</title>"
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Wraps every string so that an empty one counts as absent in `{{#section}}`, as in other
    /// Mustache implementations (swift-mustache treats "" as present).
    static func prepare(_ value: Any) -> Any {
        switch value {
        case let text as String: Text(value: text)
        case let dictionary as [String: Any]: dictionary.mapValues(prepare)
        case let array as [Any]: array.map(prepare)
        default: value
        }
    }

    struct Text: MustacheCustomRenderable {
        let value: String
        var renderText: String { value }
        var isNull: Bool { value.isEmpty }
    }

    func errorPage(_ error: AppError, context: AppContext) -> Response {
        var response = page("error", title: error.status == .notFound ? Strings.text("notFoundTitle", context.locale)
                                : Strings.text("errorTitle", context.locale),
                            values: ["message": error.message.text(context.locale), "status": error.status.code],
                            context: context, status: error.status)
        for field in error.headers { response.headers.append(field) }
        return response
    }
}

/// CSRF tokens for forms: the browser holds a random nonce in an HttpOnly cookie, and each form
/// carries an HMAC of it. A cross-site page can neither read the cookie nor forge the HMAC.
public struct CSRFGuard: Sendable {
    let secret: ServerSecret
    static let cookieName = "mb_csrf"
    static let fieldName = "_csrf"
    static let headerName = HTTPField.Name("X-CSRF-Token")!

    public init(secret: ServerSecret) { self.secret = secret }

    func token(for nonce: String) -> String { secret.sign(nonce, purpose: "csrf") }

    func isValid(_ token: String?, nonce: String?) -> Bool {
        guard let token, let nonce, !nonce.isEmpty else { return false }
        return secret.verify(token, for: nonce, purpose: "csrf")
    }
}
