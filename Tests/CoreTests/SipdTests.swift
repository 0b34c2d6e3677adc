import Testing
@testable import MusrenbangCore

@Suite("SIPD bridge")
struct SipdTests {
    /// A decision file read the way the import reads it, in pieces of `chunk` bytes.
    func read(_ text: String, chunk: Int = 5) -> (rows: [SipdBridge.Row], refusal: LocalizedText?) {
        var reader = SipdBridge.Reader()
        var rows: [SipdBridge.Row] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) { rows += reader.feed(bytes[start..<min(start + chunk, bytes.count)]) }
        rows += reader.finish()
        return (rows, reader.headerRefusal)
    }

    func decision(_ row: SipdBridge.Row) -> SipdBridge.Decision? {
        if case .decision(let decision) = row { return decision }
        return nil
    }

    func problem(_ row: SipdBridge.Row) -> SipdBridge.RowProblem? {
        if case .problem(let problem) = row { return problem }
        return nil
    }

    @Test("the export's columns: the SIPD ids first, the decision columns last, every name once")
    func columns() {
        let names = SipdBridge.exportHeader
        #expect(Set(names).count == names.count)
        #expect(Array(names.prefix(4)) == ["id_usulan", "tahun_anggaran", "jenis_usul_teks", "id_kamus"])
        #expect(Array(names.suffix(4)) == ["status", "kode_rekening", "pagu", "alasan"])
        for required in ["giat_teks", "kode_skpd", "kode_wilayah", "lurahteks", "camatteks", "volume", "satuan", "anggaran",
                         "fraksi_dewan", "id_reses", "status_usul_teks"] {
            #expect(names.contains(required), "\(required)")
        }
        #expect(SipdBridge.exportColumns.allSatisfy { !$0.source.isEmpty })
    }

    @Test("an export row: values in the header's order; a proposal SIPD accepted carries its decision, so reading it back changes nothing")
    func exportRow() throws {
        let state = ProposalState(level: .regency, status: .accepted, agencyCode: "PUPR", volume: 350, estimatedCost: 52_500_000)
        var line = SipdBridge.ExportLine(
            proposalId: 42, year: 2027, source: .council, catalogItemId: "1.03.0012", activity: "Rabat beton jalan", title: "Jalan dusun",
            agencyCode: "PUPR", agencyName: "Dinas PUPR", villageCode: RegionCode("35.10.13.2007")!, villageName: "Bubuk",
            districtName: "Rogojampi", state: state, unit: "m2", unitPrice: 150_000, forumReason: nil,
            budget: SipdBudget(budgetLine: "1.03.10.2.01.0001", amount: 50_000_000))
        let record = SipdBridge.record(line)
        #expect(record.count == SipdBridge.exportHeader.count)
        let value = Dictionary(uniqueKeysWithValues: zip(SipdBridge.exportHeader, record))
        #expect(value["id_usulan"] == "42")
        #expect(value["jenis_usul_teks"] == "pokir")
        #expect(value["id_kamus"] == "1.03.0012")
        #expect(value["kode_wilayah"] == "35.10.13.2007")
        #expect(value["volume"] == "350")
        #expect(value["anggaran"] == "52500000")
        #expect(value["harga_satuan"] == "150000")
        #expect(value["status_usul_teks"] == "Diterima")
        #expect(value["status"] == "diterima" && value["kode_rekening"] == "1.03.10.2.01.0001" && value["pagu"] == "50000000")
        let back = read(SipdBridge.exportHeader.joined(separator: ",") + "\n" + record.map { "\"\($0)\"" }.joined(separator: ",") + "\n")
        let decision = try #require(back.rows.first.flatMap(decision))
        #expect(SipdBridge.reconcile(decision.outcome, state: state, recorded: line.budget) == .unchanged)

        line.budget = nil
        line.state = ProposalState(level: .agency, agencyCode: "DINKES", volume: 2.5, estimatedCost: 10)
        line.source = .group
        let open = Dictionary(uniqueKeysWithValues: zip(SipdBridge.exportHeader, SipdBridge.record(line)))
        #expect(open["status"] == "" && open["kode_rekening"] == "" && open["pagu"] == "")
        #expect(open["volume"] == "2.5" && open["jenis_usul_teks"] == "musrenbang")
        #expect(open["status_usul_teks"] == "Diteruskan ke Forum SKPD")
    }

    @Test("what goes to SIPD: beyond the kecamatan, neither rejected nor merged")
    func exported() {
        func state(_ level: DecisionLevel, _ status: ProposalStatus) -> ProposalState {
            ProposalState(level: level, status: status, volume: 1, estimatedCost: 1)
        }
        #expect(SipdBridge.isExported(state(.agency, .pending)))
        #expect(SipdBridge.isExported(state(.regency, .pending)))
        #expect(SipdBridge.isExported(state(.regency, .accepted)))
        #expect(SipdBridge.isExported(state(.regency, .inProgress)))
        #expect(!SipdBridge.isExported(state(.regency, .rejected)))
        #expect(!SipdBridge.isExported(state(.agency, .merged)))
        #expect(!SipdBridge.isExported(state(.district, .pending)))
        #expect(!SipdBridge.isExported(state(.village, .accepted)))
    }

    @Test("rows: decisions, unknown ids (unmatched) and unreadable rows (conflicting, every reason named), in any piece size",
          arguments: [1, 3, 64])
    func rows(chunk: Int) throws {
        let file = """
            \u{FEFF}ID_USULAN,Status,kode_rekening,pagu,alasan,ignored
            7,Diterima,1.03.10.2.01.0001,50000000.00,,x
            8,ditolak,,,Tidak ada pagu tersisa tahun ini,
            abc,diterima,1.1,5,,
            ,diterima,1.1,5,,
            9,diterima,,150.000,,
            10,ditolak,,,Rugi,
            11,menunggu,,,,
            ,,,,,
            12,diterima,"5.1.02.01.01.0024",1000000000001,,
            """
        let (rows, refusal) = read(file, chunk: chunk)
        #expect(refusal == nil)
        #expect(rows.count == 8)
        let first = try #require(decision(rows[0]))
        #expect(first.line == 2 && first.proposalId == 7)
        #expect(first.outcome == .accepted(SipdBudget(budgetLine: "1.03.10.2.01.0001", amount: 50_000_000), note: nil))
        #expect(decision(rows[1])?.outcome == .refused(reason: "Tidak ada pagu tersisa tahun ini"))
        #expect(problem(rows[2])?.kind == .unmatched && problem(rows[2])?.id == "abc" && problem(rows[2])?.line == 4)
        #expect(problem(rows[3])?.kind == .unmatched && problem(rows[3])?.id == "")
        let missing = try #require(problem(rows[4]))
        #expect(missing.kind == .conflicting && missing.reasons.count == 2)  // no budget line, and 150.000 is ambiguous
        #expect(problem(rows[5])?.kind == .conflicting)                     // a refusal's reason is at least 5 characters
        #expect(problem(rows[6])?.reasons.first?.en.contains("menunggu") == true)
        #expect(problem(rows[7])?.line == 10 && problem(rows[7])?.kind == .conflicting)  // over Rp 1 trillion
    }

    @Test("a file without its required columns, or empty, cannot be read at all")
    func header() {
        #expect(read("id_usulan,status\n7,diterima\n").refusal?.en == "Required columns missing: kode_rekening, pagu.")
        #expect(read("").refusal != nil)
        // Other names SIPD's tools use are understood; the reason column may be absent.
        let aliases = read("id_usulan,keputusan,budget_line,amount\n7,diterima,1.1,10\n")
        #expect(aliases.refusal == nil && aliases.rows.count == 1)
        #expect(read("id_usulan,status,kode_rekening,pagu\n8,ditolak,,\n").rows.first.flatMap(problem)?.kind == .conflicting)
    }

    @Test("reconciling: SIPD decides only at the regency forum; what it decided before is unchanged; a contradiction is a conflict")
    func reconcile() {
        let budget = SipdBudget(budgetLine: "1.03", amount: 10)
        let accept = SipdBridge.Outcome.accepted(budget, note: nil)
        let refuse = SipdBridge.Outcome.refused(reason: "Tidak ada pagu")
        func state(_ level: DecisionLevel, _ status: ProposalStatus) -> ProposalState {
            ProposalState(level: level, status: status, volume: 1, estimatedCost: 1)
        }
        #expect(SipdBridge.reconcile(accept, state: state(.regency, .pending), recorded: nil) == .acceptAndBudget)
        #expect(SipdBridge.reconcile(refuse, state: state(.regency, .pending), recorded: nil) == .refuse)
        #expect(SipdBridge.reconcile(accept, state: state(.regency, .accepted), recorded: nil) == .budgetOnly)
        #expect(SipdBridge.reconcile(accept, state: state(.regency, .accepted), recorded: budget) == .unchanged)
        #expect(SipdBridge.reconcile(accept, state: state(.regency, .inProgress), recorded: budget) == .unchanged)
        #expect(SipdBridge.reconcile(refuse, state: state(.regency, .rejected), recorded: nil) == .unchanged)
        func isConflict(_ verdict: SipdBridge.Verdict) -> Bool {
            if case .conflict = verdict { return true }
            return false
        }
        #expect(isConflict(SipdBridge.reconcile(accept, state: state(.regency, .accepted),
                                                recorded: SipdBudget(budgetLine: "1.03", amount: 11))))
        #expect(isConflict(SipdBridge.reconcile(refuse, state: state(.regency, .accepted), recorded: budget)))
        #expect(isConflict(SipdBridge.reconcile(refuse, state: state(.regency, .accepted), recorded: nil)))
        #expect(isConflict(SipdBridge.reconcile(accept, state: state(.regency, .rejected), recorded: nil)))
        #expect(isConflict(SipdBridge.reconcile(accept, state: state(.agency, .pending), recorded: nil)))
        #expect(isConflict(SipdBridge.reconcile(refuse, state: state(.district, .pending), recorded: nil)))
        #expect(isConflict(SipdBridge.reconcile(accept, state: state(.village, .accepted), recorded: nil)))
        #expect(isConflict(SipdBridge.reconcile(accept, state: state(.regency, .merged), recorded: nil)))
    }
}
