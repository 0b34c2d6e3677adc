import Testing
@testable import MusrenbangCore

@Suite("Assembly stages")
struct StageRulesTests {
    @Test("the hub moves exactly one stage forward", arguments: AssemblyStage.allCases, AssemblyStage.allCases)
    func hub(from: AssemblyStage, to: AssemblyStage) {
        let allowed = StageRules.hub(from: from, to: to) == nil
        #expect(allowed == (to.index == from.index + 1), "\(from) → \(to)")
    }

    @Test("a village moves forward, never past the hub", arguments: AssemblyStage.allCases, AssemblyStage.allCases)
    func village(from: AssemblyStage, to: AssemblyStage) {
        let hub = AssemblyStage.proposals
        let allowed = StageRules.session(from: from, to: to, hub: hub, rankingAgreed: false) == nil
        #expect(allowed == (to > from && to <= hub && to != .closed), "\(from) → \(to) with the hub at \(hub)")
    }

    @Test func aVillageClosesOnlyAfterAgreeingItsRankingAndNotBeforeTheHubAgrees() {
        #expect(StageRules.session(from: .agreement, to: .closed, hub: .agreement, rankingAgreed: false) != nil)
        #expect(StageRules.session(from: .agreement, to: .closed, hub: .agreement, rankingAgreed: true) == nil)
        #expect(StageRules.session(from: .ranking, to: .closed, hub: .closed, rankingAgreed: true) == nil)
        #expect(StageRules.session(from: .ranking, to: .closed, hub: .ranking, rankingAgreed: true) != nil)
    }

    @Test func attendanceIsOpenFromCheckInUntilClosing() {
        #expect(AssemblyStage.allCases.filter(\.acceptsAttendance) == [.checkIn, .opening, .dialogue, .proposals, .ranking, .agreement])
    }

    @Test func contractIdentifiers() {
        #expect(AssemblyStage.allCases.map(\.rawValue) == ["scheduled", "checkIn", "opening", "dialogue", "proposals", "ranking", "agreement", "closed"])
        #expect(AttendanceRole.allCases.map(\.rawValue) == ["bpd", "villageGovernment", "rtRw", "religiousFigure", "communityFigure", "youth",
                                                            "womensGroup", "farmersGroup", "poorHousehold", "disabledGroup", "community", "guestOfficial"])
    }
}
