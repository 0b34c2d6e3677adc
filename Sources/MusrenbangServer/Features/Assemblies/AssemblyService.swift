import Foundation
import MusrenbangCore
import MusrenbangStore

/// Assemblies as the API and the pages both handle them.
struct AssemblyService: Sendable {
    let services: AppServices
    var store: AssemblyStore { AssemblyStore(services.database) }

    static let notFound = AppError.notFound(.init(id: "Musrenbang tidak ditemukan.", en: "Assembly not found."))
    static let sessionNotFound = AppError.notFound(.init(id: "Sesi desa tidak ditemukan dalam musrenbang ini.",
                                                         en: "No such village session in this assembly."))

    func assembly(_ id: Int64?) async throws -> AssemblyRecord {
        guard let id, let assembly = try await store.assembly(id) else { throw Self.notFound }
        return assembly
    }

    struct Schedule: Decodable, Sendable {
        var title: String
        var level: AssemblyLevel
        var regencyCode: String
        var planYear: Int
        var startsAt: Date
        var hubVillageCode: String
        var villageCodes: [String]?
        var agenda: [AgendaItem]?
    }

    /// Every village of the regency by default; a district-level assembly has one session per district.
    func schedule(_ input: Schedule, by user: UserRecord, rehearsalOf: Int64? = nil) async throws -> Int64 {
        guard let regency = RegionCode(input.regencyCode), regency == services.configuration.regency else {
            throw AppError(.unprocessableContent, code: "regencyCode.unknown",
                           message: .init(id: "Kabupaten harus \(services.tenant.name) (\(services.tenant.code)).",
                                          en: "The regency must be \(services.tenant.code)."), field: "regencyCode")
        }
        guard Policy.allows(user.principal, .configurePlanning, in: regency) else { throw AppError.forbidden }
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (5...150).contains(title.count) else {
            throw AppError(.unprocessableContent, code: "title.length",
                           message: .init(id: "Judul 5–150 karakter.", en: "Title: 5–150 characters."), field: "title")
        }
        guard (services.today.year - 1...services.today.year + 2).contains(input.planYear) else {
            throw AppError(.unprocessableContent, code: "planYear.range",
                           message: .init(id: "Tahun rencana di luar jangkauan.", en: "Plan year out of range."), field: "planYear")
        }
        guard let hub = RegionCode(input.hubVillageCode), hub.level == .village, services.placeNames[hub.description] != nil else {
            throw AppError(.unprocessableContent, code: "hubVillageCode.unknown",
                           message: .init(id: "Desa tuan rumah tidak dikenal di kabupaten ini.", en: "Unknown hub village."),
                           field: "hubVillageCode")
        }
        let wanted: RegionLevel = input.level == .district ? .district : .village
        let all = services.placeNames.keys.filter { RegionCode($0)?.level == wanted }.sorted()
        var codes = all
        if let given = input.villageCodes {
            let unknown = given.filter { !all.contains($0) }
            guard unknown.isEmpty, !given.isEmpty else {
                throw AppError(.unprocessableContent, code: "villageCodes.unknown",
                               message: .init(id: "Kode wilayah tidak dikenal di kabupaten ini: \(unknown.prefix(5).joined(separator: ", ")).",
                                              en: "Unknown codes in this regency: \(unknown.prefix(5).joined(separator: ", "))."),
                               field: "villageCodes")
            }
            codes = Array(Set(given)).sorted()
        }
        let agenda = input.agenda ?? Self.defaultAgenda
        guard agenda.allSatisfy({ !$0.title.isEmpty && (1...600).contains($0.minutes) }) else {
            throw AppError(.unprocessableContent, code: "agenda.invalid",
                           message: .init(id: "Setiap acara memerlukan judul dan durasi 1–600 menit.",
                                          en: "Each agenda item needs a title and 1–600 minutes."), field: "agenda")
        }
        return try await store.create(title: title, level: input.level, regency: regency.description, planYear: input.planYear,
                                      startsAt: input.startsAt, hub: hub.description, villages: codes, agenda: agenda,
                                      createdBy: user.id, rehearsalOf: rehearsalOf)
    }

    static let defaultAgenda = [
        AgendaItem(title: "Registrasi peserta di setiap kantor desa", minutes: 30, speaker: "Operator desa"),
        AgendaItem(title: "Pembukaan dan pengarahan Bupati: prioritas nasional, provinsi, dan kabupaten", minutes: 30, speaker: "Bupati"),
        AgendaItem(title: "Dialog desa dengan Bupati dan perangkat daerah", minutes: 60, speaker: "Bupati, kepala OPD"),
        AgendaItem(title: "Penyampaian usulan di setiap desa", minutes: 45, speaker: "Tim penyusun RKPDes"),
        AgendaItem(title: "Pemeringkatan usulan", minutes: 30, speaker: "Tim penyusun RKPDes"),
        AgendaItem(title: "Kesepakatan dan penandatanganan berita acara", minutes: 15, speaker: "Ketua BPD, Kepala Desa"),
    ]

    func translate<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch AssemblyStore.AssemblyError.notFound {
            throw Self.notFound
        } catch AssemblyStore.AssemblyError.stage(let refusal) {
            throw AppError(.conflict, code: "stage.refused", message: refusal.message, field: "stage")
        }
    }

    func moveHub(_ id: Int64, to stage: AssemblyStage, by user: UserRecord) async throws -> AssemblyRecord {
        let assembly = try await assembly(id)
        guard [.planner, .host, .admin].contains(user.role), Policy.reaches(user.principal, RegionCode(assembly.regencyCode)!) else {
            throw AppError.forbidden
        }
        let moved = try await translate { try await store.moveHub(id, to: stage, actor: user.id) }
        await services.live.poke(id)
        if moved.stage == .closed {
            let services = self.services
            Task { await MediaService(services: services).closed(id) }
        }
        return moved
    }

    /// The operator of a session's village (or district), or a planner.
    func requireSession(_ assembly: AssemblyRecord, _ code: String, by user: UserRecord) async throws -> SessionRecord {
        guard let session = try await store.session(assembly.id, village: code) else { throw Self.sessionNotFound }
        guard let region = RegionCode(code), Policy.allows(user.principal, .registerCitizen, in: region) else { throw AppError.forbidden }
        return session
    }

    func moveSession(_ id: Int64, village: String, to stage: AssemblyStage, by user: UserRecord) async throws -> SessionRecord {
        let assembly = try await assembly(id)
        _ = try await requireSession(assembly, village, by: user)
        let moved = try await translate { try await store.moveSession(id, village: village, to: stage, actor: user.id) }
        await services.live.poke(id)
        return moved
    }

    func agreeRanking(_ id: Int64, village: String, by user: UserRecord) async throws {
        let assembly = try await assembly(id)
        let session = try await requireSession(assembly, village, by: user)
        guard session.stage >= .ranking else {
            throw AppError(.conflict, code: "stage.tooEarly",
                           message: .init(id: "Peringkat disepakati pada tahap pemeringkatan atau sesudahnya.",
                                          en: "The ranking is agreed at the ranking stage or later."))
        }
        if RegionCode(village)?.level == .village {
            _ = try await PlanningStore(services.database).rank(village: village, year: assembly.planYear, by: user.principal)
        }
        try await store.agreeRanking(id, village: village)
        await services.live.poke(id)
    }

    // MARK: attendance

    struct CheckIn: Decodable, Sendable {
        var villageCode: String
        var citizenId: Int64?
        var nik: String?
        var code: String?
        var role: AttendanceRole
        var gender: Gender
        /// For a walk-in registered on the spot.
        var name: String?
        var residenceVillageCode: String?
    }

    func checkIn(_ id: Int64, _ input: CheckIn, by user: UserRecord) async throws -> (AttendanceRecord, Bool) {
        let assembly = try await assembly(id)
        let session = try await requireSession(assembly, input.villageCode, by: user)
        guard session.stage.acceptsAttendance else {
            throw AppError(.conflict, code: "attendance.closed",
                           message: .init(id: "Registrasi peserta tidak terbuka pada tahap \(session.stage.indonesianName).",
                                          en: "Check-in is not open at the \(session.stage.rawValue) stage."))
        }
        let person: UserRecord
        if let code = input.code {
            guard let citizenId = CheckInCode.verify(code, assembly: id, secret: services.secret),
                  let found = try await services.accounts.user(id: citizenId) else {
                throw AppError(.unprocessableContent, code: "code.invalid",
                               message: .init(id: "Kode kehadiran tidak sah untuk musrenbang ini.", en: "The check-in code is not valid for this assembly."),
                               field: "code")
            }
            person = found
        } else if let citizenId = input.citizenId {
            guard let found = try await services.accounts.user(id: citizenId), found.role == .citizen else {
                throw AppError(.notFound, code: "citizen.unknown",
                               message: .init(id: "Warga tidak ditemukan.", en: "Citizen not found."), field: "citizenId")
            }
            person = found
        } else if let nik = input.nik {
            let digits = nik.filter { !$0.isWhitespace }
            if let found = try await services.accounts.user(nikHash: services.secret.nikHash(digits)) {
                person = found
            } else if let name = input.name {
                let registered = try await AccountService(services: services).registerCitizen(.init(
                    name: name, nik: digits, villageCode: input.residenceVillageCode ?? input.villageCode,
                    gender: input.gender.rawValue, password: nil, phone: nil), by: user, anyVillage: true)
                person = try await services.accounts.user(id: registered.id)!
            } else {
                throw AppError(.notFound, code: "nik.unregistered",
                               message: .init(id: "NIK belum terdaftar. Daftarkan sebagai peserta baru dengan mengisi nama.",
                                              en: "This NIK is not registered. Register a walk-in by giving a name."), field: "nik")
            }
        } else {
            throw AppError(.unprocessableContent, code: "required",
                           message: .init(id: "Isi NIK, kode kehadiran, atau nomor warga.", en: "Give a NIK, a check-in code or a citizenId."),
                           field: "nik")
        }
        let isGuest = person.regionCode?.description != input.villageCode
        let result = try await store.checkIn(id, village: input.villageCode, userId: person.id, role: input.role,
                                             gender: person.gender ?? input.gender, isGuest: isGuest, by: user.id)
        if result.isNew { await services.live.poke(id) }
        return result
    }
}

/// A citizen's check-in code for one assembly: their account number and a signature, short
/// enough to type (`1234-7F3A9C`). Valid for that assembly only.
enum CheckInCode {
    static func make(citizen: Int64, assembly: Int64, secret: ServerSecret) -> String {
        "\(citizen)-\(secret.sign("\(assembly):\(citizen)", purpose: "checkin").prefix(6).uppercased())"
    }

    static func verify(_ code: String, assembly: Int64, secret: ServerSecret) -> Int64? {
        let parts = code.trimmingCharacters(in: .whitespaces).uppercased().split(separator: "-")
        guard parts.count == 2, let citizen = Int64(parts[0]) else { return nil }
        return make(citizen: citizen, assembly: assembly, secret: secret) == "\(citizen)-\(parts[1])" ? citizen : nil
    }
}
