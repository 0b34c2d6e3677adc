import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// `/api/v1/assemblies/{id}/polls*`: JSON in, the use case, JSON out.
struct PollAPI {
    let polls: PollService

    /// A poll and its results as anyone may read them: counts only, never who answered what.
    struct Poll: Encodable {
        struct Option: Encodable { let id: Int; let label: String; let count: Int; let percent: Int }
        let id: PollID; let assemblyId: AssemblyID; let question: String; let audience: PollAudience; let status: PollStatus
        let openedAt: Date; let closedAt: Date?; let options: [Option]; let total: Int; let officesAnswered: Int; let officesPresent: Int

        init(_ counted: PollService.Counted) {
            let poll = counted.poll, tally = counted.tally
            id = poll.id; assemblyId = poll.assemblyId; question = poll.question; audience = poll.audience; status = poll.status
            openedAt = poll.openedAt; closedAt = poll.closedAt
            let percents = tally.percents
            options = poll.options.enumerated().map { index, label in
                Option(id: index + 1, label: label, count: tally.counts[index], percent: percents[index])
            }
            total = tally.total; officesAnswered = tally.officesAnswered; officesPresent = tally.officesPresent
        }
    }
    struct Items: Encodable { let items: [Poll] }
    struct Answer: Encodable { let id: Int64; let pollId: PollID; let option: Int; let villageCode: RegionCode; let created: Bool }
    struct AnswerBody: Decodable { let option: Int }

    func register(on api: RouterGroup<AppContext>) {
        api.post("assemblies/:id/polls", use: open)
        api.get("assemblies/:id/polls", use: list)
        api.get("assemblies/:id/polls/:poll", use: detail)
        api.post("assemblies/:id/polls/:poll/close", use: close)
        api.post("assemblies/:id/polls/:poll/answer", use: answerAsCitizen)
        api.post("assemblies/:id/sessions/:village/polls/:poll/answer", use: answer)
    }

    @Sendable func open(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        _ = try await polls.assemblies.hub(id, for: .leadAssembly, by: context.user)
        let input = try await JSON.decode(PollService.OpenInput.self, from: request, context: context)
        let poll = try await polls.open(id, input, by: context.user)
        return JSON.response(Poll(try await polls.result(id, poll: poll.id)), status: .created)
    }

    @Sendable func list(_ request: Request, context: AppContext) async throws -> Response {
        JSON.revalidated(Items(items: try await polls.results(try context.id("id", as: AssemblyID.self)).map(Poll.init)),
                         request: request, lastModified: nil)
    }

    @Sendable func detail(_ request: Request, context: AppContext) async throws -> Response {
        JSON.revalidated(Poll(try await polls.result(try context.id("id", as: AssemblyID.self), poll: try context.id("poll", as: PollID.self))),
                         request: request, lastModified: nil)
    }

    @Sendable func close(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        let poll = try await polls.close(id, poll: try context.id("poll", as: PollID.self), by: context.user)
        return JSON.response(Poll(try await polls.result(id, poll: poll.id)))
    }

    /// An office's answer, by its session's team; 201 when new, 200 for a retry with the same key.
    @Sendable func answer(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await polls.assemblies.session(try context.id("id", as: AssemblyID.self), context.parameters.get("village"),
                                                       for: .runSession, by: context.user)
        let poll = try context.id("poll", as: PollID.self)
        let body = try await JSON.decode(AnswerBody.self, from: request, context: context)
        let (answer, isNew) = try await polls.answer(scope, poll: poll, option: body.option, idempotencyKey: IdempotencyHeader.key(request))
        return JSON.response(Answer(id: answer.id, pollId: answer.pollId, option: answer.option, villageCode: answer.villageCode, created: isNew),
                             status: isNew ? .created : .ok)
    }

    /// A checked-in citizen's own answer to a citizen poll.
    @Sendable func answerAsCitizen(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        let poll = try context.id("poll", as: PollID.self)
        _ = try Access.person(context.user, .answerPoll)
        let body = try await JSON.decode(AnswerBody.self, from: request, context: context)
        let (answer, isNew) = try await polls.answerAsCitizen(id, poll: poll, option: body.option, by: context.user,
                                                              idempotencyKey: IdempotencyHeader.key(request))
        return JSON.response(Answer(id: answer.id, pollId: answer.pollId, option: answer.option, villageCode: answer.villageCode, created: isNew),
                             status: isNew ? .created : .ok)
    }
}
