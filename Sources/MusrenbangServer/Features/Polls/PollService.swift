import Foundation
import MusrenbangCore
import MusrenbangStore

/// Live polls (jajak pendapat) during a simultaneous assembly, as the API and the pages both
/// handle them: whoever may lead the assembly opens and closes them, each village office answers
/// once through its team (or, in a citizen poll, each checked-in citizen once), and anyone reads
/// the results. Every change pokes the assembly's live stream.
struct PollService: Sendable {
    let services: AppServices
    let assemblies: AssemblyService
    var store: PollStore { PollStore(services.database) }

    init(services: AppServices) {
        self.services = services
        self.assemblies = AssemblyService(services: services)
    }

    static let notFound = AppError.notFound(.init(id: "Jajak pendapat tidak ditemukan.", en: "Poll not found."))

    /// A poll with its results, counted from the answers.
    struct Counted: Sendable {
        let poll: PollRecord
        let tally: PollTally
    }

    struct OpenInput: Codable, Sendable {
        var question: String?
        var options: [String]?
        var audience: String?
    }

    // MARK: the host

    func open(_ id: AssemblyID, _ input: OpenInput, by user: UserRecord?) async throws -> PollRecord {
        let (assembly, user) = try await assemblies.hub(id, for: .leadAssembly, by: user)
        let draft: PollDraft
        switch PollRules.draft(question: input.question, options: input.options, audience: input.audience) {
        case .success(let checked): draft = checked
        case .failure(let refusals):
            var all = Refusals()
            all.check(refusals.all)
            try all.throwIfAny()
            throw Refusals.inconsistent
        }
        if let refusal = PollRules.mayOpen(hub: assembly.stage) { throw AppError(refusal) }
        let poll = try await store.open(id, draft, by: user.id)
        await services.live.poke(id)
        return poll
    }

    func close(_ id: AssemblyID, poll: PollID, by user: UserRecord?) async throws -> PollRecord {
        let (_, user) = try await assemblies.hub(id, for: .leadAssembly, by: user)
        let closed = try await translate { try await store.close(id, poll: poll, by: user.id) }
        await services.live.poke(id)
        return closed
    }

    // MARK: answers

    /// An office's answer, given by its session's team. With an `Idempotency-Key`, a retry answers
    /// the first request's answer (not new) before any rule is checked again; a second answer of
    /// the office without it is refused (`poll.alreadyAnswered`) and the first one kept.
    func answer(_ scope: AssemblyService.Session, poll: PollID, option: Int,
                idempotencyKey: String? = nil) async throws -> (answer: PollAnswerRecord, isNew: Bool) {
        let key = idempotencyKey.map {
            IdempotencyKey(scope: "poll:\(scope.user.id)", key: $0, request: "\(scope.id) \(poll) \(scope.village) \(option)")
        }
        return try await replaying(key, in: scope.id) {
            try await store.answer(scope.id, poll: poll, option: option, village: scope.village, sessionStage: scope.session.stage,
                                   citizen: nil, by: scope.user.id, idempotencyKey: key)
        }
    }

    /// A checked-in citizen's own answer to a citizen poll (counted under the village they checked in at).
    func answerAsCitizen(_ id: AssemblyID, poll: PollID, option: Int, by user: UserRecord?,
                         idempotencyKey: String? = nil) async throws -> (answer: PollAnswerRecord, isNew: Bool) {
        let user = try Access.person(user, .answerPoll)
        let key = idempotencyKey.map {
            IdempotencyKey(scope: "poll:\(user.id)", key: $0, request: "\(id) \(poll) citizen \(option)")
        }
        return try await replaying(key, in: id) {
            _ = try await assemblies.assembly(id)
            return try await store.answer(id, poll: poll, option: option, village: nil, sessionStage: nil, citizen: user.id, by: user.id,
                                          idempotencyKey: key)
        }
    }

    /// An answer whose transaction records `key`. A retry is answered with the first answer even
    /// after the poll closed: the refusal looks the key up, as a check-in's does.
    private func replaying(_ key: IdempotencyKey?, in assembly: AssemblyID,
                           _ write: () async throws -> (answer: PollAnswerRecord, isNew: Bool)) async throws -> (answer: PollAnswerRecord, isNew: Bool) {
        try await IdempotencyHeader.replaying(key, in: services.database, as: { stored in
            guard let id = Int64(stored), let found = try await store.answer(id: id) else { return nil }
            return (found, false)
        }) {
            let answered = try await translate(write)
            if answered.isNew { await services.live.poke(assembly) }
            return answered
        }
    }

    func translate<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch PollStore.PollError.notFound {
            throw Self.notFound
        } catch PollStore.PollError.refused(let refusal) {
            throw AppError(refusal)
        } catch PollStore.PollError.alreadyAnswered(let first) {
            let refusal = PollRules.alreadyAnswered
            throw AppError(.conflict, code: refusal.code, message: .init(
                id: "\(refusal.message.id) (pilihan \(first.option), \(Format.clock(first.createdAt).id) WIB)",
                en: "\(refusal.message.en) (option \(first.option), \(Format.clock(first.createdAt).en) WIB)"))
        }
    }

    // MARK: results

    /// The assembly's polls, newest first, with their results: public.
    func results(_ id: AssemblyID) async throws -> [Counted] {
        _ = try await assemblies.assembly(id)
        return try await results(of: try await store.polls(id), assembly: id)
    }

    func result(_ id: AssemblyID, poll: PollID) async throws -> Counted {
        guard let found = try await store.poll(id, poll) else { throw Self.notFound }
        return try await results(of: [found], assembly: id)[0]
    }

    /// The closed polls of an assembly with their final results, oldest first: what the minutes record.
    func closedResults(_ id: AssemblyID) async throws -> [Counted] {
        try await results(of: try await store.polls(id, status: .closed).reversed(), assembly: id)
    }

    private func results(of polls: [PollRecord], assembly: AssemblyID) async throws -> [Counted] {
        let tallies = try await store.tallies(assembly, polls)
        return polls.map { Counted(poll: $0, tally: tallies[$0.id] ?? PollTally(optionCount: $0.options.count, answers: [], officesAnswered: 0, officesPresent: 0)) }
    }

    /// What one office answered, by poll (for its console and its minutes).
    func answers(_ polls: [PollRecord], village: RegionCode) async throws -> [PollID: Int] {
        try await store.answers(polls, village: village)
    }

    // MARK: what a person may do (the pages show exactly this)

    /// The polls as one page shows them, with what the reader may do to each: the host closes
    /// open ones; an office's team answers open office polls once while its session is under way;
    /// a checked-in citizen answers open citizen polls once.
    struct Board: Sendable {
        let results: [Counted]
        /// The reader may open a new poll now.
        let mayOpen: Bool
        let mayClose: Bool
        /// The reader's (office's or citizen's) answers, by poll.
        let answers: [PollID: Int]
        /// Polls the reader may answer now.
        let answerable: Set<PollID>
    }

    func board(_ assembly: AssemblyRecord, for user: UserRecord?, session: AssemblyService.Session? = nil) async throws -> Board {
        let results = try await results(of: try await store.polls(assembly.id), assembly: assembly.id)
        let polls = results.map(\.poll)
        let leads = Access.allows(user, .leadAssembly, in: assembly.regencyCode)
        var answers: [PollID: Int] = [:]
        var answerable: Set<PollID> = []
        let open = polls.filter { $0.status == .open }
        if let session {
            answers = try await store.answers(polls, village: session.village)
            if Access.allows(session.user, .runSession, in: session.village) {
                answerable = Set(open.filter {
                    answers[$0.id] == nil && PollRules.answer(option: 1, status: $0.status, optionCount: $0.options.count, audience: $0.audience,
                                                              by: .office, sessionStage: session.session.stage) == nil
                }.map(\.id))
            }
        } else if Access.allows(user, .answerPoll, in: Scope(nil)), let user, open.contains(where: { $0.audience == .citizen }),
                  try await store.checkedIn(assembly.id, citizen: user.id) {
            answers = try await store.answers(polls, citizen: user.id)
            answerable = Set(open.filter { $0.audience == .citizen && answers[$0.id] == nil }.map(\.id))
        }
        return Board(results: results, mayOpen: leads && PollRules.mayOpen(hub: assembly.stage) == nil, mayClose: leads,
                     answers: answers, answerable: answerable)
    }
}

extension AppError {
    init(_ refusal: PollRefusal) {
        self.init(refusal.kind == .conflict ? .conflict : .unprocessableContent, code: refusal.code, message: refusal.message,
                  field: refusal.field)
    }
}
