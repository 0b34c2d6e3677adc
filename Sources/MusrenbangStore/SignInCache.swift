import Foundation
import MusrenbangCore
import Synchronization

/// Who a token belongs to, kept for a short while on PostgreSQL so that an operator's next request
/// does not ask the database again what it asked a moment ago (one statement of every
/// authenticated request).
///
/// It answers only while this process hears every change of accounts and tokens: PostgreSQL
/// announces each one (migration 22) and `LiveNotices` listens. A change made through any process
/// forgets the account here within the notice's delay (milliseconds); one made through this
/// process forgets it at once (`AccountStore`). Not listening (not yet started, or cut) it answers
/// nothing and keeps nothing, so every request asks the database, as on SQLite, where there is no
/// cache (the database is in the process).
public final class SignInCache: Sendable {
    public static let channel = "musrenbang_sign_ins"

    private struct Key: Hashable { let digest: String; let kind: TokenKind }
    private struct Entry {
        let user: UserRecord
        let tokenExpires: Date
        let until: ContinuousClock.Instant

        /// Within its lifetime here and its token's.
        func answers(now: Date, clock: ContinuousClock.Instant) -> Bool { clock < until && now < tokenExpires }
    }
    private struct State {
        var listening = false
        /// Moves on whenever something is forgotten: a read that began before keeps nothing.
        var generation: UInt64 = 0
        var entries: [Key: Entry] = [:]
        var byUser: [UserID: Set<Key>] = [:]

        mutating func forgetAll() {
            generation &+= 1
            entries.removeAll()
            byUser.removeAll()
        }

        /// What can no longer be answered (past its lifetime or its token's expiry). Dropping it
        /// forgets nothing a read could still use, so the generation stays.
        mutating func dropExpired(now: Date, clock: ContinuousClock.Instant) {
            for (key, entry) in entries where !entry.answers(now: now, clock: clock) { remove(key) }
        }

        mutating func remove(_ key: Key) {
            guard let entry = entries.removeValue(forKey: key) else { return }
            byUser[entry.user.id]?.remove(key)
            if byUser[entry.user.id]?.isEmpty == true { byUser[entry.user.id] = nil }
        }
    }

    private let state = Mutex(State())
    /// A bound even if a notice were lost without the connection being cut.
    let lifetime: Duration
    let capacity: Int

    public init(lifetime: Duration = .seconds(30), capacity: Int = 50_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The notices are heard (true) or not (false); either way nothing kept so far is trusted.
    public func listening(_ on: Bool) {
        state.withLock { state in
            state.listening = on
            state.forgetAll()
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
    public var isListening: Bool { state.withLock { $0.listening } }

    func user(digest: String, kind: TokenKind, now: Date = Date(), clock: ContinuousClock.Instant = .now) -> UserRecord? {
        state.withLock { state in
            guard state.listening, let entry = state.entries[Key(digest: digest, kind: kind)],
                  entry.answers(now: now, clock: clock) else { return nil }
            return entry.user
        }
    }

    /// Where a read begins; nil when nothing will be kept.
    func generation() -> UInt64? {
        state.withLock { $0.listening ? $0.generation : nil }
    }

    /// Keeps what a read that began at `generation` found, unless something was forgotten meanwhile.
    /// Full, it first drops what has expired (a day's operators come and go); only if it is still
    /// full does it start again empty, rather than grow.
    func keep(digest: String, kind: TokenKind, user: UserRecord, tokenExpires: Date, readAt generation: UInt64,
              now: Date = Date(), clock: ContinuousClock.Instant = .now) {
        state.withLock { state in
            guard state.listening, state.generation == generation else { return }
            if state.entries.count >= capacity { state.dropExpired(now: now, clock: clock) }
            if state.entries.count >= capacity { state.forgetAll() }
            let key = Key(digest: digest, kind: kind)
            state.entries[key] = Entry(user: user, tokenExpires: tokenExpires, until: clock + lifetime)
            state.byUser[user.id, default: []].insert(key)
        }
    }

    /// Everything kept for the account: its record or its tokens changed.
    public func forget(user: UserID) {
        state.withLock { state in
            state.generation &+= 1
            for key in state.byUser.removeValue(forKey: user) ?? [] { state.entries[key] = nil }
        }
    }

    func forget(digest: String) {
        state.withLock { state in
            state.generation &+= 1
            for kind in TokenKind.allCases { state.remove(Key(digest: digest, kind: kind)) }
        }
    }
}
