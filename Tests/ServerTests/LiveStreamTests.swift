import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdTesting
import Logging
@testable import MusrenbangServer
import MusrenbangStore
import NIOCore
import ServiceLifecycle
import Testing
import TestSupport

/// The live stream under a crowd: one reader per assembly, caps with Retry-After, bounded streams.
@Suite("Live stream: shared reader and caps")
struct LiveStreamTests {
    @Test("one client gets its share (429), the public as a whole its cap (503), staff still get in", arguments: TestFlavour.enabled)
    func caps(flavour: TestFlavour) async throws {
        try await withTestApp(flavour, configure: { $0.live = LiveLimits(maximum: 3, perClient: 2, longestSeconds: 900) }) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            let live = "/api/v1/assemblies/\(world.id)/live?maxSeconds=3"
            let hub = app.services.live
            // In-process requests all come from one client ("local").
            let first = Task { try await app.send(.get, live) }
            let second = Task { try await app.send(.get, live) }
            try await waitUntil { await hub.openStreams.publicOnes == 2 }
            let third = try await app.send(.get, live)
            #expect(third.status == .tooManyRequests)
            #expect(third.text.contains("live.tooMany"))
            #expect(Int(third.headers[.retryAfter] ?? "") ?? 0 > 0, "says when to try again")

            // Staff of the regency are counted by account, and not against the public's cap.
            let staff = (0..<2).map { _ in Task { try await app.send(.get, live, token: world.host) } }
            try await waitUntil { await hub.openStreams.all == 4 }
            let tooManyForTheHost = try await app.send(.get, live, token: world.host)
            #expect(tooManyForTheHost.status == .tooManyRequests, "an account has its share too")
            #expect(try await first.value.status == .ok)
            #expect(try await second.value.status == .ok)
            for stream in staff { #expect(try await stream.value.status == .ok) }
            try await waitUntil { await hub.openStreams.all == 0 }
            #expect(try await app.send(.get, "\(live.dropLast(1))1").status == .ok, "places are given back when streams end")
        }
        try await withTestApp(.sqlite, configure: { $0.live = LiveLimits(maximum: 1, perClient: 5, longestSeconds: 900) }) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            let live = "/api/v1/assemblies/\(world.id)/live?maxSeconds=2"
            let first = Task { try await app.send(.get, live) }
            try await waitUntil { await app.services.live.openStreams.publicOnes == 1 }
            let full = try await app.send(.get, live)
            #expect(full.status == .serviceUnavailable)
            #expect(full.text.contains("live.full"))
            #expect(Int(full.headers[.retryAfter] ?? "") ?? 0 >= 30)
            #expect(try await app.send(.get, "/api/v1/assemblies/999999/live?maxSeconds=1").status == .serviceUnavailable,
                    "refused before anything is read")
            _ = try await first.value
        }
    }

    @Test("maxSeconds is bounded; start=now skips the history and says where it starts", arguments: [TestFlavour.sqlite])
    func bounded(flavour: TestFlavour) async throws {
        try await withTestApp(flavour, configure: { $0.live.longestSeconds = 1 }) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            _ = try await world.hub("checkIn")
            let started = ContinuousClock.now
            let long = try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=3600")
            #expect(ContinuousClock.now - started < .seconds(3), "asked for an hour, got the configured second")
            let newest = try #require(ids(long.text).last)
            let now = try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=1&start=now")
            #expect(now.text.contains("id: \(newest)\n"), "the newest id, so a reconnect resumes after it")
            #expect(!now.text.contains("event: stage"), "no history")
        }
    }

    @Test("a poke reads the log once for every listener; each of them gets every event once, in order", arguments: TestFlavour.enabled)
    func sharedReader(flavour: TestFlavour) async throws {
        try await withTestApp(flavour, configure: { $0.live.perClient = 1000 }) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            let hub = app.services.live
            _ = try await world.hub("checkIn")
            let before = try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=1").text
            let listeners = (0..<200).map { index in
                Task {
                    // Half resume from the start of the log, half start now: both end with the same events.
                    // Open long enough that all 200 are open at once on a busy machine (the suite runs in parallel).
                    try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=15\(index % 2 == 0 ? "" : "&start=now")").text
                }
            }
            try await waitUntil(.seconds(14)) { await hub.listenerCount == 200 }
            let (shared, catchUps) = (await hub.sharedReads, await hub.catchUpReads)
            for stage in ["opening", "dialogue"] { _ = try await world.hub(stage) }
            _ = try await world.session("checkIn")
            var texts: [String] = []
            for listener in listeners { texts.append(try await listener.value) }
            let expected = ids(try await app.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=1").text).filter { !ids(before).contains($0) }
            #expect(expected.count >= 3)
            #expect(texts.allSatisfy { ids($0).filter { !ids(before).contains($0) } == expected }, "every listener, every event, once, in order")
            #expect(await hub.sharedReads - shared <= 6, "three writes: a few reads, not one per listener")
            #expect(await hub.catchUpReads == catchUps, "a short log is replayed from memory")
        }
    }

    /// The abuse case, small enough for CI: a crowd of anonymous listeners from many addresses
    /// over real sockets, the caps refusing the rest, while the API keeps its latency. (The full
    /// 1,000-listener measurement is `bench/live`.)
    @Test("a crowd of listeners over real sockets: refused beyond the caps, the API keeps answering", arguments: TestFlavour.enabled)
    func crowd(flavour: TestFlavour) async throws {
        let crowd = 400, perClient = 20
        try await withTestApp(flavour, configure: { $0.live = LiveLimits(maximum: crowd, perClient: perClient, longestSeconds: 900) }) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk, "35.10.13.2001"])
            _ = try await world.hub("checkIn")
            try await withLoopbackServer(app) { port in
                let summary = "/api/v1/assemblies/\(world.id)/summary"
                let live = "/api/v1/assemblies/\(world.id)/live?maxSeconds=60"
                let idle = try await Loopback.run { try Loopback.latencies(port: port, path: summary, count: 40) }

                // One address asks for more than its share; then 21 more addresses fill the public's cap and go past it.
                let greedy = try await Loopback.run { try Loopback.open(port: port, path: live, from: ["127.0.0.200"], each: perClient + 5) }
                #expect(greedy.refused.map(\.status) == Array(repeating: 429, count: 5))
                let addresses = (0..<21).map { "127.0.0.\(10 + $0)" }
                let many = try await Loopback.run { try Loopback.open(port: port, path: live, from: addresses, each: perClient) }
                #expect(greedy.open.count + many.open.count == crowd)
                #expect(many.refused.count == 21 * perClient - (crowd - perClient))
                #expect(many.refused.allSatisfy { $0.status == 503 && $0.retryAfter > 0 })
                #expect(await app.services.live.openStreams.publicOnes == crowd)

                // Under the crowd, writes keep poking every listener while the summary is timed.
                let reads = await app.services.live.sharedReads
                let writes = Task {
                    for _ in 0..<20 {
                        await MediaService.announce(app.services, .init(rawValue: Int64(world.id)))
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                }
                let loaded = try await Loopback.run { try Loopback.latencies(port: port, path: summary, count: 40) }
                await writes.value
                try await Task.sleep(for: .milliseconds(500))
                #expect(await app.services.live.sharedReads - reads <= 20, "one read per poke at most, whatever the crowd")
                let received = try await Loopback.run { Loopback.drain(many.open.prefix(5)) }
                #expect(received.allSatisfy { $0.components(separatedBy: "event: media").count - 1 == 20 }, "every listener got every poke's event")
                // The API answered every request under the crowd (`latencies` throws on a failure); how fast is
                // measured where timing means something, in bench/live (bench/REPORT.md), not in a test on a shared machine.
                #expect(loaded.all.count == 40)
                print("live crowd (\(flavour)): /summary idle p50 \(idle.p50) ms p95 \(idle.p95) ms; under \(crowd) listeners p50 \(loaded.p50) ms p95 \(loaded.p95) ms")
                Loopback.close(greedy.open + many.open)
            }
        }
    }
}

private func ids(_ text: String) -> [Int] {
    text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
}

func waitUntil(_ timeout: Duration = .seconds(10), _ condition: @Sendable () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while await !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("condition not met in \(timeout)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// The same services behind a real HTTP server on 127.0.0.1, for tests that need real sockets
/// (client addresses, many open connections).
func withLoopbackServer(_ app: TestApp, _ body: @Sendable (Int) async throws -> Void) async throws {
    let (ports, port) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "loopback")
    logger.logLevel = .warning
    let server = Application(router: buildRouter(app.services), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                             onServerRunning: { port.yield($0.localAddress?.port ?? 0) }, logger: logger)
    let group = ServiceGroup(services: [server], logger: logger)
    let running = Task { try await group.run() }
    var iterator = ports.makeAsyncIterator()
    guard let bound = await iterator.next(), bound > 0 else { throw TestFailure("the server did not start") }
    do {
        try await body(bound)
    } catch {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        throw error
    }
    await group.triggerGracefulShutdown()
    _ = try? await running.value
}

/// Plain blocking sockets on a thread of their own (never on the concurrency pool, where the
/// server under test runs): connections from chosen loopback addresses, as distinct clients.
enum Loopback {
    struct Answer: Sendable { let status: Int; let retryAfter: Int }
    struct Opened: Sendable { var open: [Int32] = []; var refused: [Answer] = [] }
    struct Latencies: Sendable {
        let all: [Double]
        var p50: Int { Int(all.sorted()[all.count / 2] * 1000) }
        var p95: Int { Int(all.sorted()[min(all.count - 1, all.count * 95 / 100)] * 1000) }
    }

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    static func connect(port: Int, from source: String = "127.0.0.1") throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func address(_ host: String, _ port: Int) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            return address
        }
        var local = address(source, 0), remote = address("127.0.0.1", port)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, size) } }
        guard bound == 0, connected == 0 else { Glibc.close(fd); throw TestFailure("connect from \(source): \(errno)") }
        return fd
    }

    static func send(_ fd: Int32, _ path: String, close: Bool) {
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\(close ? "Connection: close\r\n" : "")\r\n"
        _ = request.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the end of the headers (and whatever came with them).
    static func head(_ fd: Int32) throws -> (status: Int, head: String) {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: data, as: UTF8.self).contains("\r\n\r\n") {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { throw TestFailure("no answer (\(errno))") }
            data += buffer[..<count]
        }
        let text = String(decoding: data, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, text)
    }

    static func open(port: Int, path: String, from addresses: [String], each: Int) throws -> Opened {
        var opened = Opened()
        for address in addresses {
            for _ in 0..<each {
                let fd = try connect(port: port, from: address)
                send(fd, path, close: false)
                let (status, head) = try self.head(fd)
                if status == 200 {
                    opened.open.append(fd)
                } else {
                    let retry = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("retry-after:") }
                    opened.refused.append(Answer(status: status, retryAfter: Int(retry?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0))
                    Glibc.close(fd)
                }
            }
        }
        return opened
    }

    static func latencies(port: Int, path: String, count: Int) throws -> Latencies {
        var seconds: [Double] = []
        for _ in 0..<count {
            let started = Date()
            let fd = try connect(port: port, from: "127.0.0.1")
            send(fd, path, close: true)
            var buffer = [UInt8](repeating: 0, count: 65536)
            var status = 0
            var first = true
            while true {
                let read = recv(fd, &buffer, buffer.count, 0)
                if read <= 0 { break }
                if first { status = Int(String(decoding: buffer[..<min(read, 12)], as: UTF8.self).split(separator: " ").dropFirst().first ?? "") ?? 0 }
                first = false
            }
            Glibc.close(fd)
            guard status == 200 else { throw TestFailure("\(path) answered \(status)") }
            seconds.append(Date().timeIntervalSince(started))
        }
        return Latencies(all: seconds)
    }

    /// What has arrived on some open streams so far (without waiting for more).
    static func drain(_ fds: some Sequence<Int32>) -> [String] {
        fds.map { fd in
            var data = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let read = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if read <= 0 { break }
                data += buffer[..<read]
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func close(_ fds: [Int32]) {
        for fd in fds { Glibc.close(fd) }
    }
}

/// Several server processes on one PostgreSQL (SQLite serves one: `ServeLock`).
@Suite("Two server processes")
struct TwoNodeTests {
    @Test("an event written through one process reaches a live listener of the other, and a key used on one is honoured on the other")
    func eventsCrossProcesses() async throws {
        guard TestFlavour.enabled.contains(.postgres) else { return }
        try await withTestApp(.postgres) { nodeA in
            let world = try await AssemblyWorld.make(nodeA, villages: [bubuk])
            _ = try await world.hub("checkIn")
            _ = try await world.session("checkIn")
            try await nodeA.withSecondNode { nodeB in
                let live = "/api/v1/assemblies/\(world.id)/live"
                let head = try await nodeB.send(.get, "\(live)?maxSeconds=1").text
                    .split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }.max() ?? 0
                // Open long enough for a busy machine (the suite runs in parallel): the write is sent
                // once node B's hub has the listener, and has seconds to cross.
                let listening = Task {
                    try await nodeB.send(.get, "\(live)?maxSeconds=12", headers: [.init("Last-Event-ID")!: "\(head)"]).text
                }
                try await waitUntil { await nodeB.services.live.listenerCount >= 1 }
                // Through node A, which node B's hub never hears of in-process.
                let key = UUID().uuidString
                let first = try await nodeA.send(.post, "/api/v1/assemblies/\(world.id)/attendance",
                                                 json: #"{"villageCode":"\#(bubuk)","nik":"3510135507880011","name":"Warga Dua Node","role":"community","gender":"female"}"#,
                                                 token: world.bubukOperator, headers: [.init("Idempotency-Key")!: key])
                #expect(first.status == .created)
                let heard = try await listening.value
                #expect(heard.contains("event: attendance"), "node B's listener heard node A's check-in")
                // The retry of a request node A answered, sent to node B with the same key: the same person, counted once.
                let retried = try await nodeB.send(.post, "/api/v1/assemblies/\(world.id)/attendance",
                                                   json: #"{"villageCode":"\#(bubuk)","nik":"3510135507880011","name":"Warga Dua Node","role":"community","gender":"female"}"#,
                                                   token: world.bubukOperator, headers: [.init("Idempotency-Key")!: key])
                #expect(retried.status == .ok)
                #expect(try retried.json()["id"] as? Int == first.json()["id"] as? Int)
                let summary = try await nodeB.send(.get, "/api/v1/assemblies/\(world.id)/summary").json()
                #expect((summary["attendance"] as? [String: Any])?["total"] as? Int == 1)
            }
        }
    }

    @Test("a token kept by one process is refused there once another ends its session or disables its account; a logout through it at once")
    func signInsCrossProcesses() async throws {
        guard TestFlavour.enabled.contains(.postgres) else { return }
        try await withTestApp(.postgres) { nodeA in
            let world = try await AssemblyWorld.make(nodeA, villages: [bubuk])
            let other = try await nodeA.staffToken(username: "op-aliyan", role: "village_operator", region: "35.10.13.2001")
            try await nodeA.withSecondNode { nodeB in
                let cache = try #require(nodeB.services.database.signIns)
                try await waitUntil { cache.isListening }
                @Sendable func me(_ token: String) async throws -> HTTPResponse.Status {
                    try await nodeB.send(.get, "/api/v1/me", token: token).status
                }
                for token in [world.bubukOperator, other, world.host] { #expect(try await me(token) == .ok) }
                #expect(cache.count == 3, "node B keeps who the three tokens belong to")
                #expect(try await me(world.bubukOperator) == .ok, "answered from what node B keeps")

                // Node A ends one token and disables another account: node B hears of both.
                #expect(try await nodeA.send(.post, "/api/v1/auth/logout", token: world.bubukOperator).status.code < 300)
                let otherId = try #require(try await nodeA.send(.get, "/api/v1/me", token: other).json()["id"] as? Int)
                #expect(try await nodeA.send(.post, "/api/v1/users/\(otherId)/disable", token: world.planner).status == .noContent)
                try await waitUntil(.seconds(5)) {
                    let ended = try? await me(world.bubukOperator), disabled = try? await me(other)
                    return ended == .unauthorized && disabled == .unauthorized
                }
                // A logout through node B itself: refused at the very next request, no notice awaited.
                #expect(try await nodeB.send(.post, "/api/v1/auth/logout", token: world.host).status.code < 300)
                #expect(try await me(world.host) == .unauthorized)
            }
        }
    }

    @Test("both processes' floor timers tick at once: the turn ends exactly once")
    func floorTimerOnTwoNodes() async throws {
        guard TestFlavour.enabled.contains(.postgres) else { return }
        try await withTestApp(.postgres) { nodeA in
            let world = try await AssemblyWorld.make(nodeA, villages: [bubuk])
            for stage in ["checkIn", "opening"] { _ = try await world.hub(stage) }
            let floorURI = "/api/v1/assemblies/\(world.id)/floor"
            _ = try await nodeA.send(.put, "\(floorURI)/rules", json: #"{"maximumOnStage":1,"speakingLimit":5,"warningBefore":3}"#, token: world.host)
            _ = try await nodeA.send(.post, "\(floorURI)/hands", json: #"{"villageCode":"\#(bubuk)","topic":"Air bersih"}"#, token: world.bubukOperator)
            _ = try await nodeA.send(.post, "\(floorURI)/grant", json: #"{"villageCode":"\#(bubuk)"}"#, token: world.host)
            try await nodeA.withSecondNode { nodeB in
                let later = Date().timeIntervalSince1970 + 10
                let timers = [FloorService(services: nodeA.services), FloorService(services: nodeB.services)]
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<5 { for timer in timers { group.addTask { try await timer.tick(now: later) } } }
                    try await group.waitForAll()
                }
                let floor = try await nodeB.send(.get, floorURI).json()
                #expect((floor["stage"] as? [Any])?.isEmpty == true)
                let turns = try #require(floor["turns"] as? [[String: Any]])
                #expect(turns.count == 1)
                #expect(turns.first?["ending"] as? String == "timeUp")
                let events = try await nodeB.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=1").text
                #expect(events.components(separatedBy: "timeUp").count - 1 == 1, "one turn ended, one event")
            }
        }
    }

    @Test("the leader's death hands the timer to the other node")
    func leaderDeathHandsOverTimer() async throws {
        guard TestFlavour.enabled.contains(.postgres) else { return }
        try await withTestApp(.postgres) { nodeA in
            let world = try await AssemblyWorld.make(nodeA, villages: [bubuk])
            for stage in ["checkIn", "opening"] { _ = try await world.hub(stage) }
            let floorURI = "/api/v1/assemblies/\(world.id)/floor"
            _ = try await nodeA.send(.put, "\(floorURI)/rules", json: #"{"maximumOnStage":1,"speakingLimit":60,"warningBefore":10}"#, token: world.host)
            _ = try await nodeA.send(.post, "\(floorURI)/hands", json: #"{"villageCode":"\#(bubuk)","topic":"Air bersih"}"#, token: world.bubukOperator)
            #expect(try await nodeA.send(.post, "\(floorURI)/grant", json: #"{"villageCode":"\#(bubuk)"}"#, token: world.host).status == .ok)
            let url = DatabaseURL.postgres(url: try await TestDatabases.url(of: nodeA.services.database))
            try await nodeA.withSecondNode { nodeB in
                var logger = Logger(label: "test.leader")
                logger.logLevel = .critical
                let leadA = Leadership(url, logger: logger), leadB = Leadership(url, logger: logger)
                @Sendable func onStage() async throws -> Int? { try await (nodeB.send(.get, floorURI).json()["stage"] as? [Any])?.count }
                // Each node runs what `serve` runs: the election and the floor timer. Node B's clock
                // runs two minutes ahead: any tick of its timer ends the 60 s turn at once.
                let electionA = Task { try await LeaderElection(leadership: leadA, logger: logger).run() }
                var running = [electionA]
                func stop(_ tasks: [Task<Void, any Error>]) async {
                    for task in tasks { task.cancel() }
                    for task in tasks { _ = await task.result }
                }
                do {
                    try await waitUntil(.seconds(5)) { await leadA.leads }
                    let timerA = Task { try await FloorTimer(services: nodeA.services, leadership: leadA).run() }
                    let electionB = Task { try await LeaderElection(leadership: leadB, logger: logger).run() }
                    let timerB = Task {
                        try await FloorTimer(services: nodeB.services, leadership: leadB, now: { Date().timeIntervalSince1970 + 120 }).run()
                    }
                    running += [timerA, electionB, timerB]
                    // Three of node B's attempts and timer seconds: as a follower it must not tick.
                    try await Task.sleep(for: .seconds(3))
                    #expect(try await onStage() == 1, "node B follows: its timer, two minutes ahead, has not ended the turn")
                    #expect(await leadA.leads)
                    #expect(await !leadB.leads)

                    // Node A dies: its timer stops, its session ends without unlocking (as the
                    // kernel closes a dead process's socket), the lock goes with the session.
                    await stop([timerA, electionA])
                    let died = ContinuousClock.now
                    try await waitUntil(.seconds(10)) { (try? await onStage()) == 0 }
                    let takeover = ContinuousClock.now - died
                    #expect(await leadB.leads, "node B leads after \(takeover)")
                    let floor = try await nodeB.send(.get, floorURI).json()
                    let turns = try #require(floor["turns"] as? [[String: Any]])
                    #expect(turns.count == 1)
                    #expect(turns.first?["ending"] as? String == "timeUp")
                    // Seconds after the grant, not 60: only node B's clock, two minutes ahead, could end it.
                    #expect(turns.first?["seconds"] as? Int == 60)
                    let events = try await nodeB.send(.get, "/api/v1/assemblies/\(world.id)/live?maxSeconds=1").text
                    #expect(events.components(separatedBy: "timeUp").count - 1 == 1, "one turn ended, one event")
                    #expect(try await nodeB.send(.get, "/metrics").text.contains("musrenbang_leader 1"))
                    await stop(running)
                } catch {
                    await stop(running)
                    throw error
                }
            }
        }
    }

    @Test("a second process on the same SQLite file is refused at start, and the lock goes with the first")
    func sqliteServesOneProcess() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mb-lock-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path + ".serve-lock") }
        var first: ServeLock? = try ServeLock.acquire(beside: path)
        #expect(throws: StoreError.self) { try ServeLock.acquire(beside: path) }
        withExtendedLifetime(first) {}
        first = nil
        #expect(throws: Never.self) { _ = try ServeLock.acquire(beside: path) }
    }
}
