/// What the print templates show, display-ready: every value is already formatted text, every
/// condition an explicit Bool (swift-mustache treats "" and 0 as true), optionals absent rather
/// than empty. Names inside lists never repeat a name of the root, because a nil inside a list
/// item makes Mustache look the name up in the enclosing context.

/// The parts every printed document shares: title, draft state and the regency's letterhead.
public struct PrintFrame: Sendable, Codable {
    /// The PDF title and the running footer on every page.
    public var documentTitle: String
    public var printedAt: String?
    /// Draft: a banner on every page and a diagonal "DRAF" watermark.
    public var isDraft: Bool
    /// "Kabupaten Banyuwangi".
    public var regencyName: String
    /// A `data:` URI of the emblem the regency uploaded; absent leaves an empty slot.
    public var emblemUrl: String?

    public init(documentTitle: String, printedAt: String?, isDraft: Bool, regencyName: String, emblemUrl: String?) {
        self.documentTitle = documentTitle
        self.printedAt = printedAt
        self.isDraft = isDraft
        self.regencyName = regencyName
        self.emblemUrl = emblemUrl
    }
}

public struct PrintPerson: Sendable, Codable {
    public var name: String
    public var position: String?
    public init(name: String, position: String? = nil) {
        self.name = name
        self.position = position
    }
}

/// One line of a daftar hadir. `name` is already masked for a citizen who did not agree to be named.
public struct PrintAttendee: Sendable, Codable {
    public var no: String
    public var name: String
    public var role: String
    public var origin: String
    /// "L" or "P".
    public var gender: String
    public init(no: String, name: String, role: String, origin: String, gender: String) {
        self.no = no
        self.name = name
        self.role = role
        self.origin = origin
        self.gender = gender
    }
}

public struct PrintSignatory: Sendable, Codable {
    public var role: String
    public var name: String
    public var subtitle: String?
    public init(role: String, name: String, subtitle: String? = nil) {
        self.role = role
        self.name = name
        self.subtitle = subtitle
    }
}

public struct PrintAmendment: Sendable, Codable {
    public var no: String
    public var date: String
    public var reason: String
    public init(no: String, date: String, reason: String) {
        self.no = no
        self.date = date
        self.reason = reason
    }
}

/// A poll of the assembly closed during it, as the minutes record it: every count already text.
public struct PrintPoll: Sendable, Codable {
    public struct Option: Sendable, Codable {
        public var label: String
        public var count: String
        public var percent: String
        public init(label: String, count: String, percent: String) {
            self.label = label
            self.count = count
            self.percent = percent
        }
    }
    public var no: String
    public var question: String
    public var audience: String
    public var closedAt: String
    public var options: [Option]
    public var total: String
    public var offices: String
    /// What this office answered; absent when it did not (or the poll was the citizens').
    public var villageAnswer: String?
    public init(no: String, question: String, audience: String, closedAt: String, options: [Option], total: String, offices: String,
                villageAnswer: String?) {
        self.no = no
        self.question = question
        self.audience = audience
        self.closedAt = closedAt
        self.options = options
        self.total = total
        self.offices = offices
        self.villageAnswer = villageAnswer
    }
}

/// Berita Acara Musrenbang Desa with Lampiran 1 (daftar hadir) and Lampiran 2 (ranked proposals).
public struct VillageMinutesPrint: Sendable, Codable {
    public struct Proposal: Sendable, Codable {
        public var priority: String
        public var title: String
        public var fieldLabel: String
        public var location: String
        public var volume: String
        public var estimatedCost: String
        public var fundingSource: String
        public init(priority: String, title: String, fieldLabel: String, location: String, volume: String,
                    estimatedCost: String, fundingSource: String) {
            self.priority = priority
            self.title = title
            self.fieldLabel = fieldLabel
            self.location = location
            self.volume = volume
            self.estimatedCost = estimatedCost
            self.fundingSource = fundingSource
        }
    }

    public var letterheadLines: [String]
    public var officeAddress: String?
    public var villageName: String
    public var districtName: String
    public var year: String
    public var planYear: String
    public var documentNumber: String?
    public var dayName: String
    public var dateLong: String
    public var venue: String
    public var onlineLink: String?
    public var startTime: String
    public var endTime: String
    public var hasAgendaItems: Bool
    public var agendaItems: [String]
    public var chair: PrintPerson
    public var minuteTaker: PrintPerson
    public var hasResourcePersons: Bool
    public var resourcePersons: [PrintPerson]
    public var attendeeCount: String
    public var maleCount: String
    public var femaleCount: String
    public var isConsensus: Bool
    public var isVote: Bool
    public var agreementParagraphs: [String]
    public var hasAmendments: Bool
    public var amendments: [PrintAmendment]
    public var signPlace: String
    public var signDate: String
    public var signatories: [PrintSignatory]
    public var attendees: [PrintAttendee]
    public var hasAttendees: Bool
    public var proposals: [Proposal]
    public var hasProposals: Bool
    public var proposalCount: String
    public var proposalsTotalCost: String
    /// The assembly's closed polls (jajak pendapat) and this village's answers.
    public var polls: [PrintPoll]
    public var hasPolls: Bool

    public init(letterheadLines: [String], officeAddress: String?, villageName: String, districtName: String,
                year: String, planYear: String, documentNumber: String?, dayName: String, dateLong: String, venue: String,
                onlineLink: String?, startTime: String, endTime: String, agendaItems: [String], chair: PrintPerson,
                minuteTaker: PrintPerson, resourcePersons: [PrintPerson], attendeeCount: String, maleCount: String,
                femaleCount: String, isConsensus: Bool, agreementParagraphs: [String], amendments: [PrintAmendment],
                signPlace: String, signDate: String, signatories: [PrintSignatory], attendees: [PrintAttendee],
                proposals: [Proposal], proposalCount: String, proposalsTotalCost: String, polls: [PrintPoll] = []) {
        self.polls = polls
        self.hasPolls = !polls.isEmpty
        self.letterheadLines = letterheadLines
        self.officeAddress = officeAddress
        self.villageName = villageName
        self.districtName = districtName
        self.year = year
        self.planYear = planYear
        self.documentNumber = documentNumber
        self.dayName = dayName
        self.dateLong = dateLong
        self.venue = venue
        self.onlineLink = onlineLink
        self.startTime = startTime
        self.endTime = endTime
        self.hasAgendaItems = !agendaItems.isEmpty
        self.agendaItems = agendaItems
        self.chair = chair
        self.minuteTaker = minuteTaker
        self.hasResourcePersons = !resourcePersons.isEmpty
        self.resourcePersons = resourcePersons
        self.attendeeCount = attendeeCount
        self.maleCount = maleCount
        self.femaleCount = femaleCount
        self.isConsensus = isConsensus
        self.isVote = !isConsensus
        self.agreementParagraphs = agreementParagraphs
        self.hasAmendments = !amendments.isEmpty
        self.amendments = amendments
        self.signPlace = signPlace
        self.signDate = signDate
        self.signatories = signatories
        self.attendees = attendees
        self.hasAttendees = !attendees.isEmpty
        self.proposals = proposals
        self.hasProposals = !proposals.isEmpty
        self.proposalCount = proposalCount
        self.proposalsTotalCost = proposalsTotalCost
    }
}

/// Berita Acara Hasil Musrenbang RKPD di Kecamatan (Permendagri 86/2017) with Lampiran I–IV.
public struct DistrictMinutesPrint: Sendable, Codable {
    /// A row of Tabel T-D.4: the ten columns of the form.
    public struct PriorityRow: Sendable, Codable {
        public var priority: String
        public var regionalPriority: String
        public var regionalTarget: String
        public var program: String
        public var activity: String
        public var activityTarget: String
        public var location: String
        public var volume: String
        public var budget: String
        public var agency: String
        public init(priority: String, regionalPriority: String, regionalTarget: String, program: String, activity: String,
                    activityTarget: String, location: String, volume: String, budget: String, agency: String) {
            self.priority = priority
            self.regionalPriority = regionalPriority
            self.regionalTarget = regionalTarget
            self.program = program
            self.activity = activity
            self.activityTarget = activityTarget
            self.location = location
            self.volume = volume
            self.budget = budget
            self.agency = agency
        }
    }

    public struct AgencyGroup: Sendable, Codable {
        public var agencyName: String
        public var rowCount: String
        public var subtotal: String
        public var rows: [PriorityRow]
        public init(agencyName: String, rowCount: String, subtotal: String, rows: [PriorityRow]) {
            self.agencyName = agencyName
            self.rowCount = rowCount
            self.subtotal = subtotal
            self.rows = rows
        }
    }

    /// Lampiran III: a proposal the forum could not accommodate, with its reason.
    public struct Refused: Sendable, Codable {
        public var no: String
        public var activity: String
        public var location: String
        public var volume: String
        public var budget: String
        public var agency: String
        public var reason: String
        public init(no: String, activity: String, location: String, volume: String, budget: String, agency: String, reason: String) {
            self.no = no
            self.activity = activity
            self.location = location
            self.volume = volume
            self.budget = budget
            self.agency = agency
            self.reason = reason
        }
    }

    public struct Delegate: Sendable, Codable {
        public var no: String
        public var name: String
        /// Written out: "Laki-laki" / "Perempuan".
        public var gender: String
        public var institution: String
        public init(no: String, name: String, gender: String, institution: String) {
            self.no = no
            self.name = name
            self.gender = gender
            self.institution = institution
        }
    }

    /// A row of the signature table of participants' representatives; age and address are left
    /// for the person to write by hand (the platform does not hold them).
    public struct Representative: Sendable, Codable {
        public var no: String
        public var name: String
        public var age: String
        public var gender: String
        public var institution: String
        public var addressPhone: String
        public init(no: String, name: String, gender: String, institution: String) {
            self.no = no
            self.name = name
            self.age = ""
            self.gender = gender
            self.institution = institution
            self.addressPhone = ""
        }
    }

    public struct GroupSession: Sendable, Codable {
        public var title: String
        public var chairName: String
        public var participantCount: String?
        public var notes: [String]
        public init(title: String, chairName: String, participantCount: String?, notes: [String]) {
            self.title = title
            self.chairName = chairName
            self.participantCount = participantCount
            self.notes = notes
        }
    }

    public struct Chair: Sendable, Codable {
        public var name: String
        public var position: String
        public var idNumber: String?
        public init(name: String, position: String, idNumber: String? = nil) {
            self.name = name
            self.position = position
            self.idNumber = idNumber
        }
    }

    public var letterheadLines: [String]
    public var officeAddress: String?
    public var districtName: String
    public var planYear: String
    public var documentNumber: String?
    public var dayName: String
    public var dateLong: String
    public var venue: String
    public var onlineLink: String?
    public var startTime: String
    public var endTime: String
    public var considerations: [String]
    public var agreementParagraphs: [String]
    public var hasAgreements: Bool
    public var activityCount: String
    public var totalBudget: String
    /// The kecamatan's pagu indikatif, or "belum ditetapkan".
    public var ceiling: String
    public var hasCeiling: Bool
    public var ceilingRemainder: String
    public var isOverCeiling: Bool
    public var rejectedCount: String
    public var chair: Chair
    public var signPlace: String
    public var signDate: String
    public var participantRepresentatives: [Representative]
    public var attendees: [PrintAttendee]
    public var hasAttendees: Bool
    public var attendeeCount: String
    public var agencyGroups: [AgencyGroup]
    public var hasActivities: Bool
    public var rejected: [Refused]
    public var hasRejected: Bool
    public var delegates: [Delegate]
    public var hasDelegates: Bool
    public var groupSessions: [GroupSession]
    public var hasGroupSessions: Bool
    public var hasAmendments: Bool
    public var amendments: [PrintAmendment]

    public init(letterheadLines: [String], officeAddress: String?, districtName: String, planYear: String,
                documentNumber: String?, dayName: String, dateLong: String, venue: String, onlineLink: String?,
                startTime: String, endTime: String, considerations: [String], agreementParagraphs: [String],
                activityCount: String, totalBudget: String, ceiling: String?, ceilingRemainder: String, isOverCeiling: Bool,
                rejectedCount: String, chair: Chair, signPlace: String, signDate: String, attendees: [PrintAttendee],
                attendeeCount: String, agencyGroups: [AgencyGroup], rejected: [Refused], delegates: [Delegate],
                groupSessions: [GroupSession], amendments: [PrintAmendment]) {
        self.letterheadLines = letterheadLines
        self.officeAddress = officeAddress
        self.districtName = districtName
        self.planYear = planYear
        self.documentNumber = documentNumber
        self.dayName = dayName
        self.dateLong = dateLong
        self.venue = venue
        self.onlineLink = onlineLink
        self.startTime = startTime
        self.endTime = endTime
        self.considerations = considerations
        self.agreementParagraphs = agreementParagraphs
        self.hasAgreements = !agreementParagraphs.isEmpty
        self.activityCount = activityCount
        self.totalBudget = totalBudget
        self.ceiling = ceiling ?? "belum ditetapkan"
        self.hasCeiling = ceiling != nil
        self.ceilingRemainder = ceilingRemainder
        self.isOverCeiling = isOverCeiling
        self.rejectedCount = rejectedCount
        self.chair = chair
        self.signPlace = signPlace
        self.signDate = signDate
        self.participantRepresentatives = delegates.map {
            Representative(no: $0.no, name: $0.name, gender: $0.gender, institution: $0.institution)
        }
        self.attendees = attendees
        self.hasAttendees = !attendees.isEmpty
        self.attendeeCount = attendeeCount
        self.agencyGroups = agencyGroups
        self.hasActivities = !agencyGroups.isEmpty
        self.rejected = rejected
        self.hasRejected = !rejected.isEmpty
        self.delegates = delegates
        self.hasDelegates = !delegates.isEmpty
        self.groupSessions = groupSessions
        self.hasGroupSessions = !groupSessions.isEmpty
        self.hasAmendments = !amendments.isEmpty
        self.amendments = amendments
    }
}

/// Lembar Pelacakan Usulan: one proposal and its whole history, as citizens read it.
public struct ProposalSheetPrint: Sendable, Codable {
    public struct Event: Sendable, Codable {
        public var date: String
        public var time: String?
        public var text: String
        public var reason: String?
        public var actor: String?
        public var isCurrent: Bool
        public init(date: String, time: String?, text: String, reason: String?, actor: String?, isCurrent: Bool) {
            self.date = date
            self.time = time
            self.text = text
            self.reason = reason
            self.actor = actor
            self.isCurrent = isCurrent
        }
    }

    public struct Photo: Sendable, Codable {
        /// A `data:` URI: the renderer never fetches anything.
        public var url: String
        public var caption: String
        public init(url: String, caption: String) {
            self.url = url
            self.caption = caption
        }
    }

    public var villageName: String
    public var villageCode: String
    public var districtName: String
    public var proposalCode: String
    public var planYear: String
    public var title: String
    public var currentStatus: String
    public var currentStatusDetail: String?
    public var proposerLabel: String
    public var supportCount: String?
    public var problem: String
    public var activity: String
    public var fieldLabel: String
    public var subfieldLabel: String
    public var workType: String?
    public var sdgsGoal: String?
    public var location: String
    public var coordinates: String?
    public var volume: String
    public var unit: String
    public var estimatedCost: String
    public var fundingSource: String
    public var beneficiariesTotal: String
    public var beneficiariesMale: String
    public var beneficiariesFemale: String
    public var beneficiariesPoor: String
    public var beneficiariesDisabled: String
    /// "Perempuan" for a proposal of a thematic musrenbang; nil for the general one.
    public var thematic: String?
    public var history: [Event]
    public var hasPhotos: Bool
    public var photos: [Photo]

    public init(villageName: String, villageCode: String, districtName: String, proposalCode: String,
                planYear: String, title: String, currentStatus: String, currentStatusDetail: String?, proposerLabel: String,
                supportCount: String?, problem: String, activity: String, fieldLabel: String, subfieldLabel: String,
                workType: String?, sdgsGoal: String?, location: String, coordinates: String?, volume: String, unit: String,
                estimatedCost: String, fundingSource: String, beneficiariesTotal: String, beneficiariesMale: String,
                beneficiariesFemale: String, beneficiariesPoor: String, beneficiariesDisabled: String, history: [Event],
                photos: [Photo]) {
        self.villageName = villageName
        self.villageCode = villageCode
        self.districtName = districtName
        self.proposalCode = proposalCode
        self.planYear = planYear
        self.title = title
        self.currentStatus = currentStatus
        self.currentStatusDetail = currentStatusDetail
        self.proposerLabel = proposerLabel
        self.supportCount = supportCount
        self.problem = problem
        self.activity = activity
        self.fieldLabel = fieldLabel
        self.subfieldLabel = subfieldLabel
        self.workType = workType
        self.sdgsGoal = sdgsGoal
        self.location = location
        self.coordinates = coordinates
        self.volume = volume
        self.unit = unit
        self.estimatedCost = estimatedCost
        self.fundingSource = fundingSource
        self.beneficiariesTotal = beneficiariesTotal
        self.beneficiariesMale = beneficiariesMale
        self.beneficiariesFemale = beneficiariesFemale
        self.beneficiariesPoor = beneficiariesPoor
        self.beneficiariesDisabled = beneficiariesDisabled
        self.history = history
        self.hasPhotos = !photos.isEmpty
        self.photos = photos
    }
}
