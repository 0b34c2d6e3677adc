import Foundation
import MusrenbangCore
import MusrenbangStore

/// Assemblies as the API and the pages both handle them. A village session's request loads
/// the assembly and the session once (`session(_:_:for:by:)`), is authorised by `Policy` for
/// that place, and passes the loaded scope down; nothing reads them twice.
struct AssemblyService: Sendable {
    let services: AppServices
    var store: AssemblyStore { AssemblyStore(services.database) }

    static let notFound = AppError.notFound(.init(id: "Musrenbang tidak ditemukan.", en: "Assembly not found."))
    static let sessionNotFound = AppError.notFound(.init(id: "Sesi desa tidak ditemukan dalam musrenbang ini.",
                                                         en: "No such village session in this assembly."))
    static let questionNotFound = AppError.notFound(.init(id: "Pertanyaan tidak ditemukan.", en: "Question not found."))

    func assembly(_ id: AssemblyID) async throws -> AssemblyRecord {
        guard let assembly = try await store.assembly(id) else { throw Self.notFound }
        return assembly
    }

    /// An assembly, with the person allowed to take `action` at its regency.
    /// The assemblies of `planYear` with a session at `place` whose papers `user` may read (drafts
    /// included): none when they may not.
    func papersAt(_ place: RegionCode, planYear: Int, for user: UserRecord?) async throws -> [AssemblyRecord] {
        guard Access.allows(user, .readMinutesDraft, in: place) else { return [] }
        return try await store.assemblies(withSessionAt: place, planYear: planYear)
    }

    func hub(_ id: AssemblyID, for action: Action, by user: UserRecord?) async throws -> (AssemblyRecord, UserRecord) {
        guard user != nil else { throw AppError.unauthenticated }
        let assembly = try await assembly(id)
        return (assembly, try Access.person(user, action, in: assembly.regencyCode))
    }

    /// One village's session, loaded once with its assembly, and the person allowed to take `action` there.
    struct Session: Sendable {
        let assembly: AssemblyRecord
        let session: SessionRecord
        let user: UserRecord
        var village: RegionCode { session.villageCode }
        var id: AssemblyID { assembly.id }
    }

    func session(_ id: AssemblyID, _ village: String?, for action: Action, by user: UserRecord?) async throws -> Session {
        guard user != nil else { throw AppError.unauthenticated }
        guard let code = village.flatMap({ RegionCode($0) }) else { throw Self.sessionNotFound }
        guard let (assembly, session) = try await store.assembly(id, session: code) else { throw Self.notFound }
        guard let session else { throw Self.sessionNotFound }
        return Session(assembly: assembly, session: session, user: try Access.person(user, action, in: code))
    }

    // MARK: scheduling

    struct Schedule: Decodable, Sendable {
        var title: String
        var level: AssemblyLevel
        var regencyCode: String
        var planYear: Int
        var startsAt: Date
        var hubVillageCode: String
        var villageCodes: [String]?
        var agenda: [AgendaItem]?
        /// A thematic musrenbang's group (`AssemblyTheme`); absent or blank for the general one.
        var theme: String?
    }

    /// Every village of the regency by default; a district-level assembly has one session per district.
    func schedule(_ input: Schedule, by user: UserRecord?, rehearsalOf: AssemblyID? = nil) async throws -> AssemblyID {
        let places = services.places
        let user = try Access.person(user, .scheduleAssembly, in: places.regency.code)
        guard RegionCode(input.regencyCode) == places.regency.code else {
            throw AppError.invalid("regencyCode", "regencyCode.unknown",
                                   id: "Kabupaten harus \(places.regency.name) (\(places.regency.code)).",
                                   en: "The regency must be \(places.regency.code).")
        }
        var refusals = Refusals()
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if !(5...150).contains(title.count) {
            refusals.all.append(ValidationError(field: "title", code: "title.length", message: .init(id: "Judul 5–150 karakter.", en: "Title: 5–150 characters.")))
        }
        if !(services.today.year - 1...services.today.year + 2).contains(input.planYear) {
            refusals.all.append(ValidationError(field: "planYear", code: "planYear.range",
                                                message: .init(id: "Tahun rencana di luar jangkauan.", en: "Plan year out of range.")))
        }
        let hub = RegionCode(input.hubVillageCode).flatMap { places.isVillage($0) ? $0 : nil }
        if hub == nil {
            refusals.all.append(ValidationError(field: "hubVillageCode", code: "hubVillageCode.unknown",
                                                message: .init(id: "Desa tuan rumah tidak dikenal di kabupaten ini.", en: "Unknown hub village.")))
        }
        let all = input.level == .district ? places.districts : places.villages
        var codes = all
        if let given = input.villageCodes {
            let parsed = given.compactMap({ RegionCode($0) }).filter(all.contains)
            if parsed.count != given.count || given.isEmpty {
                let unknown = given.filter { RegionCode($0).map { !all.contains($0) } ?? true }.prefix(5).map { String($0.prefix(20)) }
                refusals.all.append(ValidationError(field: "villageCodes", code: "villageCodes.unknown", message: .init(
                    id: "Kode wilayah tidak dikenal di kabupaten ini: \(unknown.joined(separator: ", ")).",
                    en: "Unknown codes in this regency: \(unknown.joined(separator: ", ")).")))
            }
            codes = Array(Set(parsed)).sorted()
        }
        let agenda = input.agenda ?? Self.defaultAgenda
        if let refusal = Self.agendaRefusal(agenda, field: "agenda") { refusals.all.append(refusal) }
        var theme: AssemblyTheme?
        switch ThemeRules.parse(input.theme) {
        case .success(let parsed): theme = parsed
        case .failure(let refusal): refusals.all.append(refusal)
        }
        try refusals.throwIfAny()
        guard let hub else { throw Refusals.inconsistent }
        return try await store.create(title: title, level: input.level, regency: places.regency.code, planYear: input.planYear,
                                      startsAt: input.startsAt, hub: hub, villages: codes, agenda: agenda, createdBy: user.id,
                                      rehearsalOf: rehearsalOf, theme: theme)
    }

    static func agendaRefusal(_ items: [AgendaItem], field: String) -> ValidationError? {
        guard items.count <= 50, items.allSatisfy({ !$0.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && $0.title.count <= 200
            && (1...600).contains($0.minutes) && ($0.speaker?.count ?? 0) <= 200 }) else {
            return ValidationError(field: field, code: "agenda.invalid",
                                   message: .init(id: "Setiap acara memerlukan judul dan durasi 1–600 menit (paling banyak 50 acara).",
                                                  en: "Each agenda item needs a title and 1–600 minutes (at most 50 items)."))
        }
        return nil
    }

    static let defaultAgenda = [
        AgendaItem(title: "Registrasi peserta di setiap kantor desa", minutes: 30, speaker: "Operator desa"),
        AgendaItem(title: "Pembukaan dan pengarahan Bupati: prioritas nasional, provinsi, dan kabupaten", minutes: 30, speaker: "Bupati"),
        AgendaItem(title: "Dialog desa dengan Bupati dan perangkat daerah", minutes: 60, speaker: "Bupati, kepala OPD"),
        AgendaItem(title: "Penyampaian usulan di setiap desa", minutes: 45, speaker: "Tim penyusun RKPDes"),
        AgendaItem(title: "Pemeringkatan usulan", minutes: 30, speaker: "Tim penyusun RKPDes"),
        AgendaItem(title: "Kesepakatan dan penandatanganan berita acara", minutes: 15, speaker: "Ketua BPD, Kepala Desa"),
    ]

    func setAgenda(_ id: AssemblyID, _ items: [AgendaItem], by user: UserRecord?) async throws {
        _ = try await hub(id, for: .scheduleAssembly, by: user)
        if let refusal = Self.agendaRefusal(items, field: "items") { throw AppError(refusal) }
        try await store.setAgenda(id, items)
    }

    /// Gladi resik: the same assembly in a sandbox, wiped with `wipeRehearsal` afterwards.
    /// A rehearsal is already a sandbox: only a real assembly is rehearsed (the pages offer no
    /// other), so a rehearsal never has rehearsals of its own to outlive it.
    func rehearse(_ id: AssemblyID, by user: UserRecord?) async throws -> AssemblyID {
        let (assembly, user) = try await hub(id, for: .scheduleAssembly, by: user)
        guard assembly.rehearsalOf == nil else {
            throw AppError.conflict("assembly.rehearsal", id: "Gladi resik tidak dapat digladi lagi; gladikan musrenbang sungguhannya.",
                                    en: "A rehearsal cannot be rehearsed; rehearse the real assembly.")
        }
        return try await schedule(.init(title: "Gladi resik: \(assembly.title)".prefix(150).description, level: assembly.level,
                                        regencyCode: assembly.regencyCode.description, planYear: assembly.planYear, startsAt: Date(),
                                        hubVillageCode: assembly.hubVillageCode.description,
                                        villageCodes: try await store.sessions(id).map(\.villageCode.description),
                                        agenda: try await store.agenda(id), theme: assembly.theme?.rawValue), by: user, rehearsalOf: id)
    }

    func wipeRehearsal(_ id: AssemblyID, by user: UserRecord?) async throws {
        let (assembly, _) = try await hub(id, for: .scheduleAssembly, by: user)
        guard assembly.rehearsalOf != nil else {
            throw AppError.conflict("assembly.notRehearsal", id: "Hanya gladi resik yang dapat dihapus; musrenbang sungguhan disimpan.",
                                    en: "Only rehearsals can be deleted; real assemblies are kept.")
        }
        try await store.wipeRehearsal(id)
    }

    func current() async throws -> [AssemblyRecord] {
        try await store.current(regency: services.places.regency.code)
    }

    struct Detail: Sendable {
        let assembly: AssemblyRecord
        let agenda: [AgendaItem]
        let hubLog: [(from: AssemblyStage, to: AssemblyStage, at: Date)]
        let sessions: [SessionRecord]
    }

    func detail(_ id: AssemblyID) async throws -> Detail {
        let assembly = try await assembly(id)
        return Detail(assembly: assembly, agenda: try await store.agenda(id), hubLog: try await store.hubLog(id),
                      sessions: try await store.sessions(id))
    }

    func agenda(_ id: AssemblyID) async throws -> [AgendaItem] { try await store.agenda(id) }

    func summary(_ id: AssemblyID) async throws -> AssemblySummary {
        try await store.summary(try await assembly(id))
    }

    func summary(_ assembly: AssemblyRecord) async throws -> AssemblySummary {
        try await store.summary(assembly)
    }

    // MARK: stages

    func translate<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch AssemblyStore.AssemblyError.notFound {
            throw Self.notFound
        } catch AssemblyStore.AssemblyError.stage(let refusal) {
            throw AppError(.conflict, code: "stage.refused", message: refusal.message, field: "stage")
        }
    }

    func moveHub(_ id: AssemblyID, to stage: AssemblyStage, by user: UserRecord?) async throws -> AssemblyRecord {
        let (_, user) = try await hub(id, for: .leadAssembly, by: user)
        let moved = try await translate { try await store.moveHub(id, to: stage, actor: user.id) }
        await services.live.poke(id)
        if moved.stage == .closed {
            let services = self.services
            Task { await MediaService(services: services).closed(id) }
        }
        return moved
    }

    /// The stages a session may move to now (for the console's buttons), by the same rule the move checks.
    static func moves(_ session: SessionRecord, hub: AssemblyStage) -> [AssemblyStage] {
        AssemblyStage.allCases.filter {
            StageRules.session(from: session.stage, to: $0, hub: hub, rankingAgreed: session.rankingAgreed) == nil
        }
    }

    func moveSession(_ scope: Session, to stage: AssemblyStage) async throws -> SessionRecord {
        let moved = try await translate { try await store.moveSession(scope.id, village: scope.village, to: stage, actor: scope.user.id) }
        await services.live.poke(scope.id)
        return moved
    }

    /// One session's own figures, for its console.
    func figures(_ scope: Session) async throws -> SessionFigures {
        try await store.figures(scope.id, village: scope.village, theme: scope.assembly.theme)
    }

    func heartbeat(_ scope: Session) async throws {
        try await store.heartbeat(scope.id, village: scope.village)
    }

    /// The ranking is agreed at the ranking stage or later; for a village it fixes the priorities.
    func agreeRanking(_ scope: Session) async throws {
        guard scope.session.stage >= .ranking else {
            throw AppError.conflict("stage.tooEarly", id: "Peringkat disepakati pada tahap pemeringkatan atau sesudahnya.",
                                    en: "The ranking is agreed at the ranking stage or later.")
        }
        if scope.village.level == .village {
            _ = try await PlanningStore(services.database).rank(village: scope.village, year: scope.assembly.planYear,
                                                                by: scope.user.principal)
        }
        try await store.agreeRanking(scope.id, village: scope.village)
        await services.live.poke(scope.id)
    }

    // MARK: attendance

    struct CheckIn: Codable, Sendable {
        var villageCode: String
        var citizenId: UserID?
        var nik: String?
        var code: String?
        var role: AttendanceRole
        var gender: Gender
        /// For a walk-in registered on the spot.
        var name: String?
        var residenceVillageCode: String?
        /// Whether a citizen agreed to be named on the attendance list and the minutes (else initials).
        var nameConsent: Bool?
    }

    /// With an `Idempotency-Key`, a retry answers the first request's record (not new), even when a
    /// rule would now refuse it, and never checks anyone in twice.
    func checkIn(_ scope: Session, _ input: CheckIn, idempotencyKey: String? = nil) async throws -> (AttendanceRecord, isNew: Bool) {
        let key = idempotencyKey.map {
            IdempotencyKey(scope: "attendance:\(scope.user.id)", key: $0, request: "\(scope.id) \(IdempotencyHeader.canonical(input))")
        }
        return try await IdempotencyHeader.replaying(key, in: services.database, as: { stored in
            guard let id = Int64(stored), let record = try await store.attendance(scope.id, id) else { return nil }
            return (record, false)
        }) {
            guard scope.session.stage.acceptsAttendance else {
                throw AppError.conflict("attendance.closed", id: "Registrasi peserta tidak terbuka pada tahap \(scope.session.stage.indonesianName).",
                                        en: "Check-in is not open at the \(scope.session.stage.rawValue) stage.")
            }
            let (person, residence, gender) = try await attendee(scope, input)
            // The transaction records the key: a retry whose rules pass is answered there.
            let result = try await store.checkIn(scope.id, village: scope.village, person: person, role: input.role,
                                                 gender: gender ?? input.gender, isGuest: residence != scope.village,
                                                 nameConsent: input.nameConsent ?? false, by: scope.user.id,
                                                 refreshHeartbeat: services.heartbeats.due(scope.id, scope.village), idempotencyKey: key)
            if result.isNew { await services.live.poke(scope.id) }
            return result
        }
    }

    /// Who is checking in: by signed code, account number, or NIK — a walk-in with a name is
    /// registered by the check-in itself. With where they live and their gender, when known.
    private func attendee(_ scope: Session, _ input: CheckIn) async throws -> (AssemblyStore.CheckInPerson, RegionCode?, Gender?) {
        let accounts = services.accounts
        func known(_ user: UserRecord) -> (AssemblyStore.CheckInPerson, RegionCode?, Gender?) { (.account(user.id), user.regionCode, user.gender) }
        if let code = input.code {
            guard let citizen = CheckInCode.verify(code, assembly: scope.id, secret: services.secret),
                  let found = try await accounts.user(id: citizen) else {
                throw AppError.invalid("code", "code.invalid", id: "Kode kehadiran tidak sah untuk musrenbang ini.",
                                       en: "The check-in code is not valid for this assembly.")
            }
            return known(found)
        }
        if let citizenId = input.citizenId {
            guard let found = try await accounts.user(id: citizenId), found.role == .citizen else {
                throw AppError(.notFound, code: "citizen.unknown", message: .init(id: "Warga tidak ditemukan.", en: "Citizen not found."),
                               field: "citizenId")
            }
            return known(found)
        }
        guard let nik = input.nik else {
            throw AppError.invalid("nik", "required", id: "Isi NIK, kode kehadiran, atau nomor warga.", en: "Give a NIK, a check-in code or a citizenId.")
        }
        let digits = nik.filter { !$0.isWhitespace }
        func registered() async throws -> UserRecord? { try await accounts.user(nikHash: services.secret.nikHash(digits)) }
        guard let name = input.name else {
            if let found = try await registered() { return known(found) }
            throw AppError(.notFound, code: "nik.unregistered",
                           message: .init(id: "NIK belum terdaftar. Daftarkan sebagai peserta baru dengan mengisi nama.",
                                          en: "This NIK is not registered. Register a walk-in by giving a name."), field: "nik")
        }
        // With a name, most who come are new: the check-in's transaction registers them, and finds
        // the account itself when the NIK is already registered (no lookup before it, one round
        // trip fewer). Only a refused registration looks the NIK up: a known citizen is checked in
        // whatever the form said about them.
        do {
            let (citizen, _) = try await AccountService(services: services).newCitizen(.init(
                name: name, nik: digits, villageCode: input.residenceVillageCode ?? scope.village.description,
                gender: input.gender.rawValue, password: nil, phone: nil), by: scope.user, anyVillage: true)
            return (.walkIn(citizen), citizen.village, citizen.gender)
        } catch let refusal where refusal is ValidationErrors || refusal is AppError {
            if let found = try await registered() { return known(found) }
            throw refusal
        }
    }

    // MARK: questions

    /// During the dialogue, from the asker's village (an operator may send for someone at the office).
    func ask(_ id: AssemblyID, body: String, village: String?, by user: UserRecord?) async throws -> QuestionID {
        try await ask(id, body: body, village: village, by: user, idempotencyKey: nil).question
    }

    /// With an `Idempotency-Key`, a retry answers the first question (not new), even when a rule
    /// would now refuse it, and asks nothing again.
    func ask(_ id: AssemblyID, body: String, village: String?, by user: UserRecord?,
             idempotencyKey: String?) async throws -> (question: QuestionID, isNew: Bool) {
        guard let user else { throw AppError.unauthenticated }
        let key = idempotencyKey.map {
            IdempotencyKey(scope: "question:\(user.id)", key: $0, request: "\(id) \(village ?? "-") \(body)")
        }
        return try await IdempotencyHeader.replaying(key, in: services.database, as: { stored in
            Int64(stored).map { (QuestionID(rawValue: $0), false) }
        }) {
            let assembly = try await assembly(id)
            // A village named but not a village code is refused, never filed under another village.
            let named = try village.map { text in
                guard let code = RegionCode(text) else {
                    throw AppError.invalid("villageCode", "villageCode.invalid", id: "Kode desa tidak sah.", en: "Not a village code.")
                }
                return code
            }
            guard let code = named ?? user.regionCode ?? Optional(assembly.hubVillageCode),
                  let session = try await store.session(id, village: code) else { throw Self.sessionNotFound }
            try Access.require(user, .askQuestion, in: Scope(code))
            guard session.stage == .dialogue || assembly.stage == .dialogue else {
                throw AppError.conflict("questions.closed", id: "Pertanyaan dibuka pada tahap dialog.", en: "Questions are open during the dialogue.")
            }
            let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (5...500).contains(text.count) else {
                throw AppError.invalid("body", "body.length", id: "Pertanyaan 5–500 karakter.", en: "A question is 5–500 characters.")
            }
            let asked = try await store.ask(id, village: code, author: user.id, body: text, idempotencyKey: key)
            if asked.isNew { await services.live.poke(id) }
            return asked
        }
    }

    /// The public sees approved and answered questions; the hub's moderators the waiting ones too.
    func questions(_ id: AssemblyID, statuses wanted: [QuestionStatus], for user: UserRecord?) async throws -> [QuestionRecord] {
        let assembly = try await assembly(id)
        let moderator = Access.allows(user, .moderateQuestions, in: assembly.regencyCode)
        return try await store.questions(id, statuses: moderator ? wanted : wanted.filter { $0 == .approved || $0 == .answered })
    }

    /// Moderators of the question's village (and the hub) approve or hide; the host and planner mark it answered.
    func moderate(_ id: AssemblyID, question: QuestionID, status: QuestionStatus, by user: UserRecord?) async throws {
        guard let user else { throw AppError.unauthenticated }
        let assembly = try await assembly(id)
        guard let target = try await store.question(id, question) else { throw Self.questionNotFound }
        switch status {
        case .answered: try Access.require(user, .answerQuestions, in: Scope(assembly.regencyCode))
        case .approved, .hidden: try Access.require(user, .moderateQuestions, in: Scope(target.villageCode))
        case .pending: throw AppError.invalid("status", "status.invalid", id: "Status pertanyaan tidak dapat dikembalikan ke menunggu.",
                                              en: "A question cannot go back to pending.")
        }
        _ = try await store.setQuestionStatus(id, question: question, status)
        await services.live.poke(id)
    }

    func upvote(_ id: AssemblyID, question: QuestionID, by user: UserRecord?) async throws -> Int {
        let user = try Access.role(user, .upvoteQuestion)
        _ = try await assembly(id)
        guard let count = try await store.upvote(id, question: question, by: user.id) else { throw Self.questionNotFound }
        await services.live.poke(id)
        return count
    }

    func checkInCode(for user: UserRecord?, assembly id: AssemblyID) async throws -> String {
        let user = try Access.role(user, .manageOwnAccount)
        return CheckInCode.make(citizen: user.id, assembly: try await assembly(id).id, secret: services.secret)
    }
}

/// A citizen's check-in code for one assembly: their account number and a signature, short
/// enough to type (`1234-7F3A9C`). Valid for that assembly only.
enum CheckInCode {
    static func make(citizen: UserID, assembly: AssemblyID, secret: ServerSecret) -> String {
        "\(citizen)-\(secret.sign("\(assembly):\(citizen)", purpose: "checkin").prefix(6).uppercased())"
    }

    static func verify(_ code: String, assembly: AssemblyID, secret: ServerSecret) -> UserID? {
        let parts = code.trimmingCharacters(in: .whitespaces).uppercased().split(separator: "-")
        guard parts.count == 2, let citizen = Int64(parts[0]) else { return nil }
        let id = UserID(rawValue: citizen)
        return make(citizen: id, assembly: assembly, secret: secret) == "\(citizen)-\(parts[1])" ? id : nil
    }
}
