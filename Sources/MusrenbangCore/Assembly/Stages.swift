/// The stages of a deliberation, in order. The hub (the central venue) leads; each village
/// session follows when its operator moves it, possibly behind, never ahead.
public enum AssemblyStage: String, Sendable, Codable, CaseIterable, Comparable {
    case scheduled, checkIn, opening, dialogue, proposals, ranking, agreement, closed

    public var index: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: AssemblyStage, rhs: AssemblyStage) -> Bool { lhs.index < rhs.index }

    public var next: AssemblyStage? {
        index + 1 < Self.allCases.count ? Self.allCases[index + 1] : nil
    }

    public var indonesianName: String {
        switch self {
        case .scheduled: "Terjadwal"
        case .checkIn: "Registrasi peserta"
        case .opening: "Pembukaan"
        case .dialogue: "Dialog dengan Bupati"
        case .proposals: "Penyampaian usulan"
        case .ranking: "Pemeringkatan"
        case .agreement: "Kesepakatan"
        case .closed: "Selesai"
        }
    }

    /// People can be checked in from registration until the session closes.
    public var acceptsAttendance: Bool { self >= .checkIn && self < .closed }
}

public enum AssemblyLevel: String, Sendable, Codable, CaseIterable {
    case village, district, regency
}

/// Why a stage change was refused.
public struct StageRefusal: Error, Sendable, Equatable {
    public let message: LocalizedText
}

public enum StageRules {
    /// The hub moves one stage at a time, forwards only.
    public static func hub(from current: AssemblyStage, to target: AssemblyStage) -> StageRefusal? {
        guard target == current.next else {
            return StageRefusal(message: .init(
                id: "Tahap berikutnya setelah \(current.indonesianName) adalah \(current.next?.indonesianName ?? "—"), bukan \(target.indonesianName).",
                en: "The stage after \(current.rawValue) is \(current.next?.rawValue ?? "none"), not \(target.rawValue)."))
        }
        return nil
    }

    /// A village session moves forwards, never past the hub, and closes only once its ranking
    /// has been agreed.
    public static func session(from current: AssemblyStage, to target: AssemblyStage, hub: AssemblyStage,
                               rankingAgreed: Bool) -> StageRefusal? {
        if target <= current {
            return StageRefusal(message: .init(id: "Tahap desa hanya dapat maju.", en: "A village session only moves forwards."))
        }
        if target == .closed {
            guard rankingAgreed else {
                return StageRefusal(message: .init(id: "Sesi desa belum dapat ditutup: peringkat usulan belum disepakati.",
                                                   en: "The session cannot close before its ranking is agreed."))
            }
            guard hub >= .agreement else {
                return StageRefusal(message: .init(id: "Sesi desa tidak boleh mendahului tuan rumah.",
                                                   en: "A village session cannot run ahead of the hub."))
            }
            return nil
        }
        if target > hub {
            return StageRefusal(message: .init(id: "Sesi desa tidak boleh mendahului tuan rumah (\(hub.indonesianName)).",
                                               en: "A village session cannot run ahead of the hub (\(hub.rawValue))."))
        }
        return nil
    }
}

/// The constituency (unsur) a participant attends for. Raw values are an API contract.
public enum AttendanceRole: String, Sendable, Codable, CaseIterable {
    case bpd, villageGovernment, rtRw, religiousFigure, communityFigure, youth, womensGroup, farmersGroup
    case poorHousehold, disabledGroup, community, guestOfficial

    public var indonesianName: String {
        switch self {
        case .bpd: "BPD"
        case .villageGovernment: "Pemerintah desa"
        case .rtRw: "Ketua RT/RW"
        case .religiousFigure: "Tokoh agama"
        case .communityFigure: "Tokoh masyarakat"
        case .youth: "Pemuda / karang taruna"
        case .womensGroup: "Kelompok perempuan / PKK"
        case .farmersGroup: "Kelompok tani"
        case .poorHousehold: "Rumah tangga miskin"
        case .disabledGroup: "Kelompok difabel"
        case .community: "Warga"
        case .guestOfficial: "Undangan / pejabat"
        }
    }
}

/// A question or opinion for the host, and what moderators did with it.
public enum QuestionStatus: String, Sendable, Codable, CaseIterable {
    case pending, approved, hidden, answered
}

public enum DecisionMethod: String, Sendable, Codable, CaseIterable {
    case consensus, vote
}
