import Foundation
import MusrenbangCore
import MusrenbangStore

/// The berita acara of one village session: what the operator writes, and what the session
/// itself supplies (times, attendance, the ranked proposals). Finalising snapshots both.
struct BeritaAcara: Codable, Sendable {
    struct Editable: Codable, Sendable {
        var venue: String?
        var onlineLink: String?
        var chair: String?
        var minuteTaker: String?
        var resourcePersons: [String]?
        var agreements: String?
        var decisionMethod: DecisionMethod?
        var signatories: [String]?
    }

    struct Attendee: Codable, Sendable {
        let name: String
        let role: String
        let gender: String
        let guest: Bool
        let origin: String
    }

    struct RankedProposal: Codable, Sendable {
        let priority: Int
        let id: Int64
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

    struct Counts: Codable, Sendable {
        var total = 0, women = 0, men = 0
        var byRole: [String: Int] = [:]
    }

    var assemblyId: Int64
    var villageCode: String
    var villageName: String
    var date: String
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
}

extension AssemblyService {
    /// The draft, filled from the session; a finalised record comes back exactly as it was locked.
    func minutes(_ id: Int64, village: String) async throws -> BeritaAcara {
        let assembly = try await assembly(id)
        guard try await store.session(id, village: village) != nil else { throw Self.sessionNotFound }
        let stored = try await store.minutes(id, village: village)
        let amendments = stored?.amendments.map { "\(WIB.date($0.at)): \($0.reason)" } ?? []
        if let stored, stored.finalizedAt != nil,
           var locked = try? JSONDecoder.iso.decode(BeritaAcara.self, from: Data(stored.data.utf8)) {
            locked.amendments = amendments
            return locked
        }
        let fields = stored.flatMap { try? JSONDecoder().decode(BeritaAcara.Editable.self, from: Data($0.data.utf8)) }
            ?? BeritaAcara.Editable(venue: "Kantor Desa \(services.placeNames[village] ?? village)",
                                    onlineLink: "/musrenbang/\(id)", decisionMethod: .consensus)
        let log = try await store.stageLog(id, village: village)
        let hubLog = try await store.stageLog(id, village: nil)
        let started = (log + hubLog).first { $0.to == .opening }?.at
        let ended = log.first { $0.to == .closed }?.at
        var counts = BeritaAcara.Counts()
        let attendees = try await store.attendanceList(id, village: village).map { person -> BeritaAcara.Attendee in
            counts.total += 1
            if person.gender == .female { counts.women += 1 } else { counts.men += 1 }
            counts.byRole[person.role.rawValue, default: 0] += 1
            return .init(name: person.name, role: person.role.indonesianName, gender: person.gender == .female ? "P" : "L",
                         guest: person.guest, origin: person.origin.flatMap { services.placeNames[$0] } ?? "")
        }
        var ranked: [BeritaAcara.RankedProposal] = []
        if RegionCode(village)?.level == .village {
            for (index, proposal) in try await PlanningStore(services.database).ranked(village: village, year: assembly.planYear).enumerated() {
                let location = [proposal.draft.location.hamlet.map { "Dusun \($0)" }, proposal.draft.location.rt.map { "RT \($0)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                ranked.append(.init(priority: proposal.priority ?? index + 1, id: proposal.id, title: proposal.draft.title,
                                    field: Fields.field(proposal.draft.fieldCode)?.name ?? proposal.draft.fieldCode, location: location,
                                    volume: "\(ProposalPages.number(proposal.state.volume)) \(proposal.draft.unit)",
                                    estimatedCost: proposal.state.estimatedCost, fundingSource: proposal.draft.fundingSource.indonesianName,
                                    status: Timeline.statusName(proposal.state)))
            }
        }
        func time(_ date: Date?) -> String? { date.map { "\(WIB.clock($0)) WIB" } }
        return BeritaAcara(assemblyId: id, villageCode: village, villageName: services.placeNames[village] ?? village,
                           date: WIB.date(started ?? assembly.startsAt), startTime: time(started), endTime: time(ended),
                           fields: fields, attendance: counts, attendees: attendees, rankedProposals: ranked,
                           floorTurns: try await FloorStore(services.database).turns(id, village: village).map {
                               .init(topic: $0.topic, start: WIB.clock($0.startedAt), end: WIB.clock($0.endedAt),
                                     seconds: Int($0.endedAt.timeIntervalSince($0.startedAt)))
                           },
                           finalizedAt: stored?.finalizedAt, amendments: amendments,
                           recordings: await MediaService(services: services).recordings(
                               id, feeds: [MediaService.hubFeed, MediaService.feed(of: village) ?? 0]))
    }

    func saveMinutes(_ id: Int64, village: String, fields: BeritaAcara.Editable, finalize: Bool, amendmentReason: String?,
                     by user: UserRecord) async throws -> BeritaAcara {
        let assembly = try await assembly(id)
        _ = try await requireSession(assembly, village, by: user)
        let current = try await minutes(id, village: village)
        var record = current
        record.fields = fields
        if finalize && current.finalizedAt == nil { record.finalizedAt = Date() }
        // A draft stores only what the operator wrote; a final record stores everything, locked.
        let data: Data = record.finalizedAt != nil ? try JSONEncoder.iso.encode(record) : try JSONEncoder.iso.encode(fields)
        do {
            try await store.saveMinutes(id, village: village, data: String(decoding: data, as: UTF8.self),
                                        finalize: finalize, amendmentReason: amendmentReason, by: user.id)
        } catch AssemblyStore.MinutesError.finalized {
            throw AppError(.conflict, code: "minutes.finalized",
                           message: .init(id: "Berita acara sudah final; perubahan harus berupa amandemen dengan alasan.",
                                          en: "The minutes are final; a change must be an amendment with a reason."),
                           field: "amendmentReason")
        }
        return try await minutes(id, village: village)
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
