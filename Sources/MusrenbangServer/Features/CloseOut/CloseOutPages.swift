import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// The console's close-out forms (the scan goes to the API from `upload.js`, as a raw body):
/// the paper's figures from the village team, the kecamatan's validation or incident. Each
/// answers 303 back to the console's close-out section.
struct CloseOutPages {
    let closeOuts: CloseOutService
    let outcome: FormOutcome
    let csrf: CSRFGuard

    func register(on router: Router<AppContext>) {
        router.post("musrenbang/:id/desa/:village/penutupan", use: submit)
        router.post("musrenbang/:id/desa/:village/penutupan/sahkan", use: validate)
        router.post("musrenbang/:id/desa/:village/penutupan/insiden", use: incident)
    }

    func inConsole<Fields: Decodable & Sendable>(_ request: Request, _ context: AppContext, _ fields: Fields.Type, for action: Action,
                                                 _ work: @escaping @Sendable (AssemblyService.Session, Fields) async throws -> LocalizedText?) async throws -> Response {
        let scope = try await closeOuts.station(try context.id("id", as: AssemblyID.self), context.parameters.get("village"),
                                                for: action, by: context.user)
        let form = try await SubmittedForm<Fields>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/musrenbang/\(scope.id)/desa/\(scope.village)#penutupan") {
            try await work(scope, form.fields)
        }
    }

    struct FiguresForm: Decodable, Sendable { let men: TypedInteger?; let women: TypedInteger?; let total: TypedInteger? }

    @Sendable func submit(_ request: Request, context: AppContext) async throws -> Response {
        try await inConsole(request, context, FiguresForm.self, for: .runSession) { scope, form in
            let record = try await closeOuts.submit(scope, .init(men: form.men?.value, women: form.women?.value, total: form.total?.value))
            guard let comparison = record.comparison, comparison.isMismatch else {
                return .init(id: "Berita acara diserahkan; angka kehadiran sesuai dengan catatan.",
                             en: "Minutes handed in; the attendance figures match the record.")
            }
            let difference = Names.difference(comparison)
            return .init(id: "Berita acara diserahkan dan ditandai: angka kehadiran berbeda dari catatan. \(difference.id).",
                         en: "Minutes handed in and flagged: the attendance figures differ from the record. \(difference.en).")
        }
    }

    @Sendable func validate(_ request: Request, context: AppContext) async throws -> Response {
        try await inConsole(request, context, NoFields.self, for: .validateCloseOut) { scope, _ in
            _ = try await closeOuts.validate(scope)
            return .init(id: "Penutupan pos desa disahkan.", en: "The station's close-out is validated.")
        }
    }

    struct IncidentForm: Decodable, Sendable { let reason: String? }

    @Sendable func incident(_ request: Request, context: AppContext) async throws -> Response {
        try await inConsole(request, context, IncidentForm.self, for: .validateCloseOut) { scope, form in
            _ = try await closeOuts.recordIncident(scope, reason: form.reason)
            return .init(id: "Insiden dicatat.", en: "Incident recorded.")
        }
    }
}
