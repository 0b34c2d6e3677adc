import Foundation
import MusrenbangCore
import MusrenbangStore

/// What the API and the pages both do with accounts, in one place: they differ only in how
/// they read input and show the outcome.
struct AccountService: Sendable {
    let services: AppServices

    struct CitizenInput: Sendable {
        var name: String?
        var nik: String?
        var villageCode: String?
        var gender: String?
        var password: String?
        var phone: String?
    }

    struct RegisteredCitizen: Sendable {
        /// Nil for a self-registration: its answer must not tell whether the NIK had an account.
        let id: UserID?
        let nikMasked: String
        let villageCode: String
        /// Only for a registration at the village office without a password: given once, to the citizen.
        let activationCode: String?
    }

    /// Registers a citizen. Anyone not logged in registers themself and must choose a password;
    /// an operator registers a resident of their area, and the resident activates the account later.
    /// `anyVillage`: a walk-in checked in at the registrar's own office may live in another village.
    func registerCitizen(_ input: CitizenInput, by registrar: UserRecord?, anyVillage: Bool = false) async throws -> RegisteredCitizen {
        let (citizen, activationCode) = try await newCitizen(input, by: registrar, anyVillage: anyVillage)
        let created = try await services.accounts.createCitizen(citizen)
        // A stranger learns nothing from registering a NIK that has an account (the same answer,
        // after the same work); its owner logs in, or has the account reclaimed at the village office.
        guard registrar != nil else {
            return RegisteredCitizen(id: nil, nikMasked: citizen.nikMasked, villageCode: citizen.village.description, activationCode: nil)
        }
        guard let id = created else {
            throw AppError(.conflict, code: "nik.taken",
                           message: .init(id: "NIK ini sudah terdaftar. Bila akun itu bukan milik pemegang KTP, gunakan \"Klaim akun\" di halaman warga.",
                                          en: "This NIK is already registered. If the account is not the ID holder's, use \"Reclaim\" on the citizens page."),
                           field: "nik")
        }
        return RegisteredCitizen(id: id, nikMasked: citizen.nikMasked, villageCode: citizen.village.description, activationCode: activationCode)
    }

    /// The account `registerCitizen` would create, checked and hashed, and its activation code
    /// (a walk-in's check-in creates it in the check-in's own transaction).
    func newCitizen(_ input: CitizenInput, by registrar: UserRecord?, anyVillage: Bool = false) async throws -> (NewCitizen, activationCode: String?) {
        // Who may register in this village is asked before anything else typed is checked or hashed
        // (a code that names no village of the tenant is refused below, with the other fields).
        if let registrar, !anyVillage {
            let place = input.villageCode.flatMap({ RegionCode($0) }).flatMap { services.places.isVillage($0) ? $0 : nil }
            try Access.require(registrar, .registerCitizen, in: Scope(place))
        } else if registrar == nil {
            try Access.require(nil, .registerSelf)
        }
        var refusals = Refusals()
        let name = refusals.take(AccountRules.name(input.name))
        let gender = refusals.take(Self.gender(input.gender))
        let village = refusals.take(try await village(input.villageCode))
        let phone = refusals.take(AccountRules.phone(input.phone))
        var password: String?
        if registrar == nil || !(input.password ?? "").isEmpty {
            password = refusals.take(AccountRules.password(input.password))
        }
        var nik: NIK?
        if let raw = input.nik, !raw.isEmpty {
            if let gender {
                nik = refusals.take(try await services.regions.validateNIK(raw, gender: gender, today: services.today,
                                                                           known: services.places.contains))
            }
        } else {
            refusals.all.append(.required("nik", label: .init(id: "NIK", en: "NIK")))
        }
        // A NIK is issued in a kecamatan: it registers in a village of that kecamatan (an account
        // for Desa Bubuk made with a NIK from Aceh is how supports get stuffed).
        if let nik, let village, village.parent != nik.district {
            refusals.all.append(ValidationError(field: "nik", code: "nik.otherDistrict", message: .init(
                id: "NIK ini terbit di \(services.places.contains(nik.district) ? "Kecamatan \(services.places.name(nik.district))" : "luar \(services.places.regency.name)"), bukan di kecamatan desa yang dipilih. Daftarlah di desa sesuai KTP, atau hubungi operator desa.",
                en: "This NIK was issued in another district than the chosen village's. Register in the village of your ID card, or contact the village operator.")))
        }
        try refusals.throwIfAny()
        guard let name, let gender, let village, let nik else { throw Refusals.inconsistent }
        // Hashed only now, when everything else is right: the slow hash is not a stranger's to spend.
        var passwordHash: String?
        if let password { passwordHash = try await services.passwords.hash(password) }

        let activationCode = passwordHash == nil ? ActivationCode.make() : nil
        return (NewCitizen(
            name: name, nikHash: services.secret.nikHash(nik.digits), nikMasked: nik.masked, gender: gender,
            village: village, passwordHash: passwordHash, phone: phone ?? nil, createdBy: registrar?.id,
            activationHash: activationCode.map { services.secret.sign(ActivationCode.normalise($0), purpose: "activation") }
        ), activationCode)
    }

    /// A village of the tenant regency.
    func village(_ raw: String?) async throws -> Result<RegionCode, ValidationError> {
        let label = LocalizedText(id: "Desa/kelurahan", en: "Village")
        guard let raw, !raw.isEmpty else { return .failure(.required("villageCode", label: label)) }
        // The tenant's villages are in memory; only a code from elsewhere is looked up.
        guard let code = RegionCode(raw), code.level == .village, try await services.regions.exists(code, known: services.places.isVillage) else {
            return .failure(ValidationError(field: "villageCode", code: "villageCode.unknown",
                message: .init(id: "Kode desa/kelurahan \(raw) tidak dikenal.", en: "Unknown village code \(raw).")))
        }
        guard services.places.regency.code.contains(code) else {
            return .failure(ValidationError(field: "villageCode", code: "villageCode.outsideRegency",
                message: .init(id: "Desa/kelurahan ini tidak berada di \(services.places.regency.name).",
                               en: "This village is not in \(services.places.regency.name).")))
        }
        return .success(code)
    }

    static func gender(_ raw: String?) -> Result<Gender, ValidationError> {
        guard let raw, !raw.isEmpty else {
            return .failure(.required("gender", label: .init(id: "Jenis kelamin", en: "Gender")))
        }
        guard let gender = Gender(rawValue: raw) else {
            return .failure(ValidationError(field: "gender", code: "gender.invalid",
                message: .init(id: "Jenis kelamin harus female atau male.", en: "Gender must be female or male.")))
        }
        return .success(gender)
    }

    // MARK: logging in

    struct Session: Sendable {
        let token: String
        let user: UserRecord
    }

    static let badCredentials = AppError(.unauthorized, code: "badCredentials",
        message: .init(id: "NIK/nama pengguna atau kata sandi salah.", en: "Wrong NIK/username or password."))

    /// Checks the password and opens a token of the given kind. Failures are throttled per
    /// account and per address, and an unknown account costs as much time as a wrong password.
    func logIn(username rawUsername: String, password: String, otp: String? = nil, address: String, kind: TokenKind) async throws -> Session {
        let username = rawUsername.trimmingCharacters(in: .whitespaces)
        let accountKey = Self.isNIKShaped(username) ? services.secret.nikHash(username) : username.lowercased()
        let wait = await services.throttle.wait(account: accountKey, address: address)
        if wait > 0 {
            var error = AppError(.tooManyRequests, code: "throttled",
                message: .init(id: "Terlalu banyak percobaan gagal. Coba lagi dalam \(Int(wait.rounded(.up))) detik.",
                               en: "Too many failed attempts. Try again in \(Int(wait.rounded(.up))) seconds."))
            error.headers[.retryAfter] = "\(Int(wait.rounded(.up)))"
            throw error
        }
        let user = Self.isNIKShaped(username)
            ? try await services.accounts.user(nikHash: accountKey)
            : try await services.accounts.user(username: accountKey)
        let matches = try await services.passwords.verify(password, hash: user?.passwordHash)
        guard let user, matches, !user.disabled else {
            await services.throttle.failed(account: accountKey, address: address)
            throw Self.badCredentials
        }
        if user.totpEnabled {
            guard let otp, !otp.isEmpty else {
                throw AppError(.unauthorized, code: "otpRequired", message: .init(
                    id: "Akun ini memakai verifikasi dua langkah: isi kode 6 angka dari aplikasi autentikator.",
                    en: "This account uses two-step verification: give the 6-digit code from the authenticator app."), field: "otp")
            }
            guard try await totpMatches(user, otp) else {
                await services.throttle.failed(account: accountKey, address: address)
                throw AppError(.unauthorized, code: "otpInvalid", message: .init(
                    id: "Kode verifikasi salah atau sudah dipakai.", en: "The verification code is wrong or was used already."), field: "otp")
            }
        }
        await services.throttle.succeeded(account: accountKey, address: address)
        let token = TokenMaker.random()
        try await services.accounts.createToken(token, userId: user.id, kind: kind,
                                                lifetime: kind == .session ? SessionCookie.lifetime : 30 * 86_400)
        return Session(token: token, user: user)
    }

    // MARK: second factor (staff)

    struct TOTPSetup: Sendable {
        let secret: String
        let uri: String
    }

    /// Starts two-step verification: a new seed, pending until a first code confirms it.
    func startTOTP(for user: UserRecord?) async throws -> TOTPSetup {
        let user = try Self.staffAccount(user)
        let secret = TOTP.newSecret()
        try await services.accounts.setTOTP(userId: user.id, sealed: UserRecord.pending + (try services.secret.seal(secret, purpose: "totp")))
        return TOTPSetup(secret: TOTP.base32(secret), uri: TOTP.uri(secret: secret, account: user.username ?? user.name,
                                                                       issuer: "Musrenbang \(services.places.regency.name)"))
    }

    /// The pending seed again (the account page shows it until confirmed).
    func pendingTOTP(for user: UserRecord) -> TOTPSetup? {
        guard let sealed = user.totpSealed, sealed.hasPrefix(UserRecord.pending),
              let secret = services.secret.open(String(sealed.dropFirst(UserRecord.pending.count)), purpose: "totp") else { return nil }
        return TOTPSetup(secret: TOTP.base32(secret), uri: TOTP.uri(secret: secret, account: user.username ?? user.name,
                                                                       issuer: "Musrenbang \(services.places.regency.name)"))
    }

    func confirmTOTP(for user: UserRecord?, code: String?) async throws {
        let user = try Self.staffAccount(user)
        guard let sealed = user.totpSealed, sealed.hasPrefix(UserRecord.pending),
              let secret = services.secret.open(String(sealed.dropFirst(UserRecord.pending.count)), purpose: "totp") else {
            throw AppError.conflict("otp.notStarted", id: "Mulai dulu pengaktifan verifikasi dua langkah.", en: "Start two-step verification first.")
        }
        guard let step = TOTP.match(code ?? "", secret: secret, now: Date(), after: nil) else { throw Self.wrongCode }
        let opened = String(sealed.dropFirst(UserRecord.pending.count))
        try await services.accounts.setTOTP(userId: user.id, sealed: opened)
        _ = try await services.accounts.useTOTPStep(userId: user.id, step: step)
    }

    /// Turns two-step verification off: the password and a current code, both.
    func disableTOTP(for user: UserRecord?, password: String?, code: String?) async throws {
        let user = try Self.staffAccount(user)
        guard try await services.passwords.verify(password ?? "", hash: user.passwordHash) else {
            throw AppError(.unprocessableContent, code: "password.wrong",
                           message: .init(id: "Kata sandi salah.", en: "The password is wrong."), field: "password")
        }
        guard user.totpEnabled, try await totpMatches(user, code ?? "") else { throw Self.wrongCode }
        try await services.accounts.setTOTP(userId: user.id, sealed: nil)
    }

    static let wrongCode = AppError(.unprocessableContent, code: "otpInvalid",
        message: .init(id: "Kode verifikasi salah atau sudah dipakai.", en: "The verification code is wrong or was used already."), field: "otp")

    static func staffAccount(_ user: UserRecord?) throws -> UserRecord {
        try Access.role(user, .useSecondFactor)
    }

    func totpMatches(_ user: UserRecord, _ code: String) async throws -> Bool {
        guard let sealed = user.totpSealed, user.totpEnabled, let secret = services.secret.open(sealed, purpose: "totp"),
              let step = TOTP.match(code, secret: secret, now: Date(), after: user.totpLastStep) else { return false }
        return try await services.accounts.useTOTPStep(userId: user.id, step: step)
    }

    static func isNIKShaped(_ text: String) -> Bool {
        text.count == 16 && text.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Sets the first password of an account registered at the village office.
    func activate(nik: String?, code: String?, password: String?) async throws -> UserID {
        let password = try AccountRules.password(password).get()
        let digits = (nik ?? "").filter { !$0.isWhitespace }
        let codeText = ActivationCode.normalise(code ?? "")
        guard Self.isNIKShaped(digits), !codeText.isEmpty else { throw Self.badActivation }
        let nikHash = services.secret.nikHash(digits), activationHash = services.secret.sign(codeText, purpose: "activation")
        // The code is checked before the password is hashed: a wrong code costs the server nothing.
        guard try await services.accounts.activationIsValid(nikHash: nikHash, activationHash: activationHash) else { throw Self.badActivation }
        let hash = try await services.passwords.hash(password)
        guard let id = try await services.accounts.activate(nikHash: nikHash, activationHash: activationHash, passwordHash: hash) else {
            throw Self.badActivation
        }
        return id
    }

    static let badActivation = AppError(.unprocessableContent, code: "activation.invalid",
        message: .init(id: "NIK atau kode aktivasi salah, atau kode sudah kedaluwarsa.",
                       en: "Wrong NIK or activation code, or the code has expired."), field: "activationCode")

    func changePassword(user: UserRecord, current: String?, new: String?, keepToken: String?) async throws {
        guard try await services.passwords.verify(current ?? "", hash: user.passwordHash) else {
            throw AppError(.unprocessableContent, code: "password.wrong",
                           message: .init(id: "Kata sandi sekarang salah.", en: "The current password is wrong."),
                           field: "currentPassword")
        }
        let password = try AccountRules.password(new, field: "newPassword").get()
        try await services.accounts.setPassword(userId: user.id, hash: try await services.passwords.hash(password))
        try await services.accounts.deleteTokens(userId: user.id, except: keepToken)
    }

    // MARK: staff

    struct StaffInput: Sendable {
        var username: String?
        var name: String?
        var password: String?
        var role: String?
        var regionCode: String?
        var agencyCode: String?
    }

    /// Creates a staff account bound to the region its role needs, within the creator's reach.
    func createStaff(_ input: StaffInput, by creator: UserRecord?) async throws -> UserID {
        var refusals = Refusals()
        let username = refusals.take(AccountRules.username(input.username))
        let name = refusals.take(AccountRules.name(input.name))
        let password = refusals.take(AccountRules.password(input.password))
        let role = Role(rawValue: input.role ?? "")
        if role == nil || role == .citizen {
            refusals.all.append(ValidationError(field: "role", code: "role.invalid",
                message: .init(id: "Peran petugas tidak dikenal.", en: "Unknown staff role.")))
        }
        var region: RegionCode?
        if let role, let level = role.boundLevel {
            let raw = (input.regionCode ?? "").trimmingCharacters(in: .whitespaces)
            if let code = RegionCode(raw), code.level == level, try await services.regions.exists(code) {
                region = code
            } else {
                refusals.all.append(ValidationError(field: "regionCode", code: "regionCode.level",
                    message: .init(id: "Peran ini memerlukan kode \(level.indonesianName.lowercased()) yang terdaftar.",
                                   en: "This role needs a registered \(level.rawValue) code.")))
            }
        }
        var agency: String?
        if role == .agency { agency = refusals.take(AccountRules.agencyCode(input.agencyCode)) }
        try refusals.throwIfAny()
        guard let username, let name, let password, let role else { throw Refusals.inconsistent }

        if let creator {
            try Access.require(creator, .manageStaff, in: Scope(region))
            guard Policy.assignableRoles(by: creator.principal).contains(role) else { throw AppError.forbidden }
        }
        guard let id = try await services.accounts.createStaff(NewStaff(
            username: username, name: name, passwordHash: try await services.passwords.hash(password), role: role,
            region: region, agencyCode: agency, createdBy: creator?.id)) else {
            throw AppError(.conflict, code: "username.taken",
                           message: .init(id: "Nama pengguna sudah dipakai.", en: "The username is taken."), field: "username")
        }
        return id
    }

    /// Disables or re-enables an account within the actor's reach; nobody disables themself. A
    /// citizen's account needs the village team's right and a reason, kept in the audit log.
    func setDisabled(userId: UserID, _ disabled: Bool, reason: String? = nil, by actor: UserRecord?, address: String = "local") async throws {
        guard actor != nil else { throw AppError.unauthenticated }
        guard let target = try await services.accounts.user(id: userId) else { throw Self.accountNotFound }
        if target.role == .citizen {
            return try await setCitizenDisabled(target, disabled, reason: reason, by: actor, address: address)
        }
        let actor = try Access.person(actor, .manageStaff)
        guard target.id != actor.id,
              Policy.allows(actor.principal, .manageStaff, in: Scope(target.regionCode)),
              target.role != .admin || actor.role == .admin else { throw AppError.forbidden }
        try await services.accounts.setDisabled(userId: userId, disabled)
    }

    static let accountNotFound = AppError.notFound(.init(id: "Akun tidak ditemukan.", en: "Account not found."))

    static func reason(_ raw: String?) throws -> String {
        let reason = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (5...500).contains(reason.count) else {
            throw AppError.invalid("reason", "reason.required", id: "Alasan wajib diisi (5–500 karakter).", en: "A reason (5–500 characters) is required.")
        }
        return reason
    }

    /// The village team disables a citizen's account (e.g. made with someone else's NIK) or
    /// enables it again; its supports stop or start counting.
    func setCitizenDisabled(_ target: UserRecord, _ disabled: Bool, reason raw: String?, by actor: UserRecord?, address: String) async throws {
        let actor = try Access.person(actor, .manageCitizens, in: target.regionCode)
        let reason = try Self.reason(raw)
        try await services.accounts.setDisabled(userId: target.id, disabled, reason: disabled ? reason : nil)
        try await AuditStore(services.database).append(AuditEntry(
            actorId: actor.id, actorRole: actor.role, action: disabled ? "citizen.disable" : "citizen.enable", target: "user=\(target.id)",
            regionCode: target.regionCode, address: address, status: 200, reason: reason))
    }

    /// Gives an account squatted with someone's NIK back to its owner, seen in person at the
    /// village office: their name as on the KTP, a new one-time activation code (shown once).
    func reclaimCitizen(_ userId: UserID, name raw: String?, reason raw2: String?, by actor: UserRecord?, address: String) async throws -> String {
        guard actor != nil else { throw AppError.unauthenticated }
        guard let target = try await services.accounts.user(id: userId), target.role == .citizen else { throw Self.accountNotFound }
        let actor = try Access.person(actor, .manageCitizens, in: target.regionCode)
        var refusals = Refusals()
        let name = refusals.take(AccountRules.name(raw))
        do { _ = try Self.reason(raw2) } catch let error as AppError { refusals.all.append(ValidationError(field: "reason", code: error.code, message: error.message)) }
        try refusals.throwIfAny()
        guard let name else { throw Refusals.inconsistent }
        let code = ActivationCode.make()
        try await services.accounts.reclaim(userId: target.id, name: name,
                                            activationHash: services.secret.sign(ActivationCode.normalise(code), purpose: "activation"),
                                            lifetime: 30 * 86_400)
        try await AuditStore(services.database).append(AuditEntry(
            actorId: actor.id, actorRole: actor.role, action: "citizen.reclaim", target: "user=\(target.id)", regionCode: target.regionCode,
            address: address, status: 200, reason: try Self.reason(raw2)))
        return code
    }

    /// A citizen of the actor's area found by NIK, for the citizens page (the NIK itself is only hashed).
    func citizen(nik raw: String?, by actor: UserRecord?) async throws -> (user: UserRecord, disabledReason: String?)? {
        let actor = try Access.role(actor, .manageCitizens)
        let digits = (raw ?? "").filter { !$0.isWhitespace }
        guard Self.isNIKShaped(digits), let user = try await services.accounts.user(nikHash: services.secret.nikHash(digits)),
              user.role == .citizen, Access.allows(actor, .manageCitizens, in: user.regionCode) else { return nil }
        return (user, try await services.accounts.disabledReason(userId: user.id))
    }

    /// The staff accounts a person manages: everyone for an admin, their region's for a planner.
    func staff(for user: UserRecord?) async throws -> [UserRecord] {
        let user = try Access.role(user, .manageStaff)
        return try await services.accounts.staff(within: user.role == .admin ? nil : user.regionCode)
    }

    /// Ends the session or bearer token in use.
    func logOut(_ credential: AppContext.Credential?) async throws {
        switch credential {
        case .bearer(let token)?, .session(let token)?: try await services.accounts.deleteToken(token)
        case nil: break
        }
    }

    /// What "Akun saya" shows: the account, its region's name, and a citizen's check-in codes for
    /// the assemblies under way.
    struct AccountOverview: Sendable {
        let user: UserRecord
        let regionName: String?
        let checkInCodes: [(assembly: AssemblyRecord, code: String)]
    }

    func overview(of user: UserRecord?) async throws -> AccountOverview {
        let user = try Access.role(user, .manageOwnAccount)
        var codes: [(AssemblyRecord, String)] = []
        if user.role == .citizen {
            for assembly in try await AssemblyStore(services.database).current(regency: services.places.regency.code)
            where assembly.stage != .closed {
                codes.append((assembly, CheckInCode.make(citizen: user.id, assembly: assembly.id, secret: services.secret)))
            }
        }
        let regionName = user.regionCode.map { "\(services.places.name($0)) (\($0))" }
        return AccountOverview(user: user, regionName: regionName, checkInCodes: codes)
    }
}

/// Eight characters from an alphabet without look-alikes, shown as `ABCD-EFGH`.
enum ActivationCode {
    static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<8).map { _ in alphabet.randomElement(using: &generator)! }
        return String(characters[0..<4]) + "-" + String(characters[4..<8])
    }

    static func normalise(_ text: String) -> String {
        text.uppercased().filter { $0.isLetter || $0.isNumber }
    }
}
