import Foundation
import MusrenbangCore
import SQLKit

/// What the official papers, the dashboards and the open data read: grouped figures, the lists a
/// forum produced with their reasons, and whole tables streamed in batches so an export of the
/// whole regency never holds it in memory.
public struct ReportStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// Where the proposals of a year stand, grouped finely enough for every recap and chart.
    public struct Standing: Sendable, Equatable {
        public let district: RegionCode
        public let fieldCode: String
        public let source: ProposalSource
        public let level: DecisionLevel
        public let status: ProposalStatus
        public let agencyCode: String?
        public let count: Int
        public let cost: Int64
    }

    public func standing(year: Int) async throws -> [Standing] {
        let groups = ["district_code", "field_code", "source", "level", "status", "agency_code"]
        var select = database.sql.select().columns(groups.map { SQLColumn($0) })
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            // PostgreSQL sums BIGINT into NUMERIC; the cast brings both databases to one type.
            .column(SQLRaw("CAST(COALESCE(SUM(current_cost), 0) AS BIGINT)"), as: "cost")
            .from("proposals").where("year", .equal, year)
        for column in groups { select = select.groupBy(column) }
        return try await select.all().map {
            Standing(district: try $0.decodeRegion("district_code"), fieldCode: try $0.decode(column: "field_code", as: String.self),
                     source: try $0.decode("source", as: ProposalSource.self), level: try $0.decode("level", as: DecisionLevel.self),
                     status: try $0.decode("status", as: ProposalStatus.self),
                     agencyCode: try $0.decode(column: "agency_code", as: String?.self),
                     count: try $0.decode(column: "n", as: Int.self), cost: try $0.decode(column: "cost", as: Int64.self))
        }
    }

    /// A year's proposals of one theme (nil: the general musrenbang) and the people they would serve.
    public struct ThemeCount: Sendable, Equatable {
        public let theme: AssemblyTheme?
        public let count: Int
        public let beneficiaries: Beneficiaries
    }

    /// Proposals and beneficiaries per theme for the year, merged proposals left out (their
    /// people are counted in the proposal they joined).
    public func themes(year: Int) async throws -> [ThemeCount] {
        try await database.sql.select().column("theme")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLRaw("CAST(COALESCE(SUM(beneficiaries_total), 0) AS BIGINT)"), as: "total")
            .column(SQLRaw("CAST(COALESCE(SUM(beneficiaries_women), 0) AS BIGINT)"), as: "women")
            .column(SQLRaw("CAST(COALESCE(SUM(beneficiaries_poor), 0) AS BIGINT)"), as: "poor")
            .column(SQLRaw("CAST(COALESCE(SUM(beneficiaries_disabled), 0) AS BIGINT)"), as: "disabled")
            .from("proposals").where("year", .equal, year).where("status", .notEqual, ProposalStatus.merged.rawValue)
            .groupBy("theme").all().map { row in
                func sum(_ column: String) throws -> Int { Int(try row.decode(column: column, as: Int64.self)) }
                return ThemeCount(theme: try row.decode("theme", as: AssemblyTheme?.self), count: try row.decode(column: "n", as: Int.self),
                                  beneficiaries: Beneficiaries(total: try sum("total"), women: try sum("women"),
                                                               poor: try sum("poor"), disabled: try sum("disabled")))
            }
            .sorted { ($0.theme.map { AssemblyTheme.allCases.firstIndex(of: $0)! } ?? -1) < ($1.theme.map { AssemblyTheme.allCases.firstIndex(of: $0)! } ?? -1) }
    }

    /// The plan years that have proposals.
    public func standingYears() async throws -> [Int] {
        try await database.sql.select().distinct().column("year").from("proposals").orderBy("year").all()
            .map { try $0.decode(column: "year", as: Int.self) }
    }

    /// The licence notice of the bundled region list (MIT), to travel with every copy of it.
    public static var regionListLicence: String {
        guard let url = Bundle.module.url(forResource: "LICENSE", withExtension: nil, subdirectory: "Resources/wilayah") else { return "" }
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    /// Every district's indicative ceiling for the year.
    public func ceilings(year: Int) async throws -> [RegionCode: Int64] {
        var result: [RegionCode: Int64] = [:]
        for row in try await database.sql.select().columns("district_code", "amount").from("ceilings").where("year", .equal, year).all() {
            result[try row.decodeRegion("district_code")] = try row.decode(column: "amount", as: Int64.self)
        }
        return result
    }

    /// The proposals a district backed onwards that still stand: its priority list (Tabel T-D.4),
    /// the same set `PlanningStore.ceilingUse` counts against the ceiling.
    public func backedByDistrict(_ district: RegionCode, year: Int) async throws -> [ProposalRecord] {
        try await database.sql.select().columns(ProposalRecord.columns.map { SQLColumn($0) }).from("proposals")
            .where("district_code", .equal, district.description).where("year", .equal, year)
            .where("level", .in, [DecisionLevel.agency.rawValue, DecisionLevel.regency.rawValue])
            .where("status", .notIn, [ProposalStatus.rejected.rawValue, ProposalStatus.merged.rawValue])
            .where("source", .notIn, [ProposalSource.council.rawValue, ProposalSource.agency.rawValue])
            .orderBy("id").all().map(ProposalRecord.decode)
    }

    /// A rejected proposal and the forum's reason.
    public struct Refusal: Sendable {
        public let proposal: ProposalRecord
        public let level: DecisionLevel
        public let reason: String
    }

    /// Rejected proposals with their reasons, in batches by id: of one district (and forum) or
    /// of the whole tenant.
    public func refusals(year: Int, district: RegionCode? = nil, level: DecisionLevel? = nil, batchSize: Int = 1000,
                         _ body: ([Refusal]) async throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            var select = database.sql.select()
                .columns(ProposalRecord.columns.map { SQLColumn($0, table: "proposals") })
                .column(SQLColumn("reason", table: "proposal_history"), as: "refusal_reason")
                .column(SQLColumn("level", table: "proposal_history"), as: "refusal_level")
                .from("proposals")
                .join("proposal_history", on: SQLColumn("proposal_id", table: "proposal_history"), .equal, SQLColumn("id", table: "proposals"))
                .where(SQLColumn("event", table: "proposal_history"), .equal, SQLBind(HistoryEntry.Event.decision.rawValue))
                .where(SQLColumn("outcome", table: "proposal_history"), .equal, SQLBind(DecisionOutcome.rejected.rawValue))
                .where(SQLColumn("status", table: "proposals"), .equal, SQLBind(ProposalStatus.rejected.rawValue))
                .where(SQLColumn("year", table: "proposals"), .equal, SQLBind(year))
                .where(SQLColumn("id", table: "proposals"), .greaterThan, SQLBind(after))
            if let district { select = select.where(SQLColumn("district_code", table: "proposals"), .equal, SQLBind(district.description)) }
            if let level { select = select.where(SQLColumn("level", table: "proposals"), .equal, SQLBind(level.rawValue)) }
            let batch = try await select.orderBy(SQLColumn("id", table: "proposals")).limit(batchSize).all().map {
                Refusal(proposal: try ProposalRecord.decode($0), level: try $0.decode("refusal_level", as: DecisionLevel.self),
                        reason: try $0.decode(column: "refusal_reason", as: String?.self) ?? "")
            }
            guard let last = batch.last else { return }
            try await body(batch)
            after = last.proposal.id.rawValue
        }
    }

    /// Every proposal of a year (of a village or district, or all), in batches by id.
    public func proposals(year: Int?, village: RegionCode? = nil, district: RegionCode? = nil, batchSize: Int = 1000,
                          _ body: ([ProposalRecord]) async throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            var select = database.sql.select().columns(ProposalRecord.columns.map { SQLColumn($0) }).from("proposals")
                .where("id", .greaterThan, after)
            if let year { select = select.where("year", .equal, year) }
            if let village { select = select.where("village_code", .equal, village.description) }
            if let district { select = select.where("district_code", .equal, district.description) }
            let batch = try await select.orderBy("id").limit(batchSize).all().map(ProposalRecord.decode)
            guard let last = batch.last else { return }
            try await body(batch)
            after = last.id.rawValue
        }
    }

    /// One decision of a forum, as the open API lists it (no actor: who decided is the forum).
    public struct Decision: Sendable, Equatable {
        public let id: Int64
        public let proposalId: ProposalID
        public let villageCode: RegionCode
        public let year: Int
        public let level: DecisionLevel
        public let outcome: DecisionOutcome
        public let reason: String?
        public let decidedAt: Date
    }

    /// Decisions in the order they were taken, after a cursor; optionally of one place or year.
    public func decisions(after: Int64, limit: Int, village: RegionCode? = nil, district: RegionCode? = nil,
                          year: Int? = nil) async throws -> [Decision] {
        var select = database.sql.select()
            .column(SQLColumn("id", table: "proposal_history")).column(SQLColumn("proposal_id", table: "proposal_history"))
            .column(SQLColumn("level", table: "proposal_history")).column(SQLColumn("outcome", table: "proposal_history"))
            .column(SQLColumn("reason", table: "proposal_history")).column(SQLColumn("created_at", table: "proposal_history"))
            .column(SQLColumn("village_code", table: "proposals")).column(SQLColumn("year", table: "proposals"))
            .from("proposal_history")
            .join("proposals", on: SQLColumn("proposal_id", table: "proposal_history"), .equal, SQLColumn("id", table: "proposals"))
            .where(SQLColumn("event", table: "proposal_history"), .equal, SQLBind(HistoryEntry.Event.decision.rawValue))
            .where(SQLColumn("id", table: "proposal_history"), .greaterThan, SQLBind(after))
        if let village { select = select.where(SQLColumn("village_code", table: "proposals"), .equal, SQLBind(village.description)) }
        if let district { select = select.where(SQLColumn("district_code", table: "proposals"), .equal, SQLBind(district.description)) }
        if let year { select = select.where(SQLColumn("year", table: "proposals"), .equal, SQLBind(year)) }
        return try await select.orderBy(SQLColumn("id", table: "proposal_history")).limit(limit).all().map {
            Decision(id: try $0.decode(column: "id", as: Int64.self), proposalId: try $0.decodeID("proposal_id", as: ProposalID.self),
                     villageCode: try $0.decodeRegion("village_code"), year: try $0.decode(column: "year", as: Int.self),
                     level: try $0.decode("level", as: DecisionLevel.self), outcome: try $0.decode("outcome", as: DecisionOutcome.self),
                     reason: try $0.decode(column: "reason", as: String?.self),
                     decidedAt: try $0.decode(column: "created_at", as: Date.self))
        }
    }

    /// When anything a public list shows last changed: the newest history line (every change of
    /// a proposal writes one) — the `Last-Modified` and `ETag` of the open API.
    public func lastChange() async throws -> (id: Int64, at: Date)? {
        guard let row = try await database.sql.select().columns("id", "created_at").from("proposal_history")
            .orderBy("id", .descending).limit(1).first() else { return nil }
        return (try row.decode(column: "id", as: Int64.self), try row.decode(column: "created_at", as: Date.self))
    }

    // MARK: assemblies

    public struct AttendanceGroup: Sendable, Equatable {
        public let place: RegionCode
        public let gender: Gender
        public let role: AttendanceRole
        public let count: Int
    }

    /// An assembly's attendance counted by place, gender and unsur.
    public func attendance(_ assembly: AssemblyID) async throws -> [AttendanceGroup] {
        try await database.sql.select().columns("village_code", "gender", "role")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("attendance").where("assembly_id", .equal, assembly.rawValue)
            .groupBy("village_code").groupBy("gender").groupBy("role").all().map {
                AttendanceGroup(place: try $0.decodeRegion("village_code"), gender: try $0.decode("gender", as: Gender.self),
                                role: try $0.decode("role", as: AttendanceRole.self), count: try $0.decode(column: "n", as: Int.self))
            }
    }

    /// The places of an assembly whose minutes are final.
    public func finalMinutes(_ assembly: AssemblyID) async throws -> Set<RegionCode> {
        Set(try await database.sql.select().column("village_code").from("minutes").where("assembly_id", .equal, assembly.rawValue)
            .where("finalized_at", .isNot, SQLLiteral.null).all().map { try $0.decodeRegion("village_code") })
    }

    /// The latest assembly (rehearsals excluded) of a level for a plan year.
    public func latestAssembly(regency: RegionCode, level: AssemblyLevel, planYear: Int) async throws -> AssemblyRecord? {
        try await database.sql.select().columns(AssemblyRecord.columns.map { SQLColumn($0) }).from("assemblies")
            .where("regency_code", .equal, regency.description).where("level", .equal, level.rawValue)
            .where("plan_year", .equal, planYear).where("rehearsal_of", .is, SQLLiteral.null)
            .orderBy("starts_at", .descending).limit(1).first().map(AssemblyRecord.decode)
    }

    /// The reasons given for rejections in a year, with how often each was given, most frequent first.
    public func rejectionReasons(year: Int, limit: Int = 10) async throws -> [(reason: String, level: DecisionLevel, count: Int)] {
        try await database.sql.select()
            .column(SQLColumn("reason", table: "proposal_history")).column(SQLColumn("level", table: "proposal_history"))
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("proposal_history")
            .join("proposals", on: SQLColumn("proposal_id", table: "proposal_history"), .equal, SQLColumn("id", table: "proposals"))
            .where(SQLColumn("event", table: "proposal_history"), .equal, SQLBind(HistoryEntry.Event.decision.rawValue))
            .where(SQLColumn("outcome", table: "proposal_history"), .equal, SQLBind(DecisionOutcome.rejected.rawValue))
            .where(SQLColumn("year", table: "proposals"), .equal, SQLBind(year))
            .groupBy(SQLColumn("reason", table: "proposal_history")).groupBy(SQLColumn("level", table: "proposal_history"))
            .orderBy(SQLOrderBy(expression: SQLIdentifier("n"), direction: SQLDirection.descending)).limit(limit).all().map {
                (try $0.decode(column: "reason", as: String?.self) ?? "", try $0.decode("level", as: DecisionLevel.self),
                 try $0.decode(column: "n", as: Int.self))
            }
    }

    // MARK: program mappings

    public func programMappings() async throws -> [String: ProgramMapping] {
        var result: [String: ProgramMapping] = [:]
        for row in try await database.sql.select().columns("subfield_code", "regional_priority", "regional_target", "program")
            .from("program_mappings").all() {
            let mapping = ProgramMapping(subfieldCode: try row.decode(column: "subfield_code", as: String.self),
                                         regionalPriority: try row.decode(column: "regional_priority", as: String.self),
                                         regionalTarget: try row.decode(column: "regional_target", as: String.self),
                                         program: try row.decode(column: "program", as: String.self))
            result[mapping.subfieldCode] = mapping
        }
        return result
    }

    /// Writes one sub-bidang's mapping; an empty mapping removes it.
    public func setProgramMapping(_ mapping: ProgramMapping, by user: UserID) async throws {
        try await database.transaction { connection in
            try await connection.delete(from: "program_mappings").where("subfield_code", .equal, mapping.subfieldCode).run()
            guard !mapping.isEmpty else { return }
            try await connection.insert(into: "program_mappings")
                .columns("subfield_code", "regional_priority", "regional_target", "program", "updated_by", "updated_at")
                .values(SQLBind(mapping.subfieldCode), SQLBind(mapping.regionalPriority), SQLBind(mapping.regionalTarget),
                        SQLBind(mapping.program), SQLBind(user.rawValue), SQLBind(Date())).run()
        }
    }
}
