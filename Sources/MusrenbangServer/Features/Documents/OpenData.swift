import Foundation
import MusrenbangCore
import MusrenbangDocuments
import MusrenbangStore

/// The public data anyone may reuse: proposals without personal data, decisions with reasons,
/// regions, ceilings. `export(to:)` writes the whole set as CSV files with a README that
/// describes every column (generated from the same column lists) and the licences.
struct OpenData: Sendable {
    let places: Places

    func proposal(_ record: ProposalRecord) -> PublicProposal {
        let draft = record.draft
        return PublicProposal(
            id: record.id.rawValue, year: draft.year, districtCode: record.districtCode.description,
            district: places.name(record.districtCode), villageCode: draft.villageCode.description,
            village: places.name(draft.villageCode), title: draft.title, problem: draft.problem, activity: draft.activity,
            fieldCode: draft.fieldCode, field: Fields.field(draft.fieldCode)?.name ?? "", subfieldCode: draft.subfieldCode,
            subfield: Fields.subfield(draft.subfieldCode)?.name ?? "", kind: draft.kind.rawValue, hamlet: draft.location.hamlet ?? "",
            volume: record.state.volume, unit: draft.unit, proposedCost: draft.estimatedCost, currentCost: record.state.estimatedCost,
            fundingSource: draft.fundingSource.rawValue, source: draft.source.rawValue, sdg: draft.sdg,
            beneficiaries: draft.beneficiaries.total, women: draft.beneficiaries.women, poor: draft.beneficiaries.poor,
            disabled: draft.beneficiaries.disabled, level: record.state.level.rawValue, status: record.state.status.rawValue,
            agencyCode: record.state.agencyCode ?? "", agency: record.state.agencyCode.flatMap(Agencies.name) ?? "",
            mergedInto: record.state.mergedInto?.rawValue, progress: record.state.progress, supports: record.supportCount,
            priority: record.priority, createdAt: record.createdAt, updatedAt: record.updatedAt)
    }

    func decision(_ decision: ReportStore.Decision) -> PublicDecision {
        PublicDecision(id: decision.id, proposalId: decision.proposalId.rawValue, villageCode: decision.villageCode.description,
                       year: decision.year, level: decision.level.rawValue, outcome: decision.outcome.rawValue,
                       reason: decision.reason ?? "", decidedAt: decision.decidedAt)
    }

    struct Summary: Sendable {
        var proposals = 0
        var decisions = 0
        var files: [String] = []
    }

    /// Writes `usulan.csv`, `keputusan.csv`, `wilayah.csv`, `pagu-kecamatan.csv` and `README.md`
    /// into `directory`, streaming the large tables in batches.
    func export(_ database: Database, to directory: URL, generatedAt: Date = Date()) async throws -> Summary {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let reports = ReportStore(database)
        var summary = Summary()

        let proposals = try CSVWriter(destination: directory.appendingPathComponent("usulan.csv"),
                                      columns: OpenDataTables.proposals.spreadsheetColumns)
        var proposalTotals = TableForm<PublicProposal>.Totals()
        try await reports.proposals(year: nil) { batch in
            for record in batch { try OpenDataTables.proposals.append(proposal(record), to: proposals, totals: &proposalTotals) }
        }
        try proposals.finish()
        summary.proposals = proposalTotals.count

        let decisions = try CSVWriter(destination: directory.appendingPathComponent("keputusan.csv"),
                                      columns: OpenDataTables.decisions.spreadsheetColumns)
        var decisionTotals = TableForm<PublicDecision>.Totals()
        var after: Int64 = 0
        while true {
            let batch = try await reports.decisions(after: after, limit: 2000)
            guard let last = batch.last else { break }
            for row in batch { try OpenDataTables.decisions.append(decision(row), to: decisions, totals: &decisionTotals) }
            after = last.id
        }
        try decisions.finish()
        summary.decisions = decisionTotals.count

        var regionRows = [PublicRegion(code: places.regency.code.description, name: places.regency.name, level: "regency",
                                       parentCode: places.regency.code.parent?.description ?? "")]
        for district in places.districts {
            regionRows.append(PublicRegion(code: district.description, name: places.name(district), level: "district",
                                           parentCode: places.regency.code.description))
            for village in places.villages(in: district) {
                regionRows.append(PublicRegion(code: village.description, name: places.name(village), level: "village",
                                               parentCode: district.description))
            }
        }
        let regions = try CSVWriter(destination: directory.appendingPathComponent("wilayah.csv"),
                                    columns: OpenDataTables.regions.spreadsheetColumns)
        _ = try OpenDataTables.regions.write(regionRows, to: regions, total: nil)
        try regions.finish()

        var ceilingRows: [PublicCeiling] = []
        let years = Set(try await reports.standingYears())
        for year in years.sorted() {
            let ceilings = try await reports.ceilings(year: year)
            var committed: [RegionCode: Int64] = [:]
            for row in try await reports.standing(year: year) where Self.isCommitted(row) { committed[row.district, default: 0] += row.cost }
            for district in places.districts where ceilings[district] != nil || committed[district] != nil {
                ceilingRows.append(PublicCeiling(districtCode: district.description, district: places.name(district), year: year,
                                                 ceiling: ceilings[district], committed: committed[district] ?? 0))
            }
        }
        let ceilings = try CSVWriter(destination: directory.appendingPathComponent("pagu-kecamatan.csv"),
                                     columns: OpenDataTables.ceilings.spreadsheetColumns)
        _ = try OpenDataTables.ceilings.write(ceilingRows, to: ceilings, total: nil)
        try ceilings.finish()

        try ReportStore.regionListLicence.write(to: directory.appendingPathComponent("LISENSI-wilayah.txt"), atomically: true,
                                                encoding: .utf8)
        summary.files = ["usulan.csv", "keputusan.csv", "wilayah.csv", "pagu-kecamatan.csv", "LISENSI-wilayah.txt", "README.md"]
        try readme(summary, generatedAt: generatedAt).write(to: directory.appendingPathComponent("README.md"), atomically: true,
                                                             encoding: .utf8)
        return summary
    }

    /// The same set `PlanningStore.ceilingUse` counts: backed by the kecamatan, still standing, from the villages.
    static func isCommitted(_ row: ReportStore.Standing) -> Bool {
        (row.level == .agency || row.level == .regency) && row.status != .rejected && row.status != .merged
            && row.source.startLevel == .village
    }

    func readme(_ summary: Summary, generatedAt: Date) -> String {
        """
        # Data terbuka Musrenbang \(places.regency.name)

        Dibuat \(Format.dateTime(generatedAt).id) oleh platform Musrenbang. \(summary.proposals) usulan, \(summary.decisions) keputusan.
        Semua berkas CSV berenkode UTF-8 dengan BOM, pemisah koma, baris pertama nama kolom. Angka rupiah ditulis
        tanpa pemisah ribuan; waktu dalam WIB (UTC+7), `YYYY-MM-DD hh:mm:ss`. Teks yang diawali `=`, `+`, `-` atau `@`
        diberi tanda petik tunggal di depan agar tidak dijalankan sebagai rumus oleh aplikasi lembar kerja.

        Data ini tidak memuat data pribadi: tidak ada nama pengusul, NIK, nomor telepon, RT/RW, maupun koordinat.

        *Open data of the development-planning deliberations of \(places.regency.name). Column names are Indonesian;
        each is described below. No personal data.*

        ## Lisensi / licence

        - Data usulan, keputusan dan pagu: **Creative Commons Atribusi 4.0 Internasional (CC BY 4.0)** —
          sebutkan "Musrenbang \(places.regency.name)" sebagai sumber.
        - `wilayah.csv` berasal dari daftar wilayah Kemendagri yang disusun dalam proyek *wilayah* berlisensi MIT;
          pemberitahuan lisensinya ada di `LISENSI-wilayah.txt` dan ikut disertakan pada setiap salinan.

        ## Berkas dan kolom

        \(OpenDataTables.describe("usulan.csv", OpenDataTables.proposals))
        \(OpenDataTables.describe("keputusan.csv", OpenDataTables.decisions))
        \(OpenDataTables.describe("wilayah.csv", OpenDataTables.regions))
        \(OpenDataTables.describe("pagu-kecamatan.csv", OpenDataTables.ceilings))
        """
    }
}
