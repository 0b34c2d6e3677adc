import Foundation
import MusrenbangCore
import MusrenbangDocuments
import MusrenbangStore

/// The printed papers' contents, from what the platform recorded. Papers are Indonesian.
struct Papers: Sendable {
    let places: Places

    var regencyName: String { places.regency.name }

    /// Berita Acara Musrenbang Desa, from the session's minutes (the locked snapshot once final).
    func villageMinutes(_ record: BeritaAcara, assembly: AssemblyRecord, agenda: [AgendaItem]) -> VillageMinutesPrint {
        let village = record.villageCode
        let district = village.parent.map(places.name) ?? ""
        let fields = record.fields
        let held = record.heldAt ?? assembly.startsAt
        let signers = fields.signatories ?? []
        func signer(_ index: Int) -> String { index < signers.count && !signers[index].isEmpty ? signers[index] : Self.blank }
        let villageName = Names.village(village, record.villageName).id
        return VillageMinutesPrint(
            letterheadLines: ["Kecamatan \(district)", villageName], officeAddress: "Kode wilayah \(village)",
            villageName: record.villageName, districtName: district, year: "\(WIB.calendar.component(.year, from: held))",
            planYear: "\(assembly.planYear)", documentNumber: fields.documentNumber, dayName: Format.dayName(held),
            dateLong: Format.longDate(held), venue: fields.venue ?? "Kantor \(villageName)", onlineLink: Self.absolute(fields.onlineLink),
            startTime: record.startTime ?? "…", endTime: record.endTime ?? "selesai", agendaItems: agenda.map(\.title),
            chair: PrintPerson(name: fields.chair ?? Self.blank), minuteTaker: PrintPerson(name: fields.minuteTaker ?? Self.blank),
            resourcePersons: (fields.resourcePersons ?? []).map { PrintPerson(name: $0) },
            attendeeCount: Numbers.grouped(record.attendance.total), maleCount: Numbers.grouped(record.attendance.men),
            femaleCount: Numbers.grouped(record.attendance.women), isConsensus: fields.decisionMethod != .vote,
            agreementParagraphs: Self.paragraphs(fields.agreements), amendments: Self.amendments(record.amendments),
            signPlace: record.villageName, signDate: Format.longDate(record.finalizedAt ?? held),
            signatories: [PrintSignatory(role: "Ketua BPD", name: signer(0)),
                          PrintSignatory(role: "Wakil Masyarakat", name: signer(1)),
                          PrintSignatory(role: "Kepala Desa \(record.villageName)", name: signer(2))],
            attendees: attendees(record), proposals: record.rankedProposals.map {
                .init(priority: "\($0.priority)", title: $0.title, fieldLabel: $0.field, location: $0.location, volume: $0.volume,
                      estimatedCost: Format.rupiah($0.estimatedCost), fundingSource: $0.fundingSource)
            },
            proposalCount: Numbers.grouped(record.rankedProposals.count),
            proposalsTotalCost: Format.rupiah(record.rankedProposals.reduce(0) { $0 + $1.estimatedCost }),
            polls: (record.polls ?? []).enumerated().map { index, poll in
                PrintPoll(no: "\(index + 1)", question: poll.question, audience: poll.audience, closedAt: poll.closedAt,
                          options: poll.options.map { .init(label: $0.label, count: Numbers.grouped($0.count), percent: "\($0.percent)%") },
                          total: Numbers.grouped(poll.total),
                          offices: "\(Numbers.grouped(poll.officesAnswered)) dari \(Numbers.grouped(poll.officesPresent))",
                          villageAnswer: poll.villageAnswer)
            })
    }

    /// Berita Acara Hasil Musrenbang RKPD di Kecamatan with Lampiran I–IV.
    func districtMinutes(_ record: BeritaAcara, results: DistrictResults, assembly: AssemblyRecord) -> DistrictMinutesPrint {
        let district = record.villageName
        let fields = record.fields
        let held = record.heldAt ?? assembly.startsAt
        let year = "\(assembly.planYear)"
        let total = results.total
        let remainder = results.ceiling.map { $0 - total }
        let groups = results.byAgency.map { agency, rows in
            DistrictMinutesPrint.AgencyGroup(
                agencyName: agency, rowCount: Numbers.grouped(rows.count),
                subtotal: Format.rupiah(rows.reduce(0) { $0 + $1.item.cost }),
                rows: rows.map {
                    .init(priority: "\($0.rank)", regionalPriority: $0.regionalPriority, regionalTarget: $0.regionalTarget,
                          program: $0.program, activity: $0.item.title, activityTarget: $0.activityTarget, location: $0.item.village,
                          volume: "\(Format.number($0.item.volume)) \($0.item.unit)", budget: Format.rupiah($0.item.cost),
                          agency: $0.item.agency)
                })
        }
        var considerations = [
            "Paparan Camat \(district) tentang rencana pembangunan di Kecamatan \(district) Tahun \(year);",
            "Paparan Bappeda tentang prioritas pembangunan daerah dan pagu indikatif kecamatan;",
            "Usulan prioritas hasil Musrenbang Desa/Kelurahan se-Kecamatan \(district);",
        ]
        if !(fields.groupSessions ?? []).isEmpty { considerations.append("Hasil pembahasan dalam sidang kelompok.") }
        return DistrictMinutesPrint(
            letterheadLines: ["Kecamatan \(district)"], officeAddress: "Kode wilayah \(record.villageCode)", districtName: district,
            planYear: year, documentNumber: fields.documentNumber, dayName: Format.dayName(held), dateLong: Format.longDate(held),
            venue: fields.venue ?? "Kantor Kecamatan \(district)", onlineLink: Self.absolute(fields.onlineLink),
            startTime: record.startTime ?? "…", endTime: record.endTime ?? "selesai", considerations: considerations,
            agreementParagraphs: Self.paragraphs(fields.agreements), activityCount: Numbers.grouped(results.priorities.count),
            totalBudget: Format.rupiah(total), ceiling: results.ceiling.map(Format.rupiah),
            ceilingRemainder: remainder.map { Format.rupiah(abs($0)) } ?? "–", isOverCeiling: (remainder ?? 0) < 0,
            rejectedCount: Numbers.grouped(results.refused.count),
            chair: .init(name: fields.chair ?? Self.blank, position: "Camat \(district)"),
            signPlace: district, signDate: Format.longDate(record.finalizedAt ?? held), attendees: attendees(record),
            attendeeCount: Numbers.grouped(record.attendance.total), agencyGroups: groups,
            rejected: results.refused.map {
                .init(no: "\($0.number)", activity: $0.title, location: $0.village, volume: "\(Format.number($0.volume)) \($0.unit)",
                      budget: Format.rupiah($0.cost), agency: $0.agency, reason: $0.reason)
            },
            delegates: (fields.delegates ?? []).enumerated().map {
                .init(no: "\($0 + 1)", name: $1.name, gender: Names.gender($1.gender).id, institution: $1.institution)
            },
            groupSessions: (fields.groupSessions ?? []).map {
                .init(title: $0.title, chairName: $0.chair, participantCount: $0.participants.map(Numbers.grouped),
                      notes: Self.paragraphs($0.notes))
            },
            amendments: Self.amendments(record.amendments))
    }

    /// Lembar Pelacakan Usulan: the proposal and its whole history in plain Indonesian.
    func proposalSheet(_ record: ProposalRecord, history: [HistoryEntry], proposer: String) -> ProposalSheetPrint {
        let draft = record.draft
        let village = draft.villageCode
        let events = history.enumerated().map { index, entry in
            ProposalSheetPrint.Event(date: Format.longDate(entry.createdAt), time: "\(Format.clock(entry.createdAt).id) WIB",
                                     text: Timeline.what(entry).id + ".", reason: entry.reason.flatMap { $0.isEmpty ? nil : $0 },
                                     actor: entry.actorRole.map { Names.role($0).id }, isCurrent: index == history.count - 1)
        }
        let location = PlanLines(places: places).location(record)
        let coordinates = draft.location.lat.flatMap { lat in draft.location.lng.map { String(format: "%.5f, %.5f", lat, $0) } }
        var sheet = ProposalSheetPrint(
            villageName: places.name(village), villageCode: village.description, districtName: village.parent.map(places.name) ?? "",
            proposalCode: "#\(record.id)", planYear: "\(draft.year)", title: draft.title, currentStatus: Names.standing(record.state).id,
            currentStatusDetail: record.state.agencyCode.map { "Perangkat daerah: \(Agencies.name($0) ?? $0)" },
            proposerLabel: proposer, supportCount: record.supportCount > 0 ? Numbers.grouped(record.supportCount) : nil,
            problem: draft.problem, activity: draft.activity, fieldLabel: "\(draft.fieldCode) \(Fields.field(draft.fieldCode)?.name ?? "")",
            subfieldLabel: "\(draft.subfieldCode) \(Fields.subfield(draft.subfieldCode)?.name ?? "")", workType: Names.kind(draft.kind).id,
            sdgsGoal: draft.sdg.map { "Tujuan ke-\($0)" }, location: location, coordinates: coordinates,
            volume: Format.number(record.state.volume), unit: draft.unit, estimatedCost: Format.rupiah(record.state.estimatedCost),
            fundingSource: draft.fundingSource.indonesianName, beneficiariesTotal: Numbers.grouped(draft.beneficiaries.total),
            beneficiariesMale: Numbers.grouped(draft.beneficiaries.men),
            beneficiariesFemale: Numbers.grouped(draft.beneficiaries.total - draft.beneficiaries.men),
            beneficiariesPoor: Numbers.grouped(draft.beneficiaries.poor), beneficiariesDisabled: Numbers.grouped(draft.beneficiaries.disabled),
            // Photos stay on the page: the sheet must not carry a camera's hidden location data.
            history: events, photos: [])
        sheet.thematic = record.theme?.indonesianName
        return sheet
    }

    static let blank = "(………………………………)"

    /// A paper can print only a whole address; the platform's own relative links are left out.
    static func absolute(_ link: String?) -> String? {
        guard let link, link.hasPrefix("https://") || link.hasPrefix("http://") else { return nil }
        return link
    }

    func attendees(_ record: BeritaAcara) -> [PrintAttendee] {
        record.attendees.enumerated().map {
            PrintAttendee(no: "\($0 + 1)", name: $1.name, role: $1.role, origin: $1.origin, gender: $1.gender)
        }
    }

    /// Text split where the writer left a blank line.
    static func paragraphs(_ text: String?) -> [String] {
        (text ?? "").replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// The record keeps amendments as "date: reason".
    static func amendments(_ lines: [String]) -> [PrintAmendment] {
        lines.enumerated().map { index, line in
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return PrintAmendment(no: "\(index + 1)", date: parts.first ?? "", reason: parts.count > 1 ? parts[1] : line)
        }
    }
}
