/// The bridge to SIPD (the national regional-planning system): what goes there (the proposals the
/// regency still plans with, and the council's pokir) and what comes back (SIPD's decision on each:
/// accepted with a budget line and an amount, or refused with a reason). Every column name lives
/// here, so a regency whose SIPD export says otherwise corrects it in one place.
///
/// Sources: SIPD's official annexes were not available. The names follow the fields of SIPD's
/// `data_usulan` as tools that read SIPD store them (`agusnurwanto/wp-sipd`, `tabel.sql`:
/// `id_usulan, tahun_anggaran, jenis_usul_teks, id_kamus, giat_teks, kode_skpd, nama_skpd,
/// lurahteks, camatteks, volume, satuan, anggaran, fraksi_dewan, id_reses, status_usul_teks`) and
/// the dictionary's (`harga_satuan` as SIPD's price lists call the unit price). Where SIPD keys by
/// its own internal ids (`id_kelurahan`, `id_unit`) we write what we hold instead: the Kemendagri
/// village code (`kode_wilayah`) and the regency's agency code. Columns that are ours alone:
/// `usulan` (the proposal's title) and `catatan_forum` (the last forum's reason). The decision
/// columns (`status`, `kode_rekening`, `pagu`, `alasan`) are the shape of the file read back.
public enum SipdBridge {
    // MARK: what goes to SIPD

    /// One export column: its name in the file and where its value comes from.
    public struct Column: Sendable, Hashable {
        public let name: String
        public let source: String
    }

    public static let exportColumns: [Column] = [
        .init(name: "id_usulan", source: "our proposal id: the key SIPD's decisions come back by"),
        .init(name: "tahun_anggaran", source: "the plan year"),
        .init(name: "jenis_usul_teks", source: "musrenbang (from a village), pokir (DPRD council), opd (a regency agency's own)"),
        .init(name: "id_kamus", source: "SIPD's dictionary item the proposal follows; empty for a free proposal (usulan langsung)"),
        .init(name: "giat_teks", source: "the activity (the dictionary item's text for a proposal that follows one)"),
        .init(name: "usulan", source: "the proposal's title (ours)"),
        .init(name: "kode_skpd", source: "the agency that holds it (assigned at the agency forum, else its dictionary item's or sub-bidang's)"),
        .init(name: "nama_skpd", source: "that agency's name"),
        .init(name: "kode_wilayah", source: "Kemendagri village code (SIPD's own id_kelurahan is not known here)"),
        .init(name: "lurahteks", source: "the desa/kelurahan's name"),
        .init(name: "camatteks", source: "the kecamatan's name"),
        .init(name: "volume", source: "the current volume (after any forum changed it)"),
        .init(name: "satuan", source: "the unit"),
        .init(name: "harga_satuan", source: "the unit price fixed when proposed, for a dictionary item; empty otherwise"),
        .init(name: "anggaran", source: "the current cost estimate, whole rupiah"),
        .init(name: "fraksi_dewan", source: "the pokir's council faction: not recorded here, always empty"),
        .init(name: "id_reses", source: "the pokir's recess meeting in SIPD: not recorded here, always empty"),
        .init(name: "status_usul_teks", source: "where it stands, in SIPD's words"),
        .init(name: "catatan_forum", source: "the reason the last forum gave (ours)"),
        .init(name: "status", source: "SIPD's decision: diterima or ditolak — empty until SIPD decided; filled in to import"),
        .init(name: "kode_rekening", source: "the budget line SIPD gave an accepted proposal"),
        .init(name: "pagu", source: "the amount SIPD gave it, whole rupiah"),
        .init(name: "alasan", source: "SIPD's reason (required for ditolak)"),
    ]

    public static var exportHeader: [String] { exportColumns.map(\.name) }

    /// Where a proposal of the year goes to SIPD: beyond the kecamatan (at the agency forum or the
    /// regency's), not refused or merged. Pokir start at the agency forum, so they are always there.
    public static func isExported(_ state: ProposalState) -> Bool {
        (state.level == .agency || state.level == .regency) && state.status != .rejected && state.status != .merged
    }

    public static func kind(_ source: ProposalSource) -> String {
        switch source {
        case .council: "pokir"
        case .agency: "opd"
        case .citizen, .onBehalf, .group, .bpd: "musrenbang"
        }
    }

    /// SIPD's own status texts, for where the proposal stands.
    public static func standing(_ state: ProposalState) -> String {
        switch (state.level, state.status) {
        case (.agency, .pending): "Diteruskan ke Forum SKPD"
        case (.regency, .pending): "Diteruskan ke Musrenbang Kabupaten/Kota"
        case (_, .inProgress): "Diterima (dalam pelaksanaan \(state.progress)%)"
        case (_, .completed): "Diterima (selesai)"
        case (_, .rejected): "Ditolak"
        case (_, .merged): "Digabungkan"
        default: "Diterima"
        }
    }

    /// The values of one export row; the server fills in names.
    public struct ExportLine: Sendable, Hashable {
        public var proposalId: ProposalID
        public var year: Int
        public var source: ProposalSource
        public var catalogItemId: String?
        public var activity: String
        public var title: String
        public var agencyCode: String
        public var agencyName: String
        public var villageCode: RegionCode
        public var villageName: String
        public var districtName: String
        public var state: ProposalState
        public var unit: String
        public var unitPrice: Int64?
        public var forumReason: String?
        /// What SIPD's acceptance recorded, if it came back already.
        public var budget: SipdBudget?

        public init(proposalId: ProposalID, year: Int, source: ProposalSource, catalogItemId: String?, activity: String, title: String,
                    agencyCode: String, agencyName: String, villageCode: RegionCode, villageName: String, districtName: String,
                    state: ProposalState, unit: String, unitPrice: Int64?, forumReason: String?, budget: SipdBudget?) {
            self.proposalId = proposalId
            self.year = year
            self.source = source
            self.catalogItemId = catalogItemId
            self.activity = activity
            self.title = title
            self.agencyCode = agencyCode
            self.agencyName = agencyName
            self.villageCode = villageCode
            self.villageName = villageName
            self.districtName = districtName
            self.state = state
            self.unit = unit
            self.unitPrice = unitPrice
            self.forumReason = forumReason
            self.budget = budget
        }
    }

    /// One row in `exportColumns`' order. A proposal SIPD already accepted carries its decision,
    /// so the same file read back changes nothing.
    public static func record(_ line: ExportLine) -> [String] {
        [
            "\(line.proposalId)", "\(line.year)", kind(line.source), line.catalogItemId ?? "", line.activity, line.title,
            line.agencyCode, line.agencyName, line.villageCode.description, line.villageName, line.districtName,
            volumeText(line.state.volume), line.unit, line.unitPrice.map(String.init) ?? "", String(line.state.estimatedCost),
            "", "", standing(line.state), line.forumReason ?? "",
            line.budget == nil ? "" : "diterima", line.budget?.budgetLine ?? "", line.budget.map { String($0.amount) } ?? "", "",
        ]
    }

    /// 350 → "350", 2.5 → "2.5": a dot decimal, as SIPD's volume fields hold it.
    static func volumeText(_ volume: Double) -> String {
        volume.rounded() == volume && abs(volume) < 1e15 ? String(Int64(volume)) : String(volume)
    }

    // MARK: what comes back

    /// The decision file's columns: each with the other names it may go by.
    public static let decisionColumns: [(name: String, aliases: [String])] = [
        ("id_usulan", []), ("status", ["status_sipd", "keputusan"]), ("kode_rekening", ["budget_line", "rekening"]),
        ("pagu", ["amount", "pagu_sipd"]),
    ]
    /// Needed only by refused rows; a file without it refuses none.
    public static let reasonColumn = (name: "alasan", aliases: ["reason", "tolak_teks"])

    /// What SIPD decided for one proposal.
    public enum Outcome: Sendable, Hashable {
        case accepted(SipdBudget, note: String?)
        case refused(reason: String)
    }

    public struct Decision: Sendable, Hashable {
        public let line: Int
        public let proposalId: ProposalID
        public let outcome: Outcome
    }

    /// A row that is not a decision to apply, and why: no such proposal (unmatched), or a row that
    /// cannot be applied (conflicting: unreadable status, amount, budget line, reason).
    public struct RowProblem: Sendable, Hashable {
        public enum Kind: String, Sendable { case unmatched, conflicting }
        public let kind: Kind
        public let line: Int
        public let id: String
        public let reasons: [LocalizedText]

        public init(_ kind: Kind, line: Int, id: String, reasons: [LocalizedText]) {
            self.kind = kind
            self.line = line
            self.id = id
            self.reasons = reasons
        }
    }

    public enum Row: Sendable, Hashable {
        case decision(Decision)
        case problem(RowProblem)
    }

    /// Why a file cannot be read at all.
    public struct HeaderRefusal: Error, Sendable, Hashable {
        public let message: LocalizedText
    }

    /// Where each known column sits in the file.
    public struct Header: Sendable {
        let index: [String: Int]
        func value(_ record: [String], _ column: String) -> String? {
            guard let i = index[column] else { return nil }
            return i < record.count ? record[i] : ""
        }
    }

    /// The file's first record as a header, or the required columns it lacks.
    public static func header(_ record: [String]) -> Result<Header, HeaderRefusal> {
        let names = record.map { TextRules.trimmed($0).lowercased() }
        var index: [String: Int] = [:]
        var missing: [String] = []
        for column in decisionColumns + [reasonColumn] {
            if let i = ([column.name] + column.aliases).lazy.compactMap({ names.firstIndex(of: $0) }).first {
                index[column.name] = i
            } else if column.name != reasonColumn.name {
                missing.append(column.name)
            }
        }
        guard missing.isEmpty else {
            let list = missing.joined(separator: ", ")
            return .failure(HeaderRefusal(message: .init(id: "Kolom wajib tidak ada: \(list).", en: "Required columns missing: \(list).")))
        }
        return .success(Header(index: index))
    }

    /// One record as a decision, or why it is not one. A record of blank fields (a spreadsheet's
    /// trailing empty lines) is nil: no row at all.
    public static func row(_ record: [String], header: Header, line: Int) -> Row? {
        guard record.contains(where: { !TextRules.trimmed($0).isEmpty }) else { return nil }
        func value(_ column: String) -> String { TextRules.trimmed(header.value(record, column) ?? "") }
        let rawId = value("id_usulan")
        let shownId = String(rawId.prefix(40))
        guard let number = Int64(rawId), number > 0 else {
            return .problem(.init(.unmatched, line: line, id: shownId, reasons: [rawId.isEmpty
                ? .init(id: "id_usulan kosong.", en: "id_usulan is empty.")
                : .init(id: "id_usulan \"\(shownId)\" bukan nomor usulan.", en: "id_usulan \"\(shownId)\" is not a proposal number.")]))
        }
        var reasons: [LocalizedText] = []
        if record.contains(where: { $0.unicodeScalars.contains("\u{FFFD}") }) {
            reasons.append(.init(id: "Baris ini bukan teks UTF-8 yang sah.", en: "This row is not valid UTF-8 text."))
        }
        func text(_ column: String, _ length: ClosedRange<Int>, required: Bool, multiline: Bool = false) -> String? {
            let raw = header.value(record, column)
            switch TextRules.text(raw, field: column, label: .init(id: column, en: column), length: length, multiline: multiline,
                                  required: required) {
            case .success(let text): return text
            case .failure(let refusal): reasons.append(refusal.message); return nil
            }
        }
        let status = value("status").lowercased()
        let outcome: Outcome?
        switch status {
        case "diterima", "accepted", "terima":
            let budgetLine = text("kode_rekening", 1...200, required: true)
            let rawAmount = value("pagu")
            let amount = CatalogCSV.rupiah(rawAmount)
            if amount == nil || amount == 0 {
                reasons.append(rawAmount.isEmpty
                    ? .init(id: "pagu kosong: usulan yang diterima memerlukan jumlah anggarannya.", en: "pagu is empty: an accepted proposal needs its amount.")
                    : .init(id: "pagu \"\(rawAmount.prefix(20))\" bukan jumlah rupiah yang sah (bilangan bulat 1 sampai 1 triliun, tanpa pemisah ribuan).",
                            en: "pagu \"\(rawAmount.prefix(20))\" is not a valid rupiah amount (a whole number 1 to 1 trillion, no thousands separators)."))
            }
            let note = text(reasonColumn.name, 1...2000, required: false, multiline: true)
            if let budgetLine, let amount, amount > 0 {
                outcome = .accepted(SipdBudget(budgetLine: budgetLine, amount: amount), note: note)
            } else {
                outcome = nil
            }
        case "ditolak", "rejected", "tolak":
            let reason = text(reasonColumn.name, 5...2000, required: true, multiline: true)
            if !value("pagu").isEmpty, CatalogCSV.rupiah(value("pagu")) != 0 {
                reasons.append(.init(id: "Usulan yang ditolak tidak mendapat pagu.", en: "A refused proposal has no pagu."))
            }
            outcome = reason.map { .refused(reason: $0) }
        default:
            reasons.append(status.isEmpty
                ? .init(id: "status kosong: isi diterima atau ditolak.", en: "status is empty: write diterima or ditolak.")
                : .init(id: "status \"\(status.prefix(30))\" tidak dikenal: isi diterima atau ditolak.",
                        en: "Unknown status \"\(status.prefix(30))\": write diterima or ditolak."))
            outcome = nil
        }
        guard reasons.isEmpty, let outcome else {
            return .problem(.init(.conflicting, line: line, id: shownId, reasons: reasons))
        }
        return .decision(Decision(line: line, proposalId: ProposalID(rawValue: number), outcome: outcome))
    }

    /// Reads a decision file in pieces: the header first, then each record as it completes.
    public struct Reader: Sendable {
        private var parser = CSVParser()
        private var header: Header?
        public private(set) var headerRefusal: LocalizedText?
        private var line = 0
        public private(set) var malformed = false

        public init() {}

        public var hasHeader: Bool { header != nil }

        /// The rows completed by this piece of the file.
        public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Row] {
            var rows: [Row] = []
            for record in parser.feed(bytes) { if let row = add(record) { rows.append(row) } }
            return rows
        }

        /// The last row, and what only the end shows: no header at all, unbalanced quotes.
        public mutating func finish() -> [Row] {
            var rows: [Row] = []
            for record in parser.finish() { if let row = add(record) { rows.append(row) } }
            if parser.malformed {
                rows.append(.problem(.init(.conflicting, line: line, id: "", reasons: [.init(
                    id: "Berkas bukan CSV yang sah (tanda petik tidak berpasangan).", en: "The file is not valid CSV (unbalanced quotes).")])))
            }
            if header == nil && headerRefusal == nil {
                headerRefusal = .init(id: "Berkas kosong: tidak ada baris judul kolom.", en: "Empty file: no header row.")
            }
            return rows
        }

        mutating func add(_ record: [String]) -> Row? {
            line += 1
            guard let header else {
                // A file whose header was refused cannot be read further.
                guard headerRefusal == nil else { return nil }
                switch SipdBridge.header(record) {
                case .success(let header): self.header = header
                case .failure(let refusal): headerRefusal = refusal.message
                }
                return nil
            }
            return SipdBridge.row(record, header: header, line: line)
        }
    }

    // MARK: reconciling one decision with the proposal as it stands

    /// What applying a decision does: decide at the regency forum and record the budget, record the
    /// budget of a proposal the forum accepted already, refuse it, nothing (SIPD's decision is
    /// there already), or nothing because the proposal stands elsewhere (with why).
    public enum Verdict: Sendable, Hashable {
        case acceptAndBudget
        case budgetOnly
        case refuse
        case unchanged
        case conflict(LocalizedText)
    }

    /// SIPD decides the regency's plan (RKPD): only proposals at the regency forum. A decision the
    /// proposal already carries is unchanged (a re-import is harmless); one that contradicts what
    /// was decided, or a proposal still at an earlier forum, is a conflict and changes nothing.
    public static func reconcile(_ outcome: Outcome, state: ProposalState, recorded: SipdBudget?) -> Verdict {
        let accepted = state.status == .accepted || state.status == .inProgress || state.status == .completed
        switch (outcome, state.status) {
        case (_, .merged):
            return .conflict(.init(id: "Usulan ini sudah digabungkan ke usulan lain.", en: "This proposal was merged into another."))
        case (.accepted, .rejected):
            return .conflict(.init(id: "Usulan ini sudah ditolak di \(state.level.forumName); SIPD menerimanya.",
                                   en: "This proposal was already rejected at the \(state.level.rawValue) level; SIPD accepts it."))
        case (.refused, .rejected):
            return .unchanged
        default:
            break
        }
        guard state.level == .regency else {
            return .conflict(accepted
                ? .init(id: "Usulan ini diterima ke rencana desa (RKPDes), bukan urusan SIPD.",
                        en: "This proposal was accepted into the village plan (RKPDes), not a SIPD matter.")
                : .init(id: "Usulan ini masih di \(state.level.forumName); SIPD hanya memutuskan usulan di Musrenbang Kabupaten.",
                        en: "This proposal is still at the \(state.level.rawValue) level; SIPD decides only proposals at the regency forum."))
        }
        switch outcome {
        case .accepted(let budget, _):
            if state.status == .pending { return .acceptAndBudget }
            guard let recorded else { return .budgetOnly }
            return recorded == budget ? .unchanged : .conflict(.init(
                id: "SIPD sudah mencatat kode rekening \(recorded.budgetLine) dengan pagu \(recorded.amount); baris ini berbeda.",
                en: "SIPD already recorded budget line \(recorded.budgetLine) with amount \(recorded.amount); this row differs."))
        case .refused:
            if state.status == .pending { return .refuse }
            return .conflict(recorded != nil
                ? .init(id: "SIPD sudah menerima usulan ini dengan kode rekening \(recorded!.budgetLine); baris ini menolaknya.",
                        en: "SIPD already accepted this proposal with budget line \(recorded!.budgetLine); this row refuses it.")
                : .init(id: "Usulan ini sudah diterima di Musrenbang Kabupaten; baris ini menolaknya.",
                        en: "This proposal was already accepted at the regency forum; this row refuses it."))
        }
    }
}

/// What SIPD's acceptance gives a proposal: the budget line (kode rekening) and the amount (pagu).
public struct SipdBudget: Sendable, Hashable, Codable {
    public let budgetLine: String
    public let amount: Int64

    public init(budgetLine: String, amount: Int64) {
        self.budgetLine = budgetLine
        self.amount = amount
    }
}
