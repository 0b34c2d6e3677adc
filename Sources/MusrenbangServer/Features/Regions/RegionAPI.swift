import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/regions`: the Kemendagri list, public.
struct RegionAPI {
    let regions: RegionService

    struct Child: Encodable { let code: RegionCode; let name: String; let level: String; let kind: String? }
    struct Detail: Encodable {
        let code: RegionCode; let name: String; let level: String; let parentCode: RegionCode?; let kind: String?; let children: [Child]
    }
    struct Found: Encodable { let items: [Child] }

    func register(on api: RouterGroup<AppContext>) {
        api.get("regions/:code", use: detail)
        api.get("regions", use: search)
    }

    static func child(_ region: RegionRecord) -> Child {
        Child(code: region.code, name: region.name, level: region.level.rawValue, kind: region.kind?.rawValue)
    }

    @Sendable func detail(_ request: Request, context: AppContext) async throws -> Response {
        guard let code = RegionCode(context.parameters.get("code") ?? "") else { throw RegionService.unknown }
        let found = try await regions.detail(code, withTrail: false)
        let region = found.region
        return JSON.revalidated(Detail(code: region.code, name: region.name, level: region.level.rawValue, parentCode: region.parentCode,
                                       kind: region.kind?.rawValue, children: found.children.map(Self.child)),
                                request: request, lastModified: nil)
    }

    @Sendable func search(_ request: Request, context: AppContext) async throws -> Response {
        let query = request.uri.queryParameters
        let q = try TextRules.search(query.get("q"), maximum: RegionService.maximumSearch).orThrow()
        guard !TextFolding.fold(q).isEmpty else {
            throw AppError.invalid("q", "required", id: "Parameter q wajib diisi.", en: "Parameter q is required.")
        }
        var within: RegionCode?
        if let raw = query.get("within"), !raw.isEmpty {
            guard let code = RegionCode(raw) else {
                throw AppError.invalid("within", "within.invalid", id: "Kode wilayah within tidak sah.", en: "within is not a region code.")
            }
            within = code
        }
        return JSON.revalidated(Found(items: try await regions.search(q, within: within).map(Self.child)), request: request, lastModified: nil)
    }
}
