import Foundation
import Hummingbird
import MusrenbangCore

/// The actions a stranger could repeat to spend our resources, each with its limits: per client
/// address for someone not signed in, per account for someone signed in (a village office puts
/// many people behind one address, so staff are counted by account, not by address).
enum Limited: String, CaseIterable, Sendable {
    case register, activate, login, proposal, comment, flag, question, upvote, support, photo, mediaPeer, paper, export, search, poll
}

/// How often each limited action may be done. Defaults suit the day of a simultaneous assembly;
/// `MUSRENBANG_RATE_LIMITS="register=5/600,support.account=60/600"` changes one rule ("off"
/// removes every limit, for load tests from one address only).
public struct RateLimits: Sendable {
    var perAddress: [Limited: RateRule]
    var perAccount: [Limited: RateRule]

    public static let defaults = RateLimits(
        perAddress: [.register: RateRule(5, per: 600), .activate: RateRule(10, per: 600), .login: RateRule(30, per: 60),
                     .mediaPeer: RateRule(30, per: 60), .paper: RateRule(20, per: 600), .export: RateRule(60, per: 600),
                     .flag: RateRule(20, per: 600), .search: RateRule(300, per: 60)],
        perAccount: [.register: RateRule(600, per: 3600), .proposal: RateRule(120, per: 3600), .comment: RateRule(30, per: 600),
                     .flag: RateRule(30, per: 600), .question: RateRule(10, per: 600), .upvote: RateRule(60, per: 600),
                     .support: RateRule(60, per: 600), .photo: RateRule(20, per: 3600), .mediaPeer: RateRule(120, per: 60),
                     .paper: RateRule(60, per: 600), .export: RateRule(300, per: 600),
                     .search: RateRule(600, per: 60), .poll: RateRule(60, per: 600)])

    public static let off = RateLimits(perAddress: [:], perAccount: [:])

    /// The defaults with the given changes; an unreadable entry is an error at start, not a silent default.
    public static func parse(_ text: String) throws -> RateLimits {
        if text.trimmingCharacters(in: .whitespaces) == "off" { return .off }
        var limits = RateLimits.defaults
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0].split(separator: ".").map(String.init)
            guard parts.count == 2, let action = Limited(rawValue: name[0]), name.count <= 2,
                  name.count == 1 || name[1] == "account" || name[1] == "address" else {
                throw ConfigurationError("MUSRENBANG_RATE_LIMITS: unknown entry \(entry)")
            }
            let rule = parts[1] == "off" ? nil : RateRule(parts[1])
            guard rule != nil || parts[1] == "off" else { throw ConfigurationError("MUSRENBANG_RATE_LIMITS: \(entry) is not COUNT/SECONDS") }
            if name.count == 2 && name[1] == "account" { limits.perAccount[action] = rule } else { limits.perAddress[action] = rule }
        }
        return limits
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The buckets of every client and account, shared by all requests.
actor RateLimitBox {
    private var limiter = RateLimiter()
    private var lastPrune = Date().timeIntervalSince1970
    let limits: RateLimits

    init(_ limits: RateLimits) { self.limits = limits }

    /// Seconds to wait, or nil when the action may go ahead.
    func check(_ action: Limited, address: String, account: UserID?) -> Double? {
        let now = Date().timeIntervalSince1970
        if now - lastPrune > 300 {
            limiter.prune(now: now, longest: 3600)
            lastPrune = now
        }
        if let account {
            guard let rule = limits.perAccount[action] else { return nil }
            return limiter.take("\(action.rawValue):user:\(account)", rule: rule, now: now)
        }
        guard let rule = limits.perAddress[action] else { return nil }
        return limiter.take("\(action.rawValue):ip:\(address)", rule: rule, now: now)
    }
}

/// The one place that says which routes are limited, and how: the route's pattern (as the router
/// names it) to the action it spends. API and pages share the actions.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let box: RateLimitBox

    static let routes: [String: Limited] = [
        "POST /api/v1/citizens": .register, "POST /daftar": .register,
        "POST /api/v1/citizens/activate": .activate, "POST /aktivasi": .activate,
        "POST /api/v1/auth/login": .login, "POST /masuk": .login,
        "POST /api/v1/proposals": .proposal, "POST /usulan/baru": .proposal,
        "POST /api/v1/proposals/{id}/comments": .comment, "POST /usulan/{id}/komentar": .comment,
        "POST /api/v1/comments/{id}/flag": .flag, "POST /komentar/{id}/tandai": .flag,
        "POST /api/v1/assemblies/{id}/questions": .question, "POST /musrenbang/{id}/pertanyaan": .question,
        "POST /api/v1/assemblies/{id}/questions/{question}/upvote": .upvote,
        // A citizen's poll answer: one counts, but each try costs a transaction.
        "POST /api/v1/assemblies/{id}/polls/{poll}/answer": .poll, "POST /musrenbang/{id}/jajak/{poll}/jawab": .poll,
        "POST /api/v1/proposals/{id}/supports": .support, "POST /usulan/{id}/dukung": .support,
        "POST /api/v1/proposals/{id}/photos": .photo, "POST /api/v1/assemblies/{id}/villages/{code}/close-out/scan": .photo,
        "POST /api/v1/assemblies/{id}/media/watch": .mediaPeer, "POST /api/v1/assemblies/{id}/media/subscribe": .mediaPeer,
        "POST /api/v1/assemblies/{id}/media/publish": .mediaPeer,
        "GET /dokumen/musrenbang/{id}/{place}/{file}": .paper, "GET /dokumen/usulan/{id}/{file}": .paper,
        "GET /dokumen/desa/{code}/{file}": .export, "GET /dokumen/kecamatan/{code}/{file}": .export,
        "GET /dokumen/kabupaten/{file}": .export,
        "GET /api/v1/catalog": .search, "GET /api/v1/similar": .search, "GET /kamus/unduh/{file}": .export,
    ]

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        if let action = Self.routes["\(request.method) \(context.endpointPath ?? "")"],
           let wait = await box.check(action, address: context.clientAddress, account: context.user?.id) {
            let seconds = Int(wait.rounded(.up))
            var error = AppError(.tooManyRequests, code: "rateLimited",
                                 message: .init(id: "Terlalu sering. Coba lagi dalam \(seconds) detik.",
                                                en: "Too many requests. Try again in \(seconds) seconds."))
            error.headers[.retryAfter] = "\(seconds)"
            throw error
        }
        return try await next(request, context)
    }
}
