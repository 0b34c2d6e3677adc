import MusrenbangCore
import MusrenbangStore

/// Staff accounts from the command line (`musrenbang user create`): no creator, so no policy
/// check beyond the role's own rules.
public enum StaffAccounts {
    public static func create(_ services: AppServices, username: String, name: String, password: String, role: String,
                              region: String?, agency: String?) async throws -> Int64 {
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

    public static let password = "musrenbang-demo"
    public static let citizenNIK = "3510135203900001"

    public static func load(_ services: AppServices) async throws -> [String] {
        let regency = services.configuration.regency
        // Banyuwangi's 2020 hub was Desa Bubuk, Kecamatan Rogojampi; another regency takes its first ones.
        let districts = try await services.regions.children(of: regency)
        guard let district = districts.first(where: { $0.name == "Rogojampi" }) ?? districts.first,
              let districtCode = RegionCode(district.code) else {
            throw CommandLineError("the regency has no districts")
        }
        let villages = try await services.regions.children(of: districtCode)
        guard let village = villages.first(where: { $0.name == "Bubuk" }) ?? villages.first else {
            throw CommandLineError("the district has no villages")
        }
        let accounts = [
            Account(username: "admin", name: "Admin Sistem", role: .admin, region: nil, agency: nil),
            Account(username: "bappeda", name: "Perencana Bappeda", role: .planner, region: regency.description, agency: nil),
            Account(username: "bupati", name: "Bupati", role: .host, region: regency.description, agency: nil),
            Account(username: "dinas-pupr", name: "Petugas Dinas PUPR", role: .agency, region: regency.description, agency: "PUPR"),
            Account(username: "dprd", name: "Anggota DPRD", role: .council, region: regency.description, agency: nil),
            Account(username: "kecamatan", name: "Operator Kecamatan \(district.name)", role: .districtOperator,
                    region: districtCode.description, agency: nil),
            Account(username: "operator-desa", name: "Operator Desa \(village.name)", role: .villageOperator,
                    region: village.code, agency: nil),
        ]
        var lines = ["Demo \(services.tenant.name): password for every account below is \"\(password)\""]
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
            _ = try await service.registerCitizen(.init(name: "Siti Aminah", nik: citizenNIK, villageCode: village.code,
                                                        gender: "female", password: password, phone: nil), by: nil)
        }
        lines.append("  \("citizen".padding(toLength: 18, withPad: " ", startingAt: 0)) \(citizenNIK) (NIK of a fictitious resident of \(village.name))")
        return lines
    }
}
