import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/assemblies/{id}/villages/{code}/close-out*` and `/api/v1/assemblies/{id}/close-outs`.
struct CloseOutAPI {
    let closeOuts: CloseOutService

    struct View: Encodable {
        struct Scan: Encodable { let url: String; let kind: ScanKind; let contentType: String; let bytes: Int; let uploadedAt: Date }
        struct Difference: Encodable { let total: Int; let men: Int; let women: Int }
        let villageCode: RegionCode
        let state: CloseOutState
        let scan: Scan?
        let paper: HeadCount?
        let recorded: HeadCount?
        /// `matches` or `mismatch`, once figures were submitted.
        let comparison: String?
        /// The paper minus the check-ins, when they disagree.
        let difference: Difference?
        let flagged: Bool
        let submittedAt: Date?
        let reviewedAt: Date?
        let reason: String?

        init(_ id: AssemblyID, _ record: CloseOutRecord) {
            villageCode = record.villageCode
            state = record.state
            scan = record.scan.map {
                Scan(url: CloseOutService.scanURL(id, record.villageCode), kind: $0.kind, contentType: $0.kind.contentType, bytes: $0.bytes,
                     uploadedAt: $0.uploadedAt)
            }
            paper = record.paper
            recorded = record.recorded
            switch record.comparison {
            case nil: (comparison, difference) = (nil, nil)
            case .matches?: (comparison, difference) = ("matches", nil)
            case .mismatch(let total, let men, let women)?: (comparison, difference) = ("mismatch", Difference(total: total, men: men, women: women))
            }
            flagged = record.mismatch && record.state != .pending
            submittedAt = record.submittedAt
            reviewedAt = record.reviewedAt
            reason = record.reason
        }
    }

    func register(on api: RouterGroup<AppContext>) {
        api.get("assemblies/:id/close-outs", use: overview)
        api.get("assemblies/:id/villages/:code/close-out", use: read)
        api.post("assemblies/:id/villages/:code/close-out", use: submit)
        api.post("assemblies/:id/villages/:code/close-out/scan", use: uploadScan)
        api.get("assemblies/:id/villages/:code/close-out/scan", use: scan)
        api.post("assemblies/:id/villages/:code/close-out/validation", use: validate)
        api.post("assemblies/:id/villages/:code/close-out/incident", use: incident)
    }

    func station(_ context: AppContext, for action: Action) async throws -> AssemblyService.Session {
        try await closeOuts.station(try context.id("id", as: AssemblyID.self), context.parameters.get("code"), for: action, by: context.user)
    }

    @Sendable func overview(_ request: Request, context: AppContext) async throws -> Response {
        JSON.response(try await closeOuts.overview(try context.id("id", as: AssemblyID.self), by: context.user))
    }

    @Sendable func read(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await station(context, for: .readCloseOut)
        return JSON.response(View(scope.id, try await closeOuts.closeOut(scope)))
    }

    /// The raw scan as the body, checked by content. Who asks, the station and a declared size
    /// are checked before the body is read.
    @Sendable func uploadScan(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await station(context, for: .runSession)
        try await closeOuts.admitScan(scope, size: request.headers[.contentLength].flatMap { Int($0) })
        let bytes: [UInt8]
        do {
            bytes = Array(try await request.body.collect(upTo: ScanKind.maximumBytes).readableBytesView)
        } catch {
            throw CloseOutService.scanTooLarge
        }
        return JSON.response(View(scope.id, try await closeOuts.uploadScan(scope, bytes: bytes)), status: .created)
    }

    @Sendable func submit(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await station(context, for: .runSession)
        let figures = try await JSON.decode(CloseOutService.Figures.self, from: request, context: context)
        return JSON.response(View(scope.id, try await closeOuts.submit(scope, figures)))
    }

    @Sendable func scan(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await station(context, for: .readCloseOut)
        let scan = try await closeOuts.scan(scope)
        let name = "berita-acara-\(scope.village.description.replacingOccurrences(of: ".", with: ""))-\(scope.id).\(scan.kind == .jpeg ? "jpg" : scan.kind.rawValue)"
        // Personal (it names and shows people): never cached by anything shared.
        return Response(status: .ok, headers: [.contentType: scan.kind.contentType, .cacheControl: "private, no-store",
                                               .contentDisposition: "inline; filename=\"\(name)\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: scan.data)))
    }

    @Sendable func validate(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await station(context, for: .validateCloseOut)
        return JSON.response(View(scope.id, try await closeOuts.validate(scope)))
    }

    @Sendable func incident(_ request: Request, context: AppContext) async throws -> Response {
        struct Body: Decodable { let reason: String? }
        let scope = try await station(context, for: .validateCloseOut)
        let body = try await JSON.decode(Body.self, from: request, context: context)
        return JSON.response(View(scope.id, try await closeOuts.recordIncident(scope, reason: body.reason)))
    }
}
