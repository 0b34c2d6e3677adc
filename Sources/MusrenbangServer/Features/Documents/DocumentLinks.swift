import MusrenbangCore

/// The documents a page offers, each with its formats, in one place so every page links the
/// same addresses (`/dokumen/…`, served by `DocumentPages`).
struct DocumentLink: Sendable {
    struct Format: Sendable {
        let label: String
        let href: String
    }
    let title: String
    let formats: [Format]
    /// The paper is private to the session team (it names people).
    let isPrivate: Bool
}

enum DocumentLinks {
    enum Kind: String, CaseIterable, Sendable {
        case villageProposalList = "du-rkpdes"
        case villageWorkPlan = "rkpdes"
        case districtPriorities = "t-d4"
        case notAccommodated = "tidak-terakomodir"
        case proposals = "usulan"
        case recap = "rekap"
        case minutes = "berita-acara"
        case attendance = "daftar-hadir"
        case proposalSheet = "lembar-pelacakan"
        case sipd = "sipd-usulan"

        var formats: [DocumentFormat] {
            switch self {
            case .minutes, .proposalSheet: [.pdf]
            default: [.xlsx, .csv]
            }
        }

        /// Documents of a year carry it in their address: `du-rkpdes-2027.xlsx`.
        var isYearly: Bool {
            switch self {
            case .minutes, .attendance, .proposalSheet: false
            default: true
            }
        }

        var titleKey: String { "doc.\(rawValue)" }
    }

    static func link(_ kind: Kind, base: String, year: Int?, locale: LocalizedText.Locale, isPrivate: Bool = false) -> DocumentLink {
        let stem = kind.isYearly ? "\(kind.rawValue)-\(year ?? 0)" : kind.rawValue
        return DocumentLink(title: Strings.text(kind.titleKey, locale),
                            formats: kind.formats.map { .init(label: $0.rawValue.uppercased(), href: "\(base)/\(stem).\($0.rawValue)") },
                            isPrivate: isPrivate)
    }

    static func village(_ code: RegionCode, year: Int, locale: LocalizedText.Locale) -> [DocumentLink] {
        [Kind.villageProposalList, .villageWorkPlan, .proposals].map { link($0, base: "/dokumen/desa/\(code)", year: year, locale: locale) }
    }

    static func district(_ code: RegionCode, year: Int, locale: LocalizedText.Locale) -> [DocumentLink] {
        [Kind.districtPriorities, .notAccommodated, .proposals].map { link($0, base: "/dokumen/kecamatan/\(code)", year: year, locale: locale) }
    }

    static func regency(year: Int, locale: LocalizedText.Locale) -> [DocumentLink] {
        [Kind.recap, .notAccommodated, .proposals, .sipd].map { link($0, base: "/dokumen/kabupaten", year: year, locale: locale) }
    }

    /// A session's papers: its berita acara and its attendance list, for the session team.
    static func session(_ assembly: AssemblyID, place: RegionCode, locale: LocalizedText.Locale) -> [DocumentLink] {
        [Kind.minutes, .attendance].map { link($0, base: "/dokumen/musrenbang/\(assembly)/\(place)", year: nil, locale: locale, isPrivate: true) }
    }

    static func proposal(_ id: ProposalID, locale: LocalizedText.Locale) -> [DocumentLink] {
        [link(.proposalSheet, base: "/dokumen/usulan/\(id)", year: nil, locale: locale)]
    }

    /// `du-rkpdes-2027.xlsx` → the kind, the year and the format; nil parts where they do not parse.
    static func parse(_ file: String) -> (kind: Kind?, year: Int?, format: String) {
        guard let dot = file.lastIndex(of: ".") else { return (nil, nil, "") }
        let format = String(file[file.index(after: dot)...]).lowercased()
        var stem = String(file[..<dot])
        var year: Int?
        if let dash = stem.lastIndex(of: "-"), let value = Int(stem[stem.index(after: dash)...]) {
            year = value
            stem = String(stem[..<dash])
        }
        guard let kind = Kind(rawValue: stem), kind.isYearly == (year != nil) else { return (nil, nil, format) }
        return (kind, year, format)
    }
}
