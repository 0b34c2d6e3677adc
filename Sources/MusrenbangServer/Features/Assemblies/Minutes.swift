import Foundation
import MusrenbangCore
import MusrenbangStore

/// The berita acara of one session: what the operator writes, and what the session itself
/// supplies (times, attendance, the ranked proposals; for a kecamatan its priority list, what it
/// could not accommodate and its ceiling). Finalising snapshots both: the signed paper and the
/// platform never differ.
struct BeritaAcara: Codable, Sendable {
    struct Editable: Codable, Sendable, Equatable {
        var venue: String?
        var onlineLink: String?
        var chair: String?
        var minuteTaker: String?
        var resourcePersons: [String]?
        var agreements: String?
        var decisionMethod: DecisionMethod?
        /// Who signs, in the form's order: a village's Ketua BPD, community representative and
        /// Kepala Desa; a kecamatan's chair is `chair`.
        var signatories: [String]?
        /// The letter number the office gives the paper ("140/03/429.513.07/2027").
        var documentNumber: String?
        /// A kecamatan's three delegates (Lampiran IV).
        var delegates: [Delegate]?
        /// A kecamatan's group sessions (sidang kelompok) and what each concluded.
        var groupSessions: [GroupSession]?
    }

    struct GroupSession: Codable, Sendable, Equatable {
        var title: String
        var chair: String
        var participants: Int?
        var notes: String
    }

    struct Attendee: Codable, Sendable {
        /// As papers print it: masked for a citizen who did not agree to be named.
        let name: String
        let role: String
        let gender: String
        let guest: Bool
        let origin: String
    }

    struct RankedProposal: Codable, Sendable {
        let priority: Int
        let id: ProposalID
        let title: String
        let field: String
        let location: String
        let volume: String
        let estimatedCost: Int64
        let fundingSource: String
        let status: String
    }

    struct FloorTurn: Codable, Sendable {
        let topic: String
        let start: String
        let end: String
        let seconds: Int
    }

    /// A poll of the assembly closed during it: the question, the final counts, and what this
    /// office answered (office polls).
    struct PollOutcome: Codable, Sendable {
        struct Option: Codable, Sendable { let label: String; let count: Int; let percent: Int }
        let question: String
        /// Who answered, as the paper says it ("kantor desa", "warga yang hadir").
        let audience: String
        let closedAt: String
        let options: [Option]
        let total: Int
        let officesAnswered: Int
        let officesPresent: Int
        let villageAnswer: String?
    }

    struct Counts: Codable, Sendable {
        var total = 0, women = 0, men = 0
        var byRole: [String: Int] = [:]
    }

    var assemblyId: AssemblyID
    var villageCode: RegionCode
    var villageName: String
    var date: String
    /// When the session was held (its start, else the assembly's scheduled start).
    var heldAt: Date?
    var startTime: String?
    var endTime: String?
    var fields: Editable
    var attendance: Counts
    var attendees: [Attendee]
    var rankedProposals: [RankedProposal]
    /// The village's turns on the regency-wide floor: when it spoke, for how long, about what.
    var floorTurns: [FloorTurn]?
    var finalizedAt: Date?
    var amendments: [String]
    /// The stage's recordings of the hub and this village, once the assembly has closed.
    var recordings: [MediaService.RecordingLink]?
    /// A kecamatan session's results (Lampiran II and III), nil for a village.
    var districtResults: DistrictResults?
    /// The assembly's polls closed so far (nil in records finalised before polls existed).
    var polls: [PollOutcome]?
}

/// Reads and writes a session's berita acara. The rule of what a save may do is Core's
/// (`MinutesRules`); the record is in Indonesian because it is the official paper.
struct MinutesService: Sendable {
    let services: AppServices
    var store: AssemblyStore { AssemblyStore(services.database) }

    /// The draft, filled from the session; a finalised record comes back exactly as it was locked.
    /// With `attendance` given (the console has the counts already) the list of names is not read.
    /// With `polls` given (the console has read them for its poll section) they are not read again.
    func minutes(_ scope: AssemblyService.Session, attendance given: BeritaAcara.Counts? = nil,
                 polls givenPolls: [BeritaAcara.PollOutcome]? = nil) async throws -> BeritaAcara {
        let stored = try await store.minutes(scope.id, village: scope.village)
        let amendments = stored?.amendments.map { "\(Format.date($0.at).id): \($0.reason)" } ?? []
        if let stored, stored.finalizedAt != nil, var locked = try? JSONDecoder.iso.decode(BeritaAcara.self, from: Data(stored.data.utf8)) {
            locked.amendments = amendments
            return locked
        }
        let fields = stored.flatMap { try? JSONDecoder().decode(BeritaAcara.Editable.self, from: Data($0.data.utf8)) }
            ?? Self.defaults(scope, services.places)
        return try await record(scope, fields: fields, attendance: given, polls: givenPolls, finalizedAt: stored?.finalizedAt,
                                amendments: amendments)
    }

    static func defaults(_ scope: AssemblyService.Session, _ places: Places) -> BeritaAcara.Editable {
        BeritaAcara.Editable(venue: "Kantor \(Names.village(scope.village, places.name(scope.village)).id)",
                             onlineLink: "/musrenbang/\(scope.id)", decisionMethod: .consensus)
    }

    /// Everything the session supplies, around the operator's fields.
    private func record(_ scope: AssemblyService.Session, fields: BeritaAcara.Editable, attendance given: BeritaAcara.Counts?,
                        polls givenPolls: [BeritaAcara.PollOutcome]? = nil, finalizedAt: Date?, amendments: [String]) async throws -> BeritaAcara {
        let places = services.places
        let times = try await store.times(scope.id, village: scope.village)
        var counts = given ?? BeritaAcara.Counts()
        var attendees: [BeritaAcara.Attendee] = []
        if given == nil {
            for person in try await store.attendees(scope.id, village: scope.village) {
                counts.total += 1
                if person.gender == .female { counts.women += 1 } else { counts.men += 1 }
                counts.byRole[person.role.rawValue, default: 0] += 1
                attendees.append(.init(name: person.publicName, role: person.role.indonesianName, gender: person.gender == .female ? "P" : "L",
                                       guest: person.isGuest, origin: person.residence.map(places.name) ?? ""))
            }
        }
        var ranked: [BeritaAcara.RankedProposal] = []
        if scope.village.level == .village {
            for (index, proposal) in try await PlanningStore(services.database).ranked(village: scope.village, year: scope.assembly.planYear).enumerated() {
                let location = [proposal.draft.location.hamlet.map { "Dusun \($0)" }, proposal.draft.location.rt.map { "RT \($0)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                ranked.append(.init(priority: proposal.priority ?? index + 1, id: proposal.id, title: proposal.draft.title,
                                    field: Names.field(proposal.draft.fieldCode).id, location: location,
                                    volume: "\(Format.number(proposal.state.volume)) \(proposal.draft.unit)",
                                    estimatedCost: proposal.state.estimatedCost, fundingSource: proposal.draft.fundingSource.indonesianName,
                                    status: Names.standing(proposal.state).id))
            }
        }
        let media = MediaService(services: services)
        let polls: [BeritaAcara.PollOutcome]
        if let givenPolls { polls = givenPolls } else { polls = try await Self.pollOutcomes(scope, services: services) }
        return BeritaAcara(
            assemblyId: scope.id, villageCode: scope.village, villageName: places.name(scope.village),
            date: Format.date(times.started ?? scope.assembly.startsAt).id, heldAt: times.started ?? scope.assembly.startsAt, startTime: times.started.map { "\(Format.clock($0).id) WIB" },
            endTime: times.closed.map { "\(Format.clock($0).id) WIB" }, fields: fields, attendance: counts, attendees: attendees,
            rankedProposals: ranked,
            floorTurns: try await FloorStore(services.database).turns(scope.id, village: scope.village).map {
                .init(topic: $0.topic, start: Format.clock($0.startedAt).id, end: Format.clock($0.endedAt).id,
                      seconds: Int($0.endedAt.timeIntervalSince($0.startedAt)))
            },
            finalizedAt: finalizedAt, amendments: amendments,
            recordings: await media.recordings(scope.id, feeds: [MediaService.hubFeed, MediaService.feed(of: scope.village)]),
            districtResults: scope.village.level == .district
                ? try await DistrictResults.load(scope.village, year: scope.assembly.planYear, services: services) : nil,
            polls: polls)
    }

    /// The assembly's closed polls with their final results and this office's own answer.
    static func pollOutcomes(_ scope: AssemblyService.Session, services: AppServices) async throws -> [BeritaAcara.PollOutcome] {
        let service = PollService(services: services)
        let closed = try await service.closedResults(scope.id)
        return outcomes(closed, answers: try await service.answers(closed.map(\.poll), village: scope.village))
    }

    /// The closed polls among `results` (oldest first), as the minutes record them.
    static func outcomes(_ results: [PollService.Counted], answers: [PollID: Int]) -> [BeritaAcara.PollOutcome] {
        results.filter { $0.poll.status == .closed }.sorted { $0.poll.id < $1.poll.id }.map { counted in
            let poll = counted.poll, tally = counted.tally, percents = tally.percents
            return .init(question: poll.question, audience: poll.audience == .office ? "kantor desa" : "warga yang hadir",
                         closedAt: poll.closedAt.map { "\(Format.clock($0).id) WIB" } ?? "",
                         options: poll.options.enumerated().map { .init(label: $1, count: tally.counts[$0], percent: percents[$0]) },
                         total: tally.total, officesAnswered: tally.officesAnswered, officesPresent: tally.officesPresent,
                         villageAnswer: answers[poll.id].flatMap { poll.options.indices.contains($0 - 1) ? poll.options[$0 - 1] : nil })
        }
    }

    /// Saves what the operator wrote. A draft stores only the fields; finalising and amending
    /// store the whole record, locked.
    func save(_ scope: AssemblyService.Session, fields: BeritaAcara.Editable, finalize: Bool, amendmentReason: String?) async throws {
        if let refusal = Self.refusal(fields) { throw AppError(refusal) }
        let isFinal = try await store.minutesAreFinal(scope.id, village: scope.village)
        if scope.village.level == .district {
            // The mandate is complete on the final paper, and stays complete through amendments.
            var refusals = Refusals()
            refusals.check(DelegateRules.validate(fields.delegates ?? [], final: finalize || isFinal))
            try refusals.throwIfAny()
        }
        let change: MinutesChange
        switch MinutesRules.change(isFinal: isFinal, finalize: finalize, amendmentReason: amendmentReason) {
        case .success(let decided): change = decided
        case .failure(let refusal): throw AppError(refusal.code == "minutes.finalized" ? .conflict : .unprocessableContent,
                                                   code: refusal.code, message: refusal.message, field: refusal.field)
        }
        let data: Data
        switch change {
        case .draft:
            data = try JSONEncoder.iso.encode(fields)
        case .finalize:
            var record = try await record(scope, fields: fields, attendance: nil, finalizedAt: Date(), amendments: [])
            record.fields = fields
            data = try JSONEncoder.iso.encode(record)
        case .amend:
            var locked = try await minutes(scope)
            locked.fields = fields
            locked.amendments = []
            data = try JSONEncoder.iso.encode(locked)
        }
        guard try await store.saveMinutes(scope.id, village: scope.village, data: String(decoding: data, as: UTF8.self), change: change,
                                          by: scope.user.id) else {
            throw AppError.conflict("minutes.changed", id: "Berita acara baru saja difinalkan dari perangkat lain; muat ulang halaman.",
                                    en: "The minutes were just finalised elsewhere; reload the page.")
        }
    }

    /// What one person may write into the official record.
    static func refusal(_ fields: BeritaAcara.Editable) -> ValidationError? {
        let short = [(fields.venue, "venue"), (fields.onlineLink, "onlineLink"), (fields.chair, "chair"), (fields.minuteTaker, "minuteTaker")]
        if let (_, field) = short.first(where: { ($0.0?.count ?? 0) > 300 }) {
            return ValidationError(field: field, code: "minutes.length", message: .init(id: "Isian maks. 300 karakter.", en: "At most 300 characters."))
        }
        if (fields.agreements?.count ?? 0) > 10_000 {
            return ValidationError(field: "agreements", code: "agreements.length",
                                   message: .init(id: "Kesepakatan maks. 10.000 karakter.", en: "Agreements: at most 10,000 characters."))
        }
        // At most 40 names in the two lists together: the refusal names the list at fault.
        let persons = fields.resourcePersons ?? [], signatories = fields.signatories ?? []
        if persons.count + signatories.count > 40 || (persons + signatories).contains(where: { $0.count > 200 }) {
            let field = persons.count > 40 || persons.contains(where: { $0.count > 200 }) ? "resourcePersons" : "signatories"
            return ValidationError(field: field, code: "\(field).length",
                                   message: .init(id: "Paling banyak 40 nama, masing-masing maks. 200 karakter.",
                                                  en: "At most 40 names of at most 200 characters each."))
        }
        if (fields.documentNumber?.count ?? 0) > 100 {
            return ValidationError(field: "documentNumber", code: "documentNumber.length",
                                   message: .init(id: "Nomor berita acara maks. 100 karakter.", en: "Document number: at most 100 characters."))
        }
        let groups = fields.groupSessions ?? []
        if groups.count > 10 || groups.contains(where: { $0.title.count > 200 || $0.chair.count > 200 || $0.notes.count > 5_000
                                                          || !(0...100_000).contains($0.participants ?? 0) }) {
            return ValidationError(field: "groupSessions", code: "groupSessions.length",
                                   message: .init(id: "Paling banyak 10 sidang kelompok; judul dan ketua maks. 200 karakter, hasil maks. 5.000 karakter.",
                                                  en: "At most 10 group sessions; title and chair at most 200 characters, notes at most 5,000."))
        }
        return nil
    }
}

extension JSONEncoder {
    static var iso: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
