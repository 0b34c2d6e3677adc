import MusrenbangCore

/// The names of the domain's values in the reader's language. Indonesian comes from Core (the
/// domain's own words, also used in official documents); English is kept here beside it.
enum Names {
    static func stage(_ stage: AssemblyStage) -> LocalizedText {
        let en = switch stage {
        case .scheduled: "Scheduled"
        case .checkIn: "Check-in"
        case .opening: "Opening"
        case .dialogue: "Dialogue with the Regent"
        case .proposals: "Proposals"
        case .ranking: "Ranking"
        case .agreement: "Agreement"
        case .closed: "Closed"
        }
        return .init(id: stage.indonesianName, en: en)
    }

    static func attendanceRole(_ role: AttendanceRole) -> LocalizedText {
        let en = switch role {
        case .bpd: "Village council (BPD)"
        case .villageGovernment: "Village government"
        case .rtRw: "RT/RW head"
        case .religiousFigure: "Religious leader"
        case .communityFigure: "Community leader"
        case .youth: "Youth"
        case .womensGroup: "Women's group / PKK"
        case .farmersGroup: "Farmers' group"
        case .poorHousehold: "Poor household"
        case .disabledGroup: "People with disabilities"
        case .community: "Resident"
        case .guestOfficial: "Guest / official"
        }
        return .init(id: role.indonesianName, en: en)
    }

    static func role(_ role: Role) -> LocalizedText {
        let en = switch role {
        case .admin: "System administrator"
        case .planner: "Planning agency (Bappeda)"
        case .host: "Regent (host)"
        case .agency: "Regency agency (OPD)"
        case .council: "Council member (DPRD)"
        case .districtOperator: "District operator"
        case .villageOperator: "Village operator"
        case .citizen: "Citizen"
        }
        return .init(id: role.indonesianName, en: en)
    }

    static func funding(_ source: FundingSource) -> LocalizedText {
        let en = switch source {
        case .villageFund: "Village Fund (DD)"
        case .villageAllocation: "Village Fund Allocation (ADD)"
        case .taxShare: "Tax and levy share"
        case .ownRevenue: "Village own revenue (PADes)"
        case .provincialAid: "Provincial financial aid"
        case .regencyAid: "Regency financial aid"
        case .selfHelp: "Community self-help"
        case .regencyBudget: "Regency budget (APBD)"
        case .provincialBudget: "Provincial budget (APBD)"
        case .nationalBudget: "National budget (APBN)"
        }
        return .init(id: source.indonesianName, en: en)
    }

    static func theme(_ theme: AssemblyTheme) -> LocalizedText {
        .init(id: theme.indonesianName, en: theme.englishName)
    }

    /// "Tematik: Perempuan", the tag lists and rankings show on a thematic proposal.
    static func themeTag(_ theme: AssemblyTheme) -> LocalizedText {
        .init(id: "Tematik: \(theme.indonesianName)", en: "Thematic: \(theme.englishName)")
    }

    static func source(_ source: ProposalSource) -> LocalizedText {
        let en = switch source {
        case .citizen: "Citizen"
        case .onBehalf: "Citizen (entered by an operator)"
        case .group: "Group"
        case .bpd: "Village council (BPD)"
        case .council: "Council proposal (pokir)"
        case .agency: "Regency agency"
        }
        return .init(id: source.indonesianName, en: en)
    }

    static func groupKind(_ kind: GroupKind) -> LocalizedText {
        let en = switch kind {
        case .rt: "RT (neighbourhood)"
        case .rw: "RW (hamlet ward)"
        case .hamlet: "Hamlet (dusun)"
        case .pkk: "PKK (family welfare)"
        case .youth: "Youth organisation"
        case .farmers: "Farmers' group"
        case .women: "Women's group"
        case .disabled: "Disability group"
        case .religious: "Religious group"
        case .other: "Other group"
        }
        return .init(id: kind.indonesianName, en: en)
    }

    static func outcome(_ outcome: DecisionOutcome) -> LocalizedText {
        let en = switch outcome {
        case .accepted: "Accepted"
        case .acceptedWithChanges: "Accepted with changes"
        case .merged: "Merged"
        case .rejected: "Rejected"
        case .forwarded: "Forwarded"
        }
        return .init(id: outcome.indonesianName, en: en)
    }

    static func verification(_ status: VerificationStatus) -> LocalizedText {
        switch status {
        case .notSurveyed: .init(id: "Belum disurvei", en: "Not yet surveyed")
        case .feasible: .init(id: "Layak", en: "Feasible")
        case .notFeasible: .init(id: "Tidak layak", en: "Not feasible")
        }
    }

    static func closeOut(_ state: CloseOutState) -> LocalizedText {
        switch state {
        case .pending: .init(id: "Menunggu berita acara", en: "Awaiting the minutes")
        case .submitted: .init(id: "Diserahkan, menunggu kecamatan", en: "Submitted, awaiting the kecamatan")
        case .validated: .init(id: "Disahkan kecamatan", en: "Validated by the kecamatan")
        case .incident: .init(id: "Insiden dicatat", en: "Incident recorded")
        }
    }

    /// "Kertas 3 lebih banyak (L +1, P +2)": how the paper differs from the check-ins.
    static func difference(_ comparison: AttendanceComparison) -> LocalizedText {
        guard case .mismatch(let total, let men, let women) = comparison else { return .init(id: "Sesuai", en: "Matches") }
        func signed(_ n: Int) -> String { n > 0 ? "+\(n)" : "\(n)" }
        let id = "L \(signed(men)), P \(signed(women))", en = "men \(signed(men)), women \(signed(women))"
        if total > 0 { return .init(id: "Kertas \(total) lebih banyak (\(id))", en: "The paper says \(total) more (\(en))") }
        if total < 0 { return .init(id: "Kertas \(-total) lebih sedikit (\(id))", en: "The paper says \(-total) fewer (\(en))") }
        return .init(id: "Jumlah sama, pembagian berbeda (\(id))", en: "Same total, split differently (\(en))")
    }

    static func forum(_ level: DecisionLevel) -> LocalizedText {
        let en = switch level {
        case .village: "village forum"
        case .district: "district forum"
        case .agency: "agency forum"
        case .regency: "regency forum"
        }
        return .init(id: level.forumName, en: en)
    }

    static func regionLevel(_ level: RegionLevel) -> LocalizedText {
        let en = switch level {
        case .province: "Province"
        case .regency: "Regency/City"
        case .district: "District"
        case .village: "Village"
        }
        return .init(id: level.indonesianName, en: en)
    }

    static func villageKind(_ kind: VillageKind) -> LocalizedText {
        switch kind {
        case .desa: .init(id: "Desa", en: "Village")
        case .kelurahan: .init(id: "Kelurahan", en: "Urban ward")
        }
    }

    /// "Desa Bubuk" / "Bubuk village": the kind of village matters to officials (a kelurahan has no village budget).
    static func village(_ code: RegionCode, _ name: String) -> LocalizedText {
        code.villageKind == .kelurahan ? .init(id: "Kelurahan \(name)", en: "\(name) urban ward")
            : .init(id: "Desa \(name)", en: "\(name) village")
    }

    static func district(_ name: String) -> LocalizedText {
        .init(id: "Kecamatan \(name)", en: "\(name) district")
    }

    static func kind(_ kind: ProposalKind) -> LocalizedText {
        switch kind {
        case .physical: .init(id: "Fisik", en: "Physical works")
        case .nonPhysical: .init(id: "Non-fisik", en: "Non-physical")
        }
    }

    static func gender(_ gender: Gender) -> LocalizedText {
        switch gender {
        case .female: .init(id: "Perempuan", en: "Female")
        case .male: .init(id: "Laki-laki", en: "Male")
        }
    }

    static func decisionMethod(_ method: DecisionMethod) -> LocalizedText {
        switch method {
        case .consensus: .init(id: "Musyawarah mufakat", en: "Consensus")
        case .vote: .init(id: "Pemungutan suara", en: "Vote")
        }
    }

    /// A proposal's status as a list shows it.
    static func status(_ status: ProposalStatus) -> LocalizedText {
        switch status {
        case .pending: .init(id: "Sedang dibahas", en: "Under discussion")
        case .accepted: .init(id: "Diterima", en: "Accepted")
        case .rejected: .init(id: "Ditolak", en: "Rejected")
        case .merged: .init(id: "Digabungkan", en: "Merged")
        case .inProgress: .init(id: "Sedang dikerjakan", en: "In progress")
        case .completed: .init(id: "Selesai", en: "Completed")
        }
    }

    /// Where a proposal stands, as its page says it.
    static func standing(_ state: ProposalState) -> LocalizedText {
        let forum = forum(state.level)
        return switch state.status {
        case .pending: .init(id: "Dibahas di \(forum.id)", en: "Under discussion at the \(forum.en)")
        case .accepted: state.level == .village ? .init(id: "Diterima dalam RKPDes", en: "Accepted into the village plan (RKPDes)")
            : .init(id: "Diterima dalam RKPD", en: "Accepted into the regional plan (RKPD)")
        case .rejected: .init(id: "Ditolak di \(forum.id)", en: "Rejected at the \(forum.en)")
        case .merged: .init(id: "Digabungkan", en: "Merged")
        case .inProgress: .init(id: "Sedang dikerjakan (\(state.progress) %)", en: "In progress (\(state.progress) %)")
        case .completed: .init(id: "Selesai dikerjakan", en: "Completed")
        }
    }

    static func field(_ code: String) -> LocalizedText {
        let id = Fields.field(code)?.name ?? Fields.subfield(code)?.name ?? code
        return .init(id: id, en: fieldsInEnglish[code] ?? id)
    }

    static func agency(_ code: String) -> LocalizedText {
        let id = Agencies.name(code) ?? code
        return .init(id: id, en: agenciesInEnglish[code] ?? id)
    }

    /// Permendagri 20/2018's classification, in English.
    static let fieldsInEnglish: [String: String] = [
        "01": "Village government administration",
        "01.01": "Fixed income, allowances and operations of the village government",
        "01.02": "Village government facilities",
        "01.03": "Population administration, civil registry, statistics and archives",
        "01.04": "Governance, planning, finance and reporting",
        "01.05": "Land affairs",
        "02": "Village development",
        "02.01": "Education", "02.02": "Health", "02.03": "Public works and spatial planning", "02.04": "Settlements",
        "02.05": "Forestry and environment", "02.06": "Transport, communication and informatics", "02.07": "Energy and mineral resources",
        "02.08": "Tourism",
        "03": "Community development",
        "03.01": "Public order and protection", "03.02": "Culture and religion", "03.03": "Youth and sport",
        "03.04": "Community institutions",
        "04": "Community empowerment",
        "04.01": "Marine affairs and fisheries", "04.02": "Agriculture and livestock", "04.03": "Capacity of village officials",
        "04.04": "Women's empowerment, child protection and family", "04.05": "Cooperatives and small businesses (MSMEs)",
        "04.06": "Investment support", "04.07": "Trade and industry",
        "05": "Disasters, emergencies and urgent needs",
        "05.01": "Disaster management", "05.02": "Emergencies", "05.03": "Urgent needs",
    ]

    static let agenciesInEnglish: [String: String] = [
        "PUPR": "Public Works and Spatial Planning Agency", "DISDIK": "Education Agency", "DINKES": "Health Agency",
        "DLH": "Environment Agency", "DISHUB": "Transport Agency", "DISBUDPAR": "Culture and Tourism Agency",
        "DKP": "Marine and Fisheries Agency", "DISPERTAN": "Agriculture and Food Agency",
        "DP3AKB": "Women's Empowerment, Child Protection and Family Planning Agency",
        "DISKOPUMDAG": "Cooperatives, Micro Business and Trade Agency", "BPBD": "Regional Disaster Management Agency",
        "DISPEMASDES": "Community and Village Empowerment Agency",
    ]
}
