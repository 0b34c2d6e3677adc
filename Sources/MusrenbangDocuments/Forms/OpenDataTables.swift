import Foundation

/// A proposal as open data: what anyone may reuse, never a person (no proposer, no NIK, no RT
/// or coordinates that could point at a house).
public struct PublicProposal: Sendable {
    public var id: Int64
    public var year: Int
    public var districtCode: String
    public var district: String
    public var villageCode: String
    public var village: String
    public var title: String
    public var problem: String
    public var activity: String
    public var fieldCode: String
    public var field: String
    public var subfieldCode: String
    public var subfield: String
    public var kind: String
    public var hamlet: String
    public var volume: Double
    public var unit: String
    public var proposedCost: Int64
    public var currentCost: Int64
    public var fundingSource: String
    public var source: String
    public var sdg: Int?
    public var beneficiaries: Int
    public var women: Int
    public var poor: Int
    public var disabled: Int
    public var level: String
    public var status: String
    public var agencyCode: String
    public var agency: String
    public var mergedInto: Int64?
    public var progress: Int
    public var supports: Int
    public var priority: Int?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, year: Int, districtCode: String, district: String, villageCode: String, village: String, title: String,
                problem: String, activity: String, fieldCode: String, field: String, subfieldCode: String, subfield: String,
                kind: String, hamlet: String, volume: Double, unit: String, proposedCost: Int64, currentCost: Int64,
                fundingSource: String, source: String, sdg: Int?, beneficiaries: Int, women: Int, poor: Int, disabled: Int,
                level: String, status: String, agencyCode: String, agency: String, mergedInto: Int64?, progress: Int, supports: Int,
                priority: Int?, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.year = year
        self.districtCode = districtCode
        self.district = district
        self.villageCode = villageCode
        self.village = village
        self.title = title
        self.problem = problem
        self.activity = activity
        self.fieldCode = fieldCode
        self.field = field
        self.subfieldCode = subfieldCode
        self.subfield = subfield
        self.kind = kind
        self.hamlet = hamlet
        self.volume = volume
        self.unit = unit
        self.proposedCost = proposedCost
        self.currentCost = currentCost
        self.fundingSource = fundingSource
        self.source = source
        self.sdg = sdg
        self.beneficiaries = beneficiaries
        self.women = women
        self.poor = poor
        self.disabled = disabled
        self.level = level
        self.status = status
        self.agencyCode = agencyCode
        self.agency = agency
        self.mergedInto = mergedInto
        self.progress = progress
        self.supports = supports
        self.priority = priority
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A forum's decision on a proposal, as open data.
public struct PublicDecision: Sendable {
    public var id: Int64
    public var proposalId: Int64
    public var villageCode: String
    public var year: Int
    public var level: String
    public var outcome: String
    public var reason: String
    public var decidedAt: Date
    public init(id: Int64, proposalId: Int64, villageCode: String, year: Int, level: String, outcome: String, reason: String,
                decidedAt: Date) {
        self.id = id
        self.proposalId = proposalId
        self.villageCode = villageCode
        self.year = year
        self.level = level
        self.outcome = outcome
        self.reason = reason
        self.decidedAt = decidedAt
    }
}

/// A region of the tenant, as open data.
public struct PublicRegion: Sendable {
    public var code: String
    public var name: String
    public var level: String
    public var parentCode: String
    public init(code: String, name: String, level: String, parentCode: String) {
        self.code = code
        self.name = name
        self.level = level
        self.parentCode = parentCode
    }
}

/// A kecamatan's ceiling and what its forum committed, as open data.
public struct PublicCeiling: Sendable {
    public var districtCode: String
    public var district: String
    public var year: Int
    public var ceiling: Int64?
    public var committed: Int64
    public init(districtCode: String, district: String, year: Int, ceiling: Int64?, committed: Int64) {
        self.districtCode = districtCode
        self.district = district
        self.year = year
        self.ceiling = ceiling
        self.committed = committed
    }
}

/// The open data tables: column names in Indonesian snake_case (as Satu Data Indonesia writes
/// them), each with the note the README prints, so the README is generated from the columns and
/// cannot drift from them.
public enum OpenDataTables {
    static func text(_ value: String) -> SpreadsheetCell { value.isEmpty ? .empty : .text(value) }

    public static let proposals = TableForm<PublicProposal>([
        .init("id", width: 9, note: "Nomor usulan di platform; tautan: /usulan/{id}.") { .integer(Int($0.id)) },
        .init("tahun", width: 7, note: "Tahun rencana yang dituju usulan.") { .integer($0.year) },
        .init("kode_kecamatan", width: 10, note: "Kode Kemendagri kecamatan.") { .text($0.districtCode) },
        .init("kecamatan", width: 16, note: "Nama kecamatan.") { .text($0.district) },
        .init("kode_desa", width: 14, note: "Kode Kemendagri desa/kelurahan.") { .text($0.villageCode) },
        .init("desa", width: 18, note: "Nama desa/kelurahan.") { .text($0.village) },
        .init("judul", width: 40, note: "Judul usulan.") { .text($0.title) },
        .init("permasalahan", width: 40, note: "Permasalahan atau kondisi saat ini, menurut pengusul.") { .text($0.problem) },
        .init("kegiatan", width: 40, note: "Jenis kegiatan yang diusulkan.") { .text($0.activity) },
        .init("kode_bidang", width: 8, note: "Kode bidang (Permendagri 20/2018), 01–05.") { .text($0.fieldCode) },
        .init("bidang", width: 30, note: "Nama bidang.") { .text($0.field) },
        .init("kode_sub_bidang", width: 9, note: "Kode sub-bidang, mis. 02.03.") { .text($0.subfieldCode) },
        .init("sub_bidang", width: 30, note: "Nama sub-bidang.") { .text($0.subfield) },
        .init("jenis", width: 10, note: "physical (fisik) atau nonPhysical (non-fisik).") { .text($0.kind) },
        .init("dusun", width: 14, note: "Dusun lokasi kegiatan, bila diisi (RT/RW dan koordinat tidak dibuka).") { text($0.hamlet) },
        .init("volume", width: 9, note: "Volume terkini (setelah perubahan oleh forum, bila ada).") { PlanningForms.number($0.volume) },
        .init("satuan", width: 9, note: "Satuan volume.") { .text($0.unit) },
        .init("biaya_usulan", width: 14, note: "Perkiraan biaya saat diajukan, rupiah.") { .rupiah(Decimal($0.proposedCost)) },
        .init("biaya_terkini", width: 14, note: "Biaya terkini setelah keputusan forum, rupiah.") { .rupiah(Decimal($0.currentCost)) },
        .init("sumber_dana", width: 14, note: "Sumber pembiayaan yang diusulkan (kode: villageFund, regencyBudget, …).") { .text($0.fundingSource) },
        .init("sumber_usulan", width: 10, note: "Asal usulan: citizen, onBehalf, group, bpd, council (pokir DPRD), agency.") { .text($0.source) },
        .init("sdgs_desa", width: 7, note: "Tujuan SDGs Desa ke- (1–18), bila diisi.") { $0.sdg.map { .integer($0) } ?? .empty },
        .init("penerima_manfaat", width: 9, note: "Jumlah penerima manfaat.") { .integer($0.beneficiaries) },
        .init("penerima_perempuan", width: 9, note: "Di antaranya perempuan.") { .integer($0.women) },
        .init("penerima_miskin", width: 9, note: "Di antaranya rumah tangga miskin (RTM).") { .integer($0.poor) },
        .init("penerima_difabel", width: 9, note: "Di antaranya penyandang disabilitas.") { .integer($0.disabled) },
        .init("tingkat", width: 9, note: "Forum tempat usulan berada: village, district, agency, regency.") { .text($0.level) },
        .init("status", width: 10, note: "pending, accepted, rejected, merged, inProgress, completed.") { .text($0.status) },
        .init("kode_perangkat_daerah", width: 10, note: "Perangkat daerah yang menangani, bila sudah ditetapkan.") { text($0.agencyCode) },
        .init("perangkat_daerah", width: 30, note: "Nama perangkat daerah.") { text($0.agency) },
        .init("digabung_ke", width: 9, note: "Nomor usulan tujuan bila usulan digabungkan.") { $0.mergedInto.map { .integer(Int($0)) } ?? .empty },
        .init("kemajuan_persen", width: 8, note: "Kemajuan realisasi, 0–100.") { .integer($0.progress) },
        .init("jumlah_dukungan", width: 8, note: "Jumlah warga terverifikasi yang mendukung.") { .integer($0.supports) },
        .init("prioritas_desa", width: 8, note: "Urutan prioritas dalam musrenbang desa, bila sudah diperingkat.") { $0.priority.map { .integer($0) } ?? .empty },
        .init("diajukan_pada", width: 17, note: "Waktu pengajuan (WIB).") { .dateTime($0.createdAt) },
        .init("diperbarui_pada", width: 17, note: "Waktu perubahan terakhir (WIB).") { .dateTime($0.updatedAt) },
    ])

    public static let decisions = TableForm<PublicDecision>([
        .init("id", width: 9, note: "Nomor keputusan (urut waktu).") { .integer(Int($0.id)) },
        .init("id_usulan", width: 9, note: "Nomor usulan yang diputuskan.") { .integer(Int($0.proposalId)) },
        .init("kode_desa", width: 14, note: "Kode desa asal usulan.") { .text($0.villageCode) },
        .init("tahun", width: 7, note: "Tahun rencana usulan.") { .integer($0.year) },
        .init("forum", width: 10, note: "Forum yang memutuskan: village, district, agency, regency.") { .text($0.level) },
        .init("keputusan", width: 14, note: "accepted, acceptedWithChanges, merged, rejected, forwarded.") { .text($0.outcome) },
        .init("alasan", width: 50, note: "Alasan keputusan (wajib kecuali diterima).") { text($0.reason) },
        .init("tanggal", width: 17, note: "Waktu keputusan (WIB).") { .dateTime($0.decidedAt) },
    ])

    public static let regions = TableForm<PublicRegion>([
        .init("kode", width: 14, note: "Kode wilayah Kemendagri.") { .text($0.code) },
        .init("nama", width: 24, note: "Nama wilayah.") { .text($0.name) },
        .init("tingkat", width: 10, note: "regency, district atau village.") { .text($0.level) },
        .init("kode_induk", width: 14, note: "Kode wilayah induk.") { text($0.parentCode) },
    ])

    public static let ceilings = TableForm<PublicCeiling>([
        .init("kode_kecamatan", width: 10, note: "Kode Kemendagri kecamatan.") { .text($0.districtCode) },
        .init("kecamatan", width: 16, note: "Nama kecamatan.") { .text($0.district) },
        .init("tahun", width: 7, note: "Tahun rencana.") { .integer($0.year) },
        .init("pagu_indikatif", width: 16, note: "Pagu indikatif kecamatan, rupiah (kosong bila belum ditetapkan).") {
            $0.ceiling.map { .rupiah(Decimal($0)) } ?? .empty
        },
        .init("disepakati", width: 16, note: "Biaya usulan yang diteruskan forum kecamatan dan masih berjalan, rupiah.") {
            .rupiah(Decimal($0.committed))
        },
    ])

    /// The README's table of a file's columns.
    public static func describe<Row>(_ file: String, _ form: TableForm<Row>) -> String {
        var text = "### \(file)\n\n| kolom | isi |\n|---|---|\n"
        for column in form.columns { text += "| `\(column.title)` | \(column.note) |\n" }
        return text
    }
}
