import Foundation
import MusrenbangCore
import Hummingbird
import Logging
import MusrenbangStore
import ServiceLifecycle

/// Builds the router: middleware outermost first, then each feature's routes.
public func buildRouter(_ services: AppServices) -> Router<AppContext> {
    AppMetrics.bootstrapOnce()
    let router = Router(context: AppContext.self)
    router.add(middleware: ResponseHeadersMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorMiddleware(pages: services.pages))
    router.add(middleware: FileMiddleware(publicDirectory, urlBasePath: "/static",
                                          cacheControl: .init([(MediaType(type: .any), [.maxAge(3600), .public])])))
    router.add(middleware: AuthenticationMiddleware(services: services))
    router.add(middleware: RateLimitMiddleware(box: services.rateLimits))
    router.add(middleware: AuditMiddleware(database: services.database))
    router.add(middleware: QueryTextMiddleware())

    // One use case per feature, shared by its API and its pages.
    let accounts = AccountService(services: services)
    let regions = RegionService(regions: services.regions)
    let proposals = ProposalService(services: services)
    let planning = PlanningService(services: services)
    let assemblies = AssemblyService(services: services)
    let minutes = MinutesService(services: services)
    let floor = FloorService(services: services)
    let media = MediaService(services: services)
    let (pages, outcome, csrf, places) = (services.pages, services.outcome, services.csrf, services.places)
    let tls = services.configuration.behindTLS
    let today: @Sendable () -> CalendarDate = AppServices.today

    OperationsRoutes(database: services.database, connectionsPerLoop: services.configuration.connectionsPerLoop).register(on: router)
    let api = router.group("api/v1")
    RegionAPI(regions: regions).register(on: api)
    AccountAPI(accounts: accounts).register(on: api)
    ProposalAPI(proposals: proposals, planning: planning, today: today).register(on: api)
    AssemblyAPI(assemblies: assemblies, minutes: minutes, places: places, live: services.live).register(on: api)
    FloorAPI(floor: floor, assemblies: assemblies).register(on: api)
    let closeOuts = CloseOutService(services: services)
    CloseOutAPI(closeOuts: closeOuts).register(on: api)
    MediaAPI(media: media).register(on: api)
    let polls = PollService(services: services)
    PollAPI(polls: polls).register(on: api)
    let documents = DocumentService(services: services)
    OpenDataAPI(documents: documents).register(on: api)
    let catalog = CatalogService(services: services)
    CatalogAPI(catalog: catalog).register(on: api)
    let sipd = SipdService(services: services)
    SipdAPI(sipd: sipd).register(on: api)
    DashboardAPI(dashboard: DashboardService(services: services), today: today).register(on: api)
    APIDescriptionRoute.bundled().register(on: api)
    ServiceWorkerRoute.bundled().register(on: router)
    HomePages(home: HomeService(services: services), regions: regions, places: places, pages: pages, behindTLS: tls).register(on: router)
    AccountPages(accounts: accounts, pages: pages, outcome: outcome, csrf: csrf, places: places, behindTLS: tls).register(on: router)
    CitizenPages(accounts: accounts, pages: pages, outcome: outcome, csrf: csrf, places: places).register(on: router)
    AuditRoutes(audit: AuditService(database: services.database), pages: pages).register(api: api, pages: router)
    AssistedEntryRoutes(entries: AssistedEntryService(services: services), pages: pages, places: places).register(api: api, pages: router)
    ProposalPages(proposals: proposals, planning: planning, pages: pages, outcome: outcome, csrf: csrf, places: places, today: today)
        .register(on: router)
    AssemblyPages(assemblies: assemblies, minutes: minutes, floor: floor, media: media, polls: polls, closeOuts: closeOuts, pages: pages,
                  outcome: outcome, csrf: csrf, places: places, today: today).register(on: router)
    PollPages(polls: polls, outcome: outcome, csrf: csrf).register(on: router)
    CloseOutPages(closeOuts: closeOuts, outcome: outcome, csrf: csrf).register(on: router)
    DashboardPages(dashboard: DashboardService(services: services), pages: pages, today: today).register(on: router)
    DocumentPages(documents: documents, assemblies: assemblies, pages: pages, outcome: outcome, csrf: csrf,
                  places: places, today: today).register(on: router)
    CatalogPages(catalog: catalog, pages: pages, outcome: outcome, csrf: csrf, places: places).register(on: router)
    SipdPages(sipd: sipd, pages: pages, places: places, today: today).register(on: router)
    // Last: it wraps only the not-found responder, which is built with every middleware.
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
    return router
}

var publicDirectory: String {
    Bundle.module.url(forResource: "Public", withExtension: nil)!.path
}

/// The whole server: migrations applied, then HTTP on the configured address until a signal.
public func buildApplication(_ configuration: AppConfiguration, logger: Logger) async throws -> some ApplicationProtocol {
    // Before anything makes a metric: a metric made earlier would stay bound to the no-op factory.
    AppMetrics.bootstrapOnce()
    // Held for the process's life: SQLite serves one process (ServeLock).
    let serveLock: ServeLock?
    if case .sqlite(let path) = configuration.databaseURL { serveLock = try ServeLock.acquire(beside: path) } else { serveLock = nil }
    let database = try await Database.open(configuration.databaseURL, logger: logger,
                                           connectionsPerLoop: configuration.connectionsPerLoop,
                                           preparedStatements: configuration.preparedStatements)
    do {
        // A database newer than this binary is refused here, with the versions named.
        try await Migrator.migrate(database, logger: logger)
        try await refuseExposedDemo(configuration, database)
    } catch {
        try? await database.close()
        throw error
    }
    let services = try await AppServices(configuration: configuration, database: database, logger: logger)
    var app = Application(
        router: buildRouter(services),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "musrenbang"),
        logger: logger
    )
    // Services stop in reverse order: the lead is given up after the timer has stopped.
    let leadership = Leadership(configuration.databaseURL, logger: logger)
    app.addServices(LeaderElection(leadership: leadership, logger: logger), FloorTimer(services: services, leadership: leadership),
                    MediaWatchdog(services: services), Housekeeping(database: database),
                    DatabaseCloser(database: database, serveLock: serveLock))
    if case .postgres(let url) = configuration.databaseURL {
        app.addServices(LiveNotices(url: url, services: services, logger: logger))
    }
    return app
}

/// A database with the demo has accounts whose passwords sit in a file on this machine: it is
/// served beyond loopback only when asked for (`MUSRENBANG_ALLOW_DEMO=1`).
func refuseExposedDemo(_ configuration: AppConfiguration, _ database: Database) async throws {
    guard !configuration.listensOnLoopback, !configuration.allowDemoBeyondLoopback, try await AuditStore(database).fact("demo") != nil else { return }
    throw StoreError.invalidConfiguration("""
        this database holds the demo (accounts whose passwords are in \(configuration.dataDirectory.path)/demo-logins.txt) and the \
        server would listen on \(configuration.host), beyond this machine: refused. Serve a database without the demo, or set \
        MUSRENBANG_ALLOW_DEMO=1 to serve it anyway.
        """)
}

/// Clears what expires: one-time form messages nobody came back for. Its ten-minute wait ends at a
/// graceful shutdown (it held the server's exit for up to ten minutes after SIGTERM).
struct Housekeeping: Service {
    let database: Database

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(600)) }
            guard !Task.isShuttingDownGracefully else { return }
            try? await FlashStore(database).purgeExpired()
        }
    }
}

/// Closes the pool after the HTTP server has stopped (graceful shutdown runs services in reverse).
struct DatabaseCloser: Service {
    let database: Database
    /// Given back only after the database is closed.
    let serveLock: ServeLock?

    func run() async throws {
        try? await gracefulShutdown()
        try await database.close()
        withExtendedLifetime(serveLock) {}
    }
}
