import Logging
import Metrics
import MusrenbangStore
import ServiceLifecycle

/// Keeps this process's `Leadership` current: once a second a leader makes sure it still holds
/// the lock and a follower tries to take it, so a takeover waits at most about a second after the
/// leader's session ended. The lead shows on /metrics (`musrenbang_leader`, 1 while this process
/// leads) and in the log when it changes. At shutdown the lock goes last: services stop in
/// reverse order, so the timer has stopped before another process may start its own.
struct LeaderElection: Service {
    let leadership: Leadership
    let logger: Logger
    var interval: Duration = .seconds(1)

    func run() async throws {
        let gauge = Gauge(label: "musrenbang_leader")
        await cancelWhenGracefulShutdown {
            var leading: Bool?
            while !Task.isCancelled {
                let leads = await leadership.check()
                gauge.record(leads ? 1 : 0)
                if leads != leading {
                    if leads {
                        logger.info("this process leads: the floor timer runs here")
                    } else if leading == nil {
                        logger.info("another process leads: the floor timer runs there")
                    } else {
                        logger.warning("this process lost the lead: the floor timer stops here")
                    }
                    leading = leads
                }
                try? await Task.sleep(for: interval)
            }
        }
        gauge.record(0)
        await leadership.close()
    }
}
