import MusrenbangCore
import Synchronization

/// When this node last refreshed each village session's sign of life through a check-in. The
/// session row says the same (its UPDATE only changes a heartbeat older than `interval`), but
/// asking the row costs a statement per check-in; asking here costs none. With several nodes,
/// each refreshes at most once per interval.
final class HeartbeatGate: Sendable {
    let interval: Duration
    private let last = Mutex<[Key: ContinuousClock.Instant]>([:])
    private struct Key: Hashable { let assembly: AssemblyID; let village: RegionCode }

    init(interval: Duration = .seconds(10)) { self.interval = interval }

    /// True at most once per interval for a session: the caller then writes the heartbeat.
    func due(_ assembly: AssemblyID, _ village: RegionCode, now: ContinuousClock.Instant = .now) -> Bool {
        last.withLock { last in
            let key = Key(assembly: assembly, village: village)
            if let then = last[key], now - then < interval { return false }
            last[key] = now
            return true
        }
    }
}
