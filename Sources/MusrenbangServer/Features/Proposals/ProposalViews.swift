import Foundation
import MusrenbangCore
import MusrenbangStore

/// The public shape of a proposal in the API: never the proposer's personal data, only their
/// name when they allowed it, else "Warga Desa X".
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

    let id: ProposalID
    let villageCode: RegionCode
    let districtCode: RegionCode
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
    /// The dictionary item the proposal follows and its unit price when proposed; nil for a free proposal.
    let catalogItemId: String?
    let unitPrice: Int64?
    struct Verification: Encodable {
        let status: String
        let reason: String?
        /// `2027-02-05`.
        let surveyedOn: String?
        let notes: String?
        let lat: Double?
        let lng: Double?
    }

    /// The latest field verification; `status` is `notSurveyed` until an agency records one.
    let verification: Verification
    let fundingSource: String
    let beneficiaries: Beneficiaries
    let sdg: Int?
    let source: String
    let groupKind: String?
    let groupName: String?
    /// The thematic musrenbang it belongs to (`women`, `children`, `disability`, `youth`); null for the general one.
    let theme: String?
    let proposer: String
    let level: String
    let status: String
    let agencyCode: String?
    let current: Current
    let mergedInto: ProposalID?
    let progress: Int
    let supportCount: Int
    let score: Double?
    let priority: Int?
    let createdAt: Date
    let updatedAt: Date
    var history: [History]?
    var photos: [String]?

    init(_ record: ProposalRecord, proposer: String, history: [History]? = nil, photos: [String]? = nil) {
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
        catalogItemId = draft.catalog?.itemId
        unitPrice = draft.catalog?.unitPrice
        let found = record.verification
        verification = Verification(status: found.status.rawValue, reason: found.reason, surveyedOn: found.surveyedOn?.description,
                                    notes: found.notes, lat: found.lat, lng: found.lng)
        fundingSource = draft.fundingSource.rawValue
        beneficiaries = draft.beneficiaries
        sdg = draft.sdg
        source = draft.source.rawValue
        groupKind = draft.groupKind?.rawValue
        groupName = draft.groupName
        theme = record.theme?.rawValue
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
        self.history = history
        self.photos = photos
    }
}

extension ProposalService {
    /// `created`: the history a new proposal was stored with (it has no photos yet), so neither is read.
    func view(_ record: ProposalRecord, detailed: Bool, locale: LocalizedText.Locale,
              created: [HistoryEntry]? = nil) async throws -> ProposalView {
        let proposer = try await proposerLabel(record).text(locale)
        guard detailed else { return ProposalView(record, proposer: proposer) }
        let entries: [HistoryEntry]
        if let created { entries = created } else { entries = try await history(record.id) }
        let history = entries.map { entry in
            ProposalView.History(event: entry.event.rawValue, level: entry.level?.rawValue, outcome: entry.outcome?.rawValue,
                                 reason: entry.reason, changes: entry.changes, actorRole: entry.actorRole?.rawValue, at: entry.createdAt,
                                 text: Timeline.sentence(entry).text(locale))
        }
        return ProposalView(record, proposer: proposer, history: history, photos: created == nil ? try await photoLinks(record.id) : [])
    }
}

/// Proposal facts in plain words, for timelines, printed sheets and notices, in both languages.
enum Timeline {
    /// The whole line citizens read: "Ditolak di Musrenbang Kecamatan — 5 Feb 2026 — alasan: …".
    static func sentence(_ entry: HistoryEntry) -> LocalizedText {
        let what = what(entry), date = Format.date(entry.createdAt)
        let legacyMerge = entry.event == .mergedIn && entry.changes?["from"] == nil
        guard let reason = entry.reason, !reason.isEmpty, !legacyMerge else { return .init(id: "\(what.id) — \(date.id)", en: "\(what.en) — \(date.en)") }
        let label = entry.event == .realisation ? LocalizedText(id: "", en: "") : .init(id: "alasan: ", en: "reason: ")
        return .init(id: "\(what.id) — \(date.id) — \(label.id)\(reason)", en: "\(what.en) — \(date.en) — \(label.en)\(reason)")
    }

    /// What happened, without when or why (a printed timeline sets those apart).
    static func what(_ entry: HistoryEntry) -> LocalizedText {
        switch entry.event {
        case .submitted:
            let forum = entry.level.map(Names.forum) ?? .init(id: "musrenbang", en: "assembly")
            return .init(id: "Diajukan di \(forum.id)", en: "Submitted to the \(forum.en)")
        case .decision:
            let outcome = entry.outcome.map(Names.outcome) ?? .init(id: "Diputuskan", en: "Decided")
            let forum = entry.level.map(Names.forum) ?? .init(id: "musrenbang", en: "assembly")
            var id = "\(outcome.id) di \(forum.id)"
            var en = "\(outcome.en) at the \(forum.en)"
            if let next = entry.changes?["nextLevel"].flatMap(DecisionLevel.init(rawValue:)), entry.outcome != .rejected {
                id += " (lanjut ke \(Names.forum(next).id))"
                en += " (on to the \(Names.forum(next).en))"
            }
            if let agency = entry.changes?["agencyCode"] {
                id += ", perangkat daerah: \(Names.agency(agency).id)"
                en += ", agency: \(Names.agency(agency).en)"
            }
            if entry.changes?["source"] == "SIPD" {
                id += " (keputusan SIPD)"
                en += " (SIPD's decision)"
            }
            return .init(id: id, en: en)
        case .budgeted:
            let line = entry.changes?["budgetLine"] ?? ""
            let amount = entry.changes?["amount"].flatMap { Int64($0) }.map(Format.rupiah) ?? ""
            return .init(id: "Masuk anggaran (SIPD): kode rekening \(line), pagu \(amount)",
                         en: "Budgeted (SIPD): budget line \(line), amount \(amount)")
        case .priority:
            let priority = entry.changes?["priority"] ?? "?"
            return .init(id: "Urutan prioritas desa diubah menjadi \(priority)", en: "Village priority changed to \(priority)")
        case .realisation:
            let progress = entry.changes?["progress"] ?? "?"
            let line = entry.changes?["budgetLine"] ?? ""
            return .init(id: "Realisasi \(progress) % (\(line))", en: "Realisation \(progress) % (\(line))")
        case .verified:
            let status = Names.verification(entry.changes?["status"].flatMap(VerificationStatus.init(rawValue:)) ?? .notSurveyed)
            let day = entry.changes?["surveyedOn"].map { " \($0)" } ?? ""
            return .init(id: "Verifikasi lapangan\(day): \(status.id)", en: "Field verification\(day): \(status.en)")
        case .themed:
            guard let theme = entry.changes?["theme"].flatMap(AssemblyTheme.init(rawValue:)) else {
                return .init(id: "Tanda tema dihapus: usulan musrenbang umum", en: "Theme tag cleared: a general proposal")
            }
            let name = Names.theme(theme)
            return .init(id: "Ditandai sebagai usulan musrenbang tematik \(name.id.lowercased())",
                         en: "Tagged as a proposal of the thematic musrenbang: \(name.en.lowercased())")
        case .agencyAssigned:
            let agency = Names.agency(entry.changes?["agencyCode"] ?? "")
            return .init(id: "Ditugaskan ke \(agency.id)", en: "Assigned to the \(agency.en)")
        case .mergedIn:
            // Before version 5 the sentence itself was stored as the reason.
            guard let from = entry.changes?["from"], let title = entry.changes?["title"] else {
                return .init(id: entry.reason ?? "Usulan lain digabungkan ke usulan ini", en: entry.reason ?? "Another proposal was merged into this one")
            }
            return .init(id: "Usulan #\(from) \"\(title)\" digabungkan ke usulan ini",
                         en: "Proposal #\(from) \"\(title)\" was merged into this one")
        }
    }

    /// A notice to the proposer and supporters, in the reader's language.
    static func notice(_ notice: ProposalNotice) -> LocalizedText {
        switch notice.kind {
        case .decision:
            let outcome = notice.outcome.map(Names.outcome) ?? .init(id: "Diputuskan", en: "Decided")
            let forum = notice.level.map(Names.forum) ?? .init(id: "musrenbang", en: "assembly")
            return .init(id: "Usulan \"\(notice.proposalTitle)\": \(outcome.id) di \(forum.id)\(notice.reason.map { " — alasan: \($0)" } ?? "")",
                         en: "Proposal \"\(notice.proposalTitle)\": \(outcome.en) at the \(forum.en)\(notice.reason.map { " — reason: \($0)" } ?? "")")
        case .budgeted:
            let line = notice.budgetLine ?? ""
            let amount = notice.amount.map(Format.rupiah) ?? ""
            return .init(id: "Usulan \"\(notice.proposalTitle)\": masuk anggaran (SIPD), kode rekening \(line), pagu \(amount)",
                         en: "Proposal \"\(notice.proposalTitle)\": budgeted (SIPD), budget line \(line), amount \(amount)")
        case .realisation:
            let progress = notice.progress ?? 0
            let line = notice.budgetLine ?? ""
            return .init(id: "Usulan \"\(notice.proposalTitle)\": realisasi \(progress) % (\(line))",
                         en: "Proposal \"\(notice.proposalTitle)\": realisation \(progress) % (\(line))")
        }
    }
}
