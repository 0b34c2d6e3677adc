/// The theme of a thematic musrenbang (musrenbang tematik): a deliberation held for one group
/// whose voice the general musrenbang tends to miss. An assembly without a theme is the general
/// one. Raw values are an API contract (`theme` on assemblies and proposals).
public enum AssemblyTheme: String, Sendable, Codable, CaseIterable, Comparable {
    case women, children, disability, youth

    public static func < (lhs: AssemblyTheme, rhs: AssemblyTheme) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public var indonesianName: String {
        switch self {
        case .women: "Perempuan"
        case .children: "Anak"
        case .disability: "Disabilitas"
        case .youth: "Pemuda"
        }
    }

    public var englishName: String {
        switch self {
        case .women: "Women"
        case .children: "Children"
        case .disability: "People with disabilities"
        case .youth: "Youth"
        }
    }

    /// "Musrenbang Tematik Perempuan": how papers and pages title a thematic assembly.
    public var assemblyName: LocalizedText {
        .init(id: "Musrenbang tematik \(indonesianName.lowercased())", en: "Thematic musrenbang: \(englishName.lowercased())")
    }

    /// The unsur (attendance role) whose people the theme is for; nil where attendance has none
    /// of its own (children come with their forum's companions and are counted as attendees).
    public var attendanceRole: AttendanceRole? {
        switch self {
        case .women: .womensGroup
        case .children: nil
        case .disability: .disabledGroup
        case .youth: .youth
        }
    }

    /// Whether an attendee belongs to the theme's group: by unsur, and for women also by gender
    /// (a woman attending for her RT is still a woman at the women's musrenbang).
    public func includes(role: AttendanceRole, gender: Gender) -> Bool {
        if self == .women && gender == .female { return true }
        return attendanceRole == role
    }
}

/// How a proposal's theme is set.
public enum ThemeRules {
    /// The theme a proposal gets when it joins the sessions of `joined` (each assembly's theme,
    /// in the order the assemblies were made): a tag it already has is kept (a planner's tag is
    /// never overwritten by a later session); otherwise the first thematic assembly's theme.
    /// Joining only general sessions leaves it untagged.
    public static func tag(current: AssemblyTheme?, joined: [AssemblyTheme?]) -> AssemblyTheme? {
        current ?? joined.lazy.compactMap { $0 }.first
    }

    /// A theme as the API and forms carry it: blank is none (the general musrenbang); anything
    /// else must be one of the themes, else a refusal naming `field`.
    public static func parse(_ raw: String?, field: String = "theme") -> Result<AssemblyTheme?, ValidationError> {
        let text = raw.map(TextRules.trimmed) ?? ""
        guard !text.isEmpty else { return .success(nil) }
        guard let theme = AssemblyTheme(rawValue: text) else {
            let known = AssemblyTheme.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(ValidationError(field: field, code: "\(field).invalid", message: .init(
                id: "Tema tidak dikenal: \(text.prefix(40)). Pilih salah satu: \(known).",
                en: "Unknown theme: \(text.prefix(40)). Choose one of: \(known).")))
        }
        return .success(theme)
    }
}

extension Beneficiaries {
    /// Men (L, laki-laki): the total less the women (P), never below zero.
    public var men: Int { max(0, total - min(women, total)) }

    /// The one line every page and paper prints: "L 30 · P 20 · RTM 5 · difabel 2" (RTM: poor
    /// households, rumah tangga miskin, as the planning papers count the poor).
    public var breakdown: String {
        "L \(men) · P \(min(women, total)) · RTM \(poor) · difabel \(disabled)"
    }
}
