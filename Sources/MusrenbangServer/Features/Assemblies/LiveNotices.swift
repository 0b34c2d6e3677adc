import Logging
import MusrenbangCore
import MusrenbangStore
import ServiceLifecycle

/// Several server processes on one PostgreSQL: what another process writes to an assembly's log
/// reaches the listeners of this one (`EventNotices`: announced by the database at commit, heard
/// here on one connection of its own), and wakes the assembly's shared reader, as a local write
/// does. After a cut in the notices, every assembly listened to here is read again.
public struct LiveNotices: Service {
    let url: String
    let hub: LiveHub
    let logger: Logger

    /// `url`: the PostgreSQL database the server's pool uses.
    public init(url: String, services: AppServices, logger: Logger) {
        self.url = url
        self.hub = services.live
        self.logger = logger
    }

    public func run() async throws {
        let hub = self.hub
        await cancelWhenGracefulShutdown {
            await EventNotices.follow(url, logger: logger, reconnected: { await hub.pokeAll() }) { id in
                await hub.poke(AssemblyID(rawValue: id))
            }
        }
    }
}
