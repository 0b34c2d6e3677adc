import Foundation
import Hummingbird
import Metrics
import MusrenbangCore
import MusrenbangStore
import NIOCore
import ServiceLifecycle

/// How many live streams the server holds open, and for how long.
public struct LiveLimits: Sendable, Equatable {
    /// Streams of the public (anyone not signed in as staff of the assembly's regency), in all.
    public var maximum: Int
    /// Streams of one client: its address for the public, its account for staff.
    public var perClient: Int
    /// The longest `maxSeconds` a client may ask for.
    public var longestSeconds: Int
    /// A comment line this often keeps proxies from closing an idle stream.
    public var keepAlive: Duration = .seconds(15)
    /// The shared reader reads an assembly at most this often: a quiet assembly's change goes out
    /// at once, a busy one's changes go out together, one write per listener per interval (the
    /// 2020 replay's 1,000 listeners cost more than its 15,000 check-ins when every event was a write).
    public var coalesce: Duration = .milliseconds(100)

    public init(maximum: Int = 5000, perClient: Int = 32, longestSeconds: Int = 900) {
        self.maximum = maximum
        self.perClient = perClient
        self.longestSeconds = longestSeconds
    }
}

/// One reader per assembly, however many listen. A write pokes the assembly; its reader reads
/// the new rows of `assembly_events` once and hands the same encoded frames to every listener.
/// Keep-alives come from one timer and read nothing. A listener that connects with a
/// `Last-Event-ID` is caught up from the last events kept in memory, or, when it is further
/// behind, from the database (a few catch-ups at a time), then follows the shared frames: it
/// never skips an event and never sees one twice. A listener that cannot keep up is cut off and
/// resumes from its `Last-Event-ID` like any reconnecting client, so it never holds the others up.
actor LiveHub {
    struct Frame: Sendable {
        let id: Int64
        let bytes: ByteBuffer
        /// When the shared reader had the event; nil for replays and keep-alives.
        var readAt: ContinuousClock.Instant? = nil
    }

    /// From the shared read of a change to its write into each listener's connection: the
    /// server's own part of "one change reaches everyone" (the client's reading is not in it).
    static let deliveryLabel = "musrenbang_live_delivery_seconds"
    static let delivery = Timer(label: deliveryLabel, preferredDisplayUnit: .seconds)

    private final class Channel {
        /// The last event read (nil until the reader has looked where the log ends).
        var head: Int64?
        /// The latest frames, oldest first; every event after `coveredAfter` is among them.
        var recent: [Frame] = []
        var coveredAfter: Int64 = 0
        var listeners: [UUID: AsyncStream<Frame>.Continuation] = [:]
        var waiting: [CheckedContinuation<Void, Never>] = []
        let wake: AsyncStream<Void>.Continuation
        let wakes: AsyncStream<Void>

        init() {
            (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        }
    }

    /// A place among the open streams, given back when the stream ends (or, at the latest, when
    /// the response that held it is gone).
    final class Lease: Sendable {
        let id: UUID
        let hub: LiveHub

        init(id: UUID, hub: LiveHub) {
            self.id = id
            self.hub = hub
        }

        func release() async { await hub.release(id) }

        deinit {
            let (hub, id) = (hub, id)
            Task { await hub.release(id) }
        }
    }

    /// Who holds a lease: the public is counted by address against the global cap; staff by account.
    enum Holder: Sendable, Hashable {
        case publicClient(String)
        case staff(String)

        var key: String {
            switch self {
            case .publicClient(let address): "ip:\(address)"
            case .staff(let account): "user:\(account)"
            }
        }
    }

    let store: AssemblyStore
    let limits: LiveLimits
    /// Frames kept per assembly for reconnecting listeners (about 150 bytes each).
    let kept = 2048
    /// Frames waiting for a slow listener before it is cut off.
    let backlog = 1024
    /// Database catch-ups at once: a crowd reconnecting must not take the whole pool.
    let catchUps = 2
    private var catchingUp = 0
    private var catchUpQueue: [CheckedContinuation<Void, Never>] = []

    private var channels: [AssemblyID: Channel] = [:]
    private var leases: [UUID: Holder] = [:]
    private var perHolder: [String: Int] = [:]
    private var publicCount = 0
    private var ticker: Task<Void, Never>?
    /// Reads of the event log: by the shared readers, and to catch up listeners that were behind.
    private(set) var sharedReads = 0
    private(set) var catchUpReads = 0
    private let openGauge = Gauge(label: "musrenbang_live_streams")
    private let refusedCounter = Counter(label: "musrenbang_live_refused_total")

    static let keepAliveFrame = Frame(id: 0, bytes: ByteBuffer(string: ": keep-alive\n\n"))

    init(store: AssemblyStore, limits: LiveLimits = LiveLimits()) {
        self.store = store
        self.limits = limits
    }

    // MARK: admission

    /// A place for one more stream, or the refusal: 429 when this client holds its share, 503
    /// when the public's streams are all taken. Both say when to try again, spread out so that
    /// refused clients do not come back all at once.
    func admit(_ holder: Holder) throws -> Lease {
        if perHolder[holder.key, default: 0] >= limits.perClient {
            refusedCounter.increment()
            var error = AppError(.tooManyRequests, code: "live.tooMany",
                                 message: .init(id: "Terlalu banyak siaran langsung dibuka dari alamat ini. Tutup sebagian lalu coba lagi.",
                                                en: "Too many live streams are open from this address. Close some and try again."))
            error.headers[.retryAfter] = "\(Int.random(in: 20...40))"
            throw error
        }
        if case .publicClient = holder, publicCount >= limits.maximum {
            refusedCounter.increment()
            var error = AppError(.serviceUnavailable, code: "live.full",
                                 message: .init(id: "Siaran langsung sedang penuh. Halaman akan mencoba lagi dengan sendirinya.",
                                                en: "The live stream is full right now. The page will try again by itself."))
            error.headers[.retryAfter] = "\(Int.random(in: 30...90))"
            throw error
        }
        let id = UUID()
        leases[id] = holder
        perHolder[holder.key, default: 0] += 1
        if case .publicClient = holder { publicCount += 1 }
        openGauge.record(leases.count)
        return Lease(id: id, hub: self)
    }

    func release(_ id: UUID) {
        guard let holder = leases.removeValue(forKey: id) else { return }
        perHolder[holder.key, default: 1] -= 1
        if perHolder[holder.key] == 0 { perHolder[holder.key] = nil }
        if case .publicClient = holder { publicCount -= 1 }
        openGauge.record(leases.count)
    }

    /// Streams open now: all, and those of the public.
    var openStreams: (all: Int, publicOnes: Int) { (leases.count, publicCount) }

    // MARK: the shared reader

    /// Something was written to the assembly's log: its reader reads it once for everyone.
    func poke(_ assembly: AssemblyID) {
        channels[assembly]?.wake.yield()
    }

    /// Every assembly someone listens to here: after the notices from other processes were cut
    /// (LiveNotices), whatever they announced meanwhile is read now.
    func pokeAll() {
        for channel in channels.values { channel.wake.yield() }
    }

    var listenerCount: Int { channels.values.reduce(0) { $0 + $1.listeners.count } }

    /// Joins the assembly's shared frames. Returns the frames that come after `head`, and the
    /// events after `lastId` that are still in memory (nil when the listener is further behind
    /// than memory reaches and must catch up from the database up to `head`).
    func listen(_ assembly: AssemblyID, after lastId: Int64) async
        -> (id: UUID, frames: AsyncStream<Frame>, head: Int64, kept: [Frame]?) {
        while true {
            let channel = channels[assembly] ?? open(assembly)
            guard let head = channel.head else {
                // Looked at again after the wait: the channel may have closed meanwhile.
                await withCheckedContinuation { channel.waiting.append($0) }
                continue
            }
            let id = UUID()
            let (frames, continuation) = AsyncStream<Frame>.makeStream(bufferingPolicy: .bufferingOldest(backlog))
            channel.listeners[id] = continuation
            startTicker()
            let kept = lastId >= channel.coveredAfter ? channel.recent.filter { $0.id > lastId } : nil
            return (id, frames, head, kept)
        }
    }

    func leave(_ assembly: AssemblyID, _ id: UUID) {
        guard let channel = channels[assembly], let listener = channel.listeners.removeValue(forKey: id) else { return }
        listener.finish()
        if channel.listeners.isEmpty && channel.waiting.isEmpty {
            // Nobody listens: the reader stops, and the next listener starts a fresh one.
            channel.wake.finish()
            channels[assembly] = nil
        }
    }

    private func open(_ assembly: AssemblyID) -> Channel {
        let channel = Channel()
        channels[assembly] = channel
        Task { await self.read(assembly, channel) }
        return channel
    }

    private func read(_ assembly: AssemblyID, _ channel: Channel) async {
        var history: [LiveEvent] = []
        var head: Int64 = 0
        while true {
            do {
                // A log that fits in memory is kept whole, so clients replaying it cost no reads.
                history = try await store.events(assembly, after: 0, limit: kept)
                if history.count < kept {
                    head = history.last?.id ?? 0
                } else {
                    history = []
                    head = try await store.latestEventId(assembly)
                }
                break
            } catch {
                // The database is away: listeners wait, as they would for a slow read.
                try? await Task.sleep(for: .seconds(1))
                if channels[assembly] !== channel { return }
            }
        }
        primed(channel, head, history)
        let clock = ContinuousClock()
        var lastRead = clock.now - limits.coalesce
        for await _ in channel.wakes {
            let since = clock.now - lastRead
            if since < limits.coalesce { try? await Task.sleep(for: limits.coalesce - since) }
            lastRead = clock.now
            while true {
                guard let after = channel.head else { break }
                sharedReads += 1
                guard let events = try? await store.events(assembly, after: after, limit: 500) else {
                    // The database failed this once: try again shortly rather than wait for the next write.
                    Task { [weak self] in
                        try? await Task.sleep(for: .milliseconds(500))
                        await self?.poke(assembly)
                    }
                    break
                }
                deliver(channel, events)
                if events.count < 500 { break }
            }
        }
    }

    private func primed(_ channel: Channel, _ head: Int64, _ history: [LiveEvent]) {
        channel.head = head
        channel.coveredAfter = history.isEmpty ? head : 0
        channel.recent = history.map { Frame(id: $0.id, bytes: Self.frame($0)) }
        let waiting = channel.waiting
        channel.waiting = []
        for continuation in waiting { continuation.resume() }
    }

    private func deliver(_ channel: Channel, _ events: [LiveEvent]) {
        let fresh = events.filter { $0.id > channel.head ?? 0 }
        guard let last = fresh.last else { return }
        let readAt = ContinuousClock.now
        // Kept one by one for replays; sent as one frame per read, so a busy assembly costs each
        // listener one write per read, not one per event (1,000 listeners of the 2020 replay's
        // 21,600 events were 21.6 million writes).
        var batch = ByteBuffer()
        for event in fresh {
            let frame = Frame(id: event.id, bytes: Self.frame(event))
            channel.recent.append(frame)
            batch.writeImmutableBuffer(frame.bytes)
        }
        channel.head = last.id
        let frame = Frame(id: last.id, bytes: batch, readAt: readAt)
        for (id, listener) in channel.listeners {
            if case .dropped = listener.yield(frame) {
                // Too far behind: it ends here and resumes from what it was sent.
                listener.finish()
                channel.listeners[id] = nil
            }
        }
        if channel.recent.count > kept {
            let cut = channel.recent.count - kept
            channel.coveredAfter = channel.recent[cut - 1].id
            channel.recent.removeFirst(cut)
        }
    }

    static func frame(_ event: LiveEvent) -> ByteBuffer {
        ByteBuffer(string: "id: \(event.id)\nevent: \(event.kind)\ndata: \(event.payload)\n\n")
    }

    // MARK: keep-alives

    private func startTicker() {
        guard ticker == nil else { return }
        let period = limits.keepAlive
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                guard let self, await self.keepAlive() else { return }
            }
        }
    }

    /// One comment line to every listener; false (and the timer stops) when nobody listens.
    private func keepAlive() -> Bool {
        for channel in channels.values {
            for listener in channel.listeners.values { listener.yield(Self.keepAliveFrame) }
        }
        if listenerCount == 0 {
            ticker = nil
            return false
        }
        return true
    }

    // MARK: catching up from the database

    /// The events in `(lastId, head]`, read in pages, a few listeners at a time.
    func catchUp(_ assembly: AssemblyID, after lastId: Int64, through head: Int64) async throws -> [Frame] {
        if catchingUp >= catchUps { await withCheckedContinuation { catchUpQueue.append($0) } } else { catchingUp += 1 }
        defer {
            if catchUpQueue.isEmpty { catchingUp -= 1 } else { catchUpQueue.removeFirst().resume() }
        }
        var frames: [Frame] = []
        var after = lastId
        while after < head {
            catchUpReads += 1
            let events = try await store.events(assembly, after: after, limit: 500).filter { $0.id <= head }
            guard let last = events.last else { break }
            frames += events.map { Frame(id: $0.id, bytes: Self.frame($0)) }
            after = last.id
        }
        return frames
    }
}

/// `text/event-stream` of an assembly's events: replays what came after `Last-Event-ID`, then
/// follows the shared reader; it ends after `maxSeconds` (the client reconnects and resumes), at
/// server shutdown, or when the client fell too far behind.
enum LiveStream {
    /// `lastEventId` nil starts at the newest event (a page that has just drawn the current state).
    static func response(assembly: AssemblyID, lastEventId: Int64?, maxSeconds: Int, hub: LiveHub, lease: LiveHub.Lease) -> Response {
        let body = ResponseBody { writer in
            let (id, frames, head, kept) = await hub.listen(assembly, after: lastEventId ?? .max)
            let ending = Task {
                try? await Task.sleep(for: .seconds(maxSeconds))
                await hub.leave(assembly, id)
            }
            do {
                try await withGracefulShutdownHandler {
                    var last = lastEventId ?? head
                    // Starting at the head, the client is told where it is, so a reconnect resumes from there.
                    try await writer.write(ByteBuffer(string: lastEventId == nil ? "retry: 2000\nid: \(head)\n\n" : "retry: 2000\n\n"))
                    var history = kept ?? []
                    if lastEventId != nil, kept == nil { history = try await hub.catchUp(assembly, after: last, through: head) }
                    for frame in history where frame.id > last {
                        try await writer.write(frame.bytes)
                        last = frame.id
                    }
                    for await frame in frames where frame.id == 0 || frame.id > last {
                        try await writer.write(frame.bytes)
                        if frame.id > 0 { last = frame.id }
                        if let readAt = frame.readAt { LiveHub.delivery.record(duration: ContinuousClock.now - readAt) }
                    }
                } onGracefulShutdown: {
                    Task { await hub.leave(assembly, id) }
                }
            } catch {
                // The client went away (or the database failed during a catch-up): stop listening.
                ending.cancel()
                await hub.leave(assembly, id)
                await lease.release()
                throw error
            }
            ending.cancel()
            await hub.leave(assembly, id)
            await lease.release()
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache",
                                               .init("X-Accel-Buffering")!: "no"], body: body)
    }
}
