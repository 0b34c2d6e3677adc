import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/auth/*`, `/api/v1/me*`, `/api/v1/citizens*`, `/api/v1/users*`: JSON in, the use case, JSON out.
struct AccountAPI {
    let accounts: AccountService

    struct UserSummary: Encodable { let id: UserID; let role: String; let regionCode: RegionCode? }
    struct LoggedIn: Encodable { let token: String; let user: UserSummary }
    struct Me: Encodable {
        let id: UserID; let role: String; let regionCode: RegionCode?; let name: String; let agencyCode: String?
        let nikMasked: String?; let gender: String?
    }
    /// `id` only for a registration by an operator: a self-registration's answer is the same whether the NIK had an account or not.
    struct Registered: Encodable { let id: UserID?; let nikMasked: String; let villageCode: String; let activationCode: String? }
    struct StaffItem: Encodable {
        let id: UserID; let username: String?; let name: String; let role: String
        let regionCode: RegionCode?; let agencyCode: String?; let disabled: Bool
    }
    struct StaffList: Encodable { let items: [StaffItem] }
    struct Created: Encodable { let id: UserID }

    func register(on api: RouterGroup<AppContext>) {
        api.post("auth/login", use: logIn)
        api.post("auth/logout", use: logOut)
        api.get("me", use: me)
        api.post("me/password", use: changePassword)
        api.post("citizens", use: registerCitizen)
        api.post("citizens/activate", use: activate)
        api.get("users", use: staff)
        api.post("users", use: createStaff)
        api.post("users/:id/disable") { request, context in try await setDisabled(request, context, true) }
        api.post("users/:id/enable") { request, context in try await setDisabled(request, context, false) }
        api.post("citizens/:id/reclaim", use: reclaim)
        api.post("me/totp", use: startTOTP)
        api.post("me/totp/confirm", use: confirmTOTP)
        api.delete("me/totp", use: disableTOTP)
    }

    @Sendable func logIn(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let username: String; let password: String; let otp: String? }
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let session = try await accounts.logIn(username: body.username, password: body.password, otp: body.otp, address: context.clientAddress,
                                               kind: .api)
        return JSON.response(LoggedIn(token: session.token, user: .init(id: session.user.id, role: session.user.role.rawValue,
                                                                        regionCode: session.user.regionCode)))
    }

    @Sendable func logOut(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .manageOwnAccount)
        try await accounts.logOut(context.credential)
        return Response(status: .noContent)
    }

    @Sendable func me(_ request: Request, context: AppContext) async throws -> Response {
        let user = try Access.role(context.user, .manageOwnAccount)
        return JSON.response(Me(id: user.id, role: user.role.rawValue, regionCode: user.regionCode, name: user.name,
                                agencyCode: user.agencyCode, nikMasked: user.nikMasked, gender: user.gender?.rawValue))
    }

    @Sendable func changePassword(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let currentPassword: String; let newPassword: String }
        let user = try Access.role(context.user, .manageOwnAccount)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        try await accounts.changePassword(user: user, current: body.currentPassword, new: body.newPassword, keepToken: context.credential?.token)
        return Response(status: .noContent)
    }

    @Sendable func registerCitizen(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable {
            let name: String; let nik: String; let villageCode: String; let gender: String; let password: String?; let phone: String?
        }
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let citizen = try await accounts.registerCitizen(.init(name: body.name, nik: body.nik, villageCode: body.villageCode,
                                                               gender: body.gender, password: body.password, phone: body.phone),
                                                         by: context.user)
        return JSON.response(Registered(id: citizen.id, nikMasked: citizen.nikMasked, villageCode: citizen.villageCode,
                                        activationCode: citizen.activationCode), status: .created)
    }

    @Sendable func activate(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let nik: String; let activationCode: String; let password: String }
        let body = try await JSON.decode(Body.self, from: request, context: context)
        return JSON.response(Created(id: try await accounts.activate(nik: body.nik, code: body.activationCode, password: body.password)))
    }

    @Sendable func staff(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(StaffList(items: try await accounts.staff(for: context.user).map {
            StaffItem(id: $0.id, username: $0.username, name: $0.name, role: $0.role.rawValue, regionCode: $0.regionCode,
                      agencyCode: $0.agencyCode, disabled: $0.disabled)
        }))
    }

    @Sendable func createStaff(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable {
            let username: String; let name: String; let password: String; let role: String; let regionCode: String?; let agencyCode: String?
        }
        let user = try Access.role(context.user, .manageStaff)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let id = try await accounts.createStaff(.init(username: body.username, name: body.name, password: body.password, role: body.role,
                                                      regionCode: body.regionCode, agencyCode: body.agencyCode), by: user)
        return JSON.response(Created(id: id), status: .created)
    }

    /// A staff account needs no body; a citizen's needs `{"reason": "…"}` (kept in the audit log).
    func setDisabled(_ request: Request, _ context: AppContext, _ disabled: Bool) async throws -> Response {
        struct Reason: Decodable { let reason: String? }
        guard context.user != nil else { throw AppError.unauthenticated }
        let buffer = try await Body.collect(request, context: context)
        let reason = buffer.readableBytes == 0 ? nil : try JSON.decode(Reason.self, from: buffer).reason
        try await accounts.setDisabled(userId: try context.id("id", as: UserID.self), disabled, reason: reason, by: context.user,
                                       address: context.clientAddress)
        return Response(status: .noContent)
    }

    struct TOTPStarted: Encodable { let secret: String; let uri: String }

    @Sendable func startTOTP(_ request: Request, context: AppContext) async throws -> Response {
        let setup = try await accounts.startTOTP(for: context.user)
        return JSON.response(TOTPStarted(secret: setup.secret, uri: setup.uri))
    }

    @Sendable func confirmTOTP(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let code: String }
        _ = try AccountService.staffAccount(context.user)
        try await accounts.confirmTOTP(for: context.user, code: try await JSON.decode(Body.self, from: request, context: context).code)
        return Response(status: .noContent)
    }

    @Sendable func disableTOTP(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let password: String; let code: String }
        _ = try AccountService.staffAccount(context.user)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        try await accounts.disableTOTP(for: context.user, password: body.password, code: body.code)
        return Response(status: .noContent)
    }

    struct Reclaimed: Encodable { let activationCode: String }

    @Sendable func reclaim(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let name: String?; let reason: String? }
        _ = try Access.role(context.user, .manageCitizens)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        let code = try await accounts.reclaimCitizen(try context.id("id", as: UserID.self), name: body.name, reason: body.reason,
                                                     by: context.user, address: context.clientAddress)
        return JSON.response(Reclaimed(activationCode: code))
    }
}
