import Foundation
import Hummingbird
import HTTPTypes
import Logging
import MusrenbangCore
import MusrenbangStore

/// Every change a member of staff makes, in one place: the request's route, its parameters (what
/// it was done to), the place, the address it came from, and the answer. Refused requests are not
/// changes and are not kept; citizens' own actions are their proposals' history, not this log.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let database: Database

    static let refused = HTTPField.Name("X-Musrenbang-Refused")!

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        let refused = response.headers[Self.refused] != nil
        response.headers[Self.refused] = nil
        guard let user = context.user, user.role != .citizen, ![.get, .head, .options].contains(request.method),
              response.status.code < 400, !refused else { return response }
        let parameters = context.parameters.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        let place = ["village", "place", "code"].lazy.compactMap { context.parameters.get($0).flatMap { RegionCode($0) } }.first
        do {
            try await AuditStore(database).append(AuditEntry(
                actorId: user.id, actorRole: user.role, action: "\(request.method) \(context.endpointPath ?? request.uri.path)",
                target: parameters.isEmpty ? nil : parameters, regionCode: place ?? user.regionCode, address: context.clientAddress,
                status: Int(response.status.code)))
        } catch {
            // The change is made; losing its line must be loud, not silent.
            context.logger.error("audit log write failed", metadata: ["action": "\(request.method) \(context.endpointPath ?? "")"])
        }
        return response
    }
}
