import Foundation
import MusrenbangCore
import MusrenbangStore

/// What the assembly templates show, typed, already in the reader's language.

/// An assembly in a list (home, the assemblies page).
struct AssemblyRow: Sendable {
    let id: Int64
    let title: String
    let stage: String
    let startsAt: String
    let rehearsal: Bool
    let live: Bool
    /// "Tematik: Perempuan" for a thematic musrenbang.
    let theme: String?

    init(_ assembly: AssemblyRecord, locale: LocalizedText.Locale) {
        id = assembly.id.rawValue
        title = assembly.title
        stage = Names.stage(assembly.stage).text(locale)
        startsAt = Format.dateTime(assembly.startsAt).text(locale)
        rehearsal = assembly.rehearsalOf != nil
        live = assembly.stage != .scheduled && assembly.stage != .closed
        theme = assembly.theme.map { Names.themeTag($0).text(locale) }
    }
}

/// The assembly above every page of it.
struct AssemblyHeader: Sendable {
    let id: Int64
    let title: String
    let stage: String
    let stageValue: String
    let startsAt: String
    let planYear: Int
    let hub: String
    let rehearsal: Bool
    let theme: String?

    init(_ assembly: AssemblyRecord, places: Places, locale: LocalizedText.Locale) {
        id = assembly.id.rawValue
        title = assembly.title
        stage = Names.stage(assembly.stage).text(locale)
        stageValue = assembly.stage.rawValue
        startsAt = Format.dateTime(assembly.startsAt).text(locale)
        planYear = assembly.planYear
        hub = Names.village(assembly.hubVillageCode, places.name(assembly.hubVillageCode)).text(locale)
        rehearsal = assembly.rehearsalOf != nil
        theme = assembly.theme.map { Names.themeTag($0).text(locale) }
    }
}

/// The regency-wide figures (the `counters` partial), updated live by live.js.
struct Counters: Sendable {
    let villages: Int
    let started: Int
    let closed: Int
    let silent: Int
    let attendance: Int
    let women: Int
    let womenShare: Int
    let proposals: Int
    let supports: Int

    init(_ summary: AssemblySummary) {
        villages = summary.villages.total
        started = summary.villages.total - summary.villages.notStarted
        closed = summary.villages.closed
        silent = summary.villages.silent
        attendance = summary.attendance.total
        women = summary.attendance.women
        womenShare = Format.percent(summary.attendance.women, of: summary.attendance.total)
        proposals = summary.proposals.total
        supports = summary.supports
    }
}

struct QuestionLine: Sendable {
    let id: Int64
    let body: String
    let village: String
    let upvotes: Int
    let answered: Bool
    let pending: Bool
}

struct AssemblyListPage: Sendable {
    let assemblies: [AssemblyRow]
    let canSchedule: Bool
}

struct SchedulePage: Sendable {
    let planYear: String
    let villages: [VillageChoice.Group]
    let districtLevel: Bool
    let themes: [Choice]
}

/// At a thematic musrenbang: how many of those present belong to the theme's group.
struct ThemeGroupLine: Sendable {
    let count: Int
    let total: Int
    let value: String
    let year: Int
}

struct AssemblyPublicPage: Sendable {
    struct AgendaLine: Sendable { let title: String; let minutes: Int; let speaker: String? }
    let assembly: AssemblyHeader
    let counters: Counters
    let recordings: [MediaService.RecordingLink]
    let agenda: [AgendaLine]
    let questions: [QuestionLine]
    let mayAsk: Bool
    let documentLinks: [DocumentLink]
    let polls: PollSection
    let themeGroup: ThemeGroupLine?
}

struct ControlRoomPage: Sendable {
    struct Village: Sendable {
        let code: String; let name: String; let stage: String; let stageValue: String; let attendance: Int; let women: Int
        let womenShare: Int; let noWomen: Bool; let proposals: Int; let silent: Bool; let heartbeat: String
        /// The station's close-out ("—" while its session is open), and whether its paper disagreed with the check-ins.
        let closeOut: String; let closeOutValue: String; let flagged: Bool
    }
    struct District: Sendable { let name: String; let villages: [Village] }
    struct Waiting: Sendable { let code: String; let name: String; let district: String; let topic: String; let position: Int; let minutes: Int }
    struct Speaking: Sendable { let code: String; let name: String; let topic: String; let left: Int; let muted: Bool }
    let assembly: AssemblyHeader
    let counters: Counters
    let next: Choice?
    let districts: [District]
    let waiting: [Waiting]
    let speaking: [Speaking]
    let questions: [QuestionLine]
    let mayRehearse: Bool
    let mayWipe: Bool
    let polls: PollSection
    let closeOuts: CloseOutService.Overview.Counts
    /// Which view fills the big panel: the villages' tiles, the monitoring wall, or the table.
    let view: String
    let isOverview: Bool
    let isWall: Bool
    let isTable: Bool
    /// The live platform the program is also pushed to (its host only: the key stays secret).
    let restream: String?
    /// The control room uses the whole width of a 1080p screen.
    let wide = true

    init(assembly: AssemblyHeader, counters: Counters, next: Choice?, districts: [District], waiting: [Waiting], speaking: [Speaking],
         questions: [QuestionLine], mayRehearse: Bool, mayWipe: Bool, polls: PollSection, closeOuts: CloseOutService.Overview.Counts,
         view: String, restream: String?) {
        self.restream = restream
        self.assembly = assembly
        self.counters = counters
        self.next = next
        self.districts = districts
        self.waiting = waiting
        self.speaking = speaking
        self.questions = questions
        self.mayRehearse = mayRehearse
        self.mayWipe = mayWipe
        self.polls = polls
        self.closeOuts = closeOuts
        self.view = view
        self.isOverview = view == "overview"
        self.isWall = view == "wall"
        self.isTable = view == "table"
    }
}

struct ConsolePage: Sendable {
    struct Ranked: Sendable { let priority: Int; let title: String; let volume: String; let cost: String }
    struct Turn: Sendable { let start: String; let end: String; let seconds: Int; let topic: String }
    /// A signature line of the village's berita acara (`signatory1…3`).
    struct Signatory: Sendable { let n: Int; let label: String; let value: String }
    /// A kecamatan delegate's row (`delegate1…3…`).
    struct DelegateSlot: Sendable { let n: Int; let delegateName: String; let delegateInstitution: String; let isFemale: Bool; let isMale: Bool }
    /// A group session's slot (`group1…4…`).
    struct GroupSlot: Sendable {
        let n: Int; let groupTitle: String; let groupChair: String; let groupParticipants: String; let groupNotes: String
        let isFilled: Bool
    }
    let assembly: AssemblyHeader
    let villageCode: String
    let villageName: String
    let stage: String
    let stageValue: String
    let attendance: Int
    let women: Int
    let proposals: Int
    let rankingAgreed: Bool
    let acceptsAttendance: Bool
    let isVillage: Bool
    let dialogue: Bool
    let moves: [Choice]
    let floorOpen: Bool
    let queuePosition: Int?
    let onStage: Bool
    let mayPublish: Bool
    let mayAgree: Bool
    let roles: [Choice]
    let minutesDate: String
    let minutesStart: String
    let minutesEnd: String
    let men: Int
    let isFinal: Bool
    let venue: String
    let onlineLink: String
    let chair: String
    let minuteTaker: String
    let resourcePersons: String
    let agreements: String
    let byVote: Bool
    let ranked: [Ranked]
    let amendments: [String]
    let recordings: [MediaService.RecordingLink]
    let turns: [Turn]
    let planYear: Int
    let isDistrict: Bool
    let documentNumber: String
    let signatories: [Signatory]
    let delegates: [DelegateSlot]
    let groupSessions: [GroupSlot]
    let documentLinks: [DocumentLink]
    let pdfMissing: Bool
    let polls: PollSection
    /// The closed polls as the minutes record them.
    struct MinutesPoll: Sendable { let pollQuestionText: String; let pollSummary: String; let pollOffices: String; let pollVillageAnswer: String }
    let minutesPolls: [MinutesPoll]
    /// The assembly is under way: polls may open at any moment.
    let pollsLive: Bool
    /// The station's close-out, once its session has closed.
    var closeOut: CloseOutSection?
    /// When the page was made: an offline console shows how old what it shows is.
    var renderedAt = Date().formatted(.iso8601)
    /// The console's sections, the current stage's task first and open, the live video and the
    /// floor always open after it, the rest folded with their state in one line.
    var tasks: [ConsoleTask] = []

    struct ConsoleTask: Sendable {
        enum Kind: String, Sendable {
            case stage, floor, video, checkIn = "hadir", proposals = "usulan", questions = "pertanyaan", polls = "jajak-pendapat"
            case minutes = "berita-acara", documents = "dokumen", closeOut = "penutupan"
        }
        let key: String
        let taskTitle: String
        let taskState: String
        let isOpen: Bool
        let isStage: Bool, isFloor: Bool, isVideo: Bool, isCheckIn: Bool, isProposals: Bool, isQuestions: Bool, isPolls: Bool, isMinutes: Bool, isDocuments: Bool
        let isCloseOut: Bool

        init(_ kind: Kind, title: String, state: String, open: Bool) {
            key = kind.rawValue
            taskTitle = title
            taskState = state
            isOpen = open
            isStage = kind == .stage; isFloor = kind == .floor; isVideo = kind == .video; isCheckIn = kind == .checkIn
            isProposals = kind == .proposals; isQuestions = kind == .questions; isPolls = kind == .polls; isMinutes = kind == .minutes; isDocuments = kind == .documents
            isCloseOut = kind == .closeOut
        }
    }

    /// What the operator does at each stage of the village's session.
    static func currentTasks(_ stage: AssemblyStage) -> [ConsoleTask.Kind] {
        switch stage {
        case .scheduled: [.stage]
        case .checkIn: [.checkIn]
        case .opening: [.video, .checkIn]
        case .dialogue: [.floor, .questions, .polls]
        case .proposals, .ranking: [.proposals]
        case .agreement: [.minutes, .proposals]
        case .closed: [.closeOut, .minutes, .documents]
        }
    }
}

/// The console's close-out section: what was handed in, how it compares, and the forms the
/// person may use (from `CloseOutService.capabilities`).
struct CloseOutSection: Sendable {
    let state: String
    let stateValue: String
    let flagged: Bool
    let difference: String?
    /// "42 (L 20, P 22)": the check-ins counted at submission, or now when nothing was submitted.
    let recorded: String
    let paper: String?
    let scanUrl: String?
    let scanKind: String?
    let reason: String?
    let mayHandIn: Bool
    let mayReview: Bool
    let uploadUrl: String
    /// What was typed, refilled after a refusal, else the figures submitted.
    let men: String
    let women: String
    let total: String
    let incidentReason: String
}
