import Testing
@testable import MusrenbangCore

@Suite("Poll rules")
struct PollRulesTests {
    func codes(_ result: Result<PollDraft, PollDraftRefusals>) -> [String] {
        if case .failure(let refusals) = result { return refusals.all.map(\.code) }
        return []
    }

    @Test func aQuestionWithTwoToSixDistinctOptionsIsAPoll() throws {
        let draft = try PollRules.draft(question: "  Prioritas utama 2027?  ", options: [" Jalan ", "Air bersih", "Irigasi"], audience: nil).get()
        #expect(draft == PollDraft(question: "Prioritas utama 2027?", options: ["Jalan", "Air bersih", "Irigasi"], audience: .office))
        let six = try PollRules.draft(question: "Pilih satu", options: (1...6).map { "Pilihan \($0)" }, audience: "citizen").get()
        #expect(six.options.count == 6 && six.audience == .citizen)
    }

    @Test("the question is 5–300 characters", arguments: [(0, false), (4, false), (5, true), (300, true), (301, false)])
    func questionLength(length: Int, ok: Bool) {
        let result = PollRules.draft(question: String(repeating: "a", count: length), options: ["Ya", "Tidak"], audience: nil)
        #expect(codes(result).isEmpty == ok)
        if !ok { #expect(codes(result) == [length == 0 ? "required" : "question.length"]) }
    }

    @Test("2–6 options", arguments: [0, 1, 2, 6, 7])
    func optionCount(count: Int) {
        let result = PollRules.draft(question: "Setuju?", options: (0..<count).map { "Pilihan \($0)" }, audience: nil)
        #expect(codes(result) == ((2...6).contains(count) ? [] : ["options.count"]))
    }

    @Test func optionsAreNonBlankDistinctAndShort() {
        #expect(codes(PollRules.draft(question: "Setuju?", options: ["Ya", "  \u{200B} "], audience: nil)) == ["options.blank"])
        #expect(codes(PollRules.draft(question: "Setuju?", options: ["Ya", "ya "], audience: nil)) == ["options.duplicate"])
        #expect(codes(PollRules.draft(question: "Setuju?", options: ["Ya", String(repeating: "x", count: 121)], audience: nil)) == ["options.length"])
        #expect(codes(PollRules.draft(question: "Setuju?", options: ["Ya", String(repeating: "x", count: 120)], audience: nil)).isEmpty)
        #expect(codes(PollRules.draft(question: "Setuju?", options: ["Ya", "Ti\u{0}dak"], audience: nil)) == ["nul"])
    }

    @Test func everyRefusalAtOnceEachNamingItsField() {
        guard case .failure(let refusals) = PollRules.draft(question: "?", options: ["Ya"], audience: "semua") else {
            Issue.record("accepted")
            return
        }
        #expect(refusals.all.map(\.field) == ["question", "options", "audience"])
    }

    @Test("a poll opens while the assembly is under way", arguments: AssemblyStage.allCases)
    func opening(hub: AssemblyStage) {
        #expect((PollRules.mayOpen(hub: hub) == nil) == (hub != .scheduled && hub != .closed))
    }

    @Test func answeringAClosedPollIsAConflictAndAnUnknownOptionInvalid() {
        #expect(PollRules.answer(option: 1, status: .closed, optionCount: 3, audience: .office, by: .office, sessionStage: .dialogue)?.code == "poll.closed")
        #expect(PollRules.answer(option: 1, status: .closed, optionCount: 3, audience: .office, by: .office, sessionStage: .dialogue)?.kind == .conflict)
        for option in [0, 4, -1] {
            let refusal = PollRules.answer(option: option, status: .open, optionCount: 3, audience: .office, by: .office, sessionStage: .dialogue)
            #expect(refusal?.code == "option.unknown" && refusal?.kind == .invalid && refusal?.field == "option")
        }
        for option in 1...3 {
            #expect(PollRules.answer(option: option, status: .open, optionCount: 3, audience: .office, by: .office, sessionStage: .dialogue) == nil)
        }
    }

    @Test func eachPollIsAnsweredByItsOwnAudience() {
        #expect(PollRules.answer(option: 1, status: .open, optionCount: 2, audience: .office, by: .citizen, sessionStage: nil)?.code == "poll.officeOnly")
        #expect(PollRules.answer(option: 1, status: .open, optionCount: 2, audience: .citizen, by: .office, sessionStage: .dialogue)?.code == "poll.citizenOnly")
        #expect(PollRules.answer(option: 1, status: .open, optionCount: 2, audience: .citizen, by: .citizen, sessionStage: nil) == nil)
    }

    @Test("an office answers while its session is under way", arguments: AssemblyStage.allCases)
    func officeSession(stage: AssemblyStage) {
        let refusal = PollRules.answer(option: 1, status: .open, optionCount: 2, audience: .office, by: .office, sessionStage: stage)
        #expect((refusal == nil) == (stage != .scheduled && stage != .closed))
    }

    @Test func aPollClosesOnce() {
        #expect(PollRules.mayClose(.open) == nil)
        #expect(PollRules.mayClose(.closed)?.code == "poll.closed")
    }

    @Test func theTallyCountsEveryOptionInOrder() {
        let tally = PollTally(optionCount: 3, answers: [(option: 3, count: 5), (option: 1, count: 15), (option: 9, count: 2)],
                              officesAnswered: 20, officesPresent: 25)
        #expect(tally.counts == [15, 0, 5])
        #expect(tally.total == 20)
        #expect(tally.percents == [75, 0, 25])
        #expect(PollTally(optionCount: 2, answers: [], officesAnswered: 0, officesPresent: 0).percents == [0, 0])
    }
}
