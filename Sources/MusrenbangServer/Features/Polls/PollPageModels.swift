import Foundation
import MusrenbangCore
import MusrenbangStore

/// The polls as a page shows them (the `polls` partial): results with a bar per option, and
/// the buttons the service says the reader may press. Names inside the cards are the cards' own,
/// never one of a page's root (Mustache would look a missing one up there).
struct PollSection: Sendable {
    struct Option: Sendable {
        let optionNumber: Int; let optionLabel: String; let optionCount: Int; let optionPercent: Int; let barMax: Int
        let isChosen: Bool; let pollRef: Int64
    }
    struct Card: Sendable {
        let pollId: Int64
        let question: String
        let audienceName: String
        let isOpenPoll: Bool
        let isCitizenPoll: Bool
        let options: [Option]
        let pollTotal: Int
        let officesAnswered: Int
        let officesPresent: Int
        let mayClosePoll: Bool
        let mayAnswerPoll: Bool
        let answerAction: String
        let closeAction: String
        let hasPollAnswer: Bool
        let pollAnswerLabel: String
    }
    /// A slot of the open form (`option1…6`), with what was typed when a refusal brought it back.
    struct Slot: Sendable { let slot: Int; let slotValue: String; let slotRequired: Bool }

    let cards: [Card]
    let mayOpenPoll: Bool
    let openAction: String
    let draftQuestion: String
    /// A refused poll came back: its form is shown open, as typed.
    let hasDraft: Bool
    let slots: [Slot]
    let citizenAudience: Bool
    /// The answer is the reader's own (a citizen) rather than their office's.
    let ownAnswer: Bool

    init(_ board: PollService.Board, assembly: AssemblyID, village: RegionCode?, locale: LocalizedText.Locale, flash: [String: String] = [:]) {
        cards = board.results.map { counted in
            let poll = counted.poll, tally = counted.tally
            let percents = tally.percents
            let chosen = board.answers[poll.id]
            return Card(
                pollId: poll.id.rawValue, question: poll.question,
                audienceName: Strings.text(poll.audience == .office ? "pollByOffice" : "pollByCitizen", locale),
                isOpenPoll: poll.status == .open, isCitizenPoll: poll.audience == .citizen,
                options: poll.options.enumerated().map { index, label in
                    Option(optionNumber: index + 1, optionLabel: label, optionCount: tally.counts[index], optionPercent: percents[index],
                           barMax: max(tally.total, 1), isChosen: chosen == index + 1, pollRef: poll.id.rawValue)
                },
                pollTotal: tally.total, officesAnswered: tally.officesAnswered, officesPresent: tally.officesPresent,
                mayClosePoll: board.mayClose && poll.status == .open, mayAnswerPoll: board.answerable.contains(poll.id),
                answerAction: village.map { "/musrenbang/\(assembly)/desa/\($0)/jajak/\(poll.id)" } ?? "/musrenbang/\(assembly)/jajak/\(poll.id)/jawab",
                closeAction: "/musrenbang/\(assembly)/jajak/\(poll.id)/tutup",
                hasPollAnswer: chosen != nil, pollAnswerLabel: chosen.flatMap { poll.options.indices.contains($0 - 1) ? poll.options[$0 - 1] : nil } ?? "")
        }
        mayOpenPoll = board.mayOpen
        openAction = "/musrenbang/\(assembly)/jajak"
        draftQuestion = flash["question"] ?? ""
        hasDraft = flash["question"] != nil
        slots = (1...PollRules.optionCount.upperBound).map { Slot(slot: $0, slotValue: flash["option\($0)"] ?? "", slotRequired: $0 <= 2) }
        citizenAudience = flash["audience"] == PollAudience.citizen.rawValue
        ownAnswer = village == nil
    }

    var hasOpenPoll: Bool { cards.contains(where: \.isOpenPoll) }
}
