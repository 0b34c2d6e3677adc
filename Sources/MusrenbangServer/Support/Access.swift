import MusrenbangCore
import MusrenbangStore

/// Asks `Policy` and answers the way the API and the pages both must: 401 when logging in could
/// help, 403 when the signed-in person may not.
enum Access {
    static func require(_ user: UserRecord?, _ action: Action, in scope: Scope = Scope(nil)) throws {
        guard Policy.allows(user?.principal, action, in: scope) else {
            throw user == nil ? AppError.unauthenticated : AppError.forbidden
        }
    }

    /// The signed-in person, whose role may take the action somewhere; where it may is checked
    /// once the thing acted on is loaded (its place, agency, forum and owners).
    static func role(_ user: UserRecord?, _ action: Action) throws -> UserRecord {
        guard let user else { throw AppError.unauthenticated }
        guard Policy.roles(for: action).contains(user.role) else { throw AppError.forbidden }
        return user
    }

    /// The signed-in person, allowed to take the action here.
    static func person(_ user: UserRecord?, _ action: Action, in scope: Scope = Scope(nil)) throws -> UserRecord {
        guard let user else { throw AppError.unauthenticated }
        try require(user, action, in: scope)
        return user
    }

    static func person(_ user: UserRecord?, _ action: Action, in region: RegionCode?) throws -> UserRecord {
        try person(user, action, in: Scope(region))
    }

    static func allows(_ user: UserRecord?, _ action: Action, in scope: Scope) -> Bool {
        Policy.allows(user?.principal, action, in: scope)
    }

    static func allows(_ user: UserRecord?, _ action: Action, in region: RegionCode?) -> Bool {
        Policy.allows(user?.principal, action, in: Scope(region))
    }
}
