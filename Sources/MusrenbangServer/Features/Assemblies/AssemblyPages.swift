import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangMedia
import MusrenbangStore

/// `/musrenbang…`: the list, scheduling, the public page, the control room and the village console.
struct AssemblyPages {
    let services: AppServices
    var service: AssemblyService { AssemblyService(services: services) }
    var pages: PageRenderer { services.pages }

    func register(on router: Router<AppContext>) {
        router.get("musrenbang") { _, context in
            let list = try await service.store.current(regency: services.configuration.regency.description)
            return pages.page("assemblies", title: "Musrenbang", values: [
                "items": list.map(Self.row),
                "canSchedule": Policy.allows(context.principal, .configurePlanning, in: services.configuration.regency),
            ], context: context)
        }

        router.get("musrenbang/baru") { _, context in
            try context.require(.configurePlanning, in: services.configuration.regency)
            return try await schedulePage(context: context, values: [:])
        }

        router.post("musrenbang/baru") { request, context in
            let user = try context.requireUser()
            try context.require(.configurePlanning, in: services.configuration.regency)
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            do {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime]
                formatter.timeZone = WIB.timeZone
                guard let startsAt = formatter.date(from: (form["startsAt"] ?? "") + (form["startsAt"]?.count == 16 ? ":00" : "")) else {
                    throw AppError(.unprocessableContent, code: "startsAt.invalid",
                                   message: .init(id: "Waktu mulai tidak sah.", en: "Invalid start time."), field: "startsAt")
                }
                let id = try await service.schedule(.init(
                    title: form["title"] ?? "", level: AssemblyLevel(rawValue: form["level"] ?? "") ?? .village,
                    regencyCode: services.configuration.regency.description, planYear: Int(form["planYear"] ?? "") ?? 0,
                    startsAt: startsAt, hubVillageCode: form["hubVillageCode"] ?? "", villageCodes: nil, agenda: nil), by: user)
                return Response.redirect(to: "/musrenbang/\(id)/kendali")
            } catch {
                return try await schedulePage(context: context, values: form.values, errors: AccountPages.messages(error, context),
                                              status: AccountPages.status(of: error))
            }
        }

        router.get("musrenbang/:id") { _, context in
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let summary = try await service.store.summary(assembly.id)!
            let questions = try await service.store.questions(assembly.id, statuses: [.approved, .answered])
            let recordings = await MediaService(services: services).recordings(assembly.id).map(\.page)
            return pages.page("assembly", title: assembly.title, values: [
                "a": try await header(assembly), "s": Self.counters(summary),
                "recordings": recordings, "hasRecordings": !recordings.isEmpty,
                "agenda": try await service.store.agenda(assembly.id).map { ["title": $0.title, "minutes": $0.minutes, "speaker": $0.speaker ?? ""] },
                "questions": questions.map { ["body": $0.body, "village": services.placeNames[$0.villageCode] ?? "", "upvotes": $0.upvotes,
                                              "answered": $0.status == .answered] },
            ], context: context)
        }

        // The stage's recordings, one file per speaker segment, public like the assembly itself.
        router.get("musrenbang/:id/rekaman/:file") { _, context in
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let file = context.parameters.get("file") ?? ""
            // Only names the directory listing produced: nothing else on disk can be asked for.
            guard let directory = await services.media?.recordingDirectory(assembly.id),
                  let segment = Recordings.list(directory).first(where: { $0.file == file }) else {
                throw AppError(.notFound, code: "recording.notFound", message: .init(id: "Rekaman tidak ditemukan.", en: "No such recording."))
            }
            // Streamed in chunks: a whole session's recording can be hundreds of megabytes.
            let body = try await FileIO().loadFile(path: directory.appendingPathComponent(segment.file).path, context: context)
            return Response(status: .ok, headers: [.contentType: "video/webm", .contentLength: "\(segment.bytes)",
                                                   .contentDisposition: "attachment; filename=\"\(segment.file)\""], body: body)
        }

        router.get("musrenbang/:id/kendali") { request, context in
            let user = try context.requireUser()
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            guard [.planner, .host, .admin].contains(user.role) else { throw AppError.forbidden }
            return try await controlRoom(assembly, context: context, filter: request.uri.queryParameters.get("saring"))
        }

        router.post("musrenbang/:id/tahap") { request, context in
            let user = try context.requireUser()
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            return try await inControlRoom(assembly, context: context) {
                _ = try await service.moveHub(assembly.id, to: AssemblyStage(rawValue: form["stage"] ?? "") ?? assembly.stage, by: user)
            }
        }

        router.post("musrenbang/:id/pertanyaan") { request, context in
            let user = try context.requireUser()
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            let id = try AssemblyAPI.id(context)
            let village = form["villageCode"].flatMap { $0.isEmpty ? nil : $0 }
            _ = try await AssemblyAPI(services: services).ask(id, body: form["body"] ?? "", village: village, by: user)
            return Response.redirect(to: form["back"].flatMap { $0.hasPrefix("/musrenbang/") ? $0 : nil } ?? "/musrenbang/\(id)")
        }

        router.post("musrenbang/:id/pertanyaan/:question/:status") { request, context in
            let user = try context.requireUser()
            _ = try await Form.read(request, context: context, csrf: services.csrf)
            let id = try AssemblyAPI.id(context)
            guard let status = QuestionStatus(rawValue: context.parameters.get("status") ?? ""),
                  let question = context.parameters.get("question", as: Int64.self) else {
                throw AppError.notFound(.init(id: "Tindakan tidak dikenal.", en: "Unknown action."))
            }
            try await AssemblyAPI(services: services).moderate(id, question: question, status: status, by: user)
            return Response.redirect(to: "/musrenbang/\(id)/kendali#pertanyaan")
        }

        router.post("musrenbang/:id/lantai/:action") { request, context in
            let user = try context.requireUser()
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let floor = FloorService(services: services)
            let village = form["villageCode"] ?? ""
            return try await inControlRoom(assembly, context: context, anchor: "#lantai") {
                switch context.parameters.get("action") {
                case "beri": _ = try await floor.grant(assembly.id, village: village, by: user)
                case "akhiri": _ = try await floor.end(assembly.id, village: village, by: user)
                case "bisukan": _ = try await floor.mute(assembly.id, village: village, muted: true, by: user)
                case "suarakan": _ = try await floor.mute(assembly.id, village: village, muted: false, by: user)
                default: throw AppError.notFound(.init(id: "Tindakan tidak dikenal.", en: "Unknown action."))
                }
            }
        }

        router.get("musrenbang/:id/desa/:village") { _, context in
            let user = try context.requireUser()
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let village = context.parameters.get("village") ?? ""
            _ = try await service.requireSession(assembly, village, by: user)
            return try await console(assembly, village: village, context: context)
        }

        router.post("musrenbang/:id/desa/:village/:action") { request, context in
            let user = try context.requireUser()
            let form = try await Form.read(request, context: context, csrf: services.csrf)
            let assembly = try await service.assembly(context.parameters.get("id", as: Int64.self))
            let village = context.parameters.get("village") ?? ""
            _ = try await service.requireSession(assembly, village, by: user)
            do {
                let notice = try await act(context.parameters.get("action") ?? "", assembly: assembly, village: village, form: form, user: user)
                return try await console(assembly, village: village, context: context, notice: notice)
            } catch {
                return try await console(assembly, village: village, context: context, errors: AccountPages.messages(error, context),
                                         status: AccountPages.status(of: error))
            }
        }
    }

    /// The village console's forms.
    func act(_ action: String, assembly: AssemblyRecord, village: String, form: Form, user: UserRecord) async throws -> String {
        switch action {
        case "tahap":
            let stage = AssemblyStage(rawValue: form["stage"] ?? "") ?? .scheduled
            _ = try await service.moveSession(assembly.id, village: village, to: stage, by: user)
            return "Tahap desa: \(stage.indonesianName)."
        case "hadir":
            guard let role = AttendanceRole(rawValue: form["role"] ?? ""), let gender = Gender(rawValue: form["gender"] ?? "") else {
                throw AppError(.unprocessableContent, code: "checkin.incomplete",
                               message: .init(id: "Pilih unsur dan jenis kelamin peserta.", en: "Choose the role and gender."), field: "role")
            }
            let key = (form["key"] ?? "").trimmingCharacters(in: .whitespaces)
            let isCode = key.contains("-")
            let (record, isNew) = try await service.checkIn(assembly.id, .init(
                villageCode: village, citizenId: nil, nik: isCode ? nil : key, code: isCode ? key : nil, role: role, gender: gender,
                name: form["name"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 },
                residenceVillageCode: form["residence"].flatMap { $0.isEmpty ? nil : $0 }), by: user)
            return isNew ? "Peserta tercatat hadir\(record.isGuest ? " (tamu dari desa lain)" : "")." : "Peserta ini sudah tercatat hadir sebelumnya."
        case "sepakat":
            try await service.agreeRanking(assembly.id, village: village, by: user)
            return "Peringkat usulan disepakati."
        case "bicara":
            _ = try await FloorService(services: services).raise(assembly.id, village: village, topic: form["topic"] ?? "", by: user)
            return "Permintaan bicara terkirim; tunggu giliran dari tuan rumah."
        case "batal-bicara":
            _ = try await FloorService(services: services).lower(assembly.id, village: village, by: user)
            return "Permintaan bicara dibatalkan."
        case "selesai-bicara":
            _ = try await FloorService(services: services).end(assembly.id, village: village, by: user)
            return "Giliran bicara selesai."
        case "berita-acara":
            let fields = BeritaAcara.Editable(
                venue: form["venue"], onlineLink: form["onlineLink"], chair: form["chair"], minuteTaker: form["minuteTaker"],
                resourcePersons: (form["resourcePersons"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty },
                agreements: form["agreements"], decisionMethod: DecisionMethod(rawValue: form["decisionMethod"] ?? "") ?? .consensus,
                signatories: nil)
            _ = try await service.saveMinutes(assembly.id, village: village, fields: fields, finalize: form["finalize"] == "1",
                                              amendmentReason: form["amendmentReason"].flatMap { $0.isEmpty ? nil : $0 }, by: user)
            return form["finalize"] == "1" ? "Berita acara final dan terkunci." : "Berita acara tersimpan."
        default:
            throw AppError.notFound(.init(id: "Tindakan tidak dikenal.", en: "Unknown action."))
        }
    }

    // MARK: pages

    func header(_ assembly: AssemblyRecord) async throws -> [String: Any] {
        ["id": assembly.id, "title": assembly.title, "stage": assembly.stage.indonesianName, "stageValue": assembly.stage.rawValue,
         "startsAt": Self.dateTime(assembly.startsAt), "planYear": assembly.planYear,
         "hub": services.placeNames[assembly.hubVillageCode] ?? assembly.hubVillageCode, "rehearsal": assembly.rehearsalOf != nil]
    }

    static func counters(_ summary: AssemblySummary) -> [String: Any] {
        let started = summary.villages.total - summary.villages.notStarted
        let womenShare = summary.attendance.total == 0 ? 0 : Int((Double(summary.attendance.women) / Double(summary.attendance.total) * 100).rounded())
        return ["villages": summary.villages.total, "started": started, "closed": summary.villages.closed,
                "silent": summary.villages.silent, "attendance": summary.attendance.total, "women": summary.attendance.women,
                "men": summary.attendance.men, "womenShare": womenShare, "proposals": summary.proposals.total, "supports": summary.supports]
    }

    func controlRoom(_ assembly: AssemblyRecord, context: AppContext, filter: String?, errors: [String] = [],
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let summary = try await service.store.summary(assembly.id)!
        var groups: [String: [[String: Any]]] = [:]
        for village in summary.perVillage {
            let district = String(village.villageCode.prefix(8))
            let womenShare = village.attendance == 0 ? 0 : Int((Double(village.women) / Double(village.attendance) * 100).rounded())
            groups[district, default: []].append([
                "code": village.villageCode, "name": services.placeNames[village.villageCode] ?? village.villageCode,
                "stage": village.stage.indonesianName, "stageValue": village.stage.rawValue, "attendance": village.attendance,
                "women": village.women, "womenShare": womenShare, "noWomen": village.attendance > 0 && village.women == 0,
                "proposals": village.proposals, "silent": village.silent,
                "heartbeat": village.lastHeartbeat.map(WIB.clock) ?? "—",
            ])
        }
        let questions = try await service.store.questions(assembly.id, statuses: [.pending, .approved])
        let floor = try await FloorAPI(services: services).view(assembly.id, try await FloorStore(services.database).floor(assembly.id))
        var values: [String: Any] = [
            "waiting": floor.queue.map { ["code": $0.villageCode, "name": $0.villageName, "district": $0.districtName, "topic": $0.topic,
                                          "position": $0.position, "minutes": $0.waitingSeconds / 60] },
            "speaking": floor.stage.map { ["code": $0.villageCode, "name": $0.villageName, "topic": $0.topic, "left": $0.secondsLeft,
                                           "muted": $0.muted, "warned": $0.warned] },
            "a": try await header(assembly), "s": Self.counters(summary), "errors": errors,
            "districts": groups.keys.sorted().map { ["name": services.placeNames[$0] ?? $0, "villages": groups[$0]!] },
            "questions": questions.map { ["id": $0.id, "body": $0.body, "village": services.placeNames[$0.villageCode] ?? "",
                                          "upvotes": $0.upvotes, "pending": $0.status == .pending] },
            "filter": filter ?? "",
        ]
        if let next = assembly.stage.next { values["next"] = ["value": next.rawValue, "name": next.indonesianName] }
        return pages.page("control-room", title: "Ruang kendali: \(assembly.title)", values: values, context: context, status: status)
    }

    /// A control-room form's action: back to the room when it succeeds, or the room again with
    /// the refusal when the assembly's state refuses it (409).
    func inControlRoom(_ assembly: AssemblyRecord, context: AppContext, anchor: String = "",
                       _ action: () async throws -> Void) async throws -> Response {
        do {
            try await action()
            return Response.redirect(to: "/musrenbang/\(assembly.id)/kendali\(anchor)")
        } catch let error as AppError where error.status == .conflict {
            return try await controlRoom(assembly, context: context, filter: nil, errors: [error.message.text(context.locale)],
                                         status: .conflict)
        }
    }

    func console(_ assembly: AssemblyRecord, village: String, context: AppContext, notice: String? = nil, errors: [String] = [],
                 status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let session = try await service.store.session(assembly.id, village: village) else { throw AssemblyService.sessionNotFound }
        let summary = try await service.store.summary(assembly.id)!
        let mine = summary.perVillage.first { $0.villageCode == village }
        let minutes = try await service.minutes(assembly.id, village: village)
        let floor = try await FloorStore(services.database).floor(assembly.id)
        let later = AssemblyStage.allCases.filter { StageRules.session(from: session.stage, to: $0, hub: assembly.stage,
                                                                        rankingAgreed: session.rankingAgreed) == nil }
        return pages.page("console", title: "Konsol Desa \(services.placeNames[village] ?? village)", values: [
            "a": try await header(assembly), "notice": notice ?? "", "errors": errors,
            "v": ["code": village, "name": services.placeNames[village] ?? village, "stage": session.stage.indonesianName,
                  "attendance": mine?.attendance ?? 0, "women": mine?.women ?? 0, "proposals": mine?.proposals ?? 0,
                  "rankingAgreed": session.rankingAgreed, "acceptsAttendance": session.stage.acceptsAttendance,
                  "isVillage": RegionCode(village)?.level == .village, "dialogue": session.stage == .dialogue || assembly.stage == .dialogue],
            "moves": later.map { ["value": $0.rawValue, "name": $0.indonesianName] },
            "floor": ["open": assembly.stage >= .opening && assembly.stage < .closed,
                      "position": floor.position(of: village).map { "\($0)" } ?? "",
                      "onStage": floor.stage.contains { $0.village == village },
                      "mayPublish": floor.mayPublish(village)],
            "roles": AttendanceRole.allCases.map { ["value": $0.rawValue, "name": $0.indonesianName] },
            "m": ["venue": minutes.fields.venue ?? "", "onlineLink": minutes.fields.onlineLink ?? "", "chair": minutes.fields.chair ?? "",
                  "minuteTaker": minutes.fields.minuteTaker ?? "", "resourcePersons": (minutes.fields.resourcePersons ?? []).joined(separator: ", "),
                  "agreements": minutes.fields.agreements ?? "", "vote": minutes.fields.decisionMethod == .vote,
                  "final": minutes.finalizedAt != nil, "date": minutes.date, "start": minutes.startTime ?? "—", "end": minutes.endTime ?? "—",
                  "total": minutes.attendance.total, "women": minutes.attendance.women, "men": minutes.attendance.men,
                  "ranked": minutes.rankedProposals.map { ["priority": $0.priority, "title": $0.title, "volume": $0.volume,
                                                           "cost": Timeline.rupiah($0.estimatedCost), "id": $0.id] },
                  "amendments": minutes.amendments, "recordings": (minutes.recordings ?? []).map(\.page),
                  "turns": (minutes.floorTurns ?? []).map { ["start": $0.start, "end": $0.end, "seconds": $0.seconds, "topic": $0.topic] }],
        ], context: context, status: status)
    }

    func schedulePage(context: AppContext, values: [String: String], errors: [String] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        var object: [String: Any] = values
        object["errors"] = errors
        object["planYear"] = values["planYear"] ?? "\(services.today.year + 1)"
        object["villages"] = services.villageGroups(selected: values["hubVillageCode"] ?? services.tenantHub)
        return pages.page("assembly-new", title: "Jadwalkan musrenbang", values: object, context: context, status: status)
    }

    static func row(_ assembly: AssemblyRecord) -> [String: Any] {
        ["id": assembly.id, "title": assembly.title, "stage": assembly.stage.indonesianName, "startsAt": dateTime(assembly.startsAt),
         "rehearsal": assembly.rehearsalOf != nil, "live": assembly.stage != .scheduled && assembly.stage != .closed]
    }

    static func dateTime(_ date: Date) -> String { "\(WIB.date(date)), \(WIB.clock(date)) WIB" }
}
