import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/auth/*`, `/api/v1/me*`, `/api/v1/citizens*`, `/api/v1/users*`.
struct AccountAPI {
    let services: AppServices
    var accounts: AccountService { AccountService(services: services) }

    struct UserSummary: Encodable {
        let id: Int64
        let role: String
        let regionCode: String?
    }

    struct Me: Encodable {
        let id: Int64
        let role: String
        let regionCode: String?
        let name: String
        let agencyCode: String?
        let nikMasked: String?
        let gender: String?
    }

    func register(on api: RouterGroup<AppContext>) {
        api.post("auth/login") { request, context in
            struct Body: Decodable { let username: String; let password: String }
            struct Answer: Encodable { let token: String; let user: UserSummary }
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let session = try await accounts.logIn(username: body.username, password: body.password,
                                                   address: context.clientAddress, kind: .api)
            return JSON.response(Answer(token: session.token, user: .init(
                id: session.user.id, role: session.user.role.rawValue, regionCode: session.user.regionCode?.description)))
        }

        api.post("auth/logout") { _, context in
            _ = try context.requireUser()
            if case .bearer(let token)? = context.credential { try await services.accounts.deleteToken(token) }
            if case .session(let token)? = context.credential { try await services.accounts.deleteToken(token) }
            return Response(status: .noContent)
        }

        api.get("me") { _, context in
            let user = try context.requireUser()
            return JSON.response(Me(id: user.id, role: user.role.rawValue, regionCode: user.regionCode?.description,
                                    name: user.name, agencyCode: user.agencyCode, nikMasked: user.nikMasked,
                                    gender: user.gender?.rawValue))
        }

        api.post("me/password") { request, context in
            struct Body: Decodable { let currentPassword: String; let newPassword: String }
            let user = try context.requireUser()
            try context.require(.manageOwnAccount)
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let keep: String? = switch context.credential {
            case .bearer(let token)?, .session(let token)?: token
            case nil: nil
            }
            try await accounts.changePassword(user: user, current: body.currentPassword, new: body.newPassword, keepToken: keep)
            return Response(status: .noContent)
        }

        api.post("citizens") { request, context in
            struct Body: Decodable {
                let name: String; let nik: String; let villageCode: String; let gender: String
                let password: String?; let phone: String?
            }
            struct Answer: Encodable { let id: Int64; let nikMasked: String; let villageCode: String; let activationCode: String? }
            let body = try await JSON.decode(Body.self, from: request, context: context)
            if context.user != nil { try context.require(.registerCitizen) }
            let citizen = try await accounts.registerCitizen(.init(
                name: body.name, nik: body.nik, villageCode: body.villageCode, gender: body.gender,
                password: body.password, phone: body.phone), by: context.user)
            return JSON.response(Answer(id: citizen.id, nikMasked: citizen.nikMasked, villageCode: citizen.villageCode,
                                        activationCode: citizen.activationCode), status: .created)
        }

        api.post("citizens/activate") { request, context in
            struct Body: Decodable { let nik: String; let activationCode: String; let password: String }
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let id = try await accounts.activate(nik: body.nik, code: body.activationCode, password: body.password)
            return JSON.response(["id": id])
        }

        api.get("users") { _, context in
            struct Item: Encodable {
                let id: Int64; let username: String?; let name: String; let role: String
                let regionCode: String?; let agencyCode: String?; let disabled: Bool
            }
            struct Answer: Encodable { let items: [Item] }
            let user = try context.requireUser()
            try context.require(.manageStaff)
            let staff = try await services.accounts.staff(within: user.role == .admin ? nil : user.regionCode)
            return JSON.response(Answer(items: staff.map {
                Item(id: $0.id, username: $0.username, name: $0.name, role: $0.role.rawValue,
                     regionCode: $0.regionCode?.description, agencyCode: $0.agencyCode, disabled: $0.disabled)
            }))
        }

        api.post("users") { request, context in
            struct Body: Decodable {
                let username: String; let name: String; let password: String; let role: String
                let regionCode: String?; let agencyCode: String?
            }
            let user = try context.requireUser()
            try context.require(.manageStaff)
            let body = try await JSON.decode(Body.self, from: request, context: context)
            let id = try await accounts.createStaff(.init(username: body.username, name: body.name, password: body.password,
                                                          role: body.role, regionCode: body.regionCode,
                                                          agencyCode: body.agencyCode), by: user)
            return JSON.response(["id": id], status: .created)
        }

        for (path, disabled) in [("disable", true), ("enable", false)] {
            api.post("users/:id/\(path)") { _, context in
                let user = try context.requireUser()
                try context.require(.manageStaff)
                guard let id = context.parameters.get("id", as: Int64.self) else {
                    throw AppError.notFound(.init(id: "Akun tidak ditemukan.", en: "Account not found."))
                }
                try await accounts.setDisabled(userId: id, disabled, by: user)
                return Response(status: .noContent)
            }
        }
    }
}
