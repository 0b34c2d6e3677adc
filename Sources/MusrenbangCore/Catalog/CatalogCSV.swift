/// The dictionary as a CSV file in SIPD's column shapes (`id_kamus, giat_teks, satuan, anggaran,
/// kode_skpd, kelompok, bidang, sub_bidang, output_teks, is_locked`), read and written in one
/// place so the column set can be corrected where SIPD's annex says otherwise. `tahun_awal` and
/// `tahun_akhir` (the valid plan years) are ours and optional; other columns SIPD exports carry
/// (`pekerjaan`, `id_unit`…) are ignored. Codes: `bidang`/`sub_bidang` are the village fields of
/// Permendagri 20/2018 (`02`, `02.03`), `kode_skpd` the regency's agency codes (`PUPR`).
public enum CatalogCSV {
    public static let columns = ["id_kamus", "giat_teks", "satuan", "anggaran", "kode_skpd", "kelompok", "bidang",
                                 "sub_bidang", "output_teks", "is_locked"]
    public static let optionalColumns = ["tahun_awal", "tahun_akhir"]

    /// Where each known column sits in the file.
    public struct Header: Sendable {
        let index: [String: Int]
        func value(_ record: [String], _ column: String) -> String {
            guard let i = index[column], i < record.count else { return "" }
            return record[i]
        }
    }

    /// The file's first record as a header, or every required column it lacks.
    public static func header(_ record: [String]) -> Result<Header, RowRefusal> {
        let names = record.map { TextRules.trimmed($0).lowercased() }
        let missing = columns.filter { !names.contains($0) }
        guard missing.isEmpty else {
            return .failure(RowRefusal(line: 1, id: nil, reasons: [.init(
                id: "Kolom wajib tidak ada: \(missing.joined(separator: ", ")).", en: "Required columns missing: \(missing.joined(separator: ", ")).")]))
        }
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        return .success(Header(index: index))
    }

    /// Why one row was refused, with the line it is on (the header is line 1) and its `id_kamus`.
    public struct RowRefusal: Sendable, Hashable, Error {
        public let line: Int
        public let id: String?
        public let reasons: [LocalizedText]
    }

    /// One record as an item, or every reason it is refused.
    public static func item(_ record: [String], header: Header, line: Int, agencies: Set<String>) -> Result<CatalogItem, RowRefusal> {
        var reasons: [LocalizedText] = []
        func value(_ column: String) -> String { TextRules.trimmed(header.value(record, column)) }
        if record.contains(where: { $0.unicodeScalars.contains("\u{FFFD}") }) {
            reasons.append(.init(id: "Baris ini bukan teks UTF-8 yang sah.", en: "This row is not valid UTF-8 text."))
        }
        func text(_ column: String, _ length: ClosedRange<Int>, required: Bool = true, multiline: Bool = false) -> String {
            let raw = header.value(record, column)
            switch TextRules.text(raw, field: column, label: .init(id: column, en: column), length: length, multiline: multiline,
                                  required: required) {
            case .success(let text): return text ?? ""
            case .failure(let refusal): reasons.append(refusal.message); return ""
            }
        }
        let id = value("id_kamus")
        if id.isEmpty {
            reasons.append(.init(id: "id_kamus kosong.", en: "id_kamus is empty."))
        } else if id.count > 40 || !id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }) {
            reasons.append(.init(id: "id_kamus hanya boleh huruf, angka, titik, garis bawah dan tanda hubung (maks. 40).",
                                 en: "id_kamus may hold only letters, digits, dot, underscore and hyphen (max. 40)."))
        }
        let activity = text("giat_teks", 3...500)
        let unit = text("satuan", 1...30)
        let group = text("kelompok", 1...100, required: false)
        let output = text("output_teks", 1...500, required: false, multiline: true)
        let price = rupiah(value("anggaran"))
        if price == nil {
            reasons.append(.init(id: "anggaran \"\(value("anggaran").prefix(20))\" bukan harga satuan rupiah yang sah (bilangan bulat 0 sampai 1 triliun, tanpa pemisah ribuan).",
                                 en: "anggaran \"\(value("anggaran").prefix(20))\" is not a valid rupiah unit price (a whole number 0 to 1 trillion, no thousands separators)."))
        }
        let agency = value("kode_skpd")
        if !agencies.contains(agency) {
            reasons.append(.init(id: "kode_skpd \"\(agency.prefix(20))\" bukan perangkat daerah yang dikenal.",
                                 en: "kode_skpd \"\(agency.prefix(20))\" is not a known agency."))
        }
        let field = value("bidang"), subfield = value("sub_bidang")
        if let known = Fields.field(field) {
            if !known.subfields.contains(where: { $0.code == subfield }) {
                reasons.append(.init(id: "sub_bidang \"\(subfield.prefix(12))\" bukan bagian dari bidang \(field).",
                                     en: "sub_bidang \"\(subfield.prefix(12))\" is not part of bidang \(field)."))
            }
        } else {
            reasons.append(.init(id: "bidang \"\(field.prefix(12))\" tidak dikenal (01–05).", en: "Unknown bidang \"\(field.prefix(12))\" (01–05)."))
        }
        let locked = flag(value("is_locked"))
        if locked == nil {
            reasons.append(.init(id: "is_locked harus 0 atau 1.", en: "is_locked must be 0 or 1."))
        }
        func year(_ column: String) -> Int? {
            let raw = value(column)
            if raw.isEmpty { return nil }
            guard let year = Int(raw), (2000...2100).contains(year) else {
                reasons.append(.init(id: "\(column) harus tahun 2000–2100.", en: "\(column) must be a year 2000–2100."))
                return nil
            }
            return year
        }
        let first = year("tahun_awal"), last = year("tahun_akhir")
        if let first, let last, first > last {
            reasons.append(.init(id: "tahun_awal sesudah tahun_akhir.", en: "tahun_awal is after tahun_akhir."))
        }
        guard reasons.isEmpty, let price, let locked else {
            return .failure(RowRefusal(line: line, id: id.isEmpty ? nil : String(id.prefix(40)), reasons: reasons))
        }
        return .success(CatalogItem(id: id, text: activity, unit: unit, unitPrice: price, agencyCode: agency, group: group,
                                    fieldCode: field, subfieldCode: subfield, outputText: output, locked: locked,
                                    firstYear: first, lastYear: last))
    }

    /// Whole rupiah: digits, optionally with a zero fraction as SIPD's exports write it
    /// (`150000.00`). `150.000` is refused: it reads as 150 to a program and 150,000 to a person.
    static func rupiah(_ raw: String) -> Int64? {
        var digits = Substring(raw)
        if let separator = raw.firstIndex(where: { $0 == "." || $0 == "," }) {
            let fraction = raw[raw.index(after: separator)...]
            guard (1...2).contains(fraction.count), fraction.allSatisfy({ $0 == "0" }) else { return nil }
            digits = raw[..<separator]
        }
        guard !digits.isEmpty, digits.count <= 13, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let value = Int64(digits), value <= ProposalRules.maximumCost else { return nil }
        return value
    }

    static func flag(_ raw: String) -> Bool? {
        switch raw.lowercased() {
        case "", "0", "false", "f", "tidak": false
        case "1", "true", "t", "ya": true
        default: nil
        }
    }

    /// Checks a whole file's records (the header first), refusing duplicate ids as well: either
    /// every item, or every refused row. Nothing of a file with a bad row is imported.
    public struct Check: Sendable {
        public private(set) var items: [CatalogItem] = []
        public private(set) var refusals: [RowRefusal] = []
        private var header: Header?
        private var headerRead = false
        private var firstLine: [String: Int] = [:]
        private var line = 0
        private var parser = CSVParser()
        let agencies: Set<String>

        public init(agencies: Set<String>) {
            self.agencies = agencies
        }

        public var rows: Int { max(0, line - 1) }

        /// The next piece of the file's bytes.
        public mutating func feed(_ bytes: some Sequence<UInt8>) {
            for record in parser.feed(bytes) { add(record) }
        }

        mutating func add(_ record: [String]) {
            line += 1
            guard let header else {
                // A file whose header was refused cannot be read further: its rows are only counted.
                guard !headerRead else { return }
                headerRead = true
                switch CatalogCSV.header(record) {
                case .success(let header): self.header = header
                case .failure(let refusal): refusals.append(refusal)
                }
                return
            }
            // A file without its header was refused at line 1; its rows cannot be read.
            switch CatalogCSV.item(record, header: header, line: line, agencies: agencies) {
            case .success(let item):
                if let earlier = firstLine[item.id] {
                    refusals.append(RowRefusal(line: line, id: item.id, reasons: [.init(
                        id: "id_kamus \(item.id) sudah ada di baris \(earlier).", en: "id_kamus \(item.id) already appears on line \(earlier).")]))
                } else {
                    firstLine[item.id] = line
                    items.append(item)
                }
            case .failure(let refusal):
                refusals.append(refusal)
            }
        }

        /// The end of the file: its last record, and what only the whole file shows (no header,
        /// unbalanced quotes).
        public mutating func finish() {
            for record in parser.finish() { add(record) }
            if parser.malformed {
                refusals.append(RowRefusal(line: line, id: nil, reasons: [.init(id: "Berkas bukan CSV yang sah (tanda petik tidak berpasangan).",
                                                                                en: "The file is not valid CSV (unbalanced quotes).")]))
            }
            if header == nil && refusals.isEmpty {
                refusals.append(RowRefusal(line: 1, id: nil, reasons: [.init(id: "Berkas kosong: tidak ada baris judul kolom.",
                                                                             en: "Empty file: no header row.")]))
            }
        }
    }

    /// The items as a CSV file in the same columns (and the optional years), for SIPD and for re-import.
    public static func records(_ items: [CatalogItem]) -> [[String]] {
        [columns + optionalColumns] + items.map { item in
            [item.id, item.text, item.unit, String(item.unitPrice), item.agencyCode, item.group, item.fieldCode,
             item.subfieldCode, item.outputText, item.locked ? "1" : "0", item.firstYear.map(String.init) ?? "",
             item.lastYear.map(String.init) ?? ""]
        }
    }
}
