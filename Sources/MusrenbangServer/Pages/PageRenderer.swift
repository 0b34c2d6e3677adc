import Foundation
import Hummingbird
import HTTPTypes
import Mustache
import MusrenbangCore
import MusrenbangDocuments
import MusrenbangStore

/// Renders server-side HTML: Mustache templates, escaped by default (`{{value}}`), in the
/// visitor's language, inside one layout that carries the navigation, the CSRF token and the
/// one-time message of the last form. A page's own values come from its typed page model.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let regencyName: String
    let csrf: CSRFGuard
    let flashes: FlashStore
    let behindTLS: Bool

    public static func load(regencyName: String, csrf: CSRFGuard, flashes: FlashStore, behindTLS: Bool) async throws -> PageRenderer {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw AppError(.internalServerError, code: "templates", message: .init(id: "Templat hilang", en: "Templates missing"))
        }
        return PageRenderer(library: try await MustacheLibrary(directory: directory.path), regencyName: regencyName, csrf: csrf,
                            flashes: flashes, behindTLS: behindTLS)
    }

    /// The message the last form left for this browser, taken once (a reload shows nothing).
    func flash(_ context: AppContext) async throws -> Flash {
        guard let token = context.flashToken, let data = try await flashes.take(token) else { return Flash() }
        return (try? JSONDecoder().decode(Flash.self, from: Data(data.utf8))) ?? Flash()
    }

    /// A whole page: the template's model, and the layout around it.
    func render(_ template: String, title: String, model: some Sendable = NoModel(), flash: Flash = Flash(), context: AppContext,
                status: HTTPResponse.Status = .ok) -> Response {
        let locale = context.locale
        let layout = Layout(
            pageTitle: title, regencyName: regencyName, t: StringTable(locale: locale), lang: locale.rawValue,
            otherLang: locale == .indonesian ? "en" : "id", csrf: context.csrfNonce.map { csrf.token(for: $0) } ?? "",
            user: context.user.map { LayoutUser(name: $0.name, mayManageStaff: Policy.allows($0.principal, .manageStaff),
                                                mayManageCitizens: Policy.roles(for: .manageCitizens).contains($0.role),
                                                mayReadAudit: Policy.roles(for: .readAudit).contains($0.role)) },
            notice: flash.notice?.text(locale), errors: flash.errors.map { $0.text(locale) }, form: flash.values,
            scriptStrings: Strings.script(locale))
        let html = library.render(MustacheLayers(model, layout), withTemplate: template)
            ?? "<!doctype html><title>error</title>"
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: html)))
        if context.flashToken != nil {
            response.setCookie(Cookie(name: Flash.cookie, value: "", maxAge: 0, path: "/", secure: behindTLS, httpOnly: true, sameSite: .lax))
        }
        return response
    }

    func errorPage(_ error: AppError, context: AppContext) -> Response {
        struct Model: Sendable { let message: String }
        var response = render("error", title: Strings.text(error.status == .notFound ? "notFoundTitle" : "errorTitle", context.locale),
                              model: Model(message: error.message.text(context.locale)), context: context, status: error.status)
        for field in error.headers { response.headers.append(field) }
        return response
    }
}

struct NoModel: Sendable {}

/// What every page has around its own content.
struct Layout {
    let pageTitle: String
    let regencyName: String
    let t: StringTable
    let lang: String
    let otherLang: String
    let csrf: String
    let user: LayoutUser?
    let notice: String?
    let errors: [String]
    /// What a refused form had typed, to fill it again (`{{form.title}}`).
    let form: [String: String]
    /// The scripts' strings in this language (`i18n.js` reads them).
    let scriptStrings: String
}

struct LayoutUser {
    let name: String
    let mayManageStaff: Bool
    let mayManageCitizens: Bool
    let mayReadAudit: Bool
}

/// `{{t.key}}`: the interface text in the page's language. A key missing from the table renders
/// as ⟦key⟧, which the locale tests look for on every page.
struct StringTable: MustacheParent {
    let locale: LocalizedText.Locale
    func child(named key: String) -> Any? { Strings.text(key, locale) }
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
