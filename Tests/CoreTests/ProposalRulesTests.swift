import Testing
@testable import MusrenbangCore

func sampleDraft(source: ProposalSource = .citizen, funding: FundingSource = .villageFund,
                 village: String = "35.10.13.2007") -> ProposalDraft {
    ProposalDraft(villageCode: RegionCode(village)!, year: 2027, title: "Perbaikan jalan dusun Krajan",
                  problem: "Jalan berlubang sepanjang 350 m, sulit dilalui saat hujan.",
                  activity: "Pengaspalan jalan lingkungan", fieldCode: "02", subfieldCode: "02.03",
                  kind: .physical, location: .init(hamlet: "Krajan", rw: "02", rt: "01", lat: -8.28, lng: 114.3),
                  volume: 350, unit: "m", estimatedCost: 175_000_000, fundingSource: funding,
                  beneficiaries: .init(total: 420, women: 210, poor: 60, disabled: 4), sdg: 9, source: source)
}

@Suite("Proposal rules")
struct ProposalRulesTests {
    func codes(_ change: (inout ProposalDraft) -> Void) -> [String] {
        var draft = sampleDraft()
        change(&draft)
        return ProposalRules.validate(draft, currentYear: 2026).map(\.code)
    }

    @Test func aCompleteDraftPasses() {
        #expect(ProposalRules.validate(sampleDraft(), currentYear: 2026).isEmpty)
    }

    @Test func eachRefusalNamesItsField() {
        #expect(codes { $0.title = "  " } == ["required"])
        #expect(codes { $0.title = "abc" } == ["title.length"])
        #expect(codes { $0.problem = "" } == ["required"])
        #expect(codes { $0.fieldCode = "06" } == ["fieldCode.unknown"])
        #expect(codes { $0.subfieldCode = "03.01" } == ["subfieldCode.unknown"])
        #expect(codes { $0.volume = 0 } == ["volume.positive"])
        #expect(codes { $0.volume = -3 } == ["volume.positive"])
        #expect(codes { $0.volume = .nan } == ["volume.positive"])
        #expect(codes { $0.estimatedCost = -1 } == ["estimatedCost.negative"])
        #expect(codes { $0.year = 2030 } == ["year.range"])
        #expect(codes { $0.sdg = 19 } == ["sdg.range"])
        #expect(codes { $0.sdg = 0 } == ["sdg.range"])
        #expect(codes { $0.beneficiaries = .init(total: 10, women: 11) } == ["beneficiaries.exceedTotal"])
        #expect(codes { $0.beneficiaries = .init(total: -1) } == ["beneficiaries.negative"])
        // Beyond any regency (and the store's 32-bit columns: it was a 500 on PostgreSQL).
        #expect(codes { $0.beneficiaries = .init(total: 10_000_001) } == ["beneficiaries.tooLarge"])
        #expect(codes { $0.beneficiaries = .init(total: 10_000_000, women: 3_000_000_000) } == ["beneficiaries.tooLarge"])
        #expect(codes { $0.beneficiaries = .init(total: 10_000_000, women: 10_000_000) }.isEmpty)
        #expect(codes { $0.estimatedCost = 1_000_000_000_001 } == ["estimatedCost.tooLarge"])
        #expect(codes { $0.location = .init(lat: 48.85, lng: 2.35) } == ["location.outsideIndonesia"])
        #expect(codes { $0.location = .init(lat: -8.2) } == ["location.pair"])
        #expect(codes { $0.source = .group } == ["groupKind.required"])
    }

    @Test func refusalsAccumulate() {
        #expect(codes { $0.title = ""; $0.volume = 0; $0.estimatedCost = -5 }.count == 3)
    }

    @Test func everySubfieldBelongsToItsField() {
        for field in Fields.all {
            #expect(field.subfields.allSatisfy { $0.code.hasPrefix(field.code + ".") })
            for subfield in field.subfields {
                #expect(Agencies.name(Fields.defaultAgency(forSubfield: subfield.code)) != nil, "\(subfield.code)")
            }
        }
        #expect(Fields.all.map(\.code) == ["01", "02", "03", "04", "05"])
    }
}

@Suite("Decision state machine")
struct RoutingTests {
    static let village = RegionCode("35.10.13.2007")!
    static let kelurahan = RegionCode("35.10.05.1001")!

    static let villageOperator = Principal(userId: 1, role: .villageOperator, region: village)
    static let otherVillageOperator = Principal(userId: 2, role: .villageOperator, region: RegionCode("35.10.13.2001"))
    static let districtOperator = Principal(userId: 3, role: .districtOperator, region: RegionCode("35.10.13"))
    static let otherDistrictOperator = Principal(userId: 4, role: .districtOperator, region: RegionCode("35.10.01"))
    static let pupr = Principal(userId: 5, role: .agency, region: RegionCode("35.10"), agencyCode: "PUPR")
    static let dinkes = Principal(userId: 6, role: .agency, region: RegionCode("35.10"), agencyCode: "DINKES")
    static let planner = Principal(userId: 7, role: .planner, region: RegionCode("35.10"))
    static let host = Principal(userId: 8, role: .host, region: RegionCode("35.10"))
    static let citizen = Principal(userId: 9, role: .citizen, region: village)
    static let council = Principal(userId: 10, role: .council, region: RegionCode("35.10"))

    let context = ProposalContext(village: village, fundingSource: .villageFund, subfieldCode: "02.03")

    func state(_ level: DecisionLevel, agency: String? = nil, status: ProposalStatus = .pending) -> ProposalState {
        ProposalState(level: level, status: status, agencyCode: agency, volume: 350, estimatedCost: 175_000_000)
    }

    func decide(_ request: DecisionRequest, _ state: ProposalState, by principal: Principal,
                context: ProposalContext? = nil) -> Result<ProposalState, DecisionRefusal> {
        Routing.decide(request, on: state, context: context ?? self.context, by: principal)
    }

    @Test func theWholeRoadFromVillageToRegency() throws {
        var current = ProposalState.initial(for: sampleDraft(funding: .regencyBudget))
        #expect(current.level == .village)
        current = try decide(.init(level: .village, outcome: .forwarded, reason: "Di luar kewenangan desa"), current,
                             by: Self.villageOperator).get()
        #expect(current.level == .district && current.status == .pending)
        current = try decide(.init(level: .district, outcome: .forwarded, reason: "Prioritas kecamatan 1"), current,
                             by: Self.districtOperator).get()
        #expect(current.level == .agency && current.agencyCode == "PUPR", "routed to the agency of subfield 02.03")
        current = try decide(.init(level: .agency, outcome: .acceptedWithChanges, reason: "Volume disesuaikan pagu",
                                   volume: 300, estimatedCost: 150_000_000), current, by: Self.pupr).get()
        #expect(current.level == .regency && current.volume == 300 && current.estimatedCost == 150_000_000)
        current = try decide(.init(level: .regency, outcome: .accepted), current, by: Self.host).get()
        #expect(current.status == .accepted && current.level == .regency)
        current = try Routing.recordProgress(40, on: current).get()
        #expect(current.status == .inProgress)
        current = try Routing.recordProgress(100, on: current).get()
        #expect(current.status == .completed)
    }

    @Test func aVillageKeepsWhatItsOwnBudgetPays() throws {
        let kept = try decide(.init(level: .village, outcome: .accepted), state(.village), by: Self.villageOperator).get()
        #expect(kept.status == .accepted && kept.level == .village)
        let changed = try decide(.init(level: .village, outcome: .acceptedWithChanges, reason: "Dikurangi menjadi 200 m", volume: 200),
                                 state(.village), by: Self.villageOperator).get()
        #expect(changed.volume == 200 && changed.estimatedCost == 175_000_000)
    }

    @Test func aKelurahanOrANonVillageSourceCannotBeKept() {
        let kelurahan = ProposalContext(village: Self.kelurahan, fundingSource: .villageFund, subfieldCode: "02.03")
        let planner = Self.planner
        guard case .failure(.conflict) = decide(.init(level: .village, outcome: .accepted), state(.village), by: planner, context: kelurahan) else {
            Issue.record("a kelurahan has no village budget"); return
        }
        let apbd = ProposalContext(village: Self.village, fundingSource: .regencyBudget, subfieldCode: "02.03")
        guard case .failure(.conflict) = decide(.init(level: .village, outcome: .accepted), state(.village), by: planner, context: apbd) else {
            Issue.record("APBD is not the village's budget"); return
        }
    }

    @Test func rejectionAndMergingEndTheRoadAtAnyLevel() throws {
        for (level, principal) in [(DecisionLevel.village, Self.villageOperator), (.district, Self.districtOperator),
                                   (.agency, Self.pupr), (.regency, Self.planner)] {
            let rejected = try decide(.init(level: level, outcome: .rejected, reason: "Sudah dianggarkan tahun lalu"),
                                      state(level, agency: "PUPR"), by: principal).get()
            #expect(rejected.status == .rejected && rejected.level == level)
            let merged = try decide(.init(level: level, outcome: .merged, reason: "Sama dengan usulan 12", mergedInto: 12),
                                    state(level, agency: "PUPR"), by: principal).get()
            #expect(merged.status == .merged && merged.mergedInto == 12)
        }
    }

    @Test func reasonsAndChangesAreRequired() {
        let cases: [(DecisionRequest, String)] = [
            (.init(level: .village, outcome: .rejected), "reason"),
            (.init(level: .village, outcome: .rejected, reason: "  no "), "reason"),
            (.init(level: .village, outcome: .forwarded), "reason"),
            (.init(level: .village, outcome: .acceptedWithChanges, reason: "Disesuaikan"), "volume"),
            (.init(level: .village, outcome: .acceptedWithChanges, reason: "Disesuaikan", volume: 0), "volume"),
            (.init(level: .village, outcome: .acceptedWithChanges, reason: "Disesuaikan", estimatedCost: -1), "estimatedCost"),
            (.init(level: .village, outcome: .acceptedWithChanges, reason: "Disesuaikan", estimatedCost: 1_000_000_000_001), "estimatedCost"),
            (.init(level: .village, outcome: .merged, reason: "Sama persis"), "mergedInto"),
            (.init(level: .village, outcome: .forwarded, reason: "Ke dinas", agencyCode: "NOPE"), "agencyCode"),
        ]
        for (request, field) in cases {
            guard case .failure(.invalid(let error)) = decide(request, state(.village), by: Self.villageOperator) else {
                Issue.record("expected 422 for \(request)"); continue
            }
            #expect(error.field == field)
        }
    }

    @Test func onlyTheLevelWhereTheProposalIsMayDecide() {
        guard case .failure(.conflict) = decide(.init(level: .district, outcome: .forwarded, reason: "Prioritas 1"),
                                                state(.village), by: Self.districtOperator) else {
            Issue.record("a district cannot decide a proposal still at the village"); return
        }
        guard case .failure(.conflict) = decide(.init(level: .village, outcome: .forwarded, reason: "Di luar kewenangan"),
                                                state(.district), by: Self.villageOperator) else {
            Issue.record("a village cannot decide a proposal it forwarded"); return
        }
        guard case .failure(.conflict) = decide(.init(level: .regency, outcome: .forwarded, reason: "Ke pusat"),
                                                state(.regency), by: Self.planner) else {
            Issue.record("nothing lies above the regency"); return
        }
        for status in [ProposalStatus.accepted, .rejected, .merged, .inProgress, .completed] {
            guard case .failure(.conflict) = decide(.init(level: .village, outcome: .accepted), state(.village, status: status),
                                                    by: Self.villageOperator) else {
                Issue.record("a decided proposal stays decided (\(status))"); continue
            }
        }
    }

    @Test func whoMayDecideWhere() {
        let forbidden: [(DecisionLevel, Principal, String?)] = [
            (.village, Self.otherVillageOperator, nil),
            (.village, Self.districtOperator, nil),
            (.village, Self.citizen, nil),
            (.village, Self.host, nil),
            (.district, Self.otherDistrictOperator, nil),
            (.district, Self.villageOperator, nil),
            (.agency, Self.dinkes, "PUPR"),
            (.agency, Self.districtOperator, "PUPR"),
            (.regency, Self.pupr, "PUPR"),
            (.regency, Self.council, nil),
            (.regency, Self.districtOperator, nil),
        ]
        for (level, principal, agency) in forbidden {
            guard case .failure(.forbidden) = decide(.init(level: level, outcome: .rejected, reason: "Tidak layak"),
                                                     state(level, agency: agency), by: principal) else {
                Issue.record("\(principal.role) must not decide at \(level)"); continue
            }
        }
        let admin = Principal(userId: 99, role: .admin, region: nil)
        for level in DecisionLevel.allCases {
            #expect((try? decide(.init(level: level, outcome: .rejected, reason: "Tidak layak"), state(level, agency: "PUPR"),
                                 by: admin).get()) != nil)
            #expect((try? decide(.init(level: level, outcome: .rejected, reason: "Tidak layak"), state(level, agency: "PUPR"),
                                 by: Self.planner).get()) != nil)
        }
        let elsewhere = Principal(userId: 11, role: .planner, region: RegionCode("35.09"))
        guard case .failure(.forbidden) = decide(.init(level: .village, outcome: .rejected, reason: "Tidak layak"), state(.village),
                                                 by: elsewhere) else {
            Issue.record("another regency's planner"); return
        }
    }

    @Test func theDistrictMayNameTheAgency() throws {
        let routed = try decide(.init(level: .district, outcome: .forwarded, reason: "Lebih tepat Dinas Kesehatan", agencyCode: "DINKES"),
                                state(.district, agency: "PUPR"), by: Self.districtOperator).get()
        #expect(routed.agencyCode == "DINKES")
    }

    @Test func pokirAndAgencyProposalsStartAtTheAgency() {
        let pokir = ProposalState.initial(for: sampleDraft(source: .council))
        #expect(pokir.level == .agency && pokir.agencyCode == "PUPR")
        #expect(ProposalState.initial(for: sampleDraft(source: .agency)).level == .agency)
        #expect(ProposalState.initial(for: sampleDraft(source: .group)).level == .village)
    }

    @Test func progressOnlyForAcceptedAndOnlyForward() throws {
        guard case .failure(.conflict) = Routing.recordProgress(10, on: state(.village)) else {
            Issue.record("pending proposals have no realisation"); return
        }
        let started = try Routing.recordProgress(50, on: state(.regency, status: .accepted)).get()
        guard case .failure(.conflict) = Routing.recordProgress(20, on: started) else { Issue.record("backwards"); return }
        guard case .failure(.invalid) = Routing.recordProgress(120, on: started) else { Issue.record("over 100"); return }
    }
}

@Suite("Scoring and ranking")
struct ScoringTests {
    @Test func defaultsAreValidSets() {
        #expect(Scoring.validate(Scoring.defaultPhysical) == nil)
        #expect(Scoring.validate(Scoring.defaultNonPhysical) == nil)
        var broken = Scoring.defaultPhysical
        broken[0].weight = 0.5
        #expect(Scoring.validate(broken)?.code == "criteria.weights")
        var shape = Scoring.defaultPhysical
        shape[1].descriptions = ["a"]
        #expect(Scoring.validate(shape)?.code == "criteria.shape")
    }

    @Test func criteriaTextsAreBounded() {
        func refusal(_ change: (inout Criterion) -> Void) -> ValidationError? {
            var criteria = Scoring.defaultPhysical
            change(&criteria[2])
            return Scoring.validate(criteria)
        }
        #expect(refusal { $0.key = "" }.map { [$0.code, $0.field] } == ["criteria.key", "criteria[2].key"])
        #expect(refusal { $0.key = "kerusakan jalan" }?.code == "criteria.key")
        #expect(refusal { $0.key = String(repeating: "k", count: 41) }?.code == "criteria.key")
        #expect(refusal { $0.key = "rusak_berat-2" } == nil)
        #expect(refusal { $0.name = "   " }.map { [$0.code, $0.field] } == ["criteria.name", "criteria[2].name"])
        #expect(refusal { $0.name = String(repeating: "n", count: 101) }?.code == "criteria.name")
        #expect(refusal { $0.descriptions[4] = "" }.map { [$0.code, $0.field] } == ["criteria.description", "criteria[2].descriptions[4]"])
        #expect(refusal { $0.descriptions[0] = String(repeating: "d", count: 201) }?.code == "criteria.description")
        let many = (0..<21).map { Criterion(key: "k\($0)", name: "Kriteria \($0)", weight: 1.0 / 21, descriptions: ["a", "b", "c", "d", "e"]) }
        #expect(Scoring.validate(many)?.code == "criteria.count")
    }

    @Test func anAmendmentReasonIsBoundedEvenWhenNotNeeded() {
        let long = String(repeating: "a", count: 501)
        for isFinal in [false, true] {
            guard case .failure(let error) = MinutesRules.change(isFinal: isFinal, finalize: false, amendmentReason: long) else {
                Issue.record("a 501-character reason was accepted (final: \(isFinal))"); continue
            }
            #expect(error.code == "amendmentReason.length")
        }
        #expect(MinutesRules.change(isFinal: false, finalize: true, amendmentReason: "Salah tulis") == .success(.finalize))
        #expect(MinutesRules.change(isFinal: true, finalize: false, amendmentReason: "Salah tulis") == .success(.amend(reason: "Salah tulis")))
    }

    @Test func costCountsInverted() throws {
        let criteria = Scoring.defaultPhysical
        let cheap = try #require(Scoring.weightedScore(["urgency": 5, "impact": 5, "damage": 5, "cost": 1], criteria: criteria))
        let dear = try #require(Scoring.weightedScore(["urgency": 5, "impact": 5, "damage": 5, "cost": 5], criteria: criteria))
        #expect(abs(cheap - 5) < 1e-9)
        #expect(abs(dear - (5 - 0.076 * 4)) < 1e-9)
        #expect(Scoring.weightedScore(["urgency": 5], criteria: criteria) == nil)
        #expect(Scoring.weightedScore(["urgency": 6, "impact": 5, "damage": 5, "cost": 1], criteria: criteria) == nil)
    }

    @Test func rankingByScoreThenSupportThenAge() {
        let entries = [
            RankEntry(id: 1, score: 3.0, supportCount: 10, submittedOrder: 1),
            RankEntry(id: 2, score: 4.2, supportCount: 0, submittedOrder: 2),
            RankEntry(id: 3, score: 3.0, supportCount: 12, submittedOrder: 3),
            RankEntry(id: 4, score: 3.0, supportCount: 12, submittedOrder: 0),
            RankEntry(id: 5, score: nil, supportCount: 99, submittedOrder: 4),
            RankEntry(id: 6, score: nil, supportCount: 1, submittedOrder: 5),
        ]
        #expect(Ranking.order(entries) == [2, 4, 3, 1, 5, 6])
    }

    @Test func movingKeepsNumbersUnique() {
        #expect(Ranking.move(5, to: 1, in: [1, 2, 3, 4, 5]) == [5, 1, 2, 3, 4])
        #expect(Ranking.move(1, to: 3, in: [1, 2, 3]) == [2, 3, 1])
        #expect(Ranking.move(9, to: 1, in: [1, 2]) == nil)
        #expect(Ranking.move(1, to: 4, in: [1, 2, 3]) == nil)
    }
}

@Suite("Similar proposals")
struct SimilarityTests {
    @Test(arguments: [
        ("perbaikan", "baik"), ("memperbaiki", "baik"), ("diperbaiki", "baik"), ("pembangunan", "bangun"),
        ("membangun", "bangun"), ("kesehatan", "sehat"), ("jalannya", "jalan"), ("penanaman", "tanam"),
        ("menanam", "tanam"), ("pelatihan", "latih"), ("saluran", "salur"), ("pengaspalan", "aspal"),
    ])
    func stems(word: String, root: String) {
        #expect(Similarity.stem(word) == root)
    }

    @Test func theSameIdeaInOtherWordsMatches() {
        let a = "Perbaikan jalan Dusun Krajan 350 m"
        let b = "memperbaiki JALAN di dusun krajan (350m)"
        #expect(Similarity.score(a, b) > 0.9)
        #expect(Similarity.score(a, "Pelatihan menjahit bagi ibu-ibu PKK") < 0.1)
        #expect(Similarity.score("Pembangunan saluran irigasi", "Bangun saluran irigasi sawah") >= 0.6)
    }

    @Test func commonWordsAloneDoNotMatch() {
        #expect(Similarity.tokens("Usulan kegiatan untuk desa dan dusun").isEmpty)
        #expect(Similarity.score("di desa", "untuk desa") == 0)
    }
}

@Suite("Field verification rules")
struct VerificationRulesTests {
    let today = CalendarDate(year: 2027, month: 2, day: 5)!

    func codes(_ verification: FieldVerification) -> [String] {
        VerificationRules.validate(VerificationRules.cleaned(verification), today: today).map(\.code)
    }

    @Test func findingsNeedWhatMakesThemChecked() {
        #expect(codes(.init(status: .feasible, surveyedOn: today)).isEmpty)
        #expect(codes(.init(status: .notSurveyed)).isEmpty)
        #expect(codes(.init(status: .feasible)) == ["required"])
        #expect(codes(.init(status: .notFeasible, reason: "  ", surveyedOn: today)) == ["required"])
        #expect(codes(.init(status: .notFeasible, reason: "Sudah dibangun provinsi", surveyedOn: today)).isEmpty)
        #expect(codes(.init(status: .feasible, surveyedOn: CalendarDate(year: 2027, month: 2, day: 6)!)) == ["surveyedOn.range"])
        #expect(codes(.init(status: .feasible, surveyedOn: CalendarDate(year: 2025, month: 12, day: 31)!)) == ["surveyedOn.range"])
        #expect(codes(.init(status: .feasible, surveyedOn: today, lat: -8.2)) == ["location.pair"])
        #expect(codes(.init(status: .feasible, surveyedOn: today, lat: 48.8, lng: 2.3)) == ["location.outsideIndonesia"])
        #expect(codes(.init(status: .feasible, surveyedOn: today, notes: String(repeating: "a", count: 1001))) == ["notes.length"])
    }

    @Test func onlyWhileWaitingAtTheKecamatanOrAgencyForum() {
        #expect(VerificationRules.mayVerify(at: .district, status: .pending))
        #expect(VerificationRules.mayVerify(at: .agency, status: .pending))
        #expect(!VerificationRules.mayVerify(at: .village, status: .pending))
        #expect(!VerificationRules.mayVerify(at: .agency, status: .accepted))
    }

    @Test func isoDates() {
        #expect(CalendarDate(iso: "2027-02-05") == today)
        for bad in ["2027-2-5", "2027-02-30", "05-02-2027", "2027-02-05T00", "", "２０２７-02-05"] {
            #expect(CalendarDate(iso: bad) == nil, "\(bad)")
        }
    }
}
