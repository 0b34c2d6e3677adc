/// How often something may be done: `count` times per `seconds`, refilled evenly (a token
/// bucket: a burst of `count`, then one more every `seconds / count`).
public struct RateRule: Sendable, Hashable, CustomStringConvertible {
    public let count: Int
    public let seconds: Double

    public init(_ count: Int, per seconds: Double) {
        self.count = max(1, count)
        self.seconds = max(0.001, seconds)
    }

    /// "10/60": ten per minute. Nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let count = Int(parts[0]), count > 0, let seconds = Double(parts[1]), seconds > 0 else { return nil }
        self.init(count, per: seconds)
    }

    public var description: String { "\(count)/\(Int(seconds))" }
}

/// Token buckets by key. Time is passed in, so the rule is testable and the server decides the clock.
public struct RateLimiter: Sendable {
    private struct Bucket: Sendable {
        var tokens: Double
        var updated: Double
    }

    private var buckets: [String: Bucket] = [:]
    public init() {}

    /// Takes one token: nil when allowed, otherwise the seconds until one is back (`Retry-After`).
    public mutating func take(_ key: String, rule: RateRule, now: Double) -> Double? {
        let rate = Double(rule.count) / rule.seconds
        var bucket = buckets[key] ?? Bucket(tokens: Double(rule.count), updated: now)
        bucket.tokens = min(Double(rule.count), bucket.tokens + max(0, now - bucket.updated) * rate)
        bucket.updated = now
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return (1 - bucket.tokens) / rate
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        return nil
    }

    /// Forgets buckets that have refilled (they hold nothing a fresh one would not).
    public mutating func prune(now: Double, longest: Double) {
        buckets = buckets.filter { now - $0.value.updated < longest }
    }

    public var count: Int { buckets.count }
}

/// The client's address as the server should count it: the peer, unless the peer is a proxy the
/// operator trusts, in which case `X-Forwarded-For` is read from the right, skipping trusted hops.
/// A client cannot forge its way in: hops it adds itself sit left of the first untrusted one.
public enum ClientAddress {
    public static func resolve(peer: String, forwardedFor: String?, trusted: [AddressRange]) -> String {
        guard trusted.contains(where: { $0.contains(peer) }), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !trusted.contains(where: { $0.contains(hop) }) {
            return hop
        }
        return hops.first ?? peer
    }
}

/// An IPv4 network ("10.0.0.0/8", "127.0.0.1") or an exact IPv6 address ("::1").
public struct AddressRange: Sendable, Hashable {
    let network: UInt32?
    let mask: UInt32
    let exact: String?

    public init?(_ text: String) {
        let parts = text.trimmingSpaces.split(separator: "/", maxSplits: 1).map(String.init)
        if let address = Self.ipv4(parts[0]) {
            let bits = parts.count == 2 ? Int(parts[1]) : 32
            guard let bits, (0...32).contains(bits) else { return nil }
            mask = bits == 0 ? 0 : UInt32.max << (32 - UInt32(bits))
            network = address & mask
            exact = nil
        } else if parts[0].contains(":"), parts.count == 1 {
            network = nil
            mask = 0
            exact = parts[0].lowercased()
        } else {
            return nil
        }
    }

    public func contains(_ address: String) -> Bool {
        if let exact { return address.lowercased() == exact }
        guard let network, let value = Self.ipv4(address) else { return false }
        return value & mask == network
    }

    static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }
}
