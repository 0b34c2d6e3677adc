import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/regions`: the Kemendagri list, public.
struct RegionAPI {
    let services: AppServices

    struct Child: Encodable {
        let code: String
        let name: String
        let level: String
        let kind: String?
    }

    struct Detail: Encodable {
        let code: String
        let name: String
        let level: String
        let parentCode: String?
        let kind: String?
        let children: [Child]
    }

    static let unknown = AppError.notFound(.init(id: "Kode wilayah tidak dikenal.", en: "Unknown region code."))

    func register(on api: RouterGroup<AppContext>) {
        api.get("regions/:code") { _, context in
            guard let code = RegionCode(context.parameters.get("code") ?? ""),
                  let region = try await services.regions.region(code) else { throw Self.unknown }
            let children = try await services.regions.children(of: code)
            return JSON.response(Detail(
                code: region.code, name: region.name, level: region.level.rawValue, parentCode: region.parentCode,
                kind: region.kind?.rawValue,
                children: children.map { Child(code: $0.code, name: $0.name, level: $0.level.rawValue, kind: $0.kind?.rawValue) }))
        }

        api.get("regions") { request, context in
            struct Answer: Encodable { let items: [Child] }
            let query = request.uri.queryParameters
            guard let q = query.get("q"), !TextFolding.fold(q).isEmpty else {
                throw AppError(.unprocessableContent, code: "required",
                               message: .init(id: "Parameter q wajib diisi.", en: "Parameter q is required."), field: "q")
            }
            var within: RegionCode?
            if let raw = query.get("within"), !raw.isEmpty {
                guard let code = RegionCode(raw) else {
                    throw AppError(.unprocessableContent, code: "within.invalid",
                                   message: .init(id: "Kode wilayah within tidak sah.", en: "within is not a region code."),
                                   field: "within")
                }
                within = code
            }
            let found = try await services.regions.search(q, within: within)
            return JSON.response(Answer(items: found.map {
                Child(code: $0.code, name: $0.name, level: $0.level.rawValue, kind: $0.kind?.rawValue)
            }))
        }
    }
}
