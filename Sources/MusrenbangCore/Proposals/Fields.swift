/// Village spending fields (bidang) and subfields (sub-bidang) of Permendagri 20/2018.
/// Codes are the regulation's: field `02`, subfield `02.03`.
public struct Field: Sendable, Hashable, Codable {
    public let code: String
    public let name: String
    public let subfields: [Subfield]
}

public struct Subfield: Sendable, Hashable, Codable {
    public let code: String
    public let name: String
}

public enum Fields {
    public static let all: [Field] = [
        Field(code: "01", name: "Penyelenggaraan Pemerintahan Desa", subfields: [
            .init(code: "01.01", name: "Penyelenggaraan Belanja Siltap, Tunjangan dan Operasional Pemerintahan Desa"),
            .init(code: "01.02", name: "Sarana dan Prasarana Pemerintahan Desa"),
            .init(code: "01.03", name: "Administrasi Kependudukan, Pencatatan Sipil, Statistik dan Kearsipan"),
            .init(code: "01.04", name: "Tata Praja Pemerintahan, Perencanaan, Keuangan dan Pelaporan"),
            .init(code: "01.05", name: "Pertanahan"),
        ]),
        Field(code: "02", name: "Pelaksanaan Pembangunan Desa", subfields: [
            .init(code: "02.01", name: "Pendidikan"),
            .init(code: "02.02", name: "Kesehatan"),
            .init(code: "02.03", name: "Pekerjaan Umum dan Penataan Ruang"),
            .init(code: "02.04", name: "Kawasan Permukiman"),
            .init(code: "02.05", name: "Kehutanan dan Lingkungan Hidup"),
            .init(code: "02.06", name: "Perhubungan, Komunikasi dan Informatika"),
            .init(code: "02.07", name: "Energi dan Sumber Daya Mineral"),
            .init(code: "02.08", name: "Pariwisata"),
        ]),
        Field(code: "03", name: "Pembinaan Kemasyarakatan", subfields: [
            .init(code: "03.01", name: "Ketenteraman, Ketertiban Umum dan Pelindungan Masyarakat"),
            .init(code: "03.02", name: "Kebudayaan dan Keagamaan"),
            .init(code: "03.03", name: "Kepemudaan dan Olah Raga"),
            .init(code: "03.04", name: "Kelembagaan Masyarakat"),
        ]),
        Field(code: "04", name: "Pemberdayaan Masyarakat", subfields: [
            .init(code: "04.01", name: "Kelautan dan Perikanan"),
            .init(code: "04.02", name: "Pertanian dan Peternakan"),
            .init(code: "04.03", name: "Peningkatan Kapasitas Aparatur Desa"),
            .init(code: "04.04", name: "Pemberdayaan Perempuan, Perlindungan Anak dan Keluarga"),
            .init(code: "04.05", name: "Koperasi, Usaha Mikro Kecil dan Menengah (UMKM)"),
            .init(code: "04.06", name: "Dukungan Penanaman Modal"),
            .init(code: "04.07", name: "Perdagangan dan Perindustrian"),
        ]),
        Field(code: "05", name: "Penanggulangan Bencana, Keadaan Darurat dan Mendesak Desa", subfields: [
            .init(code: "05.01", name: "Penanggulangan Bencana"),
            .init(code: "05.02", name: "Keadaan Darurat"),
            .init(code: "05.03", name: "Keadaan Mendesak"),
        ]),
    ]

    public static func field(_ code: String) -> Field? { all.first { $0.code == code } }

    public static func subfield(_ code: String) -> Subfield? {
        all.lazy.flatMap(\.subfields).first { $0.code == code }
    }

    /// Who takes a proposal at the agency forum unless a planner reassigns it: the agency of the
    /// dictionary item it follows, else the sub-bidang's usual agency.
    public static func responsibleAgency(subfield: String, catalogAgency: String?) -> String {
        catalogAgency ?? defaultAgency(forSubfield: subfield)
    }

    /// The agency (OPD) a field goes to by default at regency level; the planner may reassign.
    public static func defaultAgency(forSubfield code: String) -> String {
        switch code {
        case "02.01": "DISDIK"
        case "02.02": "DINKES"
        case "02.03", "02.04", "02.07": "PUPR"
        case "02.05": "DLH"
        case "02.06": "DISHUB"
        case "02.08": "DISBUDPAR"
        case "04.01": "DKP"
        case "04.02": "DISPERTAN"
        case "04.04": "DP3AKB"
        case "04.05", "04.06", "04.07": "DISKOPUMDAG"
        case let code where code.hasPrefix("05"): "BPBD"
        case let code where code.hasPrefix("03"): "DISPEMASDES"
        default: "DISPEMASDES"
        }
    }
}

/// The regency agencies (OPD) proposals are routed to: code and name.
public enum Agencies {
    public static let defaults: [(code: String, name: String)] = [
        ("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
        ("DISDIK", "Dinas Pendidikan"),
        ("DINKES", "Dinas Kesehatan"),
        ("DLH", "Dinas Lingkungan Hidup"),
        ("DISHUB", "Dinas Perhubungan"),
        ("DISBUDPAR", "Dinas Kebudayaan dan Pariwisata"),
        ("DKP", "Dinas Kelautan dan Perikanan"),
        ("DISPERTAN", "Dinas Pertanian dan Pangan"),
        ("DP3AKB", "Dinas Pemberdayaan Perempuan, Perlindungan Anak dan KB"),
        ("DISKOPUMDAG", "Dinas Koperasi, Usaha Mikro dan Perdagangan"),
        ("BPBD", "Badan Penanggulangan Bencana Daerah"),
        ("DISPEMASDES", "Dinas Pemberdayaan Masyarakat dan Desa"),
    ]

    public static func name(_ code: String) -> String? { defaults.first { $0.code == code }?.name }
}
