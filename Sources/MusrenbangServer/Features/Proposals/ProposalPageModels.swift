import MusrenbangCore
import MusrenbangDocuments

/// What the proposal templates show, typed: each page's model is built by `ProposalPages` from
/// what the use cases return, already in the reader's language.

struct ProposalRow: Sendable {
    let id: Int64
    let title: String
    let village: String
    let year: Int
    let status: String
    let statusClass: String
    let supportCount: Int
    let cost: String
    let score: String
    let isPokir: Bool
    let field: String
    /// The priority number, on a ranking.
    let rank: Int?
    /// "Verifikasi lapangan: Tidak layak — jalan sudah dibangun provinsi", where verification matters.
    let verification: String?
    /// "Tematik: Perempuan" on a thematic musrenbang's proposal; `themeValue` its API name.
    let theme: String?
    let themeValue: String?
}

/// Beneficiaries as every page prints them (the `beneficiaries` partial): L / P / RTM / difabel.
struct BeneficiaryFigures: Sendable {
    let total: String
    let men: String
    let women: String
    let poor: String
    let disabled: String

    init(_ counted: Beneficiaries) {
        total = Numbers.grouped(counted.total)
        men = Numbers.grouped(counted.men)
        women = Numbers.grouped(min(counted.women, counted.total))
        poor = Numbers.grouped(counted.poor)
        disabled = Numbers.grouped(counted.disabled)
    }
}

struct ProposalListPage: Sendable {
    let items: [ProposalRow]
    let total: Int
    let page: Int
    let pageCount: Int
    let previous: String?
    let next: String?
    let q: String
    let year: String
    let districts: [Choice]
    let fields: [Choice]
    let statuses: [Choice]
    let themes: [Choice]
}

struct MyProposalsPage: Sendable {
    struct NoticeLine: Sendable { let message: String; let date: String; let unread: Bool; let link: String? }
    let items: [ProposalRow]
    let notices: [NoticeLine]
}

struct NewProposalPage: Sendable {
    struct FieldGroup: Sendable { let name: String; let subfields: [Choice] }
    let year: String
    let villageCode: String
    let villageName: String
    let fixedVillage: Bool
    let villages: [VillageChoice.Group]
    let fields: [FieldGroup]
    let fundingSources: [Choice]
    let chooseSource: Bool
    let sources: [Choice]
    let groupKinds: [Choice]
    let physical: Bool
    let idempotencyKey: String
}

struct ProposalPage: Sendable {
    struct Comment: Sendable {
        let id: Int64
        let author: String
        let body: String
        let date: String
        let hidden: Bool
        let hiddenReason: String
        var replies: [Comment]
    }
    struct Criterion: Sendable { let key: String; let name: String; let weight: String; let options: [Choice] }

    let proposalId: Int64
    let title: String
    let problem: String
    let activity: String
    let villageCode: String
    let village: String
    let districtCode: String
    let district: String
    let year: Int
    let field: String
    let subfield: String
    let kind: String
    let location: String?
    let coordinates: String?
    let volume: String
    let unit: String
    let cost: String
    let changed: Bool
    let originalVolume: String
    let originalCost: String
    /// "Sesuai kamus 1.2.3 · Rp 150.000 per m" or "Usulan langsung (harga diverifikasi perangkat daerah)".
    let costBasis: String
    let funding: String
    let sdg: Int?
    let beneficiaries: BeneficiaryFigures
    /// "Tematik: Perempuan"; nil for a general proposal.
    let theme: String?
    let themes: [Choice]
    let proposer: String
    let isPokir: Bool
    let status: String
    let statusClass: String
    let supportCount: Int
    let priority: Int?
    let score: String?
    let agency: String?
    let mergedInto: Int64?
    let progress: Int
    let timeline: [String]
    let photos: [String]
    let verification: Verification
    struct Verification: Sendable {
        let status: String
        let statusClass: String
        let surveyedOn: String?
        let reason: String?
        let notes: String?
        let coordinates: String?
        /// Shown once there is something to say, or where an agency may verify.
        let shown: Bool
        let statuses: [Choice]
        let today: String
    }
    /// What the visitor may do here, from the use case.
    let may: ProposalService.Capabilities
    let loggedIn: Bool
    let comments: [Comment]
    let forum: String
    let isVillageLevel: Bool
    let isDistrictLevel: Bool
    let outcomes: [Choice]
    let agencies: [Choice]
    let criteria: [Criterion]
    let planYear: Int
    let documentLinks: [DocumentLink]
    let pdfMissing: Bool
}

struct RankingPage: Sendable {
    let villageCode: String
    let villageName: String
    let year: Int
    let items: [ProposalRow]
    let canRank: Bool
    let fixed: Bool
}

struct DistrictPage: Sendable {
    let districtCode: String
    let districtName: String
    let year: Int
    let items: [ProposalRow]
    let ceiling: String
    let committed: String
    let remaining: String
    let overCeiling: Bool
    let canSetCeiling: Bool
    let documentLinks: [DocumentLink]
}
