import Foundation
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
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: ErrorMiddleware(pages: services.pages))
    router.add(middleware: FileMiddleware(publicDirectory, urlBasePath: "/static",
                                          cacheControl: .init([(MediaType(type: .any), [.maxAge(3600), .public])])))
    router.add(middleware: AuthenticationMiddleware(services: services))

    OperationsRoutes(services: services).register(on: router)
    let api = router.group("api/v1")
    RegionAPI(services: services).register(on: api)
    AccountAPI(services: services).register(on: api)
    ProposalAPI(services: services).register(on: api)
    AssemblyAPI(services: services).register(on: api)
    FloorAPI(services: services).register(on: api)
    MediaAPI(services: services).register(on: api)
    HomePages(services: services).register(on: router)
    AccountPages(services: services).register(on: router)
    ProposalPages(services: services).register(on: router)
    AssemblyPages(services: services).register(on: router)
    return router
}

var publicDirectory: String {
    Bundle.module.url(forResource: "Public", withExtension: nil)!.path
}

/// The whole server: migrations applied, then HTTP on the configured address until a signal.
public func buildApplication(_ configuration: AppConfiguration, logger: Logger) async throws -> some ApplicationProtocol {
    // Before anything makes a metric: a metric made earlier would stay bound to the no-op factory.
    AppMetrics.bootstrapOnce()
    let database = try await Database.open(configuration.databaseURL, logger: logger,
                                           connectionsPerLoop: configuration.connectionsPerLoop)
    try await Migrator.migrate(database, logger: logger)
    let services = try await AppServices(configuration: configuration, database: database, logger: logger)
    var app = Application(
        router: buildRouter(services),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "musrenbang"),
        logger: logger
    )
    app.addServices(FloorTimer(services: services), MediaWatchdog(services: services), DatabaseCloser(database: database))
    return app
}

/// Closes the pool after the HTTP server has stopped (graceful shutdown runs services in reverse).
struct DatabaseCloser: Service {
    let database: Database

    func run() async throws {
        try? await gracefulShutdown()
        try await database.close()
    }
}
