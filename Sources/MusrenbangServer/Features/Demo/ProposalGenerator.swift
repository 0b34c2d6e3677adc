import Foundation
import MusrenbangCore
import MusrenbangStore

/// Realistic proposals for demos and benchmarks, the same every run for a given seed.
public struct ProposalGenerator: Sendable {
    /// A small, fast, seedable generator (SplitMix64), so data sets are reproducible.
    public struct Random: RandomNumberGenerator, Sendable {
        var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct Template {
        let title: String
        let problem: String
        let activity: String
        let subfield: String
        let kind: ProposalKind
        let unit: String
        let volume: ClosedRange<Int>
        let unitCost: Int64
        let funding: FundingSource
    }

    static let templates: [Template] = [
        Template(title: "Perbaikan jalan lingkungan Dusun %@", problem: "Jalan rusak dan berlubang, tergenang saat hujan sehingga sulit dilalui anak sekolah.",
                 activity: "Pengaspalan jalan lingkungan", subfield: "02.03", kind: .physical, unit: "m", volume: 150...800, unitCost: 450_000, funding: .villageFund),
        Template(title: "Pembangunan saluran drainase RT %@", problem: "Air hujan meluap ke rumah warga karena belum ada saluran.",
                 activity: "Pembangunan saluran drainase", subfield: "02.03", kind: .physical, unit: "m", volume: 80...400, unitCost: 600_000, funding: .villageFund),
        Template(title: "Rehabilitasi jembatan penghubung Dusun %@", problem: "Jembatan kayu lapuk, membahayakan pejalan kaki dan sepeda motor.",
                 activity: "Rehabilitasi jembatan beton", subfield: "02.03", kind: .physical, unit: "unit", volume: 1...2, unitCost: 350_000_000, funding: .regencyBudget),
        Template(title: "Peningkatan jalan poros desa ke %@", problem: "Jalan poros desa rusak berat, menghambat angkutan hasil panen.",
                 activity: "Peningkatan jalan hotmix", subfield: "02.03", kind: .physical, unit: "m", volume: 500...2000, unitCost: 1_200_000, funding: .regencyBudget),
        Template(title: "Penerangan jalan umum Dusun %@", problem: "Jalan gelap pada malam hari, rawan kecelakaan dan pencurian.",
                 activity: "Pemasangan lampu penerangan jalan tenaga surya", subfield: "02.07", kind: .physical, unit: "titik", volume: 10...40, unitCost: 7_500_000, funding: .villageFund),
        Template(title: "Pelatihan menjahit bagi ibu-ibu PKK %@", problem: "Banyak ibu rumah tangga belum memiliki keterampilan usaha.",
                 activity: "Pelatihan keterampilan menjahit", subfield: "04.04", kind: .nonPhysical, unit: "paket", volume: 1...2, unitCost: 25_000_000, funding: .villageAllocation),
        Template(title: "Posyandu balita dan lansia Dusun %@", problem: "Posyandu menumpang di rumah warga, alat timbang rusak.",
                 activity: "Pengadaan alat posyandu dan makanan tambahan", subfield: "02.02", kind: .nonPhysical, unit: "paket", volume: 1...3, unitCost: 15_000_000, funding: .villageFund),
        Template(title: "Rehabilitasi gedung PAUD %@", problem: "Atap ruang kelas PAUD bocor dan lantai rusak.",
                 activity: "Rehabilitasi ruang kelas PAUD", subfield: "02.01", kind: .physical, unit: "unit", volume: 1...2, unitCost: 90_000_000, funding: .villageFund),
        Template(title: "Jaringan irigasi tersier sawah %@", problem: "Sawah tadah hujan, panen hanya sekali setahun.",
                 activity: "Pembangunan jaringan irigasi tersier", subfield: "04.02", kind: .physical, unit: "m", volume: 200...1000, unitCost: 800_000, funding: .regencyBudget),
        Template(title: "Bantuan bibit dan pupuk kelompok tani %@", problem: "Harga pupuk mahal, produktivitas padi menurun.",
                 activity: "Pengadaan bibit unggul dan pupuk organik", subfield: "04.02", kind: .nonPhysical, unit: "paket", volume: 1...5, unitCost: 12_000_000, funding: .regencyBudget),
        Template(title: "Pelatihan pemasaran daring UMKM %@", problem: "Produk UMKM desa hanya dijual di pasar lokal.",
                 activity: "Pelatihan pemasaran digital", subfield: "04.05", kind: .nonPhysical, unit: "paket", volume: 1...2, unitCost: 20_000_000, funding: .villageAllocation),
        Template(title: "Sarana air bersih Dusun %@", problem: "Warga mengambil air dari sungai saat kemarau.",
                 activity: "Pembangunan sumur bor dan tandon air", subfield: "02.04", kind: .physical, unit: "unit", volume: 1...3, unitCost: 65_000_000, funding: .villageFund),
        Template(title: "Rumah tidak layak huni warga miskin %@", problem: "Beberapa rumah warga miskin berdinding bambu dan beratap bocor.",
                 activity: "Rehabilitasi rumah tidak layak huni", subfield: "02.04", kind: .physical, unit: "unit", volume: 3...10, unitCost: 20_000_000, funding: .regencyAid),
        Template(title: "Karang taruna: lapangan olahraga %@", problem: "Pemuda tidak memiliki tempat berolahraga yang layak.",
                 activity: "Pembangunan lapangan bola voli", subfield: "03.03", kind: .physical, unit: "unit", volume: 1...1, unitCost: 45_000_000, funding: .villageFund),
        Template(title: "Tanggul penahan banjir Sungai %@", problem: "Banjir tahunan merendam sawah dan rumah di tepi sungai.",
                 activity: "Pembangunan tanggul penahan banjir", subfield: "05.01", kind: .physical, unit: "m", volume: 100...500, unitCost: 2_500_000, funding: .regencyBudget),
    ]

    static let places = ["Krajan", "Kidul", "Lor", "Wetan", "Kulon", "Sumberejo", "Sukorejo", "Tegalrejo", "Karanganyar",
                         "Gumuk", "Pasar", "Cangkring", "Jati", "Maron", "Kebonsari"]

    public var random: Random
    public let year: Int

    public init(seed: UInt64, year: Int) {
        random = Random(seed: seed)
        self.year = year
    }

    /// A draft for a village, from one of the templates, with plausible numbers.
    public mutating func draft(village: RegionCode, source: ProposalSource = .citizen) -> ProposalDraft {
        let template = Self.templates.randomElement(using: &random)!
        let place = Self.places.randomElement(using: &random)!
        let volume = Int.random(in: template.volume, using: &random)
        let total = Int.random(in: 40...900, using: &random)
        let women = Int(Double(total) * Double.random(in: 0.42...0.55, using: &random))
        return ProposalDraft(
            villageCode: village, year: year, title: template.title.replacingOccurrences(of: "%@", with: place),
            problem: template.problem, activity: template.activity, fieldCode: String(template.subfield.prefix(2)),
            subfieldCode: template.subfield, kind: template.kind,
            location: ProposalLocation(hamlet: place, rw: String(format: "%02d", Int.random(in: 1...6, using: &random)),
                                       rt: String(format: "%02d", Int.random(in: 1...12, using: &random)),
                                       lat: -8.2 - Double.random(in: 0...0.5, using: &random),
                                       lng: 114.0 + Double.random(in: 0...0.4, using: &random)),
            volume: Double(volume), unit: template.unit, estimatedCost: template.unitCost * Int64(volume),
            fundingSource: template.funding,
            beneficiaries: Beneficiaries(total: total, women: women, poor: total / Int.random(in: 4...10, using: &random),
                                         disabled: Int.random(in: 0...8, using: &random)),
            sdg: [1, 3, 4, 5, 6, 9, 11, 13].randomElement(using: &random), source: source,
            groupKind: source == .group ? .pkk : nil, showProposerName: Bool.random(using: &random))
    }

    /// A valid NIK for someone registered in `district`, of the given gender.
    public mutating func nik(district: RegionCode, gender: Gender, serial: Int) -> String {
        let prefix = district.segments.joined()
        let day = Int.random(in: 1...28, using: &random) + (gender == .female ? 40 : 0)
        let month = Int.random(in: 1...12, using: &random)
        let year = Int.random(in: 50...99, using: &random)
        return prefix + String(format: "%02d%02d%02d%04d", day, month, year, serial % 10_000)
    }
}
