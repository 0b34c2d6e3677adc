import Testing
@testable import MusrenbangDocuments

@Suite("Beneficiaries on the papers")
struct BeneficiaryLineTests {
    func item(male: Int, female: Int, poor: Int, disabled: Int) -> PlanItem {
        PlanItem(id: 1, priority: 1, fieldCode: "02", fieldName: "Pembangunan", subfieldCode: "02.03", subfieldName: "PU",
                 title: "Jalan", activity: "Pengaspalan", sdg: nil, district: "Rogojampi", village: "Desa Bubuk", location: "Krajan",
                 volume: 350, unit: "m", male: male, female: female, poor: poor, disabled: disabled, period: "Tahun 2027",
                 cost: 1_000, fundingSource: "Dana Desa (DD)")
    }

    @Test("RKPDes' Sasaran/Manfaat and T-D.4's Sasaran Kegiatan count L / P / RTM / difabel, as DU-RKPDes' columns do")
    func breakdown() {
        let line = item(male: 1_070, female: 50, poor: 12, disabled: 3)
        #expect(line.beneficiaryBreakdown == "1.120 jiwa (L 1.070 · P 50 · RTM 12 · difabel 3)")
        #expect(PriorityActivity(rank: 1, item: line, regionalPriority: "", regionalTarget: "", program: "").activityTarget
                == line.beneficiaryBreakdown)
        #expect(item(male: 0, female: 0, poor: 0, disabled: 0).beneficiaryBreakdown == "")
    }
}
