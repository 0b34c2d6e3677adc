import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/admin/warga`: the village team finds a citizen's account by NIK (sent by POST, never in an
/// address or a log), disables or re-enables it with a reason, or gives a squatted account back to
/// the NIK's owner seen in person (a new one-time activation code, shown once).
struct CitizenPages {
    let accounts: AccountService
    let pages: PageRenderer
    let outcome: FormOutcome
    let csrf: CSRFGuard
    let places: Places

    func register(on router: Router<AppContext>) {
        router.get("admin/warga", use: page)
        router.post("admin/warga/cari", use: find)
        router.post("admin/warga/:id/status", use: setStatus)
        router.post("admin/warga/:id/klaim", use: reclaim)
    }

    @Sendable func page(_ request: Request, context: AppContext) async throws -> Response {
        let actor = try Access.role(context.user, .manageCitizens)
        var shown: CitizenPage.Citizen?
        if let id = request.uri.queryParameters.get("id", as: Int64.self),
           let user = try await accounts.services.accounts.user(id: UserID(rawValue: id)), user.role == .citizen,
           Access.allows(actor, .manageCitizens, in: user.regionCode) {
            let reason = try await accounts.services.accounts.disabledReason(userId: user.id)
            shown = .init(id: user.id.rawValue, name: user.name, nikMasked: user.nikMasked ?? "—",
                          village: user.regionCode.map { Names.village($0, places.name($0)).text(context.locale) } ?? "—",
                          disabled: user.disabled, disabledReason: reason ?? "", activated: user.passwordHash != nil)
        }
        return pages.render("citizens", title: Strings.text("citizensTitle", context.locale), model: CitizenPage(citizen: shown),
                            flash: try await pages.flash(context), context: context)
    }

    struct FindForm: Decodable { let nik: String? }

    @Sendable func find(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .manageCitizens)
        let form = try await SubmittedForm<FindForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: [:], back: "/admin/warga") {
            guard let found = try await accounts.citizen(nik: form.fields.nik, by: context.user) else {
                throw AppError(.unprocessableContent, code: "citizen.notFound", message: .init(
                    id: "Tidak ada akun warga dengan NIK ini di wilayah Anda.", en: "No citizen account with this NIK in your area."), field: "nik")
            }
            return (nil, "/admin/warga?id=\(found.user.id)")
        }
    }

    struct StatusForm: Decodable { let disabled: Checkbox?; let reason: String? }

    @Sendable func setStatus(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .manageCitizens)
        let id = try context.id("id", as: UserID.self)
        let form = try await SubmittedForm<StatusForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/admin/warga?id=\(id)") {
            try await accounts.setDisabled(userId: id, form.fields.disabled.isOn, reason: form.fields.reason, by: context.user,
                                           address: context.clientAddress)
            return form.fields.disabled.isOn ? .init(id: "Akun warga dinonaktifkan; dukungannya tidak lagi dihitung.",
                                                     en: "The citizen's account is disabled; its supports no longer count.")
                : .init(id: "Akun warga diaktifkan kembali.", en: "The citizen's account is enabled again.")
        }
    }

    struct ReclaimForm: Decodable { let name: String?; let reason: String? }

    @Sendable func reclaim(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.role(context.user, .manageCitizens)
        let id = try context.id("id", as: UserID.self)
        let form = try await SubmittedForm<ReclaimForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/admin/warga?id=\(id)") {
            let code = try await accounts.reclaimCitizen(id, name: form.fields.name, reason: form.fields.reason, by: context.user,
                                                         address: context.clientAddress)
            return .init(id: "Akun dikembalikan kepada pemilik NIK. Kode aktivasi (berikan sekali kepada warga): \(code)",
                         en: "The account is back with the NIK's owner. Activation code (give it once to the citizen): \(code)")
        }
    }
}

struct CitizenPage: Sendable {
    struct Citizen: Sendable {
        let id: Int64; let name: String; let nikMasked: String; let village: String; let disabled: Bool; let disabledReason: String
        let activated: Bool
    }
    let citizen: Citizen?
}
