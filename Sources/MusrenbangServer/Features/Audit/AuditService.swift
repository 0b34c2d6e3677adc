import MusrenbangCore
import MusrenbangStore

/// Reading the audit log: planners their regency's lines, administrators all of them. Nobody can
/// change it, not even here.
struct AuditService: Sendable {
    let database: Database

    func entries(for user: UserRecord?, _ paging: Paging) async throws -> (items: [AuditEntry], total: Int) {
        let user = try Access.role(user, .readAudit)
        return try await AuditStore(database).entries(within: user.role == .admin ? nil : user.regionCode, paging)
    }
}
