/// Slows repeated failed logins down, per account and per client address.
///
/// After `freeAttempts` failures in a row for a key, each further attempt must wait, and the wait
/// doubles with every failure up to `maximumWait`. A success clears the key. Time is passed in, so
/// the rule is testable and the server decides the clock.
public struct LoginThrottle: Sendable {
    public struct Rule: Sendable {
        public var freeAttempts: Int
        public var firstWait: Double
        public var maximumWait: Double
        public init(freeAttempts: Int, firstWait: Double, maximumWait: Double) {
            self.freeAttempts = freeAttempts
            self.firstWait = firstWait
            self.maximumWait = maximumWait
        }
        public static let account = Rule(freeAttempts: 5, firstWait: 2, maximumWait: 900)
        public static let address = Rule(freeAttempts: 20, firstWait: 2, maximumWait: 900)
    }

    private struct Entry: Sendable {
        var failures: Int
        var blockedUntil: Double
        var lastFailure: Double
    }

    private var entries: [String: Entry] = [:]
    public init() {}

    /// Seconds to wait before another attempt under this key is heard; 0 when it may go ahead.
    public func wait(for key: String, now: Double) -> Double {
        guard let entry = entries[key] else { return 0 }
        return max(0, entry.blockedUntil - now)
    }

    public mutating func recordFailure(_ key: String, rule: Rule, now: Double) {
        var entry = entries[key] ?? Entry(failures: 0, blockedUntil: 0, lastFailure: now)
        entry.failures += 1
        entry.lastFailure = now
        let excess = entry.failures - rule.freeAttempts
        if excess >= 0 {
            let wait = min(rule.maximumWait, rule.firstWait * Double(1 << min(excess, 20)))
            entry.blockedUntil = now + wait
        }
        entries[key] = entry
    }

    public mutating func recordSuccess(_ key: String) {
        entries[key] = nil
    }

    /// Forget keys quiet for `age` seconds, so memory stays bounded under a spray of usernames.
    public mutating func prune(now: Double, olderThan age: Double = 3600) {
        entries = entries.filter { max($0.value.blockedUntil, $0.value.lastFailure) + age > now }
    }

    public var trackedKeys: Int { entries.count }
}
