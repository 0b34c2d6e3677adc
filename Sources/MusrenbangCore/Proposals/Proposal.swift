public enum ProposalKind: String, Sendable, Codable, CaseIterable {
    case physical, nonPhysical
}

/// Where the money would come from. The first seven are the village's own budget (APBDes).
public enum FundingSource: String, Sendable, Codable, CaseIterable {
    case villageFund, villageAllocation, taxShare, ownRevenue, provincialAid, regencyAid, selfHelp
    case regencyBudget, provincialBudget, nationalBudget

    public var isVillageBudget: Bool {
        switch self {
        case .villageFund, .villageAllocation, .taxShare, .ownRevenue, .provincialAid, .regencyAid, .selfHelp: true
        case .regencyBudget, .provincialBudget, .nationalBudget: false
        }
    }

    public var indonesianName: String {
        switch self {
        case .villageFund: "Dana Desa (DD)"
        case .villageAllocation: "Alokasi Dana Desa (ADD)"
        case .taxShare: "Bagi hasil pajak dan retribusi"
        case .ownRevenue: "Pendapatan Asli Desa (PADes)"
        case .provincialAid: "Bantuan keuangan provinsi"
        case .regencyAid: "Bantuan keuangan kabupaten"
        case .selfHelp: "Swadaya masyarakat"
        case .regencyBudget: "APBD kabupaten"
        case .provincialBudget: "APBD provinsi"
        case .nationalBudget: "APBN"
        }
    }
}

/// Who a proposal comes from. Pokir (council) and agency proposals start at the agency stage.
public enum ProposalSource: String, Sendable, Codable, CaseIterable {
    /// A citizen, in person.
    case citizen
    /// Entered by an operator for a citizen without a phone.
    case onBehalf
    /// A group: RT, RW, dusun, PKK, youth, farmers…
    case group
    /// The village council (BPD).
    case bpd
    /// A DPRD member's constituency proposal (pokir).
    case council
    case agency

    public var startLevel: DecisionLevel {
        switch self {
        case .council, .agency: .agency
        default: .village
        }
    }

    public var indonesianName: String {
        switch self {
        case .citizen: "Warga"
        case .onBehalf: "Warga (dicatat operator)"
        case .group: "Kelompok"
        case .bpd: "BPD"
        case .council: "Pokir DPRD"
        case .agency: "Perangkat daerah"
        }
    }
}

public enum GroupKind: String, Sendable, Codable, CaseIterable {
    case rt, rw, hamlet, pkk, youth, farmers, women, disabled, religious, other

    public var indonesianName: String {
        switch self {
        case .rt: "RT"
        case .rw: "RW"
        case .hamlet: "Dusun"
        case .pkk: "PKK"
        case .youth: "Karang Taruna / pemuda"
        case .farmers: "Kelompok tani"
        case .women: "Kelompok perempuan"
        case .disabled: "Kelompok difabel"
        case .religious: "Kelompok keagamaan"
        case .other: "Kelompok lain"
        }
    }
}

public struct ProposalLocation: Sendable, Hashable, Codable {
    public var hamlet: String?
    public var rw: String?
    public var rt: String?
    public var lat: Double?
    public var lng: Double?

    public init(hamlet: String? = nil, rw: String? = nil, rt: String? = nil, lat: Double? = nil, lng: Double? = nil) {
        self.hamlet = hamlet
        self.rw = rw
        self.rt = rt
        self.lat = lat
        self.lng = lng
    }
}

public struct Beneficiaries: Sendable, Hashable, Codable {
    public var total: Int
    public var women: Int
    public var poor: Int
    public var disabled: Int

    public init(total: Int, women: Int = 0, poor: Int = 0, disabled: Int = 0) {
        self.total = total
        self.women = women
        self.poor = poor
        self.disabled = disabled
    }
}

/// A proposal as submitted, before any decision: every field the regulations ask for.
public struct ProposalDraft: Sendable, Hashable, Codable {
    public var villageCode: RegionCode
    public var year: Int
    public var title: String
    public var problem: String
    public var activity: String
    public var fieldCode: String
    public var subfieldCode: String
    public var kind: ProposalKind
    public var location: ProposalLocation
    public var volume: Double
    public var unit: String
    public var estimatedCost: Int64
    public var fundingSource: FundingSource
    public var beneficiaries: Beneficiaries
    public var sdg: Int?
    public var source: ProposalSource
    public var groupKind: GroupKind?
    public var groupName: String?
    /// Whether public pages may show the proposer's name; otherwise "Warga Desa X".
    public var showProposerName: Bool
    /// The dictionary item the proposal follows ("usulan sesuai kamus"); nil for a free proposal
    /// ("usulan langsung"), which the agency verifies before it is priced.
    public var catalog: CatalogChoice?

    public init(villageCode: RegionCode, year: Int, title: String, problem: String, activity: String, fieldCode: String,
                subfieldCode: String, kind: ProposalKind, location: ProposalLocation = .init(), volume: Double,
                unit: String, estimatedCost: Int64, fundingSource: FundingSource, beneficiaries: Beneficiaries,
                sdg: Int? = nil, source: ProposalSource = .citizen, groupKind: GroupKind? = nil, groupName: String? = nil,
                showProposerName: Bool = false, catalog: CatalogChoice? = nil) {
        self.villageCode = villageCode
        self.year = year
        self.title = title
        self.problem = problem
        self.activity = activity
        self.fieldCode = fieldCode
        self.subfieldCode = subfieldCode
        self.kind = kind
        self.location = location
        self.volume = volume
        self.unit = unit
        self.estimatedCost = estimatedCost
        self.fundingSource = fundingSource
        self.beneficiaries = beneficiaries
        self.sdg = sdg
        self.source = source
        self.groupKind = groupKind
        self.groupName = groupName
        self.showProposerName = showProposerName
        self.catalog = catalog
    }
}

extension ProposalDraft {
    /// The dictionary item's agency, or the sub-bidang's usual one for a free proposal.
    public var responsibleAgency: String { Fields.responsibleAgency(subfield: subfieldCode, catalogAgency: catalog?.agencyCode) }
}

/// The rules a proposal must meet at the boundary. Returns every refusal, each naming its field.
public enum ProposalRules {
    /// Indonesia's extent, with a margin: Sabang to Merauke, Miangas to Rote.
    public static let latitudes = -11.5...6.5
    public static let longitudes = 94.5...141.5
    /// Rp 1 trillion: the most a proposal (and a decision's changed cost) may be estimated at.
    public static let maximumCost: Int64 = 1_000_000_000_000
    /// More people than any regency has; also what the store's 32-bit columns hold with room to spare.
    public static let maximumBeneficiaries = 10_000_000

    public static func validate(_ draft: ProposalDraft, currentYear: Int) -> [ValidationError] {
        var errors: [ValidationError] = []
        func refuse(_ field: String, _ code: String, _ id: String, _ en: String) {
            errors.append(ValidationError(field: field, code: code, message: .init(id: id, en: en)))
        }
        // Text rules (TextRules): no control characters (line breaks only in the problem), blank or
        // invisible-only is missing, lengths in characters.
        func text(_ value: String?, _ field: String, _ label: LocalizedText, _ range: ClosedRange<Int>,
                  multiline: Bool = false, required: Bool = true) {
            if case .failure(let refusal) = TextRules.text(value, field: field, label: label, length: range,
                                                           multiline: multiline, required: required) {
                errors.append(refusal)
            }
        }
        text(draft.title, "title", .init(id: "Judul", en: "Title"), 5...150)
        text(draft.problem, "problem", .init(id: "Permasalahan", en: "Problem"), 10...2000, multiline: true)
        text(draft.activity, "activity", .init(id: "Jenis kegiatan", en: "Activity"), 5...500)
        text(draft.unit, "unit", .init(id: "Satuan", en: "Unit"), 1...30)

        if !(currentYear - 1...currentYear + 2).contains(draft.year) {
            refuse("year", "year.range", "Tahun rencana harus antara \(currentYear - 1) dan \(currentYear + 2).",
                   "The plan year must be between \(currentYear - 1) and \(currentYear + 2).")
        }
        if let field = Fields.field(draft.fieldCode) {
            if !field.subfields.contains(where: { $0.code == draft.subfieldCode }) {
                // What was sent is echoed only in part: a refusal never carries a client's megabyte back.
                refuse("subfieldCode", "subfieldCode.unknown", "Sub-bidang \(draft.subfieldCode.prefix(12)) bukan bagian dari bidang \(field.code).",
                       "Subfield \(draft.subfieldCode.prefix(12)) does not belong to field \(field.code).")
            }
        } else {
            refuse("fieldCode", "fieldCode.unknown", "Bidang \(draft.fieldCode.prefix(12)) tidak dikenal (01–05).",
                   "Unknown field \(draft.fieldCode.prefix(12)) (01–05).")
        }
        if !(draft.volume > 0) || !draft.volume.isFinite {
            refuse("volume", "volume.positive", "Volume harus lebih dari nol.", "Volume must be more than zero.")
        }
        if draft.estimatedCost < 0 {
            refuse("estimatedCost", "estimatedCost.negative", "Perkiraan biaya tidak boleh negatif.", "The estimated cost cannot be negative.")
        } else if draft.estimatedCost > maximumCost {
            refuse("estimatedCost", "estimatedCost.tooLarge", "Perkiraan biaya melebihi Rp 1 triliun.", "The estimated cost exceeds Rp 1 trillion.")
        }
        let b = draft.beneficiaries
        if b.total < 0 || b.women < 0 || b.poor < 0 || b.disabled < 0 {
            refuse("beneficiaries", "beneficiaries.negative", "Jumlah penerima manfaat tidak boleh negatif.",
                   "Beneficiary counts cannot be negative.")
        } else if [b.total, b.women, b.poor, b.disabled].contains(where: { $0 > maximumBeneficiaries }) {
            // More than any regency's people; and above 2^31 a database column could not hold it.
            refuse("beneficiaries", "beneficiaries.tooLarge", "Jumlah penerima manfaat paling banyak 10.000.000.",
                   "Beneficiary counts are at most 10,000,000.")
        } else if b.women > b.total || b.poor > b.total || b.disabled > b.total {
            refuse("beneficiaries", "beneficiaries.exceedTotal",
                   "Penerima manfaat perempuan, miskin, atau difabel tidak boleh melebihi jumlah total.",
                   "Women, poor or disabled beneficiaries cannot exceed the total.")
        }
        if let sdg = draft.sdg, !(1...18).contains(sdg) {
            refuse("sdg", "sdg.range", "Tujuan SDGs Desa harus 1 sampai 18.", "The SDGs Desa goal must be 1 to 18.")
        }
        let location = draft.location
        if (location.lat == nil) != (location.lng == nil) {
            refuse("location", "location.pair", "Lintang dan bujur harus diisi keduanya.", "Give both latitude and longitude.")
        } else if let lat = location.lat, let lng = location.lng,
                  !(latitudes.contains(lat) && longitudes.contains(lng)) {
            refuse("location", "location.outsideIndonesia", "Koordinat berada di luar wilayah Indonesia.",
                   "The coordinates are outside Indonesia.")
        }
        for (value, field) in [(location.hamlet, "location.hamlet"), (location.rw, "location.rw"), (location.rt, "location.rt")] {
            if case .failure(let refusal) = TextRules.text(value, field: field, label: .init(id: "Isian lokasi", en: "Location text"),
                                                           length: 1...60, required: false) {
                errors.append(refusal.code == "\(field).length"
                    ? ValidationError(field: field, code: refusal.code,
                                      message: .init(id: "Isian lokasi terlalu panjang (maks. 60).", en: "Location text is too long (max. 60)."))
                    : refusal)
            }
        }
        if draft.source == .group && draft.groupKind == nil {
            refuse("groupKind", "groupKind.required", "Pilih jenis kelompok pengusul.", "Choose the proposing group's kind.")
        }
        if case .failure(let refusal) = TextRules.text(draft.groupName, field: "groupName", label: .init(id: "Nama kelompok", en: "Group name"),
                                                       length: 1...100, required: false) {
            errors.append(refusal.code == "groupName.length"
                ? ValidationError(field: "groupName", code: refusal.code,
                                  message: .init(id: "Nama kelompok maks. 100 karakter.", en: "Group name: at most 100 characters."))
                : refusal)
        }
        return errors
    }

    /// The draft as it is kept: its text trimmed of spaces and invisible characters at both ends,
    /// and optional text that shows nothing (blank, zero-width only) left out. Validate the result.
    public static func cleaned(_ draft: ProposalDraft) -> ProposalDraft {
        func optional(_ value: String?) -> String? {
            value.map(TextRules.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        }
        var draft = draft
        draft.title = TextRules.trimmed(draft.title)
        draft.problem = TextRules.trimmed(draft.problem)
        draft.activity = TextRules.trimmed(draft.activity)
        draft.unit = TextRules.trimmed(draft.unit)
        draft.location.hamlet = optional(draft.location.hamlet)
        draft.location.rw = optional(draft.location.rw)
        draft.location.rt = optional(draft.location.rt)
        draft.groupName = optional(draft.groupName)
        return draft
    }
}
