import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import MusrenbangCore
import MusrenbangServer
import MusrenbangStore

@main
struct Musrenbang: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "musrenbang",
        abstract: "Musrenbang: development-planning deliberations, online, in every village at once.",
        subcommands: [Serve.self, Migrate.self, BackupCommand.self, RestoreCommand.self, UserCommand.self, Demo.self, BenchData.self,
                      Simulate.self, Export.self, CatalogCommand.self, SipdCommand.self, BenchBaseline.self]
    )
}

/// Flags every command shares; each falls back to the environment, then to a default.
struct CommonOptions: ParsableArguments {
    @Option(help: "Database: sqlite:/path or postgres://user:pass@host/db (default: $DATABASE_URL, else SQLite in the data directory).")
    var databaseURL: String?

    @Option(help: "Data directory: SQLite file, server secret, uploads (default: $MUSRENBANG_DATA_DIR, else ./var).")
    var dataDir: String?

    @Option(help: "The tenant regency's Kemendagri code.")
    var regency: String = "35.10"

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"

    func configuration() throws -> AppConfiguration {
        var environment = ProcessInfo.processInfo.environment
        if let databaseURL { environment["DATABASE_URL"] = databaseURL }
        if let dataDir { environment["MUSRENBANG_DATA_DIR"] = dataDir }
        var configuration = try AppConfiguration.fromEnvironment(environment)
        guard let code = RegionCode(regency), code.level == .regency else {
            throw ValidationError("--regency must be a regency code such as 35.10")
        }
        configuration.regency = code
        try Self.keepPrivate(configuration, logger: logger("musrenbang"))
        return configuration
    }

    /// Before anything is written: files this process creates are 0600 and directories 0700, and
    /// a data directory (and SQLite file) left readable by others is tightened.
    static func keepPrivate(_ configuration: AppConfiguration, logger: Logger) throws {
        PrivateFiles.restrictNewFiles()
        var tightened = try PrivateFiles.secure(configuration.dataDirectory)
        if case .sqlite(let path) = configuration.databaseURL { tightened += try PrivateFiles.secureDatabaseFile(path) }
        if tightened > 0 {
            logger.notice("data directory made private", metadata: ["entries": "\(tightened)", "directory": "\(configuration.dataDirectory.path)"])
        }
    }

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }

    func withServices<T>(_ body: (AppServices) async throws -> T) async throws -> T {
        let configuration = try configuration()
        let logger = logger("musrenbang")
        let database = try await Database.open(configuration.databaseURL, logger: logger)
        do {
            try await Migrator.migrate(database, logger: logger)
            let services = try await AppServices(configuration: configuration, database: database, logger: logger)
            let result = try await body(services)
            try await database.close()
            return result
        } catch {
            try? await database.close()
            throw error
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web server (migrates first).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on.") var host: String = ProcessInfo.processInfo.environment["HOST"] ?? "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = Int(ProcessInfo.processInfo.environment["PORT"] ?? "") ?? 8080
    @Option(help: "Janus HTTP API, e.g. http://127.0.0.1:8088/janus (or JANUS_URL; admin key in JANUS_ADMIN_KEY).") var janus: String?

    func run() async throws {
        LoggingSystem.bootstrap(StructuredLogHandler.init)
        var configuration = try common.configuration()
        configuration.host = host
        configuration.port = port
        if let janus { configuration.janusURL = URL(string: janus) }
        // On PostgreSQL, tasks run on NIO's event loops: a database reply no longer hops from an
        // event loop to Swift's pool (a thread wake-up per statement); check-ins +14 % at 64
        // connections (release build). Not on SQLite, whose writer and readers have threads of
        // their own: there the 2020 replay's check-ins were ~10 % slower with it.
        let onEventLoops = if case .postgres = configuration.databaseURL {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        } else { false }
        let logger = common.logger("musrenbang")
        logger.info("starting", metadata: ["database": "\(configuration.databaseURL)", "regency": "\(configuration.regency)", "tasksOnEventLoops": "\(onEventLoops)"])
        let app = try await buildApplication(configuration, logger: logger)
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply database migrations (and load the regions on first run).",
        discussion: "Migrations only move forward, each in its own transaction; a database newer than this binary is refused.")
    @OptionGroup var common: CommonOptions
    @Flag(help: "List the migrations that would run, and change nothing.") var dryRun = false

    func run() async throws {
        let configuration = try common.configuration()
        let logger = common.logger("musrenbang.migrate")
        let database = try await Database.open(configuration.databaseURL, logger: logger)
        if dryRun {
            do {
                let pending = try await Migrator.pending(database)
                let current = try await SchemaCheck.appliedVersions(database).max() ?? 0
                try await database.close()
                print("schema version \(current); this musrenbang knows up to \(Migrator.latestVersion)")
                print(pending.isEmpty ? "nothing to apply" : "would apply \(pending.count):")
                for migration in pending { print("  \(migration.version) \(migration.name)") }
            } catch {
                try? await database.close()
                throw error
            }
            return
        }
        let started = Date()
        let applied: Int, version: Int
        do {
            applied = try await Migrator.migrate(database, logger: logger)
            version = try await Migrator.currentVersion(database)
            try await database.close()
        } catch {
            try? await database.close()
            throw error
        }
        print("migrations applied: \(applied); schema version \(version) (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage staff accounts.",
                                                    subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a staff account.")
        @OptionGroup var common: CommonOptions
        @Option var username: String
        @Option var password: String
        @Option(help: "admin, planner, host, agency, council, district_operator, village_operator") var role: String
        @Option(help: "Region code the role is bound to (regency, district or village).") var region: String?
        @Option(help: "Agency code, for the agency role.") var agency: String?
        @Option(help: "Display name (default: the username).") var name: String?

        func run() async throws {
            let id = try await common.withServices { services in
                try await StaffAccounts.create(services, username: username, name: name ?? username, password: password,
                                               role: role, region: region, agency: agency)
            }
            print("created \(role) \(username) (id \(id))")
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load a ready demo for the regency: one account per role.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let lines = try await common.withServices { services in try await DemoData.load(services) }
        for line in lines { print(line) }
    }
}

struct BenchData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-data",
                                                    abstract: "Add a large generated data set of proposals (for benchmarks).")
    @OptionGroup var common: CommonOptions
    @Option(help: "How many proposals.") var proposals: Int = 5000
    @Option(help: "First plan year.") var fromYear: Int = 2023
    @Option(help: "Last plan year.") var toYear: Int = 2027
    @Flag(help: "Also take the last two years' proposals through the village and kecamatan forums (for the documents benchmark).")
    var decide = false

    func run() async throws {
        let line = try await common.withServices { services in
            try await BenchmarkData.load(services, proposals: proposals, years: fromYear...max(fromYear, toYear), decide: decide)
        }
        print(line)
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write documents and open data to files.",
                                                    subcommands: [OpenDataSet.self, Document.self])

    struct OpenDataSet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "open-data",
            abstract: "The public data as CSV files with a README describing every column, and the licences.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "Directory to write into (created if missing).") var directory: String

        func run() async throws {
            let written = try await common.withServices { services in
                try await DocumentExport.openData(services, to: URL(fileURLWithPath: directory, isDirectory: true))
            }
            print("open data in \(directory): \(written.proposals) proposals, \(written.decisions) decisions; \(written.files.joined(separator: ", "))")
        }
    }

    struct Document: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One document, as the documents page serves it.",
            discussion: "KIND is one of: \(DocumentExport.kinds.joined(separator: ", ")). Papers naming people (berita-acara, daftar-hadir) are made as the account given with --as.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The document, e.g. du-rkpdes.") var kind: String
        @Option(help: "Region code: a village, a district or the regency (default: the regency).") var region: String?
        @Option(help: "Plan year.") var year: Int?
        @Option(help: "pdf, xlsx or csv.") var format: String = "xlsx"
        @Option(help: "Assembly id (berita-acara, daftar-hadir).") var assembly: Int64?
        @Option(help: "Proposal id (lembar-pelacakan).") var proposal: Int64?
        @Option(name: .customLong("as"), help: "Username to act as, for papers that name people.") var username: String?
        @Option(help: "Output file, or a directory (ending in /) to use the document's own name.") var out: String = "./"

        func run() async throws {
            let written = try await common.withServices { services in
                try await DocumentExport.write(services, kind: kind, region: region, year: year, format: format, assembly: assembly,
                                               proposal: proposal, as: username, to: URL(fileURLWithPath: out))
            }
            print("\(written.file.path) (\(written.bytes) bytes)")
        }
    }
}

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "catalog", abstract: "The regency's activity dictionary (kamus usulan).",
                                                    subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a dictionary CSV in SIPD's columns; all of it, or nothing when any row is refused.",
            discussion: "Columns: \(CatalogCSV.columns.joined(separator: ", ")) (optional: \(CatalogCSV.optionalColumns.joined(separator: ", "))). Items already there are updated by id_kamus.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The CSV file.") var file: String

        func run() async throws {
            let started = Date()
            let report = try await common.withServices { services in
                try await CatalogService(services: services).importFile(URL(fileURLWithPath: file))
            }
            guard let imported = report.imported else {
                for refusal in report.refusals {
                    let reasons = refusal.reasons.map(\.en).joined(separator: " ")
                    printError("line \(refusal.line)\(refusal.id.map { " (id_kamus \($0))" } ?? ""): \(reasons)")
                }
                printError("\(report.refusals.count) rows refused of \(report.rows); nothing imported")
                throw ExitCode(2)
            }
            print("imported \(report.rows) rows: \(imported.added) added, \(imported.updated) updated in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }
}

struct SipdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sipd", abstract: "The bridge to SIPD: proposals out, SIPD's decisions back.",
                                                    subcommands: [Export.self, Import.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the year's proposals at the agency and regency forums (pokir included) in SIPD's columns.",
            discussion: "Columns: \(SipdBridge.exportHeader.joined(separator: ", ")). FILE ending in .xlsx is a workbook, anything else CSV.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Plan year.") var year: Int
        @Argument(help: "The file to write.") var file: String

        func run() async throws {
            let bytes = try await common.withServices { services in
                try await SipdService(services: services).exportFile(year: year, to: URL(fileURLWithPath: file))
            }
            print("\(file) (\(bytes) bytes)")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a CSV of SIPD's decisions, row by row, and print the reconciliation.",
            discussion: """
                Columns: id_usulan, status (diterima/ditolak), kode_rekening, pagu, alasan (for ditolak). Each row is applied \
                on its own, as the account given with --as (a planner or admin). Exit status: 0 when every row matched, 3 when \
                any row was unmatched or conflicting (they changed nothing and are listed), 2 when the file could not be read. \
                Importing the same file again changes nothing.
                """)
        @OptionGroup var common: CommonOptions
        @Option(name: .customLong("as"), help: "Username of the planner or admin applying the decisions.") var username: String
        @Argument(help: "The CSV file.") var file: String

        func run() async throws {
            let report = try await common.withServices { services in
                try await SipdService(services: services).importFile(URL(fileURLWithPath: file), as: username)
            }
            if let refusal = report.refusal {
                printError("\(file): \(refusal.en) Nothing applied.")
                throw ExitCode(2)
            }
            for problem in report.problems {
                printError("line \(problem.line) (id_usulan \(problem.id.isEmpty ? "—" : problem.id)) \(problem.kind.rawValue): \(problem.reasons.map(\.en).joined(separator: " "))")
            }
            print("\(report.rows) rows: \(report.matched) matched (\(report.applied) applied, \(report.unchanged) unchanged), \(report.unmatched) unmatched, \(report.conflicting) conflicting")
            if !report.isClean { throw ExitCode(3) }
        }
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
