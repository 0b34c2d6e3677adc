import Foundation

/// A proposal as the planning forms list it: display text for names, numbers kept as numbers.
public struct PlanItem: Sendable, Codable, Equatable {
    /// The row's number in its list ("No"), set by whoever writes the list.
    public var number = 0
    public var id: Int64
    public var priority: Int?
    public var fieldCode: String
    public var fieldName: String
    public var subfieldCode: String
    public var subfieldName: String
    public var title: String
    public var activity: String
    public var sdg: Int?
    public var district: String
    public var village: String
    /// Dusun, RT/RW and the village.
    public var location: String
    public var volume: Double
    public var unit: String
    public var male: Int
    public var female: Int
    public var poor: Int
    public var disabled: Int
    /// "Tahun 2027": the plan year; the platform does not hold months.
    public var period: String
    public var cost: Int64
    public var fundingSource: String
    public var agency: String
    public var status: String
    public var forum: String
    public var reason: String

    public init(id: Int64, priority: Int?, fieldCode: String, fieldName: String, subfieldCode: String, subfieldName: String,
                title: String, activity: String, sdg: Int?, district: String, village: String, location: String, volume: Double,
                unit: String, male: Int, female: Int, poor: Int, disabled: Int, period: String, cost: Int64,
                fundingSource: String, agency: String = "", status: String = "", forum: String = "", reason: String = "") {
        self.id = id
        self.priority = priority
        self.fieldCode = fieldCode
        self.fieldName = fieldName
        self.subfieldCode = subfieldCode
        self.subfieldName = subfieldName
        self.title = title
        self.activity = activity
        self.sdg = sdg
        self.district = district
        self.village = village
        self.location = location
        self.volume = volume
        self.unit = unit
        self.male = male
        self.female = female
        self.poor = poor
        self.disabled = disabled
        self.period = period
        self.cost = cost
        self.fundingSource = fundingSource
        self.agency = agency
        self.status = status
        self.forum = forum
        self.reason = reason
    }

    public var beneficiaries: Int { male + female }

    /// "120 jiwa (L 70 · P 50 · RTM 12 · difabel 3)": beneficiaries as every paper counts them.
    public var beneficiaryBreakdown: String {
        guard beneficiaries > 0 else { return "" }
        return "\(Numbers.grouped(beneficiaries)) jiwa (L \(Numbers.grouped(male)) · P \(Numbers.grouped(female)) · "
            + "RTM \(Numbers.grouped(poor)) · difabel \(Numbers.grouped(disabled)))"
    }
}

/// A row of Tabel T-D.4: a proposal the kecamatan backed, with what the regency's mapping of
/// its sub-bidang says (blank where the planner has mapped nothing: never invented).
public struct PriorityActivity: Sendable, Codable, Equatable {
    public var rank: Int
    public var item: PlanItem
    public var regionalPriority: String
    public var regionalTarget: String
    public var program: String

    public init(rank: Int, item: PlanItem, regionalPriority: String, regionalTarget: String, program: String) {
        self.rank = rank
        self.item = item
        self.regionalPriority = regionalPriority
        self.regionalTarget = regionalTarget
        self.program = program
    }

    /// Sasaran kegiatan: who the activity serves, from the proposal's beneficiaries.
    public var activityTarget: String {
        item.beneficiaryBreakdown
    }
}

/// One line of the regency recap: a kecamatan, a bidang, a status, with counts and Rupiah.
public struct RecapLine: Sendable {
    public var district: String
    public var field: String
    public var status: String
    public var count: Int
    public var cost: Int64
    public init(district: String, field: String, status: String, count: Int, cost: Int64) {
        self.district = district
        self.field = field
        self.status = status
        self.count = count
        self.cost = cost
    }
}

/// One person on a session's attendance list (the name already masked where it must be).
public struct AttendanceLine: Sendable {
    public var number: Int
    public var name: String
    public var role: String
    public var gender: String
    public var origin: String
    public var arrivedAt: Date
    public var isGuest: Bool
    public init(number: Int, name: String, role: String, gender: String, origin: String, arrivedAt: Date, isGuest: Bool) {
        self.number = number
        self.name = name
        self.role = role
        self.gender = gender
        self.origin = origin
        self.arrivedAt = arrivedAt
        self.isGuest = isGuest
    }
}

/// The column sets of the official tables, in one place so a regulation's variant can be
/// corrected here (see `../shared/notes/planning-formats.md` for their sources).
public enum PlanningForms {
    static func text(_ value: String) -> SpreadsheetCell { value.isEmpty ? .empty : .text(value) }
    static func number(_ value: Double) -> SpreadsheetCell {
        value == value.rounded() && abs(value) < 1e15 ? .integer(Int(value)) : .number(value)
    }

    /// DU-RKPDes, Permendesa 21/2020 (SDGs Desa): one sheet for what the village funds, one for
    /// what it forwards to the kecamatan.
    public static let villageProposalList = TableForm<PlanItem>([
        .init("No", width: 5) { .integer($0.number) },
        .init("Bidang / Sub-bidang", width: 34) { text("\($0.fieldCode) \($0.fieldName) / \($0.subfieldCode) \($0.subfieldName)") },
        .init("Nama Kegiatan", width: 40) { .text($0.title) },
        .init("SDGs Desa ke-", width: 9) { $0.sdg.map { .integer($0) } ?? .empty },
        .init("Lokasi", width: 28) { text($0.location) },
        .init("Volume", width: 10) { number($0.volume) },
        .init("Satuan", width: 10) { .text($0.unit) },
        .init("Penerima Manfaat L", width: 10) { .integer($0.male) },
        .init("Penerima Manfaat P", width: 10) { .integer($0.female) },
        .init("Penerima Manfaat RTM", width: 10) { .integer($0.poor) },
        .init("Penerima Manfaat Difabel", width: 10) { .integer($0.disabled) },
        .init("Waktu Pelaksanaan", width: 14) { text($0.period) },
        .init("Prakiraan Biaya (Rp)", width: 18, summed: true) { .rupiah(Decimal($0.cost)) },
        .init("Sumber Pembiayaan", width: 24) { .text($0.fundingSource) },
        .init("Urutan Prioritas", width: 10) { $0.priority.map { .integer($0) } ?? .empty },
    ])

    /// RKPDes, Permendagri 114/2014: the village's plan, grouped by Bidang. The platform holds no
    /// implementation pattern or executor yet; those columns stay blank for the village to fill.
    public static let villageWorkPlan = TableForm<PlanItem>([
        .init("No", width: 5) { .integer($0.number) },
        .init("Bidang / Jenis Kegiatan", width: 44) { .text($0.title) },
        .init("Lokasi", width: 28) { text($0.location) },
        .init("Volume", width: 10) { number($0.volume) },
        .init("Satuan", width: 10) { .text($0.unit) },
        .init("Sasaran / Manfaat", width: 30) { $0.beneficiaries > 0 ? .text($0.beneficiaryBreakdown) : .empty },
        .init("Waktu Pelaksanaan", width: 14) { text($0.period) },
        .init("Jumlah (Rp)", width: 18, summed: true) { .rupiah(Decimal($0.cost)) },
        .init("Sumber", width: 24) { .text($0.fundingSource) },
        .init("Swakelola", width: 11) { _ in .empty },
        .init("Kerja sama antar desa", width: 11) { _ in .empty },
        .init("Kerja sama pihak ketiga", width: 11) { _ in .empty },
        .init("Rencana Pelaksana Kegiatan", width: 22) { _ in .empty },
    ])

    /// Tabel T-D.4 of Permendagri 86/2017, grouped by perangkat daerah.
    public static let districtPriorities = TableForm<PriorityActivity>([
        .init("No", width: 6) { .integer($0.rank) },
        .init("Prioritas Daerah", width: 24) { text($0.regionalPriority) },
        .init("Sasaran Daerah", width: 24) { text($0.regionalTarget) },
        .init("Program", width: 26) { text($0.program) },
        .init("Kegiatan Prioritas", width: 40) { .text($0.item.title) },
        .init("Sasaran Kegiatan", width: 20) { text($0.activityTarget) },
        .init("Lokasi (Desa/Kelurahan)", width: 22) { .text($0.item.village) },
        .init("Volume", width: 10) { number($0.item.volume) },
        .init("Satuan", width: 10) { .text($0.item.unit) },
        .init("Pagu (Rp)", width: 18, summed: true) { .rupiah(Decimal($0.item.cost)) },
        .init("Perangkat Daerah Penanggung Jawab", width: 30) { text($0.item.agency) },
    ], labelColumn: 4)

    /// Lampiran III and its regency-wide list: what a forum could not accommodate, and why.
    public static let notAccommodated = TableForm<PlanItem>([
        .init("No", width: 5) { .integer($0.number) },
        .init("Kecamatan", width: 18) { .text($0.district) },
        .init("Kegiatan", width: 40) { .text($0.title) },
        .init("Lokasi", width: 26) { text($0.location) },
        .init("Volume", width: 10) { number($0.volume) },
        .init("Satuan", width: 10) { .text($0.unit) },
        .init("Pagu (Rp)", width: 18, summed: true) { .rupiah(Decimal($0.cost)) },
        .init("Perangkat Daerah", width: 28) { text($0.agency) },
        .init("Forum", width: 20) { text($0.forum) },
        .init("Alasan", width: 50) { text($0.reason) },
    ], labelColumn: 2)

    /// The regency recap: kecamatan × bidang × status.
    public static let regencyRecap = TableForm<RecapLine>([
        .init("Kecamatan", width: 22) { .text($0.district) },
        .init("Bidang", width: 40) { .text($0.field) },
        .init("Status", width: 26) { .text($0.status) },
        .init("Jumlah Usulan", width: 12) { .integer($0.count) },
        .init("Biaya (Rp)", width: 20, summed: true) { .rupiah(Decimal($0.cost)) },
    ])

    /// Daftar hadir of one session.
    public static let attendance = TableForm<AttendanceLine>([
        .init("No", width: 5) { .integer($0.number) },
        .init("Nama", width: 32) { .text($0.name) },
        .init("Unsur / Peran", width: 24) { .text($0.role) },
        .init("L/P", width: 5) { .text($0.gender) },
        .init("Alamat / Asal", width: 24) { text($0.origin) },
        .init("Waktu Hadir", width: 17) { .dateTime($0.arrivedAt) },
        .init("Undangan", width: 9) { .text($0.isGuest ? "Ya" : "Tidak") },
    ])
}

/// Indonesian number text: "1.250.000".
public enum Numbers {
    public static func grouped(_ value: some BinaryInteger) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(".") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }
}
