import Foundation
import MusrenbangCore
import MusrenbangStore
import NIOPosix

/// Closing a village station: the operator's scan and figures, the kecamatan's review, and the
/// control room's view of every station. Shared by `CloseOutAPI` and `CloseOutPages` (and the
/// console and control room pages, which show what `capabilities` says).
struct CloseOutService: Sendable {
    let services: AppServices
    var store: CloseOutStore { CloseOutStore(services.database, dataDirectory: services.configuration.dataDirectory) }
    var assemblies: AssemblyService { AssemblyService(services: services) }

    /// The station, loaded once with its assembly, and the person allowed to take `action` there.
    func station(_ id: AssemblyID, _ village: String?, for action: Action, by user: UserRecord?) async throws -> AssemblyService.Session {
        try await assemblies.session(id, village, for: action, by: user)
    }

    func closeOut(_ scope: AssemblyService.Session) async throws -> CloseOutRecord {
        try await store.closeOut(scope.id, village: scope.village)
    }

    /// What the person may do with this station's close-out now, by the checks the use cases make.
    struct Capabilities: Sendable {
        let handIn: Bool
        let review: Bool
        let readScan: Bool
    }

    func capabilities(_ scope: AssemblyService.Session, _ record: CloseOutRecord) -> Capabilities {
        Capabilities(
            handIn: Access.allows(scope.user, .runSession, in: scope.village)
                && CloseOutRules.mayHandIn(stage: scope.session.stage, state: record.state) == nil,
            review: Access.allows(scope.user, .validateCloseOut, in: scope.village) && CloseOutRules.mayReview(state: record.state) == nil,
            readScan: record.scan != nil && Access.allows(scope.user, .readCloseOut, in: scope.village))
    }

    // MARK: the operator

    /// Before the body is read: a declared size over the limit (413), a station that cannot take a scan now (409).
    func admitScan(_ scope: AssemblyService.Session, size: Int?) async throws {
        if let size, size > ScanKind.maximumBytes { throw Self.scanTooLarge }
        let record = try await closeOut(scope)
        if let refusal = CloseOutRules.mayHandIn(stage: scope.session.stage, state: record.state) { throw Self.conflict(refusal) }
    }

    func uploadScan(_ scope: AssemblyService.Session, bytes: [UInt8]) async throws -> CloseOutRecord {
        let record = try await translate { try await store.storeScan(scope.id, village: scope.village, bytes: bytes, by: scope.user.id) }
        await services.live.poke(scope.id)
        return record
    }

    /// The figures written on the paper; JSON numbers or typed form fields, each may be missing.
    struct Figures: Codable, Sendable {
        var men: Int?
        var women: Int?
        var total: Int?
    }

    func submit(_ scope: AssemblyService.Session, _ figures: Figures) async throws -> CloseOutRecord {
        var refusals = Refusals()
        for (field, value, label) in [("men", figures.men, LocalizedText(id: "Laki-laki", en: "Men")),
                                      ("women", figures.women, LocalizedText(id: "Perempuan", en: "Women")),
                                      ("total", figures.total, LocalizedText(id: "Jumlah", en: "Total"))] where value == nil {
            refusals.all.append(.required(field, label: label))
        }
        try refusals.throwIfAny()
        guard let men = figures.men, let women = figures.women, let total = figures.total else { throw Refusals.inconsistent }
        let paper = HeadCount(men: men, women: women, total: total)
        refusals.check(CloseOutRules.validate(paper))
        try refusals.throwIfAny()
        let record = try await translate { try await store.submit(scope.id, village: scope.village, paper: paper, by: scope.user.id) }
        await services.live.poke(scope.id)
        return record
    }

    // MARK: the kecamatan

    func validate(_ scope: AssemblyService.Session) async throws -> CloseOutRecord {
        let record = try await translate { try await store.review(scope.id, village: scope.village, .validate, by: scope.user.id) }
        await services.live.poke(scope.id)
        return record
    }

    func recordIncident(_ scope: AssemblyService.Session, reason: String?) async throws -> CloseOutRecord {
        let text = try CloseOutRules.incidentReason(reason).mapError(AppError.init).get()
        let record = try await translate { try await store.review(scope.id, village: scope.village, .incident(reason: text), by: scope.user.id) }
        await services.live.poke(scope.id)
        return record
    }

    // MARK: the scan

    /// The scan's bytes, for those allowed to read this station's close-out (never the public).
    func scan(_ scope: AssemblyService.Session) async throws -> (data: Data, kind: ScanKind) {
        guard let scan = try await closeOut(scope).scan else { throw Self.noScan }
        let url = store.file(scan)
        guard let data = try? await NIOThreadPool.singleton.runIfActive({ try Data(contentsOf: url) }) else { throw Self.noScan }
        return (data, scan.kind)
    }

    static func scanURL(_ id: AssemblyID, _ village: RegionCode) -> String {
        "/api/v1/assemblies/\(id)/villages/\(village)/close-out/scan"
    }

    // MARK: the control room

    struct Overview: Sendable, Encodable {
        struct Counts: Sendable, Encodable {
            /// Sessions closed; of them, nothing handed in yet, waiting for review, validated,
            /// incidents; and flagged (the paper disagreed with the check-ins, whatever followed).
            var closed = 0, pending = 0, submitted = 0, validated = 0, incident = 0, flagged = 0
        }
        struct Station: Sendable, Encodable {
            let villageCode: RegionCode
            let stage: AssemblyStage
            let state: CloseOutState?
            let flagged: Bool
        }
        var counts = Counts()
        var stations: [Station] = []
    }

    /// Every station's close-out state; a session not yet closed has none.
    func overview(_ id: AssemblyID, by user: UserRecord?) async throws -> Overview {
        let (assembly, _) = try await assemblies.hub(id, for: .monitorStations, by: user)
        return try await overview(assembly)
    }

    func overview(_ assembly: AssemblyRecord) async throws -> Overview {
        let stored = Dictionary(uniqueKeysWithValues: try await store.closeOuts(assembly.id).map { ($0.villageCode, $0) })
        var overview = Overview()
        for session in try await AssemblyStore(services.database).sessions(assembly.id) {
            let record = stored[session.villageCode]
            let state = session.stage == .closed ? record?.state ?? .pending : nil
            if let state {
                overview.counts.closed += 1
                switch state {
                case .pending: overview.counts.pending += 1
                case .submitted: overview.counts.submitted += 1
                case .validated: overview.counts.validated += 1
                case .incident: overview.counts.incident += 1
                }
            }
            let flagged = record?.mismatch == true && record?.state != .pending
            if flagged { overview.counts.flagged += 1 }
            overview.stations.append(.init(villageCode: session.villageCode, stage: session.stage, state: state, flagged: flagged))
        }
        return overview
    }

    // MARK: refusals

    func translate<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch CloseOutStore.CloseOutError.notFound {
            throw AssemblyService.sessionNotFound
        } catch CloseOutStore.CloseOutError.refused(let refusal) {
            throw Self.conflict(refusal)
        } catch CloseOutStore.CloseOutError.notAScan {
            throw AppError.invalid("scan", "scan.type", id: "Berkas bukan foto (JPEG, PNG, WebP) atau PDF.",
                                   en: "The file is not a photo (JPEG, PNG, WebP) or a PDF.")
        } catch CloseOutStore.CloseOutError.tooLarge {
            throw Self.scanTooLarge
        } catch CloseOutStore.CloseOutError.cleaning(let failure) {
            var error = AppError(.serviceUnavailable, code: "scan.unavailable",
                                 message: .init(id: "Pindaian tidak dapat diproses saat ini. Coba lagi sebentar lagi.",
                                                en: "Scans cannot be processed right now. Try again shortly."), field: "scan")
            if failure != .missing { error.headers[.retryAfter] = "10" }
            throw error
        }
    }

    static func conflict(_ refusal: CloseOutRefusal) -> AppError {
        AppError(.conflict, code: refusal.code, message: refusal.message)
    }

    static let scanTooLarge = AppError(.contentTooLarge, code: "scan.tooLarge",
                                       message: .init(id: "Pindaian melebihi 10 MB.", en: "The scan exceeds 10 MB."), field: "scan")
    static let noScan = AppError.notFound(.init(id: "Belum ada pindaian berita acara.", en: "No scan of the minutes yet."))
}
