import Foundation
import MusrenbangCore
import SQLKit

/// A person with an account, as the server needs it. Personal data stays out: only the masked NIK.
public struct UserRecord: Sendable, Equatable {
    public let id: UserID
    public let username: String?
    public let name: String
    public let role: Role
    public let regionCode: RegionCode?
    public let agencyCode: String?
    public let passwordHash: String?
    public let nikMasked: String?
    public let gender: Gender?
    public let disabled: Bool
    public let createdAt: Date
    /// The second factor's seed, sealed with the server key; "pending:…" until the first code confirms it.
    public var totpSealed: String? = nil
    public var totpLastStep: Int64? = nil

    public var totpEnabled: Bool { totpSealed.map { !$0.hasPrefix(Self.pending) } ?? false }
    public static let pending = "pending:"

    public var principal: Principal {
        Principal(userId: id, role: role, region: regionCode, agencyCode: agencyCode)
    }
}

public struct NewStaff: Sendable {
    public var username: String
    public var name: String
    public var passwordHash: String
    public var role: Role
    public var region: RegionCode?
    public var agencyCode: String?
    public var createdBy: UserID?

    public init(username: String, name: String, passwordHash: String, role: Role, region: RegionCode?,
                agencyCode: String?, createdBy: UserID?) {
        self.username = username
        self.name = name
        self.passwordHash = passwordHash
        self.role = role
        self.region = region
        self.agencyCode = agencyCode
        self.createdBy = createdBy
    }
}

public struct NewCitizen: Sendable {
    public var name: String
    public var nikHash: String
    public var nikMasked: String
    public var gender: Gender
    public var village: RegionCode
    public var passwordHash: String?
    public var phone: String?
    public var createdBy: UserID?
    /// Hash of the one-time code a citizen registered at the village office uses to set a password.
    public var activationHash: String?

    public init(name: String, nikHash: String, nikMasked: String, gender: Gender, village: RegionCode,
                passwordHash: String?, phone: String?, createdBy: UserID?, activationHash: String? = nil) {
        self.activationHash = activationHash
        self.name = name
        self.nikHash = nikHash
        self.nikMasked = nikMasked
        self.gender = gender
        self.village = village
        self.passwordHash = passwordHash
        self.phone = phone
        self.createdBy = createdBy
    }
}

public enum TokenKind: String, Sendable, CaseIterable {
    /// A bearer token for the API.
    case api
    /// A browser session behind an HttpOnly cookie.
    case session
}

/// Accounts, credentials and sessions.
public struct AccountStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    static let columns = ["id", "username", "name", "role", "region_code", "agency_code", "password_hash",
                          "nik_masked", "gender", "disabled", "created_at", "totp_sealed", "totp_last_step"]

    /// Creates a staff account; `nil` when the username is taken.
    public func createStaff(_ staff: NewStaff) async throws -> UserID? {
        try await database.sql.insert(into: "users")
            .columns("username", "name", "role", "region_code", "agency_code", "password_hash", "disabled",
                     "created_at", "created_by")
            .values(SQLBind(staff.username), SQLBind(staff.name), SQLBind(staff.role.rawValue),
                    SQLBind(staff.region?.description), SQLBind(staff.agencyCode), SQLBind(staff.passwordHash),
                    SQLBind(false), SQLBind(Date()), SQLBind(staff.createdBy?.rawValue))
            .ignoringConflicts()
            .returning("id")
            .first()?.decodeID("id", as: UserID.self)
    }

    /// Creates a citizen account; `nil` when the NIK already has one (a single atomic insert, so
    /// two registrations racing with one NIK cannot both win).
    public func createCitizen(_ citizen: NewCitizen) async throws -> UserID? {
        try await database.transaction { connection in try await Self.createCitizen(connection, citizen) }
    }

    /// Nil when the NIK has an account already.
    static func createCitizen(_ connection: any SQLDatabase, _ citizen: NewCitizen) async throws -> UserID? {
        let id = try await insertCitizen(connection, citizen)
        if let id, let line = registrationLine(id, citizen) { try await AssistedLog.append(connection, [line]) }
        return id
    }

    /// Registered by staff at the office: the citizen's log says who.
    static func registrationLine(_ id: UserID, _ citizen: NewCitizen) -> AssistedLog.Line? {
        citizen.createdBy.map { AssistedLog.Line(citizen: id, staff: $0, village: citizen.village, kind: .registration, subject: nil) }
    }

    static func insertCitizen(_ connection: any SQLDatabase, _ citizen: NewCitizen) async throws -> UserID? {
        try await connection.insert(into: "users")
            .columns("name", "role", "region_code", "password_hash", "nik_hash", "nik_masked", "gender", "phone",
                     "disabled", "created_at", "created_by", "activation_hash", "activation_expires_at")
            .values(SQLBind(citizen.name), SQLBind(Role.citizen.rawValue), SQLBind(citizen.village.description),
                    SQLBind(citizen.passwordHash), SQLBind(citizen.nikHash), SQLBind(citizen.nikMasked),
                    SQLBind(citizen.gender.rawValue), SQLBind(citizen.phone), SQLBind(false), SQLBind(Date()),
                    SQLBind(citizen.createdBy?.rawValue), SQLBind(citizen.activationHash),
                    SQLBind(citizen.activationHash == nil ? nil : Date().addingTimeInterval(30 * 86_400)))
            .ignoringConflicts()
            .returning("id")
            .first()?.decodeID("id", as: UserID.self)
    }

    public func user(id: UserID) async throws -> UserRecord? {
        try await select().where("id", .equal, id.rawValue).first().map(Self.record)
    }

    public func user(username: String) async throws -> UserRecord? {
        try await select().where("username", .equal, username).first().map(Self.record)
    }

    public func user(nikHash: String) async throws -> UserRecord? {
        try await select().where("nik_hash", .equal, nikHash).first().map(Self.record)
    }

    /// Staff accounts, newest first; within a region when given.
    public func staff(within region: RegionCode?) async throws -> [UserRecord] {
        var query = select().where("role", .notEqual, Role.citizen.rawValue)
        if let region {
            query = query.where { group in
                group.where("region_code", .equal, region.description)
                    .orWhere("region_code", .like, "\(region.description).%")
            }
        }
        return try await query.orderBy("id", .descending).limit(500).all().map(Self.record)
    }

    /// Whether an activation code is good, asked before the new password is hashed (hashing is
    /// the expensive part a stranger must not get for free).
    public func activationIsValid(nikHash: String, activationHash: String) async throws -> Bool {
        try await database.sql.select().column("id").from("users").where("nik_hash", .equal, nikHash)
            .where("activation_hash", .equal, activationHash).where("activation_expires_at", .greaterThan, Date())
            .where("disabled", .equal, false).first() != nil
    }

    /// Sets the first password of an account registered at the village office, if the activation
    /// code matches and has not expired; the code works once. Returns the account's id.
    public func activate(nikHash: String, activationHash: String, passwordHash: String) async throws -> UserID? {
        try await database.sql.update("users")
            .set("password_hash", to: passwordHash)
            .set("activation_hash", to: SQLLiteral.null)
            .set("activation_expires_at", to: SQLLiteral.null)
            .where("nik_hash", .equal, nikHash)
            .where("activation_hash", .equal, activationHash)
            .where("activation_expires_at", .greaterThan, Date())
            .where("disabled", .equal, false)
            .returning("id")
            .first()?.decodeID("id", as: UserID.self)
    }

    public func setPassword(userId: UserID, hash: String) async throws {
        try await database.sql.update("users").set("password_hash", to: hash).where("id", .equal, userId.rawValue).run()
        database.signIns?.forget(user: userId)
    }

    /// Disabling also ends every session of the account, and its supports stop counting (a
    /// disabled account's voice must not rank a proposal); enabling counts them again.
    public func setDisabled(userId: UserID, _ disabled: Bool, reason: String? = nil) async throws {
        try await database.transaction { connection in
            try await connection.update("users").set("disabled", to: disabled).set("disabled_reason", to: disabled ? SQLBind(reason) : SQLBind(String?.none))
                .where("id", .equal, userId.rawValue).run()
            if disabled {
                try await connection.delete(from: "auth_tokens").where("user_id", .equal, userId.rawValue).run()
            }
            try await Self.recountSupports(connection, of: userId)
        }
        database.signIns?.forget(user: userId)
    }

    /// Gives a squatted account back to the NIK's real owner, whom an operator has seen in person:
    /// the name as on the KTP, no password until the owner activates it with a new one-time code,
    /// every session ended, and the squatter's supports removed.
    public func reclaim(userId: UserID, name: String, activationHash: String, lifetime: TimeInterval) async throws {
        try await database.transaction { connection in
            let supported = try await connection.select().column("proposal_id").from("supports")
                .where("user_id", .equal, userId.rawValue).all().map { try $0.decode(column: "proposal_id", as: Int64.self) }
            try await connection.update("users").set("name", to: name).set("password_hash", to: SQLLiteral.null)
                .set("activation_hash", to: activationHash).set("activation_expires_at", to: SQLBind(Date().addingTimeInterval(lifetime)))
                .set("disabled", to: false).set("disabled_reason", to: SQLBind(String?.none)).set("totp_sealed", to: SQLLiteral.null)
                .where("id", .equal, userId.rawValue).run()
            try await connection.delete(from: "auth_tokens").where("user_id", .equal, userId.rawValue).run()
            try await connection.delete(from: "supports").where("user_id", .equal, userId.rawValue).run()
            try await Self.recount(connection, proposals: supported)
        }
        database.signIns?.forget(user: userId)
    }

    /// The support counts of what the account supported, counting only enabled accounts.
    static func recountSupports(_ connection: any SQLDatabase, of userId: UserID) async throws {
        let supported = try await connection.select().column("proposal_id").from("supports")
            .where("user_id", .equal, userId.rawValue).all().map { try $0.decode(column: "proposal_id", as: Int64.self) }
        try await recount(connection, proposals: supported)
    }

    static func recount(_ connection: any SQLDatabase, proposals: [Int64]) async throws {
        for chunk in stride(from: 0, to: proposals.count, by: 500).map({ Array(proposals[$0..<min($0 + 500, proposals.count)]) }) {
            try await connection.raw("""
                UPDATE proposals SET support_count = (SELECT COUNT(*) FROM supports JOIN users ON users.id = supports.user_id
                    WHERE supports.proposal_id = proposals.id AND users.disabled = \(SQLLiteral.boolean(false)))
                WHERE id IN (\(SQLList(chunk.map { SQLBind($0) })))
                """).run()
        }
    }

    /// A citizen's account by id (staff are found by `user(id:)` too; this one also says why it is disabled).
    public func disabledReason(userId: UserID) async throws -> String? {
        try await database.sql.select().column("disabled_reason").from("users").where("id", .equal, userId.rawValue).first()?
            .decode(column: "disabled_reason", as: String?.self)
    }

    // MARK: second factor

    public func setTOTP(userId: UserID, sealed: String?) async throws {
        try await database.sql.update("users").set("totp_sealed", to: SQLBind(sealed)).set("totp_last_step", to: SQLLiteral.null)
            .where("id", .equal, userId.rawValue).run()
        database.signIns?.forget(user: userId)
    }

    /// Marks a step used; false when it (or a later one) was used already, so a code works once
    /// even when two requests race with it.
    public func useTOTPStep(userId: UserID, step: Int64) async throws -> Bool {
        defer { database.signIns?.forget(user: userId) }
        return try await database.sql.update("users").set("totp_last_step", to: step).where("id", .equal, userId.rawValue)
            .where { $0.where("totp_last_step", .is, SQLLiteral.null).orWhere("totp_last_step", .lessThan, step) }
            .returning("id").first() != nil
    }

    public func countUsers(role: Role? = nil) async throws -> Int {
        var query = database.sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("users")
        if let role { query = query.where("role", .equal, role.rawValue) }
        return try await query.first()!.decode(column: "n", as: Int.self)
    }

    // MARK: tokens

    public func createToken(_ token: String, userId: UserID, kind: TokenKind, lifetime: TimeInterval) async throws {
        let now = Date()
        try await database.sql.insert(into: "auth_tokens")
            .columns("token_hash", "user_id", "kind", "created_at", "expires_at")
            .values(SQLBind(TokenMaker.digest(token)), SQLBind(userId.rawValue), SQLBind(kind.rawValue), SQLBind(now),
                    SQLBind(now.addingTimeInterval(lifetime)))
            .run()
    }

    /// The live, enabled account behind a token, or `nil`.
    public func user(token: String, kind: TokenKind) async throws -> UserRecord? {
        let digest = TokenMaker.digest(token)
        if let kept = database.signIns?.user(digest: digest, kind: kind) { return kept }
        let generation = database.signIns?.generation()
        let row = try await database.sql.select().columns(Self.columns.map { SQLColumn($0, table: "users") })
            .column(SQLColumn("expires_at", table: "auth_tokens"))
            .from("auth_tokens")
            .join("users", on: SQLColumn("user_id", table: "auth_tokens"), .equal, SQLColumn("id", table: "users"))
            .where(SQLColumn("token_hash", table: "auth_tokens"), .equal, SQLBind(digest))
            .where(SQLColumn("kind", table: "auth_tokens"), .equal, SQLBind(kind.rawValue))
            .where(SQLColumn("expires_at", table: "auth_tokens"), .greaterThan, SQLBind(Date()))
            .first()
        guard let row else { return nil }
        let user = try Self.record(row)
        guard !user.disabled else { return nil }
        if let generation {
            database.signIns?.keep(digest: digest, kind: kind, user: user,
                                   tokenExpires: try row.decode(column: "expires_at", as: Date.self), readAt: generation)
        }
        return user
    }

    public func deleteToken(_ token: String) async throws {
        let digest = TokenMaker.digest(token)
        try await database.sql.delete(from: "auth_tokens").where("token_hash", .equal, digest).run()
        database.signIns?.forget(digest: digest)
    }

    /// Ends every session but, optionally, the one in use (after a password change).
    public func deleteTokens(userId: UserID, except token: String? = nil) async throws {
        var query = database.sql.delete(from: "auth_tokens").where("user_id", .equal, userId.rawValue)
        if let token { query = query.where("token_hash", .notEqual, TokenMaker.digest(token)) }
        try await query.run()
        database.signIns?.forget(user: userId)
    }

    private func select() -> SQLSelectBuilder {
        database.sql.select().columns(Self.columns.map { SQLColumn($0) }).from("users")
    }

    static func record(_ row: any SQLRow) throws -> UserRecord {
        UserRecord(
            id: try row.decodeID("id", as: UserID.self),
            username: try row.decode(column: "username", as: String?.self),
            name: try row.decode(column: "name", as: String.self),
            role: try row.decode("role", as: Role.self),
            regionCode: try row.decodeOptionalRegion("region_code"),
            agencyCode: try row.decode(column: "agency_code", as: String?.self),
            passwordHash: try row.decode(column: "password_hash", as: String?.self),
            nikMasked: try row.decode(column: "nik_masked", as: String?.self),
            gender: try row.decode("gender", as: Gender?.self),
            disabled: try row.decode(column: "disabled", as: Bool.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            totpSealed: try row.decode(column: "totp_sealed", as: String?.self),
            totpLastStep: try row.decode(column: "totp_last_step", as: Int64?.self)
        )
    }
}
