import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore

/// The polls' forms: the control room opens and closes them, a village console answers for its
/// office, a checked-in citizen answers on the assembly's public page. Each answers 303 back to
/// its page (Post/Redirect/Get); the poll sections are shown by `AssemblyPages`.
struct PollPages {
    let polls: PollService
    let outcome: FormOutcome
    let csrf: CSRFGuard

    func register(on router: Router<AppContext>) {
        router.post("musrenbang/:id/jajak", use: open)
        router.post("musrenbang/:id/jajak/:poll/tutup", use: close)
        router.post("musrenbang/:id/jajak/:poll/jawab", use: answerAsCitizen)
        router.post("musrenbang/:id/desa/:village/jajak/:poll", use: answer)
    }

    /// The open form: `question`, `option1…6` (blank slots are left out), `audience`.
    struct OpenForm: Decodable, Sendable {
        let question: String?; let option1: String?; let option2: String?; let option3: String?; let option4: String?
        let option5: String?; let option6: String?; let audience: String?

        var options: [String] {
            [option1, option2, option3, option4, option5, option6].compactMap { $0 }.filter { !TextRules.isBlank($0) }
        }
    }

    struct AnswerForm: Decodable, Sendable { let option: TypedInteger? }

    static let unknownOption = AppError.invalid("option", "option.unknown", id: "Pilih salah satu jawaban.", en: "Choose one of the answers.")

    @Sendable func open(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        _ = try await polls.assemblies.hub(id, for: .leadAssembly, by: context.user)
        let form = try await SubmittedForm<OpenForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/musrenbang/\(id)/kendali#jajak-pendapat") {
            let fields = form.fields
            _ = try await polls.open(id, .init(question: fields.question, options: fields.options, audience: fields.audience), by: context.user)
            return .init(id: "Jajak pendapat dibuka untuk setiap desa.", en: "The poll is open to every village.")
        }
    }

    @Sendable func close(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        let poll = try context.id("poll", as: PollID.self)
        _ = try await polls.assemblies.hub(id, for: .leadAssembly, by: context.user)
        let form = try await SubmittedForm<NoFields>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/musrenbang/\(id)/kendali#jajak-pendapat") {
            _ = try await polls.close(id, poll: poll, by: context.user)
            return .init(id: "Jajak pendapat ditutup; hasilnya masuk berita acara.", en: "The poll is closed; its results go into the minutes.")
        }
    }

    @Sendable func answer(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await polls.assemblies.session(try context.id("id", as: AssemblyID.self), context.parameters.get("village"),
                                                       for: .runSession, by: context.user)
        let poll = try context.id("poll", as: PollID.self)
        let form = try await SubmittedForm<AnswerForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/musrenbang/\(scope.id)/desa/\(scope.village)#jajak") {
            guard let option = form.fields.option?.value else { throw Self.unknownOption }
            _ = try await polls.answer(scope, poll: poll, option: option)
            return .init(id: "Jawaban desa tercatat.", en: "The village's answer is recorded.")
        }
    }

    @Sendable func answerAsCitizen(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        let poll = try context.id("poll", as: PollID.self)
        _ = try Access.person(context.user, .answerPoll)
        let form = try await SubmittedForm<AnswerForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/musrenbang/\(id)#jajak") {
            guard let option = form.fields.option?.value else { throw Self.unknownOption }
            _ = try await polls.answerAsCitizen(id, poll: poll, option: option, by: context.user)
            return .init(id: "Jawaban Anda tercatat.", en: "Your answer is recorded.")
        }
    }
}
