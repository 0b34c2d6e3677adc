import Foundation
import Hummingbird
import HTTPTypes
import Logging
import MusrenbangCore
import MusrenbangStore

/// Turns every error into an answer the client can use: JSON under `/api`, an Indonesian page
/// elsewhere. A database that cannot answer now (down, restarting, every connection busy, SQLite's
/// lock held too long) is 503 `database.unavailable` with `Retry-After`: the request may be sent
/// again (with its `Idempotency-Key`). Anything unexpected is logged with the request id and
/// answered as a plain 500, never with its internals.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let pages: PageRenderer

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var context = context
            context.locale = AuthenticationMiddleware.locale(request)
            let appError = Self.appError(for: error, context: context)
            if request.uri.path.hasPrefix("/api/") || request.uri.path == "/api" {
                return appError.jsonResponse(locale: context.locale)
            }
            return pages.errorPage(appError, context: context)
        }
    }

    static func appError(for error: any Error, context: AppContext) -> AppError {
        switch error {
        case let error as AppError:
            return error
        case let error as ValidationError:
            return AppError(error)
        case let error as ValidationErrors:
            return AppError(error.first)
        case let error as DecodingError:
            return Body.refusal(error) ?? .malformedJSON
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return .notFound(.init(id: "Alamat ini tidak ada.", en: "There is nothing at this address."))
            case .contentTooLarge:
                return .tooLarge
            case .methodNotAllowed:
                return AppError(.methodNotAllowed, code: "methodNotAllowed",
                                message: .init(id: "Metode tidak diizinkan.", en: "Method not allowed."))
            default:
                return AppError(error.status, code: "http\(error.status.code)",
                                message: .init(id: error.body ?? error.status.reasonPhrase, en: error.body ?? error.status.reasonPhrase))
            }
        case let error as IdempotencyError:
            return error == .mismatch ? IdempotencyHeader.mismatch : IdempotencyHeader.inProgress
        case let error as DatabaseUnavailable:
            context.logger.warning("database unavailable", metadata: ["reason": "\(error.reason)"])
            return unavailable
        case let error as StoreError:
            // Store errors carry no personal data: a column name and at most the start of a stored enum value.
            context.logger.error("store error", metadata: ["error": "\(error)"])
            return internalError
        default:
            // A driver's or the pool's error that escaped the store's wrapper is still "unavailable".
            if let reason = DatabaseUnavailable.reason(for: error) {
                context.logger.warning("database unavailable", metadata: ["reason": "\(reason)"])
                return unavailable
            }
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return internalError
        }
    }

    static let unavailable: AppError = {
        var error = AppError(.serviceUnavailable, code: "database.unavailable",
                             message: .init(id: "Layanan sedang tidak dapat menyimpan atau membaca data. Silakan coba lagi sebentar lagi.",
                                            en: "The service cannot read or store data right now. Please try again in a moment."))
        error.headers[.retryAfter] = "2"
        return error
    }()

    static let internalError = AppError(.internalServerError, code: "internal",
                                        message: .init(id: "Terjadi kesalahan di server. Silakan coba lagi.",
                                                       en: "The server failed. Please try again."))
}

/// Who is asking: a bearer token (API) or the session cookie (pages), their language, and the
/// browser's CSRF nonce. Unsafe API calls made with the cookie must carry `X-CSRF-Token`.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let services: AppServices

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = ClientAddress.resolve(peer: context.peerAddress, forwardedFor: request.headers[Self.forwardedFor],
                                                      trusted: services.configuration.trustedProxies)
        context.locale = Self.locale(request)
        let cookieNonce = request.cookies[CSRFGuard.cookieName]?.value
        // A new browser gets its nonce with its first page; API and operations answers never
        // carry a form, so they mint none (and set no cookie): that was a tenth of /healthz.
        context.csrfNonce = cookieNonce ?? (Self.rendersPages(request.uri.path) ? TokenMaker.random(bytes: 16) : nil)
        context.flashToken = request.cookies[Flash.cookie].map(\.value).flatMap { $0.isEmpty ? nil : $0 }

        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard let user = try await services.accounts.user(token: token, kind: .api) else {
                throw AppError(.unauthorized, code: "invalidToken",
                               message: .init(id: "Token tidak berlaku.", en: "The token is not valid."))
            }
            context.user = user
            context.credential = .bearer(token)
        } else if let session = request.cookies[SessionCookie.name]?.value,
                  let user = try await services.accounts.user(token: session, kind: .session) {
            context.user = user
            context.credential = .session(session)
            let unsafe = ![.get, .head, .options].contains(request.method)
            if unsafe && request.uri.path.hasPrefix("/api/")
                && !services.csrf.isValid(request.headers[CSRFGuard.headerName], nonce: cookieNonce) {
                throw AppError.csrf
            }
        }
        if let user = context.user {
            context.logger[metadataKey: "user"] = "\(user.id)"
        }
        var response = try await next(request, context)
        if cookieNonce == nil, let nonce = context.csrfNonce {
            response.setCookie(Cookie(name: CSRFGuard.cookieName, value: nonce, path: "/",
                                      secure: services.configuration.behindTLS, httpOnly: true, sameSite: .lax))
        }
        return response
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    static func rendersPages(_ path: String) -> Bool {
        !(path.hasPrefix("/api/") || path == "/healthz" || path == "/readyz" || path == "/metrics")
    }

    /// Pages are in Indonesian unless the visitor chose English (the `lang` cookie), so a page
    /// never mixes the two; API clients ask with `Accept-Language`.
    static func locale(_ request: Request) -> LocalizedText.Locale {
        if let chosen = request.cookies["lang"]?.value { return chosen == "en" ? .english : .indonesian }
        guard request.uri.path.hasPrefix("/api/") else { return .indonesian }
        let accept = request.headers[.acceptLanguage]?.lowercased() ?? ""
        return accept.hasPrefix("en") ? .english : .indonesian
    }
}

/// The query's text rules, before any handler reads a parameter (BoundaryText): no control
/// characters (NUL is `nul`; PostgreSQL can neither store nor compare it) in a name or a value,
/// and no value over `BoundaryText.maximumQueryLength` characters (`<name>.length`; each search
/// has its own shorter bound). A 422 naming the parameter.
struct QueryTextMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        if let query = request.uri.query, !query.isEmpty {
            for (name, value) in request.uri.queryParameters {
                let name = String(name), value = String(value)
                let shown = BoundaryText.printable(name)
                if name.count > 100 {
                    throw AppError.invalid("parameter", "parameter.length", id: "Nama parameter \(shown)… terlalu panjang (maks. 100).",
                                           en: "The parameter name \(shown)… is too long (at most 100).")
                }
                if let refusal = BoundaryText.checkFlat(name: name, value: value) { throw AppError(refusal) }
                if value.count > BoundaryText.maximumQueryLength {
                    throw AppError(TextRules.lengthRefusal(field: shown, label: .init(id: "Parameter \(shown)", en: "Parameter \(shown)"),
                                                           length: 0...BoundaryText.maximumQueryLength))
                }
            }
        }
        return try await next(request, context)
    }
}

/// Logs each request's method and path (Hummingbird's `LogRequestsMiddleware` logs the whole URI):
/// never the query, where a person's search (their NIK, a name) would be kept in the log, and a
/// run of 16 or more digits in the path is masked.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        context.logger.info("Request", metadata: [
            "hb.request.path": .string(Self.masked(request.uri.path)),
            "hb.request.method": .string(request.method.rawValue),
        ])
        return try await next(request, context)
    }

    static func masked(_ path: String) -> String {
        var out = "", digits = ""
        func flush() { out += digits.count >= 16 ? String(repeating: "*", count: digits.count) : digits; digits = "" }
        for character in path {
            if character.isASCII && character.isNumber { digits.append(character) } else { flush(); out.append(character) }
        }
        flush()
        return out
    }
}

/// Headers every response carries: the request id (to find it in the logs) and browser hardening.
struct ResponseHeadersMiddleware: RouterMiddleware {
    typealias Context = AppContext

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if case .string(let id)? = context.logger[metadataKey: "hb.request.id"] {
            response.headers[Self.requestId] = id
        } else if let id = context.logger[metadataKey: "hb.request.id"] {
            response.headers[Self.requestId] = "\(id)"
        }
        for field in Self.hardening { response.headers[field.name] = field.value }
        return response
    }

    // Built once: parsing a header name on every response showed in the per-request profile.
    static let requestId = HTTPField.Name("X-Request-Id")!
    static let hardening: HTTPFields = [
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ]
}

enum SessionCookie {
    static let name = "mb_session"
    static let lifetime: TimeInterval = 7 * 86_400

    static func set(_ token: String, on response: inout Response, secure: Bool) {
        response.setCookie(Cookie(name: name, value: token, maxAge: Int(lifetime), path: "/",
                                  secure: secure, httpOnly: true, sameSite: .lax))
    }

    static func clear(on response: inout Response, secure: Bool) {
        response.setCookie(Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax))
    }
}


/// The `Idempotency-Key` header of a write: one key per logical request, the same on every retry.
/// A retry with the key does nothing again and answers 200 with what the first request made, even
/// when the first one's answer was lost to a crash, a cut connection or a 503. Empty or over 200
/// characters, blank or holding control characters: ignored.
enum IdempotencyHeader {
    static let name = HTTPField.Name("Idempotency-Key")!

    /// A key that is blank, invisible or holds control characters is no key (as one over 200 characters).
    static func key(_ request: Request) -> String? {
        request.headers[name].flatMap {
            TextRules.isBlank($0) || $0.count > 200 || TextRules.forbiddenControl(in: $0, multiline: false) != nil ? nil : $0
        }
    }

    /// A decoded body as canonical text (keys sorted), for the key's fingerprint: the same request
    /// gives the same text however its JSON was spaced or ordered.
    static func canonical<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Runs a write whose transaction records `key`, so a retry whose rules pass is answered there.
    /// When a rule refuses, the key is looked up: a retry is answered with what the first request
    /// did (`replay` of its stored result) even when the rule would now refuse it, the stage having
    /// moved on. Only refusals pay for that read.
    static func replaying<T>(_ key: IdempotencyKey?, in database: Database, as replay: (String) async throws -> T?,
                             _ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let refusal as AppError {
            if let stored = try await Idempotency.stored(database, key), let answer = try await replay(stored) { return answer }
            throw refusal
        }
    }

    static let mismatch = AppError(.unprocessableContent, code: "idempotency.mismatch",
                                   message: .init(id: "Idempotency-Key ini sudah dipakai untuk permintaan lain. Gunakan kunci baru untuk permintaan baru.",
                                                  en: "This Idempotency-Key was already used for a different request. Use a new key for a new request."),
                                   field: "Idempotency-Key")
    static let inProgress = AppError.conflict("idempotency.inProgress", id: "Permintaan yang sama sedang diproses.",
                                              en: "The same request is in progress.")
}
