import Foundation
import MusrenbangCore
import MusrenbangStore

/// Staff accounts from the command line (`musrenbang user create`): no creator, so no policy
/// check beyond the role's own rules.
public enum StaffAccounts {
    public static func create(_ services: AppServices, username: String, name: String, password: String, role: String,
                              region: String?, agency: String?) async throws -> UserID {
        do {
            return try await AccountService(services: services).createStaff(
                .init(username: username, name: name, password: password, role: role, regionCode: region, agencyCode: agency),
                by: nil)
        } catch let errors as ValidationErrors {
            throw CommandLineError(errors.all.map { "\($0.field): \($0.message.en)" }.joined(separator: "\n"))
        } catch let error as AppError {
            throw CommandLineError(error.message.en)
        }
    }
}

public struct CommandLineError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// `musrenbang demo`: one account per role for the tenant regency, with printed credentials.
/// Running it twice changes nothing.
public enum DemoData {
    struct Account {
        let username: String
        let name: String
        let role: Role
        let region: String?
        let agency: String?
    }

    public static let citizenNIK = "3510135203900001"
    /// The demo's logins, kept beside the database (0600): the password is made once per
    /// installation, printed when the demo is loaded, and never published.
    static let loginsFile = "demo-logins.txt"

    /// `MUSRENBANG_DEMO_PASSWORD` for tests and benchmarks that log in by script; otherwise random.
    static func password(_ services: AppServices) -> String {
        if let given = ProcessInfo.processInfo.environment["MUSRENBANG_DEMO_PASSWORD"], given.count >= 8 { return given }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        return "demo-" + String((0..<12).map { _ in alphabet.randomElement(using: &generator)! })
    }

    public static func load(_ services: AppServices) async throws -> [String] {
        let file = services.configuration.dataDirectory.appendingPathComponent(loginsFile)
        if try await AuditStore(services.database).fact("demo") != nil {
            guard let saved = try? String(contentsOf: file, encoding: .utf8) else {
                return ["The demo is loaded already; its logins file \(file.path) is gone (set new passwords with the staff page)."]
            }
            return ["The demo is loaded already; its logins (\(file.path)):"] + saved.split(separator: "\n").map(String.init)
        }
        let password = Self.password(services)
        let places = services.places
        let regency = places.regency.code
        // Banyuwangi's 2020 hub was Desa Bubuk, Kecamatan Rogojampi; another regency takes its first ones.
        guard let village = places.defaultHub, let districtCode = village.ancestor(at: .district) else {
            throw CommandLineError("the regency has no villages")
        }
        let district = (name: places.name(districtCode), code: districtCode)
        let villageName = places.name(village)
        let accounts = [
            Account(username: "admin", name: "Admin Sistem", role: .admin, region: nil, agency: nil),
            Account(username: "bappeda", name: "Perencana Bappeda", role: .planner, region: regency.description, agency: nil),
            Account(username: "bupati", name: "Bupati", role: .host, region: regency.description, agency: nil),
            Account(username: "dinas-pupr", name: "Petugas Dinas PUPR", role: .agency, region: regency.description, agency: "PUPR"),
            Account(username: "dprd", name: "Anggota DPRD", role: .council, region: regency.description, agency: nil),
            Account(username: "kecamatan", name: "Operator Kecamatan \(district.name)", role: .districtOperator,
                    region: districtCode.description, agency: nil),
            Account(username: "operator-desa", name: "Operator Desa \(villageName)", role: .villageOperator,
                    region: village.description, agency: nil),
        ]
        var lines = ["Demo \(places.regency.name): password for every account below (and the demo's citizens) is \"\(password)\""]
        let service = AccountService(services: services)
        for account in accounts {
            if try await services.accounts.user(username: account.username) == nil {
                _ = try await service.createStaff(.init(username: account.username, name: account.name, password: password,
                                                        role: account.role.rawValue, regionCode: account.region,
                                                        agencyCode: account.agency), by: nil)
            }
            lines.append("  \(account.role.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(account.username)")
        }
        if try await services.accounts.user(nikHash: services.secret.nikHash(citizenNIK)) == nil {
            _ = try await service.registerCitizen(.init(name: "Siti Aminah", nik: citizenNIK, villageCode: village.description,
                                                        gender: "female", password: password, phone: nil), by: nil)
        }
        // Masked even here: no file the server writes holds a NIK, not even the demo's fictitious one
        // (the README names it in full, for logging in).
                lines.append("  \("citizen".padding(toLength: 18, withPad: " ", startingAt: 0)) \(NIK.mask(citizenNIK)) (a fictitious resident of \(villageName); the full NIK is in the README)")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        try await AuditStore(services.database).setFact("demo", "loaded")
        lines.append(try await loadProposals(services, password: password))
        lines.append(try await loadAssembly(services))
        return lines
    }

    /// An assembly of the whole regency in progress now: most villages started, people checked
    /// in, questions in the queue — so the control room is alive on first look.
    static func loadAssembly(_ services: AppServices) async throws -> String {
        let store = AssemblyStore(services.database)
        let places = services.places
        if let running = try await store.current(regency: places.regency.code).first(where: { $0.stage != .closed }) {
            return "Demo assembly: /musrenbang/\(running.id)"
        }
        guard let planner = try await services.accounts.user(username: "bappeda") else { return "No planner account." }
        let villages = places.villages
        guard let hub = places.defaultHub else { return "No villages." }
        let id = try await store.create(title: "Musrenbangdes Serentak \(places.regency.name) \(services.today.year + 1)", level: .village,
                                        regency: places.regency.code, planYear: services.today.year + 1,
                                        startsAt: Date().addingTimeInterval(-1800), hub: hub, villages: villages,
                                        agenda: AssemblyService.defaultAgenda, createdBy: planner.id)
        for stage in [AssemblyStage.checkIn, .opening, .dialogue] { _ = try await store.moveHub(id, to: stage, actor: planner.id) }
        var random = ProposalGenerator.Random(seed: 2101)
        let roles: [AttendanceRole] = [.community, .community, .womensGroup, .rtRw, .youth, .farmersGroup, .religiousFigure, .bpd, .poorHousehold]
        var checkedIn = 0
        for (index, village) in villages.enumerated() where index % 8 != 0 {
            let target: AssemblyStage = index % 5 == 0 ? .checkIn : (index % 3 == 0 ? .opening : .dialogue)
            _ = try await store.moveSession(id, village: village, to: target, actor: planner.id)
            let residents = try await services.database.sql.select().columns("id", "gender").from("users")
                .where("region_code", .equal, village.description).where("role", .equal, Role.citizen.rawValue).all()
            for resident in residents {
                let gender = Gender(rawValue: try resident.decode(column: "gender", as: String.self)) ?? .female
                _ = try await store.checkIn(id, village: village, person: .account(UserID(rawValue: try resident.decode(column: "id", as: Int64.self))),
                                            role: roles.randomElement(using: &random)!, gender: gender, isGuest: false, by: planner.id)
                checkedIn += 1
            }
        }
        let questions = ["Kapan jalan poros desa kami diperbaiki? Sudah tiga tahun diusulkan.",
                         "Mohon bantuan bibit untuk kelompok tani perempuan.",
                         "Bagaimana cara desa kami mengusulkan sambungan air bersih?",
                         "Apakah ada anggaran untuk posyandu lansia?",
                         "Jembatan dusun kami rusak, mohon segera ditinjau."]
        for (index, text) in questions.enumerated() {
            let village = villages[(index * 37 + 5) % villages.count]
            let found = try await services.database.sql.select().column("id").from("users").where("region_code", .equal, village.description)
                .where("role", .equal, Role.citizen.rawValue).first()?.decode(column: "id", as: Int64.self)
            let author = found.map(UserID.init(rawValue:)) ?? planner.id
            let question = try await store.ask(id, village: village, author: author, body: text)
            if index < 3 { _ = try await store.setQuestionStatus(id, question: question, .approved) }
        }
        return "Demo assembly in progress: /musrenbang/\(id) (control room /musrenbang/\(id)/kendali), \(checkedIn) people checked in."
    }

    /// Citizens in every village and a few hundred proposals in every status, so each page has
    /// something to show. Skipped when proposals exist already.
    static func loadProposals(_ services: AppServices, password: String, perVillage: Int = 2, citizensPerVillage: Int = 3) async throws -> String {
        let proposals = ProposalStore(services.database)
        if try await proposals.list(.init(), .clamped(page: 1, size: 1)).total > 0 {
            return "Demo proposals already present."
        }
        guard let planner = try await services.accounts.user(username: "bappeda") else { return "No planner account." }
        var generator = ProposalGenerator(seed: 2020, year: services.today.year + 1)
        let passwordHash = try await services.passwords.hash(password)
        let villages = services.places.villages
        var citizensByVillage: [RegionCode: [UserID]] = [:]
        var serial = 100
        for village in villages {
            let district = village.ancestor(at: .district) ?? village
            for index in 0..<citizensPerVillage {
                serial += 1
                let gender: Gender = index % 2 == 0 ? .female : .male
                let nik = generator.nik(district: district, gender: gender, serial: serial)
                let name = Self.names[(serial * 7) % Self.names.count] + (gender == .female ? " (P)" : "")
                if let id = try await services.accounts.createCitizen(NewCitizen(
                    name: name.replacingOccurrences(of: " (P)", with: ""), nikHash: services.secret.nikHash(nik),
                    nikMasked: String(nik.prefix(6)) + "********" + String(nik.suffix(2)), gender: gender,
                    village: village, passwordHash: passwordHash, phone: nil, createdBy: nil)) {
                    citizensByVillage[village, default: []].append(id)
                }
            }
        }
        var created = 0
        let reasons = ["Di luar kewenangan desa; diteruskan dalam DU-RKPDes", "Prioritas tinggi hasil musyawarah",
                       "Sudah dianggarkan dari program provinsi tahun ini", "Melebihi sisa pagu indikatif kecamatan",
                       "Sesuai prioritas RKPD bidang infrastruktur"]
        for village in villages {
            for _ in 0..<perVillage {
                let draft = generator.draft(village: village)
                let citizens = citizensByVillage[village] ?? []
                let proposer = citizens.randomElement(using: &generator.random)
                let record = try await proposals.create(.init(draft: draft, proposer: proposer, enteredBy: proposer ?? planner.id,
                                                              enteredByRole: .citizen), idempotencyKey: nil).proposal
                created += 1
                for supporter in citizens where supporter != proposer && Bool.random(using: &generator.random) {
                    _ = try await EngagementStore(services.database).support(record.id, by: supporter)
                }
                // Move it along a plausible road; the planner may decide at every level.
                let roll = Int.random(in: 0..<100, using: &generator.random)
                let who = planner.principal
                func decide(_ level: DecisionLevel, _ outcome: DecisionOutcome, _ reason: String?) async {
                    _ = try? await proposals.decide(record.id, DecisionRequest(level: level, outcome: outcome, reason: reason), by: who)
                }
                if roll < 35 { continue }
                if draft.fundingSource.isVillageBudget && village.villageKind == .desa && roll < 55 {
                    await decide(.village, .accepted, nil)
                    continue
                }
                if roll < 60 {
                    await decide(.village, .rejected, reasons[2])
                    continue
                }
                await decide(.village, .forwarded, reasons[0])
                if roll < 75 { continue }
                if roll < 82 {
                    await decide(.district, .rejected, reasons[3])
                    continue
                }
                await decide(.district, .forwarded, reasons[1])
                if roll < 90 { continue }
                await decide(.agency, .forwarded, reasons[4])
                await decide(.regency, .accepted, nil)
                if roll >= 95 {
                    _ = try? await PlanningStore(services.database).recordRealisation(
                        record.id, budgetLine: "1.03.10.2.01.0001", amount: draft.estimatedCost, year: draft.year,
                        progress: roll >= 98 ? 100 : 45, note: "Pekerjaan fisik", by: who)
                }
            }
        }
        return "Demo: \(citizensByVillage.values.map(\.count).reduce(0, +)) citizens (password \"\(password)\") and \(created) proposals across \(villages.count) villages."
    }

    static let names = ["Siti Aminah", "Budi Santoso", "Dewi Lestari", "Agus Salim", "Sri Wahyuni", "Joko Susilo",
                        "Nur Hasanah", "Slamet Riyadi", "Rina Marlina", "Hadi Purnomo", "Endang Sulastri", "Bambang Irawan",
                        "Yuli Astuti", "Eko Prasetyo", "Lilik Suryani", "Imam Syafii", "Ratna Sari", "Suparman"]
}

/// `musrenbang bench-data`: a large, reproducible data set of proposals for benchmarks, spread
/// over every village of the regency and several plan years.
public enum BenchmarkData {
    public static func load(_ services: AppServices, proposals count: Int, years: ClosedRange<Int>, decide: Bool = false,
                            seed: UInt64 = 42) async throws -> String {
        guard let planner = try await services.accounts.user(username: "bappeda") else {
            throw CommandLineError("run `musrenbang demo` first: the data set is entered by the demo planner")
        }
        let villages = services.places.villages
        var generator = ProposalGenerator(seed: seed, year: years.lowerBound)
        var batch: [ProposalStore.NewProposal] = []
        let store = ProposalStore(services.database)
        let started = Date()
        for index in 0..<count {
            var draft = generator.draft(village: villages[index % villages.count])
            draft.year = years.lowerBound + (index / villages.count) % years.count
            batch.append(.init(draft: draft, proposer: nil, enteredBy: planner.id, enteredByRole: planner.role))
            if batch.count == 2000 {
                try await store.bulkInsert(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try await store.bulkInsert(batch) }
        var line = "inserted \(count) proposals over \(villages.count) villages and years \(years) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
        if decide {
            let decided = Date()
            let decisions = try await decideLastYears(services, years: years, by: planner)
            line += "; \(decisions) decisions on the last two years in \(String(format: "%.1f", Date().timeIntervalSince(decided))) s"
        }
        return line
    }

    /// Takes the last two years' proposals through the village and the kecamatan forums, the same
    /// way every time (by id): a tenth rejected at the village, village-funded thirds kept in the
    /// RKPDes, the rest forwarded; a quarter of those rejected at the kecamatan, the rest sent on to
    /// the agencies. Each district gets a ceiling. Decisions go through the store's state machine.
    static func decideLastYears(_ services: AppServices, years: ClosedRange<Int>, by planner: UserRecord) async throws -> Int {
        let store = ProposalStore(services.database)
        let principal = planner.principal
        var decisions = 0
        for year in max(years.lowerBound, years.upperBound - 1)...years.upperBound {
            for district in services.places.districts {
                try await PlanningStore(services.database).setCeiling(district: district, year: year, amount: 2_500_000_000)
            }
            try await ReportStore(services.database).proposals(year: year) { batch in
                for record in batch where record.state.level == .village && record.state.status == .pending {
                    let n = record.id.rawValue
                    if n % 10 == 0 {
                        _ = try await store.decide(record.id, .init(level: .village, outcome: .rejected,
                                                                    reason: "Sudah didanai program lain tahun ini"), by: principal)
                        decisions += 1
                    } else if record.draft.fundingSource.isVillageBudget && n % 3 == 0 && record.draft.villageCode.villageKind == .desa {
                        _ = try await store.decide(record.id, .init(level: .village, outcome: .accepted), by: principal)
                        decisions += 1
                    } else {
                        _ = try await store.decide(record.id, .init(level: .village, outcome: .forwarded, reason: "Di luar kewenangan desa"),
                                                   by: principal)
                        let atDistrict: DecisionRequest = n % 4 == 0
                            ? .init(level: .district, outcome: .rejected, reason: "Melebihi sisa pagu indikatif kecamatan")
                            : .init(level: .district, outcome: .accepted)
                        _ = try await store.decide(record.id, atDistrict, by: principal)
                        decisions += 2
                    }
                }
            }
        }
        return decisions
    }
}
