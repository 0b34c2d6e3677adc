/// Who answers a poll: each village office once (its operator answers for the room), or each
/// citizen checked in at the assembly once, from their own phone.
public enum PollAudience: String, Sendable, Codable, CaseIterable {
    case office, citizen
}

public enum PollStatus: String, Sendable, Codable, CaseIterable {
    case open, closed
}

/// A poll as the host wrote it, checked: the question and its options, trimmed.
public struct PollDraft: Sendable, Equatable {
    public let question: String
    public let options: [String]
    public let audience: PollAudience

    public init(question: String, options: [String], audience: PollAudience) {
        self.question = question
        self.options = options
        self.audience = audience
    }
}

/// Every refusal of a poll as written, each naming its field.
public struct PollDraftRefusals: Error, Sendable, Equatable {
    public let all: [ValidationError]
}

/// Why a poll cannot be opened, answered or closed now: a conflict with its state (409) or an
/// answer that names no option of it (422).
public struct PollRefusal: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case conflict, invalid }
    public let kind: Kind
    public let code: String
    public let field: String?
    public let message: LocalizedText

    public init(_ kind: Kind, code: String, field: String? = nil, message: LocalizedText) {
        self.kind = kind
        self.code = code
        self.field = field
        self.message = message
    }
}

/// The rules of a live poll during the simultaneous assembly: what a poll may ask, when it may be
/// opened, who may answer it and how often. Counting is the store's (one row per answerer).
public enum PollRules {
    public static let questionLength = 5...300
    public static let optionCount = 2...6
    public static let optionLength = 1...120

    static let questionLabel = LocalizedText(id: "Pertanyaan jajak pendapat", en: "Poll question")

    /// The host's poll, checked: every refusal at once, each naming its field.
    public static func draft(question: String?, options: [String]?, audience: String?) -> Result<PollDraft, PollDraftRefusals> {
        var refusals: [ValidationError] = []
        var checkedQuestion = ""
        switch TextRules.required(question, field: "question", label: questionLabel, length: questionLength, multiline: false) {
        case .success(let text): checkedQuestion = text
        case .failure(let refusal): refusals.append(refusal)
        }
        var checkedOptions: [String] = []
        var seen: Set<String> = []
        for raw in options ?? [] {
            if case .failure(let refusal) = TextRules.boundary(raw, field: "options", multiline: false) {
                refusals.append(refusal)
                continue
            }
            let text = TextRules.trimmed(raw)
            if text.isEmpty {
                refusals.append(ValidationError(field: "options", code: "options.blank",
                                                message: .init(id: "Setiap pilihan jawaban harus diisi.", en: "Every option must be filled in.")))
            } else if text.count > optionLength.upperBound {
                refusals.append(ValidationError(field: "options", code: "options.length",
                                                message: .init(id: "Setiap pilihan jawaban paling banyak \(optionLength.upperBound) karakter.",
                                                               en: "Each option is at most \(optionLength.upperBound) characters.")))
            } else if !seen.insert(TextFolding.fold(text)).inserted {
                refusals.append(ValidationError(field: "options", code: "options.duplicate",
                                                message: .init(id: "Pilihan \"\(text)\" tertulis dua kali; setiap pilihan harus berbeda.",
                                                               en: "The option \"\(text)\" is given twice; options must differ.")))
            } else {
                checkedOptions.append(text)
            }
        }
        if !optionCount.contains((options ?? []).count) {
            refusals.append(ValidationError(field: "options", code: "options.count",
                                            message: .init(id: "Jajak pendapat memerlukan \(optionCount.lowerBound)–\(optionCount.upperBound) pilihan jawaban.",
                                                           en: "A poll needs \(optionCount.lowerBound)–\(optionCount.upperBound) options.")))
        }
        var checkedAudience = PollAudience.office
        if let audience, !audience.isEmpty {
            if let known = PollAudience(rawValue: audience) {
                checkedAudience = known
            } else {
                refusals.append(ValidationError(field: "audience", code: "audience.invalid",
                                                message: .init(id: "Penjawab harus office (kantor desa) atau citizen (warga).",
                                                               en: "The audience must be office or citizen.")))
            }
        }
        if !refusals.isEmpty { return .failure(PollDraftRefusals(all: refusals)) }
        return .success(PollDraft(question: checkedQuestion, options: checkedOptions, audience: checkedAudience))
    }

    /// A poll is opened while the assembly is under way: after it started, before it closed.
    public static func mayOpen(hub: AssemblyStage) -> PollRefusal? {
        guard hub > .scheduled, hub < .closed else {
            return PollRefusal(.conflict, code: "poll.assemblyNotLive",
                               message: .init(id: "Jajak pendapat hanya dapat dibuka selama musrenbang berlangsung.",
                                              en: "A poll can only be opened while the assembly is under way."))
        }
        return nil
    }

    /// Whether an answer may be given: the poll open, the answerer of its audience, a session
    /// under way (for an office), and an option it has (numbered from 1).
    public static func answer(option: Int, status: PollStatus, optionCount: Int, audience: PollAudience,
                              by answerer: PollAudience, sessionStage: AssemblyStage?) -> PollRefusal? {
        guard status == .open else { return closed }
        guard audience == answerer else {
            return audience == .office
                ? PollRefusal(.conflict, code: "poll.officeOnly",
                              message: .init(id: "Jajak pendapat ini dijawab oleh setiap kantor desa melalui operatornya.",
                                             en: "This poll is answered by each village office, through its operator."))
                : PollRefusal(.conflict, code: "poll.citizenOnly",
                              message: .init(id: "Jajak pendapat ini dijawab oleh setiap warga yang hadir, dari akunnya sendiri.",
                                             en: "This poll is answered by each citizen present, from their own account."))
        }
        if let sessionStage, sessionStage == .scheduled || sessionStage == .closed {
            return PollRefusal(.conflict, code: "poll.sessionNotLive",
                               message: .init(id: "Sesi desa ini belum dimulai atau sudah selesai.",
                                              en: "This village's session has not started or has ended."))
        }
        guard (1...max(1, optionCount)).contains(option), optionCount > 0 else {
            return PollRefusal(.invalid, code: "option.unknown", field: "option",
                               message: .init(id: "Pilihan jawaban tidak dikenal dalam jajak pendapat ini.",
                                              en: "No such option in this poll."))
        }
        return nil
    }

    /// A poll is closed once; its results are then final.
    public static func mayClose(_ status: PollStatus) -> PollRefusal? {
        status == .open ? nil : closed
    }

    public static let closed = PollRefusal(.conflict, code: "poll.closed",
                                           message: .init(id: "Jajak pendapat sudah ditutup.", en: "The poll is closed."))

    /// The one answer an office or a citizen gives: a second one is refused and the first kept.
    public static let alreadyAnswered = PollRefusal(.conflict, code: "poll.alreadyAnswered",
                                                    message: .init(id: "Jajak pendapat ini sudah dijawab; jawaban pertama yang dicatat.",
                                                                   en: "This poll was already answered; the first answer stands."))

    public static let notCheckedIn = PollRefusal(.conflict, code: "poll.notCheckedIn",
                                                 message: .init(id: "Hanya warga yang sudah tercatat hadir di musrenbang ini yang dapat menjawab.",
                                                                en: "Only citizens checked in at this assembly can answer."))
}

/// A poll's results: answers per option (in the options' order), their total, and how many of
/// the offices present answered (an office is present once its session has started).
public struct PollTally: Sendable, Equatable, Codable {
    public var counts: [Int]
    public var total: Int
    public var officesAnswered: Int
    public var officesPresent: Int

    public init(optionCount: Int, answers: [(option: Int, count: Int)], officesAnswered: Int, officesPresent: Int) {
        var counts = Array(repeating: 0, count: optionCount)
        for answer in answers where (1...max(1, optionCount)).contains(answer.option) && optionCount > 0 {
            counts[answer.option - 1] += answer.count
        }
        self.counts = counts
        self.total = counts.reduce(0, +)
        self.officesAnswered = officesAnswered
        self.officesPresent = officesPresent
    }

    /// Each option's share of the answers in whole percent (0 when nobody answered).
    public var percents: [Int] {
        counts.map { total == 0 ? 0 : Int((Double($0) * 100 / Double(total)).rounded()) }
    }
}
