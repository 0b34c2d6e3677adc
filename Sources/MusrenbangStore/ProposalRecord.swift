import Foundation
import MusrenbangCore
import SQLKit

/// A stored proposal: what was submitted, and where it stands now.
public struct ProposalRecord: Sendable, Equatable {
    public let id: ProposalID
    public let draft: ProposalDraft
    public let districtCode: RegionCode
    public let proposerId: UserID?
    public let enteredBy: UserID
    public let state: ProposalState
    public let supportCount: Int
    public let score: Double?
    public let priority: Int?
    /// The latest field verification (not surveyed until an agency records one).
    public let verification: FieldVerification
    /// The thematic musrenbang it belongs to (the session it joined, or a planner's or operator's tag).
    public let theme: AssemblyTheme?
    public let createdAt: Date
    public let updatedAt: Date

    static let columns = [
        "id", "village_code", "district_code", "year", "title", "problem", "activity", "field_code", "subfield_code",
        "kind", "hamlet", "rw", "rt", "lat", "lng", "volume", "unit", "estimated_cost", "funding_source",
        "beneficiaries_total", "beneficiaries_women", "beneficiaries_poor", "beneficiaries_disabled", "sdg", "source",
        "group_kind", "group_name", "proposer_id", "entered_by", "show_proposer_name", "level", "status", "agency_code",
        "current_volume", "current_cost", "merged_into", "progress", "support_count", "score", "priority",
        "created_at", "updated_at", "catalog_item_id", "unit_price", "catalog_agency_code",
        "verification_status", "verification_reason", "verification_notes", "verified_on", "verification_lat", "verification_lng",
        "theme",
    ]

    static func decode(_ row: any SQLRow) throws -> ProposalRecord {
        func text(_ column: String) throws -> String { try row.decode(column: column, as: String.self) }
        func optionalText(_ column: String) throws -> String? { try row.decode(column: column, as: String?.self) }
        let draft = ProposalDraft(
            villageCode: try row.decodeRegion("village_code"),
            year: try row.decode(column: "year", as: Int.self),
            title: try text("title"), problem: try text("problem"), activity: try text("activity"),
            fieldCode: try text("field_code"), subfieldCode: try text("subfield_code"),
            kind: try row.decode("kind", as: ProposalKind.self),
            location: ProposalLocation(hamlet: try optionalText("hamlet"), rw: try optionalText("rw"), rt: try optionalText("rt"),
                                       lat: try row.decode(column: "lat", as: Double?.self),
                                       lng: try row.decode(column: "lng", as: Double?.self)),
            volume: try row.decode(column: "volume", as: Double.self),
            unit: try text("unit"),
            estimatedCost: try row.decode(column: "estimated_cost", as: Int64.self),
            fundingSource: try row.decode("funding_source", as: FundingSource.self),
            beneficiaries: Beneficiaries(total: try row.decode(column: "beneficiaries_total", as: Int.self),
                                         women: try row.decode(column: "beneficiaries_women", as: Int.self),
                                         poor: try row.decode(column: "beneficiaries_poor", as: Int.self),
                                         disabled: try row.decode(column: "beneficiaries_disabled", as: Int.self)),
            sdg: try row.decode(column: "sdg", as: Int?.self),
            source: try row.decode("source", as: ProposalSource.self),
            groupKind: try row.decode("group_kind", as: GroupKind?.self),
            groupName: try optionalText("group_name"),
            showProposerName: try row.decode(column: "show_proposer_name", as: Bool.self),
            catalog: try optionalText("catalog_item_id").map {
                CatalogChoice(itemId: $0, unitPrice: try row.decode(column: "unit_price", as: Int64?.self) ?? 0,
                              agencyCode: try optionalText("catalog_agency_code") ?? "")
            }
        )
        let state = ProposalState(
            level: try row.decode("level", as: DecisionLevel.self),
            status: try row.decode("status", as: ProposalStatus.self),
            agencyCode: try optionalText("agency_code"),
            volume: try row.decode(column: "current_volume", as: Double.self),
            estimatedCost: try row.decode(column: "current_cost", as: Int64.self),
            mergedInto: try row.decodeID("merged_into", as: ProposalID?.self),
            progress: try row.decode(column: "progress", as: Int.self)
        )
        return ProposalRecord(
            id: try row.decodeID("id", as: ProposalID.self), draft: draft,
            districtCode: try row.decodeRegion("district_code"),
            proposerId: try row.decodeID("proposer_id", as: UserID?.self),
            enteredBy: try row.decodeID("entered_by", as: UserID.self),
            state: state,
            supportCount: try row.decode(column: "support_count", as: Int.self),
            score: try row.decode(column: "score", as: Double?.self),
            priority: try row.decode(column: "priority", as: Int?.self),
            verification: FieldVerification(
                status: try row.decode("verification_status", as: VerificationStatus.self),
                reason: try optionalText("verification_reason"),
                surveyedOn: try optionalText("verified_on").flatMap { CalendarDate(iso: $0) },
                notes: try optionalText("verification_notes"),
                lat: try row.decode(column: "verification_lat", as: Double?.self),
                lng: try row.decode(column: "verification_lng", as: Double?.self)),
            theme: try row.decode("theme", as: AssemblyTheme?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}

/// One line of a proposal's append-only history.
public struct HistoryEntry: Sendable, Equatable, Codable {
    public enum Event: String, Sendable, Codable {
        case submitted, decision, priority, realisation, agencyAssigned, mergedIn, verified
        /// SIPD gave the accepted proposal its budget line and amount.
        case budgeted
        /// A planner or operator tagged the proposal with a theme, or cleared it (`changes.theme`).
        case themed
    }

    public let id: Int64
    public let event: Event
    public let level: DecisionLevel?
    public let outcome: DecisionOutcome?
    public let reason: String?
    public let changes: [String: String]?
    public let actorId: UserID?
    public let actorRole: Role?
    public let createdAt: Date

    static let columns = ["id", "event", "level", "outcome", "reason", "changes", "actor_id", "actor_role", "created_at"]

    static func decode(_ row: any SQLRow) throws -> HistoryEntry {
        let changesText = try row.decode(column: "changes", as: String?.self)
        return HistoryEntry(
            id: try row.decode(column: "id", as: Int64.self),
            event: try row.decode("event", as: Event.self),
            level: try row.decode("level", as: DecisionLevel?.self),
            outcome: try row.decode("outcome", as: DecisionOutcome?.self),
            reason: try row.decode(column: "reason", as: String?.self),
            changes: changesText.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) },
            actorId: try row.decodeID("actor_id", as: UserID?.self),
            actorRole: try row.decode("actor_role", as: Role?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self)
        )
    }
}

/// Filters of the proposal list; every one optional.
public struct ProposalFilter: Sendable {
    public var village: RegionCode?
    public var district: RegionCode?
    public var status: ProposalStatus?
    public var level: DecisionLevel?
    public var field: String?
    public var year: Int?
    public var source: ProposalSource?
    public var agency: String?
    /// Proposals a person made or entered for someone else ("Usulan saya").
    public var mine: UserID?
    public var query: String?
    /// Proposals of one thematic musrenbang.
    public var theme: AssemblyTheme?

    public init(village: RegionCode? = nil, district: RegionCode? = nil, status: ProposalStatus? = nil, level: DecisionLevel? = nil,
                field: String? = nil, year: Int? = nil, source: ProposalSource? = nil, agency: String? = nil,
                mine: UserID? = nil, query: String? = nil, theme: AssemblyTheme? = nil) {
        self.theme = theme
        self.village = village
        self.district = district
        self.status = status
        self.level = level
        self.field = field
        self.year = year
        self.source = source
        self.agency = agency
        self.mine = mine
        self.query = query
    }
}
