import Foundation
import MusrenbangCore
import MusrenbangStore

/// The public shape of a proposal: never the proposer's personal data, only their name when
/// they allowed it, else "Warga Desa X".
struct ProposalView: Encodable {
    struct Current: Encodable {
        let volume: Double
        let estimatedCost: Int64
    }

    struct History: Encodable {
        let event: String
        let level: String?
        let outcome: String?
        let reason: String?
        let changes: [String: String]?
        let actorRole: String?
        let at: Date
        /// The line citizens read: "Ditolak di Musrenbang Kecamatan — 5 Feb 2026 — alasan: …".
        let text: String
    }

    let id: Int64
    let villageCode: String
    let districtCode: String
    let year: Int
    let title: String
    let problem: String
    let activity: String
    let fieldCode: String
    let subfieldCode: String
    let kind: String
    let location: ProposalLocation
    let volume: Double
    let unit: String
    let estimatedCost: Int64
    let fundingSource: String
    let beneficiaries: Beneficiaries
    let sdg: Int?
    let source: String
    let groupKind: String?
    let groupName: String?
    let proposer: String
    let level: String
    let status: String
    let agencyCode: String?
    let current: Current
    let mergedInto: Int64?
    let progress: Int
    let supportCount: Int
    let score: Double?
    let priority: Int?
    let createdAt: Date
    let updatedAt: Date
    var history: [History]?
    var photos: [String]?

    init(_ record: ProposalRecord, proposer: String, history: [HistoryEntry]? = nil, photos: [String]? = nil) {
        let draft = record.draft
        id = record.id
        villageCode = draft.villageCode
        districtCode = record.districtCode
        year = draft.year
        title = draft.title
        problem = draft.problem
        activity = draft.activity
        fieldCode = draft.fieldCode
        subfieldCode = draft.subfieldCode
        kind = draft.kind.rawValue
        location = draft.location
        volume = draft.volume
        unit = draft.unit
        estimatedCost = draft.estimatedCost
        fundingSource = draft.fundingSource.rawValue
        beneficiaries = draft.beneficiaries
        sdg = draft.sdg
        source = draft.source.rawValue
        groupKind = draft.groupKind?.rawValue
        groupName = draft.groupName
        self.proposer = proposer
        level = record.state.level.rawValue
        status = record.state.status.rawValue
        agencyCode = record.state.agencyCode
        current = Current(volume: record.state.volume, estimatedCost: record.state.estimatedCost)
        mergedInto = record.state.mergedInto
        progress = record.state.progress
        supportCount = record.supportCount
        score = record.score
        priority = record.priority
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        self.history = history?.map { entry in
            History(event: entry.event.rawValue, level: entry.level?.rawValue, outcome: entry.outcome?.rawValue,
                    reason: entry.reason, changes: entry.changes, actorRole: entry.actorRole?.rawValue, at: entry.createdAt,
                    text: Timeline.sentence(entry))
        }
        self.photos = photos
    }
}

/// Proposal facts in plain Indonesian, for timelines and notices.
enum Timeline {
    static func sentence(_ entry: HistoryEntry) -> String {
        let date = WIB.date(entry.createdAt)
        let reason = entry.reason.map { " — alasan: \($0)" } ?? ""
        switch entry.event {
        case .submitted:
            return "Diajukan di \(entry.level?.forumName ?? "musrenbang") — \(date)"
        case .decision:
            let outcome = entry.outcome?.indonesianName ?? "Diputuskan"
            var text = "\(outcome) di \(entry.level?.forumName ?? "musrenbang") — \(date)\(reason)"
            if let next = entry.changes?["nextLevel"].flatMap(DecisionLevel.init(rawValue:)), entry.outcome != .rejected {
                text += " (lanjut ke \(next.forumName))"
            }
            if let agency = entry.changes?["agencyCode"] {
                text += " — perangkat daerah: \(Agencies.name(agency) ?? agency)"
            }
            return text
        case .priority:
            return "Urutan prioritas desa diubah menjadi \(entry.changes?["priority"] ?? "?") — \(date)\(reason)"
        case .realisation:
            return "Realisasi \(entry.changes?["progress"] ?? "?") % (\(entry.changes?["budgetLine"] ?? "")) — \(date)\(entry.reason.map { " — \($0)" } ?? "")"
        case .agencyAssigned:
            let agency = entry.changes?["agencyCode"] ?? ""
            return "Ditugaskan ke \(Agencies.name(agency) ?? agency) — \(date)"
        case .mergedIn:
            return "\(entry.reason ?? "Usulan lain digabungkan ke usulan ini") — \(date)"
        }
    }

    static func rupiah(_ amount: Int64) -> String {
        let digits = String(amount.magnitude)
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(".") }
            grouped.append(character)
        }
        return (amount < 0 ? "-Rp " : "Rp ") + grouped
    }

    static func statusName(_ state: ProposalState) -> String {
        switch state.status {
        case .pending: "Dibahas di \(state.level.forumName)"
        case .accepted: state.level == .village ? "Diterima dalam RKPDes" : "Diterima dalam RKPD"
        case .rejected: "Ditolak di \(state.level.forumName)"
        case .merged: "Digabungkan"
        case .inProgress: "Sedang dikerjakan (\(state.progress) %)"
        case .completed: "Selesai dikerjakan"
        }
    }
}

extension ProposalService {
    /// "Siti Aminah" when she allowed it, else "Warga Desa Bubuk"; groups, BPD, pokir by their label.
    func proposerLabel(_ record: ProposalRecord) async throws -> String {
        let villageName = services.placeNames[record.draft.villageCode] ?? record.draft.villageCode
        switch record.draft.source {
        case .group:
            return [record.draft.groupKind?.indonesianName, record.draft.groupName].compactMap { $0 }.joined(separator: " ")
                + " Desa \(villageName)"
        case .bpd: return "BPD Desa \(villageName)"
        case .council: return "Pokir DPRD"
        case .agency: return "Perangkat daerah"
        case .citizen, .onBehalf:
            if record.draft.showProposerName, let id = record.proposerId, let person = try await services.accounts.user(id: id) {
                return person.name
            }
            return "Warga Desa \(villageName)"
        }
    }

    /// How a comment's author appears in public: staff by name and office, citizens only as
    /// residents of their village (their names are personal data).
    func authorLabel(_ comment: CommentRecord) -> String {
        let place = comment.authorRegion.flatMap { services.placeNames[$0] }
        switch comment.authorRole {
        case .citizen: return "Warga Desa \(place ?? "")"
        default: return "\(comment.authorName) (\(comment.authorRole.indonesianName))"
        }
    }

    func view(_ record: ProposalRecord, detailed: Bool) async throws -> ProposalView {
        guard detailed else { return ProposalView(record, proposer: try await proposerLabel(record)) }
        let history = try await proposals.history(record.id)
        let photos = try await PhotoStore(services.database, dataDirectory: services.configuration.dataDirectory)
            .photos(of: record.id).map { "/foto/\($0.hash)" }
        return ProposalView(record, proposer: try await proposerLabel(record), history: history, photos: photos)
    }
}
