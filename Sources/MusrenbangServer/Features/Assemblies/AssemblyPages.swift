import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangMedia
import MusrenbangStore

/// `/musrenbang…`: the list, scheduling, the public page, the control room and the village console.
/// Every form answers 303 back to its page (Post/Redirect/Get), so live sections re-read it.
struct AssemblyPages {
    let assemblies: AssemblyService
    let minutes: MinutesService
    let floor: FloorService
    let media: MediaService
    let polls: PollService
    let closeOuts: CloseOutService
    let pages: PageRenderer
    let outcome: FormOutcome
    let csrf: CSRFGuard
    let places: Places
    let today: @Sendable () -> CalendarDate

    func register(on router: Router<AppContext>) {
        router.get("musrenbang", use: listPage)
        router.get("musrenbang/baru", use: schedulePage)
        router.post("musrenbang/baru", use: schedule)
        router.get("musrenbang/:id", use: publicPage)
        router.get("musrenbang/:id/rekaman/:file", use: recording)
        router.get("musrenbang/:id/siaran/:file", use: programFile)
        router.get("musrenbang/:id/kendali", use: controlRoom)
        router.post("musrenbang/:id/tahap", use: moveHub)
        router.post("musrenbang/:id/gladi", use: rehearse)
        router.post("musrenbang/:id/hapus", use: wipe)
        router.post("musrenbang/:id/pertanyaan", use: ask)
        for (path, status) in [("tayangkan", QuestionStatus.approved), ("sembunyikan", .hidden), ("dijawab", .answered)] {
            router.post("musrenbang/:id/pertanyaan/:question/\(path)") { request, context in
                try await moderate(request, context, status)
            }
        }
        for action in FloorAction.allCases {
            router.post("musrenbang/:id/lantai/\(action.rawValue)") { request, context in try await moderateFloor(request, context, action) }
        }
        router.get("musrenbang/:id/desa/:village", use: console)
        router.post("musrenbang/:id/desa/:village/tahap", use: moveSession)
        router.post("musrenbang/:id/desa/:village/hadir", use: checkIn)
        router.post("musrenbang/:id/desa/:village/sepakat", use: agreeRanking)
        router.post("musrenbang/:id/desa/:village/bicara", use: raiseHand)
        router.post("musrenbang/:id/desa/:village/batal-bicara", use: lowerHand)
        router.post("musrenbang/:id/desa/:village/selesai-bicara", use: endTurn)
        router.post("musrenbang/:id/desa/:village/berita-acara", use: saveMinutes)
    }

    // MARK: the list and scheduling

    @Sendable func listPage(_ request: Request, context: AppContext) async throws -> Response {
        let list = try await assemblies.current()
        return pages.render("assemblies", title: Strings.text("assemblies", context.locale), model: AssemblyListPage(
            assemblies: list.map { AssemblyRow($0, locale: context.locale) },
            canSchedule: Access.allows(context.user, .scheduleAssembly, in: places.regency.code)), context: context)
    }

    @Sendable func schedulePage(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.person(context.user, .scheduleAssembly, in: places.regency.code)
        let flash = try await pages.flash(context)
        let hub = flash.values["hubVillageCode"].flatMap({ RegionCode($0) }) ?? places.defaultHub
        return pages.render("assembly-new", title: Strings.text("scheduleTitle", context.locale), model: SchedulePage(
            planYear: flash.values["planYear"] ?? "\(today().year + 1)", villages: VillageChoice.grouped(places, selected: hub),
            districtLevel: flash.values["level"] == AssemblyLevel.district.rawValue,
            themes: AssemblyTheme.allCases.map {
                Choice(value: $0.rawValue, name: Names.theme($0).text(context.locale), selected: flash.values["theme"] == $0.rawValue)
            }), flash: flash, context: context)
    }

    struct ScheduleForm: Decodable {
        let title: String?; let level: String?; let planYear: TypedInteger?; let startsAt: String?; let hubVillageCode: String?
        let theme: String?
    }

    @Sendable func schedule(_ request: Request, context: AppContext) async throws -> Response {
        _ = try Access.person(context.user, .scheduleAssembly, in: places.regency.code)
        let form = try await SubmittedForm<ScheduleForm>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/musrenbang/baru") {
            let fields = form.fields
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime]
            formatter.timeZone = WIB.timeZone
            let typed = fields.startsAt ?? ""
            guard let startsAt = formatter.date(from: typed + (typed.count == 16 ? ":00" : "")) else {
                throw AppError.invalid("startsAt", "startsAt.invalid", id: "Waktu mulai tidak sah.", en: "Invalid start time.")
            }
            let id = try await assemblies.schedule(.init(
                title: fields.title ?? "", level: AssemblyLevel(rawValue: fields.level ?? "") ?? .village,
                regencyCode: places.regency.code.description, planYear: fields.planYear?.value ?? 0, startsAt: startsAt,
                hubVillageCode: fields.hubVillageCode ?? "", villageCodes: nil, agenda: nil, theme: fields.theme), by: context.user)
            return (.init(id: "Musrenbang dijadwalkan.", en: "Assembly scheduled."), "/musrenbang/\(id)/kendali")
        }
    }

    // MARK: the public page

    @Sendable func publicPage(_ request: Request, context: AppContext) async throws -> Response {
        let assembly = try await assemblies.assembly(try context.id("id", as: AssemblyID.self))
        let summary = try await assemblies.summary(assembly)
        let questions = try await assemblies.questions(assembly.id, statuses: [.approved, .answered], for: nil)
        let board = try await polls.board(assembly, for: context.user)
        let locale = context.locale
        return pages.render("assembly", title: assembly.title, model: AssemblyPublicPage(
            assembly: AssemblyHeader(assembly, places: places, locale: locale), counters: Counters(summary),
            recordings: await media.recordings(assembly.id),
            agenda: try await assemblies.agenda(assembly.id).map { .init(title: $0.title, minutes: $0.minutes, speaker: $0.speaker) },
            questions: questions.map {
                .init(id: $0.id.rawValue, body: $0.body, village: Names.village($0.villageCode, places.name($0.villageCode)).text(locale),
                      upvotes: $0.upvotes, answered: $0.status == .answered, pending: false)
            }, mayAsk: context.user != nil, documentLinks: DocumentLinks.regency(year: assembly.planYear, locale: locale),
            polls: PollSection(board, assembly: assembly.id, village: nil, locale: locale),
            themeGroup: assembly.theme.map {
                ThemeGroupLine(count: summary.attendance.themeGroup, total: summary.attendance.total, value: $0.rawValue,
                               year: assembly.planYear)
            }),
            flash: try await pages.flash(context), context: context)
    }

    /// The stage's recordings, one file per speaker segment, public like the assembly itself.
    @Sendable func recording(_ request: Request, context: AppContext) async throws -> Response {
        let assembly = try await assemblies.assembly(try context.id("id", as: AssemblyID.self))
        guard let (path, segment) = await media.recordingFile(assembly.id, named: context.parameters.get("file") ?? "") else {
            throw AppError(.notFound, code: "recording.notFound", message: .init(id: "Rekaman tidak ditemukan.", en: "No such recording."))
        }
        // Streamed in chunks: a whole session's recording can be hundreds of megabytes.
        let body = try await FileIO().loadFile(path: path, context: context)
        return Response(status: .ok, headers: [.contentType: "video/webm", .contentLength: "\(segment.bytes)",
                                               .contentDisposition: "attachment; filename=\"\(segment.file)\""], body: body)
    }

    /// The public program as HLS: the playlist (always re-read) and its segments (never change
    /// once written, so any cache may keep them). Public, and only a file read: no database.
    @Sendable func programFile(_ request: Request, context: AppContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(Int64.init).map(AssemblyID.init(rawValue:)),
              let (path, kind) = media.programFile(id, named: context.parameters.get("file") ?? ""),
              let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int else {
            throw AppError(.notFound, code: "program.notFound", message: .init(id: "Siaran tidak ditemukan.", en: "No such program file."))
        }
        let headers: HTTPFields = switch kind {
        case .playlist: [.contentType: "application/vnd.apple.mpegurl", .cacheControl: "no-cache"]
        case .initSegment, .segment: [.contentType: "video/mp4", .cacheControl: "public, max-age=31536000, immutable"]
        }
        var fields = headers
        fields[.contentLength] = "\(size)"
        fields[.accessControlAllowOrigin] = "*"
        let body = try await FileIO().loadFile(path: path, context: context)
        return Response(status: .ok, headers: fields, body: body)
    }

    // MARK: the control room

    @Sendable func controlRoom(_ request: Request, context: AppContext) async throws -> Response {
        let (assembly, _) = try await assemblies.hub(try context.id("id", as: AssemblyID.self), for: .leadAssembly, by: context.user)
        let summary = try await assemblies.summary(assembly)
        let questions = try await assemblies.questions(assembly.id, statuses: [.pending, .approved], for: context.user)
        let floorView = floor.view(try await floor.floor(assembly.id), turns: [])
        let board = try await polls.board(assembly, for: context.user)
        let flash = try await pages.flash(context)
        let closing = try await closeOuts.overview(assembly)
        let stations = Dictionary(uniqueKeysWithValues: closing.stations.map { ($0.villageCode, $0) })
        let locale = context.locale
        var groups: [RegionCode: [ControlRoomPage.Village]] = [:]
        for village in summary.perVillage {
            let station = stations[village.villageCode]
            groups[village.villageCode.ancestor(at: .district) ?? village.villageCode, default: []].append(.init(
                code: village.villageCode.description, name: places.name(village.villageCode), stage: Names.stage(village.stage).text(locale),
                stageValue: village.stage.rawValue, attendance: village.attendance, women: village.women,
                womenShare: Format.percent(village.women, of: village.attendance), noWomen: village.attendance > 0 && village.women == 0,
                proposals: village.proposals, silent: village.silent,
                heartbeat: village.lastHeartbeat.map { Format.clock($0).text(locale) } ?? "—",
                closeOut: station?.state.map { Names.closeOut($0).text(locale) } ?? "—", closeOutValue: station?.state?.rawValue ?? "",
                flagged: station?.flagged ?? false))
        }
        return pages.render("control-room", title: "\(Strings.text("controlRoom", locale)): \(assembly.title)", model: ControlRoomPage(
            assembly: AssemblyHeader(assembly, places: places, locale: locale), counters: Counters(summary),
            next: assembly.stage.next.map { Choice(value: $0.rawValue, name: Names.stage($0).text(locale), selected: false) },
            districts: groups.keys.sorted().map { .init(name: places.name($0), villages: groups[$0] ?? []) },
            waiting: floorView.queue.map {
                .init(code: $0.villageCode.description, name: $0.villageName, district: $0.districtName, topic: $0.topic,
                      position: $0.position, minutes: $0.waitingSeconds / 60)
            },
            speaking: floorView.stage.map {
                .init(code: $0.villageCode.description, name: $0.villageName, topic: $0.topic, left: $0.secondsLeft, muted: $0.muted)
            },
            questions: questions.map {
                .init(id: $0.id.rawValue, body: $0.body, village: Names.village($0.villageCode, places.name($0.villageCode)).text(locale),
                      upvotes: $0.upvotes, answered: false, pending: $0.status == .pending)
            },
            mayRehearse: assembly.rehearsalOf == nil && Access.allows(context.user, .scheduleAssembly, in: assembly.regencyCode),
            mayWipe: assembly.rehearsalOf != nil && Access.allows(context.user, .scheduleAssembly, in: assembly.regencyCode),
            polls: PollSection(board, assembly: assembly.id, village: nil, locale: locale, flash: flash.values),
            closeOuts: closing.counts,
            view: ["dinding": "wall", "tabel": "table"][request.uri.queryParameters.get("view") ?? ""] ?? "overview",
            restream: assemblies.services.hls?.settings.restream?.host),
                            flash: flash, context: context)
    }

    func inControlRoom(_ request: Request, _ context: AppContext, anchor: String = "",
                       _ action: @escaping @Sendable (AssemblyID, [String: String]) async throws -> LocalizedText?) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let form = try await SubmittedForm<NoFields>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/musrenbang/\(id)/kendali\(anchor)") { try await action(id, form.typed) }
    }

    @Sendable func moveHub(_ request: Request, context: AppContext) async throws -> Response {
        try await inControlRoom(request, context) { id, typed in
            guard let stage = typed["stage"].flatMap(AssemblyStage.init(rawValue:)) else {
                throw AppError.invalid("stage", "stage.invalid", id: "Tahap tidak dikenal.", en: "Unknown stage.")
            }
            let moved = try await assemblies.moveHub(id, to: stage, by: context.user)
            return .init(id: "Tahap tuan rumah: \(Names.stage(moved.stage).id).", en: "Hub stage: \(Names.stage(moved.stage).en).")
        }
    }

    @Sendable func rehearse(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let form = try await SubmittedForm<NoFields>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/musrenbang/\(id)/kendali") {
            let rehearsal = try await assemblies.rehearse(id, by: context.user)
            return (.init(id: "Gladi resik dibuat.", en: "Rehearsal created."), "/musrenbang/\(rehearsal)/kendali")
        }
    }

    @Sendable func wipe(_ request: Request, context: AppContext) async throws -> Response {
        let id = try context.id("id", as: AssemblyID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let form = try await SubmittedForm<NoFields>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/musrenbang/\(id)/kendali", then: "/musrenbang") {
            try await assemblies.wipeRehearsal(id, by: context.user)
            return .init(id: "Gladi resik dihapus.", en: "Rehearsal deleted.")
        }
    }

    @Sendable func ask(_ request: Request, context: AppContext) async throws -> Response {
        struct AskForm: Decodable { let body: String?; let villageCode: TypedText? }
        let id = try context.id("id", as: AssemblyID.self)
        guard context.user != nil else { throw AppError.unauthenticated }
        let form = try await SubmittedForm<AskForm>.read(request, context: context, csrf: csrf)
        let village = form.fields.villageCode?.value
        // A console sends its village's questions and comes back to the console.
        let back = village.map { "/musrenbang/\(id)/desa/\($0)#pertanyaan" } ?? "/musrenbang/\(id)#tanya"
        return try await outcome.respond(typed: form.typed, back: back) {
            _ = try await assemblies.ask(id, body: form.fields.body ?? "", village: village, by: context.user)
            return .init(id: "Pertanyaan terkirim; moderator akan menayangkannya.", en: "Question sent; a moderator will show it.")
        }
    }

    func moderate(_ request: Request, _ context: AppContext, _ status: QuestionStatus) async throws -> Response {
        let question = try context.id("question", as: QuestionID.self)
        return try await inControlRoom(request, context, anchor: "#pertanyaan") { id, _ in
            try await assemblies.moderate(id, question: question, status: status, by: context.user)
            return nil
        }
    }

    /// The host's floor buttons, each its own route.
    enum FloorAction: String, CaseIterable, Sendable {
        case grant = "beri", end = "akhiri", mute = "bisukan", unmute = "suarakan"
    }

    func moderateFloor(_ request: Request, _ context: AppContext, _ action: FloorAction) async throws -> Response {
        try await inControlRoom(request, context, anchor: "#lantai") { id, typed in
            guard let village = typed["villageCode"].flatMap({ RegionCode($0) }) else {
                throw AppError.invalid("villageCode", "villageCode.invalid", id: "Desa tidak dikenal.", en: "Unknown village.")
            }
            switch action {
            case .grant: _ = try await floor.grant(id, village: village, by: context.user)
            case .end: _ = try await floor.end(id, village: village, by: context.user)
            case .mute: _ = try await floor.mute(id, village: village, muted: true, by: context.user)
            case .unmute: _ = try await floor.mute(id, village: village, muted: false, by: context.user)
            }
            return nil
        }
    }

    // MARK: the village console

    @Sendable func console(_ request: Request, context: AppContext) async throws -> Response {
        let scope = try await assemblies.session(try context.id("id", as: AssemblyID.self), context.parameters.get("village"),
                                                 for: .runSession, by: context.user)
        let figures = try await assemblies.figures(scope)
        let board = try await polls.board(scope.assembly, for: scope.user, session: scope)
        let record = try await minutes.minutes(scope, attendance: .init(total: figures.attendance.total, women: figures.attendance.women,
                                                                       men: figures.attendance.men, byRole: figures.attendance.byRole),
                                               polls: MinutesService.outcomes(board.results, answers: board.answers))
        let floorState = try await floor.floor(scope.id)
        let flash = try await pages.flash(context)
        let locale = context.locale
        let session = scope.session, assembly = scope.assembly
        let fields = record.fields
        var page = ConsolePage(
            assembly: AssemblyHeader(assembly, places: places, locale: locale),
            villageCode: scope.village.description, villageName: Names.village(scope.village, places.name(scope.village)).text(locale),
            stage: Names.stage(session.stage).text(locale), stageValue: session.stage.rawValue,
            attendance: figures.attendance.total, women: figures.attendance.women, proposals: figures.proposals,
            rankingAgreed: session.rankingAgreed, acceptsAttendance: session.stage.acceptsAttendance,
            isVillage: scope.village.level == .village, dialogue: session.stage == .dialogue || assembly.stage == .dialogue,
            moves: AssemblyService.moves(session, hub: assembly.stage).map { Choice(value: $0.rawValue, name: Names.stage($0).text(locale), selected: false) },
            floorOpen: FloorService.isOpen(assembly), queuePosition: floorState.position(of: scope.village),
            onStage: floorState.stage.contains { $0.village == scope.village }, mayPublish: floorState.mayPublish(scope.village),
            mayAgree: Access.allows(scope.user, .agreeRanking, in: scope.village) && !session.rankingAgreed,
            roles: AttendanceRole.allCases.map { Choice(value: $0.rawValue, name: Names.attendanceRole($0).text(locale), selected: $0.rawValue == flash.values["role"]) },
            minutesDate: record.date, minutesStart: record.startTime ?? "—", minutesEnd: record.endTime ?? "—",
            men: figures.attendance.men, isFinal: record.finalizedAt != nil,
            venue: flash.values["venue"] ?? fields.venue ?? "", onlineLink: flash.values["onlineLink"] ?? fields.onlineLink ?? "",
            chair: flash.values["chair"] ?? fields.chair ?? "", minuteTaker: flash.values["minuteTaker"] ?? fields.minuteTaker ?? "",
            resourcePersons: flash.values["resourcePersons"] ?? (fields.resourcePersons ?? []).joined(separator: ", "),
            agreements: flash.values["agreements"] ?? fields.agreements ?? "", byVote: fields.decisionMethod == .vote,
            ranked: record.rankedProposals.map { .init(priority: $0.priority, title: $0.title, volume: $0.volume, cost: Format.rupiah($0.estimatedCost)) },
            amendments: record.amendments, recordings: record.recordings ?? [],
            turns: (record.floorTurns ?? []).map { .init(start: $0.start, end: $0.end, seconds: $0.seconds, topic: $0.topic) },
            planYear: assembly.planYear, isDistrict: scope.village.level == .district,
            documentNumber: flash.values["documentNumber"] ?? fields.documentNumber ?? "",
            signatories: ["signatoryBpd", "signatoryCommunity", "signatoryHead"].enumerated().map { index, key in
                .init(n: index + 1, label: Strings.text(key, locale),
                      value: flash.values["signatory\(index + 1)"] ?? fields.signatories.flatMap { index < $0.count ? $0[index] : nil } ?? "")
            },
            delegates: (1...DelegateRules.count).map { n in
                let stored = fields.delegates.flatMap { n <= $0.count ? $0[n - 1] : nil }
                let gender = flash.values["delegate\(n)Gender"] ?? stored?.gender.rawValue
                return .init(n: n, delegateName: flash.values["delegate\(n)Name"] ?? stored?.name ?? "",
                             delegateInstitution: flash.values["delegate\(n)Institution"] ?? stored?.institution ?? "",
                             isFemale: gender == Gender.female.rawValue, isMale: gender == Gender.male.rawValue)
            },
            groupSessions: (1...MinutesForm.groupSlots).map { n in
                let stored = fields.groupSessions.flatMap { n <= $0.count ? $0[n - 1] : nil }
                let title = flash.values["group\(n)Title"] ?? stored?.title ?? ""
                return .init(n: n, groupTitle: title, groupChair: flash.values["group\(n)Chair"] ?? stored?.chair ?? "",
                             groupParticipants: flash.values["group\(n)Participants"] ?? stored?.participants.map(String.init) ?? "",
                             groupNotes: flash.values["group\(n)Notes"] ?? stored?.notes ?? "", isFilled: !title.isEmpty)
            },
            documentLinks: DocumentLinks.session(scope.id, place: scope.village, locale: locale)
                + (scope.village.level == .district ? DocumentLinks.district(scope.village, year: assembly.planYear, locale: locale)
                    : DocumentLinks.village(scope.village, year: assembly.planYear, locale: locale)),
            pdfMissing: !(await assemblies.services.printer.isAvailable()),
            polls: PollSection(board, assembly: scope.id, village: scope.village, locale: locale),
            minutesPolls: (record.polls ?? []).map { poll in
                .init(pollQuestionText: poll.question,
                      pollSummary: poll.options.map { "\($0.label) \($0.count) (\($0.percent)%)" }.joined(separator: ", "),
                      pollOffices: "\(poll.officesAnswered)/\(poll.officesPresent)", pollVillageAnswer: poll.villageAnswer ?? "—")
            },
            pollsLive: scope.assembly.stage > .scheduled && scope.assembly.stage < .closed)
        if session.stage == .closed {
            page.closeOut = try await closeOutSection(scope, figures: figures.attendance, flash: flash, locale: locale)
        }
        page.tasks = Self.tasks(page, stage: session.stage, locale: locale)
        return pages.render("console", title: "\(Strings.text("console", locale)) \(page.villageName)", model: page, flash: flash,
                            context: context)
    }

    /// The close-out as the console shows it; forms only where the use case would accept them.
    func closeOutSection(_ scope: AssemblyService.Session, figures: AssemblySummary.Attendance, flash: Flash,
                         locale: LocalizedText.Locale) async throws -> CloseOutSection {
        let record = try await closeOuts.closeOut(scope)
        let may = closeOuts.capabilities(scope, record)
        let (l, p) = (Strings.text("maleShort", locale), Strings.text("femaleShort", locale))
        func line(_ count: HeadCount) -> String { "\(count.total) (\(l) \(count.men), \(p) \(count.women))" }
        let flagged = record.mismatch && record.state != .pending
        return CloseOutSection(
            state: Names.closeOut(record.state).text(locale), stateValue: record.state.rawValue, flagged: flagged,
            difference: flagged ? record.comparison.map { Names.difference($0).text(locale) } : nil,
            recorded: line(record.recorded ?? HeadCount(men: figures.men, women: figures.women, total: figures.total)),
            paper: record.paper.map(line), scanUrl: may.readScan ? CloseOutService.scanURL(scope.id, scope.village) : nil,
            scanKind: record.scan.map { $0.kind == .pdf ? "PDF" : $0.kind.rawValue.uppercased() }, reason: record.reason,
            mayHandIn: may.handIn, mayReview: may.review, uploadUrl: CloseOutService.scanURL(scope.id, scope.village),
            men: flash.values["men"] ?? record.paper.map { "\($0.men)" } ?? "",
            women: flash.values["women"] ?? record.paper.map { "\($0.women)" } ?? "",
            total: flash.values["total"] ?? record.paper.map { "\($0.total)" } ?? "",
            incidentReason: flash.values["reason"] ?? "")
    }

    /// The console's sections in the order the current stage needs them.
    static func tasks(_ page: ConsolePage, stage: AssemblyStage, locale: LocalizedText.Locale) -> [ConsolePage.ConsoleTask] {
        func t(_ key: String) -> String { Strings.text(key, locale) }
        typealias Kind = ConsolePage.ConsoleTask.Kind
        var available: [Kind] = [.stage]
        if page.floorOpen { available.append(.floor) }
        available.append(.video)
        if page.acceptsAttendance { available.append(.checkIn) }
        if page.isVillage { available.append(.proposals) }
        if page.dialogue { available.append(.questions) }
        // Always there while the assembly is under way, so a poll the host opens appears in it live.
        if page.pollsLive || !page.polls.cards.isEmpty { available.append(.polls) }
        if page.closeOut != nil { available.append(.closeOut) }
        available += [.minutes, .documents]
        var current = ConsolePage.currentTasks(stage).filter(available.contains)
        if page.polls.cards.contains(where: \.mayAnswerPoll), !current.contains(.polls) { current.insert(.polls, at: 0) }
        let always: [Kind] = [.floor, .video].filter { available.contains($0) && !current.contains($0) }
        let rest = available.filter { !current.contains($0) && !always.contains($0) }
        func task(_ kind: Kind, open: Bool) -> ConsolePage.ConsoleTask {
            switch kind {
            case .stage: .init(kind, title: t("villageStage"), state: page.stage, open: open)
            case .floor: .init(kind, title: t("floorTitle"), state: page.onStage ? t("youAreOnStage")
                : page.queuePosition.map { "\(t("waitingTurn")) \($0) \(t("inQueue"))" } ?? t("floorIdle"), open: open)
            case .video: .init(kind, title: t("liveBroadcast"), state: t("videoState"), open: open)
            case .checkIn: .init(kind, title: t("checkInDesk"), state: "\(page.attendance) \(t("presentLower")) (\(page.women) \(t("womenLower")))", open: open)
            case .proposals: .init(kind, title: t("proposalDesk"), state: "\(page.proposals) \(t("proposalsLower"))"
                + (page.rankingAgreed ? " · \(t("rankingAgreedLower"))" : ""), open: open)
            case .questions: .init(kind, title: t("questionsForHost"), state: t("questionsState"), open: open)
            case .polls: .init(kind, title: t("pollsTitle"), state: page.polls.cards.contains(where: \.mayAnswerPoll) ? t("pollWaitingAnswer")
                : page.polls.hasOpenPoll ? t("pollOpenState") : "\(page.polls.cards.count) \(t("pollsLower"))", open: open)
            case .minutes: .init(kind, title: t("minutes"), state: page.isFinal ? t("finalLower") : t("draftLower"), open: open)
            case .documents: .init(kind, title: t("documents"), state: t("documentsState"), open: open)
            case .closeOut: .init(kind, title: t("closeOutTitle"), state: page.closeOut.map { $0.state + ($0.flagged ? " · \(t("closeOutFlaggedLower"))" : "") } ?? "",
                                  open: open)
            }
        }
        return current.map { task($0, open: true) } + always.map { task($0, open: true) } + rest.map { task($0, open: false) }
    }

    func inConsole<Fields: Decodable & Sendable>(_ request: Request, _ context: AppContext, _ fields: Fields.Type, for action: Action = .runSession,
                                                 anchor: String,
                                                 _ work: @escaping @Sendable (AssemblyService.Session, Fields) async throws -> LocalizedText?) async throws -> Response {
        let scope = try await assemblies.session(try context.id("id", as: AssemblyID.self), context.parameters.get("village"),
                                                 for: action, by: context.user)
        let form = try await SubmittedForm<Fields>.read(request, context: context, csrf: csrf)
        return try await outcome.respond(typed: form.typed, back: "/musrenbang/\(scope.id)/desa/\(scope.village)#\(anchor)") {
            try await work(scope, form.fields)
        }
    }

    struct StageForm: Decodable, Sendable { let stage: String? }

    @Sendable func moveSession(_ request: Request, context: AppContext) async throws -> Response {
        try await inConsole(request, context, StageForm.self, anchor: "tahap") { scope, form in
            guard let stage = form.stage.flatMap(AssemblyStage.init(rawValue:)) else {
                throw AppError.invalid("stage", "stage.invalid", id: "Tahap tidak dikenal.", en: "Unknown stage.")
            }
            let moved = try await assemblies.moveSession(scope, to: stage)
            return .init(id: "Tahap desa: \(Names.stage(moved.stage).id).", en: "Village stage: \(Names.stage(moved.stage).en).")
        }
    }

    /// The check-in desk's form. The contract the offline console relies on: `key` (a NIK or a
    /// citizen's code), `name`, `gender` (`male`/`female`), `role` (the unsur ids of the API).
    struct CheckInForm: Decodable, Sendable {
        let key: String?; let role: String?; let gender: String?; let name: TypedText?; let residence: TypedText?
        let nameConsent: Checkbox?
    }

    @Sendable func checkIn(_ request: Request, context: AppContext) async throws -> Response {
        try await inConsole(request, context, CheckInForm.self, anchor: "hadir") { scope, form in
            guard let role = form.role.flatMap(AttendanceRole.init(rawValue:)), let gender = form.gender.flatMap(Gender.init(rawValue:)) else {
                throw AppError.invalid("role", "checkin.incomplete", id: "Pilih unsur dan jenis kelamin peserta.", en: "Choose the role and gender.")
            }
            let key = (form.key ?? "").trimmingCharacters(in: .whitespaces)
            let isCode = key.contains("-")
            let (record, isNew) = try await assemblies.checkIn(scope, .init(
                villageCode: scope.village.description, citizenId: nil, nik: isCode ? nil : key, code: isCode ? key : nil, role: role,
                gender: gender, name: form.name?.value, residenceVillageCode: form.residence?.value, nameConsent: form.nameConsent.isOn))
            if !isNew { return .init(id: "Peserta ini sudah tercatat hadir sebelumnya.", en: "This person was already checked in.") }
            return record.isGuest ? .init(id: "Peserta tercatat hadir (tamu dari desa lain).", en: "Checked in (a guest from another village).")
                : .init(id: "Peserta tercatat hadir.", en: "Checked in.")
        }
    }

    @Sendable func agreeRanking(_ request: Request, context: AppContext) async throws -> Response {
        try await inConsole(request, context, NoFields.self, for: .agreeRanking, anchor: "usulan") { scope, _ in
            try await assemblies.agreeRanking(scope)
            return .init(id: "Peringkat usulan disepakati.", en: "The ranking is agreed.")
        }
    }

    struct TopicForm: Decodable, Sendable { let topic: String? }

    @Sendable func raiseHand(_ request: Request, context: AppContext) async throws -> Response {
        try await inConsole(request, context, TopicForm.self, anchor: "bicara") { scope, form in
            _ = try await floor.raise(scope, topic: form.topic ?? "")
            return .init(id: "Permintaan bicara terkirim; tunggu giliran dari tuan rumah.", en: "Request sent; wait for the host to give the floor.")
        }
    }

    @Sendable func lowerHand(_ request: Request, context: AppContext) async throws -> Response {
        try await inConsole(request, context, NoFields.self, anchor: "bicara") { scope, _ in
            _ = try await floor.lower(scope)
            return .init(id: "Permintaan bicara dibatalkan.", en: "Request withdrawn.")
        }
    }

    @Sendable func endTurn(_ request: Request, context: AppContext) async throws -> Response {
        try await inConsole(request, context, NoFields.self, anchor: "bicara") { scope, _ in
            _ = try await floor.endOwnTurn(scope)
            return .init(id: "Giliran bicara selesai.", en: "Your turn has ended.")
        }
    }

    /// The berita acara form. Besides its fixed fields it has numbered slots: `signatory1…3` for a
    /// village; for a kecamatan `delegate1…3Name/Gender/Institution` and `group1…4Title/Chair/
    /// Participants/Notes`. Numbered names (not arrays) let a refused form come back as typed.
    struct MinutesForm: Decodable, Sendable {
        let venue: TypedText?; let onlineLink: TypedText?; let chair: TypedText?; let minuteTaker: TypedText?
        let resourcePersons: String?; let agreements: TypedText?; let decisionMethod: String?; let finalize: Checkbox?
        let amendmentReason: TypedText?; let documentNumber: TypedText?
        let slots: [String: String]

        enum CodingKeys: String, CodingKey {
            case venue, onlineLink, chair, minuteTaker, resourcePersons, agreements, decisionMethod, finalize, amendmentReason, documentNumber
        }

        init(from decoder: any Decoder) throws {
            let fixed = try decoder.container(keyedBy: CodingKeys.self)
            venue = try fixed.decodeIfPresent(TypedText.self, forKey: .venue)
            onlineLink = try fixed.decodeIfPresent(TypedText.self, forKey: .onlineLink)
            chair = try fixed.decodeIfPresent(TypedText.self, forKey: .chair)
            minuteTaker = try fixed.decodeIfPresent(TypedText.self, forKey: .minuteTaker)
            resourcePersons = try fixed.decodeIfPresent(String.self, forKey: .resourcePersons)
            agreements = try fixed.decodeIfPresent(TypedText.self, forKey: .agreements)
            decisionMethod = try fixed.decodeIfPresent(String.self, forKey: .decisionMethod)
            finalize = try fixed.decodeIfPresent(Checkbox.self, forKey: .finalize)
            amendmentReason = try fixed.decodeIfPresent(TypedText.self, forKey: .amendmentReason)
            documentNumber = try fixed.decodeIfPresent(TypedText.self, forKey: .documentNumber)
            let all = try decoder.container(keyedBy: FormKey.self)
            var slots: [String: String] = [:]
            for key in all.allKeys where key.stringValue.hasPrefix("signatory") || key.stringValue.hasPrefix("delegate")
                || key.stringValue.hasPrefix("group") {
                slots[key.stringValue] = (try? all.decode(String.self, forKey: key))?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            self.slots = slots
        }

        func slot(_ name: String) -> String? { slots[name].flatMap { $0.isEmpty ? nil : $0 } }

        var signatories: [String] { (1...3).map { slot("signatory\($0)") ?? "" } }

        /// The delegate rows that have a name; a named delegate without a gender is refused, not guessed.
        func delegates() throws -> [Delegate] {
            try (1...DelegateRules.count).compactMap { n in
                guard let name = slot("delegate\(n)Name") else { return nil }
                guard let gender = slot("delegate\(n)Gender").flatMap(Gender.init(rawValue:)) else {
                    throw AppError.invalid("delegate\(n)Gender", "delegates.gender", id: "Pilih jenis kelamin delegasi ke-\(n).",
                                           en: "Choose the gender of delegate \(n).")
                }
                return Delegate(name: name, gender: gender, institution: slot("delegate\(n)Institution") ?? "")
            }
        }

        var groupSessions: [BeritaAcara.GroupSession] {
            (1...MinutesForm.groupSlots).compactMap { n in
                guard let title = slot("group\(n)Title") else { return nil }
                return .init(title: title, chair: slot("group\(n)Chair") ?? "", participants: slot("group\(n)Participants").flatMap { Int($0) },
                             notes: slot("group\(n)Notes") ?? "")
            }
        }

        static let groupSlots = 4
    }

    struct FormKey: CodingKey {
        let stringValue: String
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    @Sendable func saveMinutes(_ request: Request, context: AppContext) async throws -> Response {
        try await inConsole(request, context, MinutesForm.self, anchor: "berita-acara") { scope, form in
            let fields = BeritaAcara.Editable(
                venue: form.venue?.value, onlineLink: form.onlineLink?.value, chair: form.chair?.value, minuteTaker: form.minuteTaker?.value,
                resourcePersons: (form.resourcePersons ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty },
                agreements: form.agreements?.value, decisionMethod: DecisionMethod(rawValue: form.decisionMethod ?? "") ?? .consensus,
                signatories: scope.village.level == .village ? form.signatories : nil, documentNumber: form.documentNumber?.value,
                delegates: scope.village.level == .district ? try form.delegates() : nil,
                groupSessions: scope.village.level == .district ? form.groupSessions : nil)
            try await minutes.save(scope, fields: fields, finalize: form.finalize.isOn, amendmentReason: form.amendmentReason?.value)
            return form.finalize.isOn ? .init(id: "Berita acara final dan terkunci.", en: "The minutes are final and locked.")
                : .init(id: "Berita acara tersimpan.", en: "The minutes are saved.")
        }
    }
}
