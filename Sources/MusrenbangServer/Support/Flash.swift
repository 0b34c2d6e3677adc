import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// What a page says once after a form (Post/Redirect/Get): the outcome, and for a refused form
/// every refusal and what was typed, so nothing is lost and a reload never sends it again.
struct Flash: Codable, Sendable, Equatable {
    var notice: LocalizedText?
    var errors: [LocalizedText] = []
    var values: [String: String] = [:]

    static let cookie = "mb_flash"

    /// Never kept, not even for ten minutes: secrets, and anything shaped like a NIK.
    static let neverKept: Set<String> = ["_csrf", "password", "passwordConfirm", "currentPassword", "newPassword", "nik", "key",
                                         "activationCode", "otp", "code"]

    static func refill(_ typed: [String: String]) -> [String: String] {
        typed.filter { key, value in
            !neverKept.contains(key) && value.count <= 5000 && value.range(of: #"\d{16}"#, options: .regularExpression) == nil
                && !(TextRules.isBlank(value) && !value.isEmpty)  // invisible text is nothing to show again
        }
    }

    /// The refusals a form shows again; anything else (not allowed, not found, a failure) is not
    /// the form's to show and becomes an error page.
    static func refusals(of error: any Error) -> [LocalizedText]? {
        let messages: [LocalizedText]? = switch error {
        case let errors as ValidationErrors: errors.all.map(\.message)
        case let error as ValidationError: [error.message]
        case let error as AppError where [.conflict, .unprocessableContent, .tooManyRequests, .contentTooLarge].contains(error.status):
            [error.message]
        default: nil
        }
        // Kept for one page view; a message that quotes what was sent is kept short all the same.
        return messages?.map { LocalizedText(id: String($0.id.prefix(500)), en: String($0.en.prefix(500))) }
    }
}

/// Post/Redirect/Get for every form: the action runs, the browser is sent on with 303, and the
/// next page shows the outcome once.
struct FormOutcome: Sendable {
    let flash: FlashStore
    let behindTLS: Bool

    /// Runs `action`; on success goes to `then` (or `back`) with its notice, on a refusal back
    /// to `back` with the refusals and what was typed.
    func respond(typed: [String: String], back: String, then: String? = nil,
                 _ action: () async throws -> LocalizedText?) async throws -> Response {
        try await respond(typed: typed, back: back) { (try await action(), then ?? back) }
    }

    /// The same, for an action that decides where to go next (a new proposal's own page).
    func respond(typed: [String: String], back: String,
                 _ action: () async throws -> (notice: LocalizedText?, then: String)) async throws -> Response {
        do {
            let done = try await action()
            return try await redirect(to: done.then, Flash(notice: done.notice))
        } catch {
            guard let refusals = Flash.refusals(of: error) else { throw error }
            var response = try await redirect(to: back, Flash(errors: refusals, values: Flash.refill(typed)))
            if let error = error as? AppError { for field in error.headers { response.headers.append(field) } }
            // A refused form also answers 303: the audit log must not take it for a change made.
            response.headers[AuditMiddleware.refused] = "1"
            return response
        }
    }

    func redirect(to location: String, _ message: Flash) async throws -> Response {
        var response = Response.redirect(to: location)
        guard message != Flash() else { return response }
        let token = TokenMaker.random(bytes: 16)
        try await flash.put(token, data: String(decoding: try JSONEncoder().encode(message), as: UTF8.self))
        response.setCookie(Cookie(name: Flash.cookie, value: token, maxAge: Int(FlashStore.lifetime), path: "/",
                                  secure: behindTLS, httpOnly: true, sameSite: .lax))
        return response
    }
}
