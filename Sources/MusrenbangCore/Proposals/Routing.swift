/// The forums a proposal passes through, in order.
public enum DecisionLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case village, district, agency, regency

    public var next: DecisionLevel? {
        switch self {
        case .village: .district
        case .district: .agency
        case .agency: .regency
        case .regency: nil
        }
    }

    public static func < (lhs: DecisionLevel, rhs: DecisionLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The forum's name, as citizens know it.
    public var forumName: String {
        switch self {
        case .village: "Musrenbang Desa"
        case .district: "Musrenbang Kecamatan"
        case .agency: "Forum Perangkat Daerah"
        case .regency: "Musrenbang Kabupaten"
        }
    }
}

public enum DecisionOutcome: String, Sendable, Codable, CaseIterable {
    case accepted, acceptedWithChanges, merged, rejected, forwarded

    public var indonesianName: String {
        switch self {
        case .accepted: "Diterima"
        case .acceptedWithChanges: "Diterima dengan perubahan"
        case .merged: "Digabungkan"
        case .rejected: "Ditolak"
        case .forwarded: "Diteruskan"
        }
    }
}

/// Where a proposal stands. `pending` means a forum at `level` has yet to decide.
public enum ProposalStatus: String, Sendable, Codable, CaseIterable {
    case pending, accepted, rejected, merged, inProgress, completed

    public var isFinalDecision: Bool { self != .pending }
}

/// A decision as asked for, before the rules have looked at it.
public struct DecisionRequest: Sendable, Hashable, Codable {
    public var level: DecisionLevel
    public var outcome: DecisionOutcome
    public var reason: String?
    public var volume: Double?
    public var estimatedCost: Int64?
    public var mergedInto: ProposalID?
    public var agencyCode: String?

    public init(level: DecisionLevel, outcome: DecisionOutcome, reason: String? = nil, volume: Double? = nil,
                estimatedCost: Int64? = nil, mergedInto: ProposalID? = nil, agencyCode: String? = nil) {
        self.level = level
        self.outcome = outcome
        self.reason = reason
        self.volume = volume
        self.estimatedCost = estimatedCost
        self.mergedInto = mergedInto
        self.agencyCode = agencyCode
    }
}

/// What the routing rules need to know of a proposal.
public struct ProposalState: Sendable, Hashable, Codable {
    public var level: DecisionLevel
    public var status: ProposalStatus
    public var agencyCode: String?
    public var volume: Double
    public var estimatedCost: Int64
    public var mergedInto: ProposalID?
    public var progress: Int

    public init(level: DecisionLevel, status: ProposalStatus = .pending, agencyCode: String? = nil, volume: Double,
                estimatedCost: Int64, mergedInto: ProposalID? = nil, progress: Int = 0) {
        self.level = level
        self.status = status
        self.agencyCode = agencyCode
        self.volume = volume
        self.estimatedCost = estimatedCost
        self.mergedInto = mergedInto
        self.progress = progress
    }

    /// The state of a new proposal: pokir and agency proposals start at the agency forum,
    /// assigned to the agency of their subfield.
    public static func initial(for draft: ProposalDraft) -> ProposalState {
        let level = draft.source.startLevel
        return ProposalState(level: level, agencyCode: level == .agency ? draft.responsibleAgency : nil,
                             volume: draft.volume, estimatedCost: draft.estimatedCost)
    }
}

/// Why a decision was refused: the person may not decide there (403), the proposal is not
/// where the decision assumes (409), or the decision itself is incomplete (422).
public enum DecisionRefusal: Error, Sendable, Equatable {
    case forbidden(LocalizedText)
    case conflict(LocalizedText)
    case invalid(ValidationError)
}

/// The facts about the proposal's place that decide what the village may keep.
public struct ProposalContext: Sendable {
    public var village: RegionCode
    public var fundingSource: FundingSource
    public var subfieldCode: String
    /// The agency of the dictionary item the proposal follows, if it follows one.
    public var catalogAgency: String?

    public init(village: RegionCode, fundingSource: FundingSource, subfieldCode: String, catalogAgency: String? = nil) {
        self.village = village
        self.fundingSource = fundingSource
        self.subfieldCode = subfieldCode
        self.catalogAgency = catalogAgency
    }

    /// Who takes the proposal at the agency forum unless a planner says otherwise.
    public var responsibleAgency: String { Fields.responsibleAgency(subfield: subfieldCode, catalogAgency: catalogAgency) }
}

/// The decision state machine. Every transition a forum can make, and every refusal.
///
/// - village: *accepted* keeps the proposal for the village plan (RKPDes; only a desa, with a
///   village funding source); *forwarded* sends it beyond village authority to the district (DU-RKPDes).
/// - district and agency: *accepted*, *acceptedWithChanges* and *forwarded* all back it and send it
///   to the next forum (the district names the agency, by default the one for its subfield).
/// - regency: *accepted* puts it in the regional plan; nothing lies beyond.
/// - anywhere: *rejected* and *merged* end it. A reason is required for everything but *accepted*.
public enum Routing {
    public static func decide(_ request: DecisionRequest, on state: ProposalState, context: ProposalContext,
                              by principal: Principal) -> Result<ProposalState, DecisionRefusal> {
        if let refusal = authority(principal, level: request.level, state: state, village: context.village) {
            return .failure(refusal)
        }
        if let invalid = completeness(request) { return .failure(.invalid(invalid)) }
        guard state.status == .pending else {
            return .failure(.conflict(.init(id: "Usulan ini sudah diputuskan (\(state.status.rawValue)); keputusan tidak dapat diubah.",
                                            en: "This proposal has already been decided (\(state.status.rawValue)).")))
        }
        guard request.level == state.level else {
            return .failure(.conflict(.init(id: "Usulan berada di \(state.level.forumName), bukan di \(request.level.forumName).",
                                            en: "The proposal is at the \(state.level.rawValue) level, not \(request.level.rawValue).")))
        }
        var next = state
        if request.outcome == .acceptedWithChanges {
            if let volume = request.volume { next.volume = volume }
            if let cost = request.estimatedCost { next.estimatedCost = cost }
        }
        switch request.outcome {
        case .rejected:
            next.status = .rejected
        case .merged:
            next.status = .merged
            next.mergedInto = request.mergedInto
        case .accepted, .acceptedWithChanges, .forwarded:
            switch (state.level, request.outcome) {
            case (.village, .forwarded):
                next.level = .district
            case (.village, _):
                guard context.village.villageKind == .desa else {
                    return .failure(.conflict(.init(id: "Kelurahan tidak memiliki APBDes; teruskan usulan ke kecamatan.",
                                                    en: "A kelurahan has no village budget; forward the proposal to the district.")))
                }
                guard context.fundingSource.isVillageBudget else {
                    return .failure(.conflict(.init(id: "Sumber dana \(context.fundingSource.indonesianName) bukan anggaran desa; teruskan usulan ke kecamatan.",
                                                    en: "\(context.fundingSource.rawValue) is not a village budget source; forward the proposal.")))
                }
                next.status = .accepted
            case (.district, _):
                next.level = .agency
                next.agencyCode = request.agencyCode ?? state.agencyCode ?? context.responsibleAgency
            case (.agency, _):
                next.level = .regency
            case (.regency, .forwarded):
                return .failure(.conflict(.init(id: "Musrenbang Kabupaten adalah forum terakhir; tidak ada tingkat berikutnya.",
                                                en: "The regency forum is the last; there is no level above it.")))
            case (.regency, _):
                next.status = .accepted
            }
        }
        return .success(next)
    }

    /// Whether the person may decide the proposal where it stands now (who may decide at a forum
    /// is `Policy`'s: the village team, the district, the assigned agency, the regency's host).
    public static func mayDecide(_ principal: Principal, state: ProposalState, village: RegionCode) -> Bool {
        state.status == .pending && authority(principal, level: state.level, state: state, village: village) == nil
    }

    static func authority(_ principal: Principal, level: DecisionLevel, state: ProposalState,
                          village: RegionCode) -> DecisionRefusal? {
        let scope = Scope(village, agencyCode: state.agencyCode, level: level)
        return Policy.allows(principal, Policy.decision(at: level), in: scope) ? nil : .forbidden(.init(
            id: "Anda tidak berwenang memutuskan usulan ini di \(level.forumName).",
            en: "You may not decide this proposal at the \(level.rawValue) level."))
    }

    /// What a merge needs of the proposal it goes into: another proposal, of the same district,
    /// still live. (The duplicate's supports move there; a dead end would lose them.)
    public static func mergeTarget(source: ProposalID, district: RegionCode, target: ProposalID?, targetDistrict: RegionCode?,
                                   targetStatus: ProposalStatus?) -> LocalizedText? {
        guard let target, target != source, let targetDistrict, let targetStatus else {
            return .init(id: "Usulan tujuan penggabungan tidak ditemukan.", en: "The merge target does not exist.")
        }
        guard targetDistrict == district, targetStatus != .merged, targetStatus != .rejected else {
            return .init(id: "Usulan hanya dapat digabungkan ke usulan yang masih berjalan di kecamatan yang sama.",
                         en: "A proposal merges only into a live proposal of the same district.")
        }
        return nil
    }

    static func completeness(_ request: DecisionRequest) -> ValidationError? {
        let reason = (request.reason ?? "").trimmingSpaces
        if request.outcome != .accepted && reason.count < 5 {
            return ValidationError(field: "reason", code: "reason.required",
                message: .init(id: "Alasan wajib diisi (minimal 5 karakter) untuk keputusan \(request.outcome.indonesianName.lowercased()).",
                               en: "A reason (at least 5 characters) is required for \(request.outcome.rawValue)."))
        }
        if reason.count > 2000 {
            return ValidationError(field: "reason", code: "reason.length",
                message: .init(id: "Alasan maks. 2000 karakter.", en: "Reason: at most 2000 characters."))
        }
        if request.outcome == .acceptedWithChanges {
            if request.volume == nil && request.estimatedCost == nil {
                return ValidationError(field: "volume", code: "changes.required",
                    message: .init(id: "Diterima dengan perubahan memerlukan volume atau biaya yang baru.",
                                   en: "acceptedWithChanges needs the new volume or estimated cost."))
            }
            if let volume = request.volume, !(volume > 0) {
                return ValidationError(field: "volume", code: "volume.positive",
                    message: .init(id: "Volume harus lebih dari nol.", en: "Volume must be more than zero."))
            }
            if let cost = request.estimatedCost, cost < 0 {
                return ValidationError(field: "estimatedCost", code: "estimatedCost.negative",
                    message: .init(id: "Perkiraan biaya tidak boleh negatif.", en: "The estimated cost cannot be negative."))
            }
            if let cost = request.estimatedCost, cost > ProposalRules.maximumCost {
                return ValidationError(field: "estimatedCost", code: "estimatedCost.tooLarge",
                    message: .init(id: "Perkiraan biaya melebihi Rp 1 triliun.", en: "The estimated cost exceeds Rp 1 trillion."))
            }
        }
        if request.outcome == .merged && request.mergedInto == nil {
            return ValidationError(field: "mergedInto", code: "mergedInto.required",
                message: .init(id: "Pilih usulan tujuan penggabungan.", en: "mergedInto is required for merged."))
        }
        if let agency = request.agencyCode, Agencies.name(agency) == nil {
            return ValidationError(field: "agencyCode", code: "agencyCode.unknown",
                message: .init(id: "Perangkat daerah \(agency) tidak dikenal.", en: "Unknown agency \(agency)."))
        }
        return nil
    }

    /// Realisation of an accepted proposal: progress only moves forward, 100 % completes it.
    public static func recordProgress(_ percent: Int, on state: ProposalState) -> Result<ProposalState, DecisionRefusal> {
        guard state.status == .accepted || state.status == .inProgress else {
            return .failure(.conflict(.init(id: "Hanya usulan yang diterima yang dapat dicatat realisasinya.",
                                            en: "Only accepted proposals record realisation.")))
        }
        guard (0...100).contains(percent) else {
            return .failure(.invalid(ValidationError(field: "progress", code: "progress.range",
                message: .init(id: "Kemajuan harus 0–100 %.", en: "Progress must be 0–100 %."))))
        }
        guard percent >= state.progress else {
            return .failure(.conflict(.init(id: "Kemajuan tidak boleh mundur dari \(state.progress) %.",
                                            en: "Progress cannot go back from \(state.progress) %.")))
        }
        var next = state
        next.progress = percent
        next.status = percent == 100 ? .completed : .inProgress
        return .success(next)
    }
}
