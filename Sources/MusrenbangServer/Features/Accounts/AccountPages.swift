import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/daftar`, `/masuk`, `/aktivasi`, `/akun`, `/keluar`, `/admin/pengguna`: accounts in the browser.
struct AccountPages {
    let services: AppServices
    var accounts: AccountService { AccountService(services: services) }
    var pages: PageRenderer { services.pages }

    func register(on router: Router<AppContext>) {
        router.get("daftar") { _, context in
            try await registerPage(context: context)
        }

        router.post("daftar") { request, context in
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            let input = AccountService.CitizenInput(name: form["name"], nik: form["nik"], villageCode: form["villageCode"],
                                                    gender: form["gender"], password: form["password"], phone: form["phone"])
            do {
                if form["password"] != form["passwordConfirm"] {
                    throw ValidationError(field: "passwordConfirm", code: "password.mismatch",
                        message: .init(id: "Kedua kata sandi tidak sama.", en: "The two passwords differ."))
                }
                _ = try await accounts.registerCitizen(input, by: nil)
                return try await startSession(form["nik"], form["password"], context: context, then: "/akun?baru=1")
            } catch {
                // The NIK is personal data: the form comes back without it, to be typed again.
                return try await registerPage(context: context, errors: Self.messages(error, context), values: [
                    "name": input.name ?? "", "villageCode": input.villageCode ?? "", "phone": input.phone ?? "",
                    "female": input.gender == "female", "male": input.gender == "male",
                ], status: Self.status(of: error))
            }
        }

        router.get("masuk") { _, context in
            pages.page("login", title: Strings.text("loginTitle", context.locale), context: context)
        }

        router.post("masuk") { request, context in
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            do {
                return try await startSession(form["username"], form["password"], context: context, then: "/akun")
            } catch {
                let username = form["username"] ?? ""
                return pages.page("login", title: Strings.text("loginTitle", context.locale), values: [
                    "errors": Self.messages(error, context),
                    // A NIK typed as the username is not echoed back either.
                    "username": AccountService.isNIKShaped(username) ? "" : username,
                ], context: context, status: Self.status(of: error))
            }
        }

        router.get("aktivasi") { _, context in
            pages.page("activate", title: Strings.text("activate", context.locale), context: context)
        }

        router.post("aktivasi") { request, context in
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            do {
                _ = try await accounts.activate(nik: form["nik"], code: form["activationCode"], password: form["password"])
                return try await startSession(form["nik"], form["password"], context: context, then: "/akun")
            } catch {
                return pages.page("activate", title: Strings.text("activate", context.locale),
                                  values: ["errors": Self.messages(error, context)], context: context,
                                  status: Self.status(of: error))
            }
        }

        router.get("akun") { request, context in
            guard context.user != nil else { return Response.redirect(to: "/masuk") }
            let notice = request.uri.queryParameters.get("baru") != nil ? Strings.text("registered", context.locale)
                : request.uri.queryParameters.get("sandi") != nil ? Strings.text("passwordChanged", context.locale) : nil
            return try await accountPage(context: context, notice: notice)
        }

        router.post("akun/kata-sandi") { request, context in
            let user = try context.requireUser()
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            let keep: String? = if case .session(let token)? = context.credential { token } else { nil }
            do {
                try await accounts.changePassword(user: user, current: form["currentPassword"], new: form["newPassword"],
                                                  keepToken: keep)
                return Response.redirect(to: "/akun?sandi=1")
            } catch {
                return try await accountPage(context: context, errors: Self.messages(error, context),
                                             status: Self.status(of: error))
            }
        }

        router.post("keluar") { request, context in
            _ = try await Form.read(request, context: context, csrf: services.csrf)
            if case .session(let token)? = context.credential { try await services.accounts.deleteToken(token) }
            var response = Response.redirect(to: "/")
            SessionCookie.clear(on: &response, secure: services.configuration.behindTLS)
            return response
        }

        router.get("admin/pengguna") { _, context in
            try context.require(.manageStaff)
            return try await staffPage(context: context)
        }

        router.post("admin/pengguna") { request, context in
            let user = try context.requireUser()
            try context.require(.manageStaff)
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            do {
                _ = try await accounts.createStaff(.init(username: form["username"], name: form["name"],
                                                         password: form["password"], role: form["role"],
                                                         regionCode: form["regionCode"], agencyCode: form["agencyCode"]),
                                                   by: user)
                return try await staffPage(context: context, notice: Strings.text("staffCreated", context.locale))
            } catch {
                return try await staffPage(context: context, errors: Self.messages(error, context), values: [
                    "username": form["username"] ?? "", "name": form["name"] ?? "",
                    "regionCode": form["regionCode"] ?? "", "agencyCode": form["agencyCode"] ?? "",
                ], status: Self.status(of: error))
            }
        }

        router.post("admin/pengguna/:id/status") { request, context in
            let user = try context.requireUser()
            try context.require(.manageStaff)
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw AppError.notFound(.init(id: "Akun tidak ditemukan.", en: "Account not found."))
            }
            try await accounts.setDisabled(userId: id, form["disabled"] == "1", by: user)
            return Response.redirect(to: "/admin/pengguna")
        }
    }

    /// Logs in with a session cookie and goes on to `then`.
    func startSession(_ username: String?, _ password: String?, context: AppContext, then location: String) async throws -> Response {
        let session = try await accounts.logIn(username: username ?? "", password: password ?? "",
                                               address: context.clientAddress, kind: .session)
        var response = Response.redirect(to: location)
        SessionCookie.set(session.token, on: &response, secure: services.configuration.behindTLS)
        return response
    }

    // MARK: pages

    func registerPage(context: AppContext, errors: [String] = [], values: [String: Any] = [:],
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        var object = values
        object["errors"] = errors
        object["districts"] = services.villageGroups(selected: values["villageCode"] as? String)
        return pages.page("register", title: Strings.text("registerTitle", context.locale), values: object,
                          context: context, status: status)
    }

    func accountPage(context: AppContext, notice: String? = nil, errors: [String] = [],
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let user = try context.requireUser()
        var regionName = ""
        if let code = user.regionCode, let region = try await services.regions.region(code) {
            regionName = "\(region.name) (\(region.code))"
        }
        var codes: [[String: Any]] = []
        if user.role == .citizen {
            for assembly in try await AssemblyStore(services.database).current(regency: services.configuration.regency.description)
                where assembly.stage != .closed {
                let code = CheckInCode.make(citizen: user.id, assembly: assembly.id, secret: services.secret)
                codes.append(["title": assembly.title, "code": code,
                              "qr": QRCode(code)?.svg(title: "Kode QR kehadiran \(code)") ?? ""])
            }
        }
        return pages.page("account", title: Strings.text("accountTitle", context.locale), values: [
            "checkInCodes": codes, "hasCheckInCodes": !codes.isEmpty,
            "account": ["name": user.name, "roleName": user.role.indonesianName, "regionName": regionName,
                        "nikMasked": user.nikMasked ?? "", "hasNik": user.nikMasked != nil,
                        "agencyCode": user.agencyCode ?? ""],
            "notice": notice ?? "", "errors": errors,
        ], context: context, status: status)
    }

    func staffPage(context: AppContext, notice: String? = nil, errors: [String] = [], values: [String: Any] = [:],
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        let user = try context.requireUser()
        let staff = try await services.accounts.staff(within: user.role == .admin ? nil : user.regionCode)
        var object = values
        object["notice"] = notice ?? ""
        object["errors"] = errors
        object["roles"] = Policy.assignableRoles(by: user.principal).map { ["value": $0.rawValue, "name": $0.indonesianName] }
        object["staff"] = staff.map { member in
            ["id": member.id, "username": member.username ?? "", "name": member.name,
             "roleName": member.role.indonesianName, "regionCode": member.regionCode?.description ?? "—",
             "disabled": member.disabled, "isSelf": member.id == user.id] as [String: Any]
        }
        return pages.page("staff", title: Strings.text("staffTitle", context.locale), values: object,
                          context: context, status: status)
    }

    /// Every refusal in the page's language; unexpected errors propagate to the error page.
    static func messages(_ error: any Error, _ context: AppContext) -> [String] {
        switch error {
        case let errors as ValidationErrors: errors.all.map { $0.message.text(context.locale) }
        case let error as ValidationError: [error.message.text(context.locale)]
        case let error as AppError: [error.message.text(context.locale)]
        default: [ErrorMiddleware.appError(for: error, context: context).message.text(context.locale)]
        }
    }

    static func status(of error: any Error) -> HTTPResponse.Status {
        switch error {
        case let error as AppError: error.status
        default: .unprocessableContent
        }
    }
}
