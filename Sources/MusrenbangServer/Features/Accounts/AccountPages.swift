import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/daftar`, `/masuk`, `/aktivasi`, `/akun`, `/keluar`, `/admin/pengguna`: accounts in the browser.
/// Every form answers 303 (Post/Redirect/Get); refusals come back once on the form's page.
struct AccountPages {
    let accounts: AccountService
    let pages: PageRenderer
    let outcome: FormOutcome
    let csrf: CSRFGuard
    let places: Places
    let behindTLS: Bool

    func register(on router: Router<AppContext>) {
        router.get("daftar", use: registerPage)
        router.post("daftar", use: registerCitizen)
        router.get("masuk", use: loginPage)
        router.post("masuk", use: logIn)
        router.get("aktivasi", use: activatePage)
        router.post("aktivasi", use: activate)
        router.get("akun", use: accountPage)
        router.post("akun/kata-sandi", use: changePassword)
        router.post("akun/dua-langkah", use: startTOTP)
        router.post("akun/dua-langkah/konfirmasi", use: confirmTOTP)
        router.post("akun/dua-langkah/matikan", use: disableTOTP)
        router.post("keluar", use: logOut)
        router.get("admin/pengguna", use: staffPage)
        router.post("admin/pengguna", use: createStaff)
        router.post("admin/pengguna/:id/status", use: setStatus)
    }

    // MARK: registering and logging in

    struct RegisterForm: Decodable {
        let name: String?; let nik: String?; let villageCode: String?; let gender: String?; let phone: String?
        let password: String?; let passwordConfirm: String?
    }

    @Sendable func registerPage(_ request: Request, context: AppContext) async throws -> Response {
        let flash = try await pages.flash(context)
        let chosen = flash.values["villageCode"].flatMap({ RegionCode($0) })
        return pages.render("register", title: Strings.text("registerTitle", context.locale),
                            model: RegisterPage(districts: VillageChoice.grouped(places, selected: chosen),
                                                female: flash.values["gender"] == "female", male: flash.values["gender"] == "male"),
                            flash: flash, context: context)
    }

    @Sendable func registerCitizen(_ request: Request, context: AppContext) async throws -> Response {
        try Access.require(context.user, .registerSelf)
        let form = try await SubmittedForm<RegisterForm>.read(request, context: context, csrf: csrf)
        let fields = form.fields
        do {
            if fields.password != fields.passwordConfirm {
                throw ValidationError(field: "passwordConfirm", code: "password.mismatch",
                                      message: .init(id: "Kedua kata sandi tidak sama.", en: "The two passwords differ."))
            }
            _ = try await accounts.registerCitizen(.init(name: fields.name, nik: fields.nik, villageCode: fields.villageCode,
                                                         gender: fields.gender, password: fields.password, phone: fields.phone), by: nil)
            do {
                return try await startSession(fields.nik, fields.password, context: context, then: "/akun",
                                              notice: .init(id: "Pendaftaran berhasil. Selamat datang!", en: "Registration complete. Welcome!"))
            } catch let error as AppError where error.status == .unauthorized {
                // The NIK had an account already, with another password: said without saying whose.
                return try await outcome.redirect(to: "/masuk", Flash(notice: .init(
                    id: "Pendaftaran diterima, tetapi belum dapat masuk dengan kata sandi ini. Bila NIK ini pernah didaftarkan, masuklah dengan kata sandi lama, atau minta operator desa memulihkan akun Anda dengan menunjukkan KTP.",
                    en: "Registration received, but this password does not log in. If this NIK was registered before, log in with the old password, or ask the village operator to give the account back to you on showing your ID card.")))
            }
        } catch {
            // The NIK is personal data: the form comes back without it, to be typed again.
            return try await outcome.respond(typed: form.typed, back: "/daftar") { throw error }
        }
    }

    @Sendable func loginPage(_ request: Request, context: AppContext) async throws -> Response {
        pages.render("login", title: Strings.text("loginTitle", context.locale), flash: try await pages.flash(context), context: context)
    }

    struct LoginForm: Decodable { let username: String?; let password: String?; let otp: String? }

    @Sendable func logIn(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await SubmittedForm<LoginForm>.read(request, context: context, csrf: csrf)
        do {
            return try await startSession(form.fields.username, form.fields.password, otp: form.fields.otp, context: context, then: "/akun")
        } catch let error as AppError where error.status == .unauthorized || error.status == .tooManyRequests {
            // A wrong password is the form's refusal here, not an error page.
            let shown = AppError(.unprocessableContent, code: error.code, message: error.message, field: "username")
            var response = try await outcome.respond(typed: form.typed, back: "/masuk") { throw shown }
            for field in error.headers { response.headers.append(field) }
            return response
        }
    }

    @Sendable func activatePage(_ request: Request, context: AppContext) async throws -> Response {
        pages.render("activate", title: Strings.text("activate", context.locale), flash: try await pages.flash(context), context: context)
    }

    struct ActivateForm: Decodable { let nik: String?; let activationCode: String?; let password: String? }

    @Sendable func activate(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await SubmittedForm<ActivateForm>.read(request, context: context, csrf: csrf)
        do {
            _ = try await accounts.activate(nik: form.fields.nik, code: form.fields.activationCode, password: form.fields.password)
            return try await startSession(form.fields.nik, form.fields.password, context: context, then: "/akun")
        } catch {
            return try await outcome.respond(typed: form.typed, back: "/aktivasi") { throw error }
        }
    }

    /// Logs in with a session cookie and goes on to `then`.
    func startSession(_ username: String?, _ password: String?, otp: String? = nil, context: AppContext, then location: String,
                      notice: LocalizedText? = nil) async throws -> Response {
        let session = try await accounts.logIn(username: username ?? "", password: password ?? "", otp: otp, address: context.clientAddress,
                                               kind: .session)
        var response = try await outcome.redirect(to: location, Flash(notice: notice))
        SessionCookie.set(session.token, on: &response, secure: behindTLS)
        return response
    }

    // MARK: the account

    @Sendable func accountPage(_ request: Request, context: AppContext) async throws -> Response {
        guard context.user != nil else { return Response.redirect(to: "/masuk") }
        let overview = try await accounts.overview(of: context.user)
        let locale = context.locale
        let user = overview.user
        return pages.render("account", title: Strings.text("accountTitle", locale), model: AccountPage(
            name: user.name, roleName: Names.role(user.role).text(locale), regionName: overview.regionName, nikMasked: user.nikMasked,
            agencyCode: user.agencyCode,
            checkInCodes: overview.checkInCodes.map { assembly, code in
                .init(title: assembly.title, code: code,
                      qr: QRCode(code)?.svg(title: "\(Strings.text("checkInQR", locale)) \(code)") ?? "")
            },
            assisted: try await AssistedEntryService(services: accounts.services).mine(context.user).map {
                .init(at: Format.dateTime($0.at).text(locale), text: AssistedEntryService.sentence($0, forCitizen: true).text(locale))
            },
            isStaff: user.role != .citizen, totpOn: user.totpEnabled, totpPending: accounts.pendingTOTP(for: user).map { setup in
                // Groups of four, as authenticator apps show a seed to be typed.
                .init(secret: stride(from: 0, to: setup.secret.count, by: 4).map { String(setup.secret.dropFirst($0).prefix(4)) }
                    .joined(separator: " "), uri: setup.uri)
            }), flash: try await pages.flash(context), context: context)
    }

    @Sendable func startTOTP(_ request: Request, context: AppContext) async throws -> Response {
        _ = try await SubmittedForm<NoFields>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: [:], back: "/akun#dua-langkah") {
            _ = try await accounts.startTOTP(for: context.user)
            return .init(id: "Masukkan kode rahasia ke aplikasi autentikator, lalu ketik kode 6 angka untuk mengaktifkan.",
                         en: "Enter the secret in your authenticator app, then type its 6-digit code to turn it on.")
        }
    }

    struct CodeForm: Decodable { let code: String?; let password: String? }

    @Sendable func confirmTOTP(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await SubmittedForm<CodeForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: [:], back: "/akun#dua-langkah") {
            try await accounts.confirmTOTP(for: context.user, code: form.fields.code)
            return .init(id: "Verifikasi dua langkah aktif. Setiap masuk kini memerlukan kode dari aplikasi.",
                         en: "Two-step verification is on. Every login now needs a code from the app.")
        }
    }

    @Sendable func disableTOTP(_ request: Request, context: AppContext) async throws -> Response {
        let form = try await SubmittedForm<CodeForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: [:], back: "/akun#dua-langkah") {
            try await accounts.disableTOTP(for: context.user, password: form.fields.password, code: form.fields.code)
            return .init(id: "Verifikasi dua langkah dimatikan.", en: "Two-step verification is off.")
        }
    }

    struct PasswordForm: Decodable { let currentPassword: String?; let newPassword: String? }

    @Sendable func changePassword(_ request: Request, context: AppContext) async throws -> Response {
        let user = try Access.role(context.user, .manageOwnAccount)
        let form = try await SubmittedForm<PasswordForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/akun") {
            try await accounts.changePassword(user: user, current: form.fields.currentPassword, new: form.fields.newPassword,
                                              keepToken: context.credential?.token)
            return .init(id: "Kata sandi sudah diganti.", en: "The password has been changed.")
        }
    }

    @Sendable func logOut(_ request: Request, context: AppContext) async throws -> Response {
        _ = try await SubmittedForm<NoFields>.read(request, context: context, csrf: csrf)
        try await accounts.logOut(context.credential)
        var response = Response.redirect(to: "/")
        SessionCookie.clear(on: &response, secure: behindTLS)
        return response
    }

    // MARK: staff accounts

    @Sendable func staffPage(_ request: Request, context: AppContext) async throws -> Response {
        let staff = try await accounts.staff(for: context.user)
        let flash = try await pages.flash(context)
        let user = try Access.role(context.user, .manageStaff)
        let locale = context.locale
        return pages.render("staff", title: Strings.text("staffTitle", locale), model: StaffPage(
            roles: Policy.assignableRoles(by: user.principal).map {
                .init(value: $0.rawValue, name: Names.role($0).text(locale), selected: $0.rawValue == flash.values["role"])
            },
            staff: staff.map {
                .init(id: $0.id.rawValue, username: $0.username ?? "", name: $0.name, roleName: Names.role($0.role).text(locale),
                      regionCode: $0.regionCode?.description ?? "—", disabled: $0.disabled, isSelf: $0.id == user.id)
            }), flash: flash, context: context)
    }

    struct StaffForm: Decodable {
        let username: String?; let name: String?; let password: String?; let role: String?; let regionCode: String?; let agencyCode: String?
    }

    @Sendable func createStaff(_ request: Request, context: AppContext) async throws -> Response {
        let user = try Access.role(context.user, .manageStaff)
        let form = try await SubmittedForm<StaffForm>.read(request, context: context, csrf: csrf)
        let fields = form.fields
        return try await outcome.respond(typed: form.typed, back: "/admin/pengguna") {
            _ = try await accounts.createStaff(.init(username: fields.username, name: fields.name, password: fields.password,
                                                     role: fields.role, regionCode: fields.regionCode, agencyCode: fields.agencyCode), by: user)
            return .init(id: "Akun petugas dibuat.", en: "Staff account created.")
        }
    }

    struct StatusForm: Decodable { let disabled: Checkbox? }

    @Sendable func setStatus(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .manageStaff)
        let form = try await SubmittedForm<StatusForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: [:], back: "/admin/pengguna") {
            try await accounts.setDisabled(userId: try context.id("id", as: UserID.self), form.fields.disabled.isOn, by: context.user)
            return nil
        }
    }
}

// MARK: page models

struct RegisterPage: Sendable {
    let districts: [VillageChoice.Group]
    let female: Bool
    let male: Bool
}

struct AccountPage: Sendable {
    struct CheckIn: Sendable { let title: String; let code: String; let qr: String }
    let name: String
    let roleName: String
    let regionName: String?
    let nikMasked: String?
    let agencyCode: String?
    let checkInCodes: [CheckIn]
    /// What staff did in this citizen's name.
    let assisted: [AssistedPage.Line]
    struct Pending: Sendable { let secret: String; let uri: String }
    let isStaff: Bool
    let totpOn: Bool
    let totpPending: Pending?
}

struct StaffPage: Sendable {
    struct Member: Sendable {
        let id: Int64; let username: String; let name: String; let roleName: String; let regionCode: String; let disabled: Bool
        let isSelf: Bool
    }
    let roles: [Choice]
    let staff: [Member]
}

/// An `<option>`: its value, its words, whether it is chosen.
struct Choice: Sendable {
    let value: String
    let name: String
    let selected: Bool
}

/// The tenant's villages grouped by district, for a `<select>` with `<optgroup>`s, from memory.
enum VillageChoice {
    struct Group: Sendable { let name: String; let villages: [Choice] }

    static func grouped(_ places: Places, selected: RegionCode?) -> [Group] {
        places.districts.map { district in
            Group(name: places.name(district), villages: places.villages(in: district).map {
                Choice(value: $0.description, name: places.name($0), selected: $0 == selected)
            })
        }
    }

    static func districts(_ places: Places, selected: RegionCode?) -> [Choice] {
        places.districts.map { Choice(value: $0.description, name: places.name($0), selected: $0 == selected) }
    }
}
