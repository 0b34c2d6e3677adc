import Foundation
import MusrenbangCore
import MusrenbangDocuments
import MusrenbangStore

/// The bridge to SIPD: the proposals the regency still plans with, and the council's pokir, in
/// SIPD's columns (public, like every other regency list: no personal data); and SIPD's decisions
/// read back, each row reconciled with the proposal as it stands and applied on its own (all of
/// the row or nothing of it). One service for the API, the page and `musrenbang sipd`.
public struct SipdService: Sendable {
    let services: AppServices
    var store: SipdStore { SipdStore(services.database) }
    var places: Places { services.places }

    public init(services: AppServices) {
        self.services = services
    }

    // MARK: export

    /// `sipd-usulan-<year>`: the year's proposals at the agency and regency forums (pokir included),
    /// one row each, streamed.
    func export(year: Int, format: DocumentFormat) async throws -> DocumentService.Document {
        let year = try DocumentService.year(year)
        let documents = DocumentService(services: services)
        let columns = SipdBridge.exportHeader.map { SpreadsheetColumn(title: $0) }
        let places = self.places
        return try await documents.streamingSpreadsheet(format, name: DownloadName(["SIPD-usulan", places.regency.name, "\(year)"],
                                                                                   extension: format.rawValue),
                                                        title: "Usulan untuk SIPD \(places.regency.name) \(year)", sheet: "usulan",
                                                        columns: columns) { sink in
            try await store.exported(year: year) { batch in
                for exported in batch where SipdBridge.isExported(exported.proposal.state) {
                    // Every value as text: ids and codes keep their exact digits through Excel.
                    try sink.append(SipdBridge.record(Self.line(exported, places: places)).map { $0.isEmpty ? .empty : .text($0) },
                                    style: .normal)
                }
            }
        }
    }

    static func line(_ exported: SipdStore.Exported, places: Places) -> SipdBridge.ExportLine {
        let record = exported.proposal
        let draft = record.draft
        let agency = record.state.agencyCode ?? draft.responsibleAgency
        return SipdBridge.ExportLine(
            proposalId: record.id, year: draft.year, source: draft.source, catalogItemId: draft.catalog?.itemId, activity: draft.activity,
            title: draft.title, agencyCode: agency, agencyName: Agencies.name(agency) ?? "", villageCode: draft.villageCode,
            villageName: places.name(draft.villageCode), districtName: places.name(record.districtCode), state: record.state,
            unit: draft.unit, unitPrice: draft.catalog?.unitPrice, forumReason: exported.forumReason, budget: exported.budget)
    }

    // MARK: import

    /// What a decision file did: every row counted once, as matched (applied now, or already so),
    /// unmatched (no such proposal) or conflicting (nothing of it applied), with each row that was
    /// not matched and why. `refusal` is set when the file could not be read at all (no header).
    public struct Report: Sendable {
        public struct Row: Sendable {
            public let line: Int
            public let id: String
            public let kind: SipdBridge.RowProblem.Kind
            public let reasons: [LocalizedText]
        }
        public internal(set) var rows = 0
        public internal(set) var applied = 0
        public internal(set) var unchanged = 0
        public internal(set) var unmatched = 0
        public internal(set) var conflicting = 0
        public internal(set) var problems: [Row] = []
        public internal(set) var refusal: LocalizedText?

        public var matched: Int { applied + unchanged }
        /// Every row matched: nothing for a person to look at.
        public var isClean: Bool { refusal == nil && unmatched == 0 && conflicting == 0 }
    }

    /// Reads the file in pieces and applies each decision as its row completes, so the file is
    /// never held whole. A row is applied in one transaction; rows are independent of each other.
    public func importCSV(_ next: () async throws -> Data?, by principal: Principal) async throws -> Report {
        var reader = SipdBridge.Reader()
        var report = Report()
        func handle(_ rows: [SipdBridge.Row]) async throws {
            for row in rows {
                report.rows += 1
                switch row {
                case .problem(let problem):
                    note(problem.kind, line: problem.line, id: problem.id, problem.reasons)
                case .decision(let decision):
                    switch try await store.apply(decision, by: principal) {
                    case .matched(changed: true): report.applied += 1
                    case .matched(changed: false): report.unchanged += 1
                    case .unmatched:
                        note(.unmatched, line: decision.line, id: "\(decision.proposalId)",
                             [.init(id: "Tidak ada usulan nomor \(decision.proposalId).", en: "There is no proposal number \(decision.proposalId).")])
                    case .conflicting(let reason):
                        note(.conflicting, line: decision.line, id: "\(decision.proposalId)", [reason])
                    }
                }
            }
        }
        func note(_ kind: SipdBridge.RowProblem.Kind, line: Int, id: String, _ reasons: [LocalizedText]) {
            if kind == .unmatched { report.unmatched += 1 } else { report.conflicting += 1 }
            report.problems.append(.init(line: line, id: id, kind: kind, reasons: reasons))
        }
        while let chunk = try await next(), !chunk.isEmpty {
            try await handle(reader.feed(chunk))
            if let refusal = reader.headerRefusal {
                report.refusal = refusal
                return report
            }
        }
        try await handle(reader.finish())
        report.refusal = reader.headerRefusal
        return report
    }

    /// The planner's upload (the API; the SIPD page sends the file there), read as it arrives.
    func importUpload(_ next: () async throws -> Data?, by user: UserRecord?) async throws -> Report {
        let user = try Access.person(user, .exchangeSipd, in: places.regency.code)
        return try await importCSV(next, by: user.principal)
    }

    /// `musrenbang sipd import FILE --as USERNAME`: read in 64 KiB pieces, as that account (its
    /// permission checked as the page would, and named in each proposal's history).
    public func importFile(_ url: URL, as username: String) async throws -> Report {
        guard let user = try await services.accounts.user(username: username), !user.disabled else {
            throw CommandLineError("no active account \(username)")
        }
        guard Access.allows(user, .exchangeSipd, in: places.regency.code) else {
            throw CommandLineError("\(username) (\(user.role.rawValue)) may not apply SIPD's decisions in \(places.regency.name)")
        }
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        return try await importCSV({ try handle.read(upToCount: 64 * 1024) }, by: user.principal)
    }

    /// `musrenbang sipd export --year Y FILE`.
    public func exportFile(year: Int, to output: URL) async throws -> Int {
        let format: DocumentFormat = output.pathExtension.lowercased() == "xlsx" ? .xlsx : .csv
        let document = try await export(year: year, format: format)
        try? FileManager.default.removeItem(at: output)
        switch document.content {
        case .data(let data): try data.write(to: output)
        case .file(let url): try FileManager.default.moveItem(at: url, to: output)
        }
        return (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0
    }
}
