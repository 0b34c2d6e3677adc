import Logging
import MusrenbangCore
import MusrenbangStore
import ServiceLifecycle

/// Several server processes on one PostgreSQL: what another process writes reaches this one,
/// announced by the database at commit and heard here on connections of their own.
/// - An assembly's new live events (`EventNotices`) wake the assembly's shared reader, as a local
///   write does. After a cut in the notices, every assembly listened to here is read again.
/// - A changed account or token (`SignInCache.channel`) is forgotten by this process's sign-in
///   cache, which answers only while these notices are heard.
public struct LiveNotices: Service {
    let url: String
    let hub: LiveHub
    let signIns: SignInCache?
    let logger: Logger

    /// `url`: the PostgreSQL database the server's pool uses.
    public init(url: String, services: AppServices, logger: Logger) {
        self.url = url
        self.hub = services.live
        self.signIns = services.database.signIns
        self.logger = logger
    }

    public func run() async throws {
        let (hub, url, logger, signIns) = (self.hub, self.url, self.logger, self.signIns)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await EventNotices.follow(url, logger: logger, reconnected: { await hub.pokeAll() }) { id in
                        await hub.poke(AssemblyID(rawValue: id))
                    }
                }
                if let signIns {
                    group.addTask {
                        await EventNotices.follow(url, channel: SignInCache.channel, logger: logger,
                                                  listening: { signIns.listening($0) }) { payload in
                            if let id = Int64(payload) { signIns.forget(user: UserID(rawValue: id)) }
                        }
                    }
                }
            }
        }
    }
}
