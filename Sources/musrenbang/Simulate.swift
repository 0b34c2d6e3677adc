import ArgumentParser
import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1

/// `musrenbang simulate`: a whole simultaneous assembly played against a running server through
/// its public API only — the rehearsal a regency runs before the day, and the load benchmark.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a simultaneous assembly against a running server and report latencies and exactness.")

    @Option(help: "The server, e.g. http://127.0.0.1:8080") var url: String
    @Option(help: "A planner's username.") var username: String
    @Option(help: "The planner's password.") var password: String
    @Option(help: "Villages taking part (the first N of the regency).") var villages: Int = 217
    @Option(help: "Citizens checked in across the villages (about 45% women).") var citizens: Int = 15_000
    @Option(help: "Proposals submitted during the proposal stage.") var proposals: Int = 5_300
    @Option(help: "Live listeners kept connected to the event stream.") var listeners: Int = 20
    @Option(help: "Citizens who register and log in beforehand, and support proposals of their village on the day.") var supporters: Int = 100
    @Option(help: "Proposals of their village each supporter supports (at most).") var supportsEach: Int = 10
    @Option(help: "Requests in flight at once.") var concurrency: Int = 32

    func validate() throws {
        guard villages > 0, citizens >= 0, proposals >= 0, listeners >= 0, supporters >= 0, supportsEach >= 0, concurrency > 0 else {
            throw ValidationError("counts must not be negative, villages and concurrency must be positive")
        }
        guard let parsed = URL(string: url), ["127.0.0.1", "localhost", "::1"].contains(parsed.host ?? "") || parsed.host?.hasPrefix("10.") == true else {
            throw ValidationError("simulate talks to servers on this machine only (loopback or a test namespace)")
        }
    }

    func run() async throws {
        let client = SimulationClient(base: url.hasSuffix("/") ? String(url.dropLast()) : url, concurrency: concurrency,
                                      listeners: listeners)
        let started = (wall: Date(), cpu: SimulationClient.cpuSeconds())
        let played: Result<(String, Int), any Error>
        do { played = .success(try await SimulationRun(client: client, options: self).play()) } catch { played = .failure(error) }
        try await client.http.shutdown()
        try await client.listening.shutdown()
        let (report, errors) = try played.get()
        print(report)
        // What the load generator itself cost, to read the server's figures against.
        let wall = Date().timeIntervalSince(started.wall), cpu = SimulationClient.cpuSeconds() - started.cpu
        print(SimulationClient.cpuLine("client CPU", cpu: cpu, over: wall))
        if errors > 0 { throw ExitCode.failure }
    }
}

/// JSON over HTTP with latency bookkeeping, on AsyncHTTPClient (event loops, no thread per request).
final class SimulationClient: @unchecked Sendable {
    let base: String
    let http: HTTPClient
    /// The listeners' own pool: each holds its connection for the whole run, so in the requests'
    /// pool they would take every connection and the requests would wait for ever.
    let listening: HTTPClient
    private let lock = NSLock()
    private var latencies: [String: [Double]] = [:]
    private var failures: [String: Int] = [:]
    private var failureSamples: [String] = []

    init(base: String, concurrency: Int, listeners: Int) {
        self.base = base
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, listeners))
        listening = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// "<label>: 12.3 s over 45.6 s (0.27 of a core)".
    static func cpuLine(_ label: String, cpu: Double, over wall: Double) -> String {
        "\(label): " + String(format: "%.1f s over %.1f s (%.2f of a core)", cpu, wall, wall > 0 ? cpu / wall : 0)
    }

    /// User and system CPU time of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    struct Answer {
        let status: Int
        let body: [String: Any]
    }

    /// Sends one request; a status outside `expect` counts as an error of `operation`.
    @discardableResult
    func call(_ operation: String, _ method: String, _ path: String, json: [String: Any]? = nil, token: String? = nil,
              key: String? = nil, expect: Set<Int> = [200, 201, 204]) async -> Answer? {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        if let json, let data = try? JSONSerialization.data(withJSONObject: json) { request.body = .bytes(ByteBuffer(bytes: data)) }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let response = try await http.execute(request, timeout: .seconds(60))
            let data = Data(buffer: try await response.body.collect(upTo: 64 * 1024 * 1024))
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
            let status = Int(response.status.code)
            let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            record(operation, elapsed, ok: expect.contains(status), sample: "\(operation) \(method) \(path) → \(status) \(String(decoding: data.prefix(200), as: UTF8.self))")
            return Answer(status: status, body: body)
        } catch {
            record(operation, 0, ok: false, sample: "\(operation) \(method) \(path) → \(error)")
            return nil
        }
    }

    private func record(_ operation: String, _ milliseconds: Double, ok: Bool, sample: String) {
        lock.lock()
        defer { lock.unlock() }
        if ok {
            latencies[operation, default: []].append(milliseconds)
        } else {
            failures[operation, default: 0] += 1
            if failureSamples.count < 10 { failureSamples.append(sample) }
        }
    }

    func table(seconds: [String: Double]) -> (lines: [String], errors: Int) {
        lock.lock()
        defer { lock.unlock() }
        var lines = ["operation            count    ops/s    p50 ms   p95 ms   p99 ms  errors"]
        for operation in Set(latencies.keys).union(failures.keys).sorted() {
            let samples = (latencies[operation] ?? []).sorted()
            func percentile(_ q: Double) -> Double { samples.isEmpty ? 0 : samples[min(samples.count - 1, Int(q * Double(samples.count)))] }
            let rate = seconds[operation].map { $0 > 0 ? Double(samples.count) / $0 : 0 } ?? 0
            lines.append(operation.padding(toLength: 20, withPad: " ", startingAt: 0)
                         + String(format: " %6d %8.1f %9.1f %8.1f %8.1f %7d", samples.count, rate,
                                  percentile(0.5), percentile(0.95), percentile(0.99), failures[operation] ?? 0))
        }
        if !failureSamples.isEmpty { lines.append("first errors:") ; lines += failureSamples.map { "  " + $0 } }
        return (lines, failures.values.reduce(0, +))
    }
}

/// Counts the events a live listener receives, reading the stream as it comes.
final class LiveListener: @unchecked Sendable {
    private let lock = NSLock()
    private var events = 0
    private var reading: Task<Void, Never>?

    func start(_ url: String, on http: HTTPClient) {
        reading = Task {
            do {
                let response = try await http.execute(HTTPClientRequest(url: url), timeout: .hours(2))
                // Lines starting "id: ", counted byte by byte across chunks: with 1,000 listeners the
                // client reads millions of events, and must not cost the machine more than the server.
                let prefix = Array("id: ".utf8)
                var matched = 0  // bytes of `prefix` seen at the start of the current line; -1: not an id line
                for try await chunk in response.body {
                    var heard = 0
                    chunk.withUnsafeReadableBytes { bytes in
                        for byte in bytes {
                            if byte == UInt8(ascii: "\n") { matched = 0; continue }
                            guard matched >= 0, matched < prefix.count else { continue }
                            if byte == prefix[matched] {
                                matched += 1
                                if matched == prefix.count { heard += 1 }
                            } else {
                                matched = -1
                            }
                        }
                    }
                    lock.withLock { events += heard }
                }
            } catch {
                // Stopped, or the stream ended: what was heard is counted.
            }
        }
    }

    var count: Int { lock.withLock { events } }

    func stop() { reading?.cancel() }
}

struct SimulationRun {
    let client: SimulationClient
    let options: Simulate

    struct Sent {
        var checkIns = 0
        var women = 0
        var proposals = 0
        var supports = 0
    }

    /// Runs `work` for every element with at most `concurrency` in flight.
    func parallel<T: Sendable>(_ items: [T], _ work: @escaping @Sendable (T) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            var iterator = items.makeIterator()
            for _ in 0..<options.concurrency {
                guard let item = iterator.next() else { break }
                group.addTask { await work(item) }
            }
            while await group.next() != nil {
                if let item = iterator.next() { group.addTask { await work(item) } }
            }
        }
    }

    func play() async throws -> (String, Int) {
        let started = Date()
        var phaseSeconds: [String: Double] = [:]
        func timed(_ name: String, _ body: () async throws -> Void) async rethrows {
            let begin = Date()
            try await body()
            phaseSeconds[name] = Date().timeIntervalSince(begin)
        }
        guard let login = await client.call("login", "POST", "/api/v1/auth/login", json: ["username": options.username, "password": options.password]),
              let token = login.body["token"] as? String,
              let regency = (login.body["user"] as? [String: Any])?["regionCode"] as? String else {
            throw ValidationError("login failed: check --username/--password (a planner)")
        }
        // The villages: the first N of the regency, in code order.
        var allVillages: [String] = []
        let regencyDetail = await client.call("regions", "GET", "/api/v1/regions/\(regency)")
        for district in (regencyDetail?.body["children"] as? [[String: Any]] ?? []).compactMap({ $0["code"] as? String }) {
            let detail = await client.call("regions", "GET", "/api/v1/regions/\(district)")
            allVillages += (detail?.body["children"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        }
        let villageCodes = Array(allVillages.sorted().prefix(options.villages))
        guard !villageCodes.isEmpty else { throw ValidationError("the regency has no villages") }
        let runId = String(UUID().uuidString.prefix(6)).lowercased()

        // One operator per village, through the staff API.
        let operators = Locked<[String: String]>([:])
        await timed("operators") {
            await parallel(villageCodes) { village in
                let username = "sim-\(runId)-\(village.replacingOccurrences(of: ".", with: ""))"
                await client.call("createOperator", "POST", "/api/v1/users", json: [
                    "username": username, "name": "Operator simulasi \(village)", "password": "simulasi-\(runId)",
                    "role": "village_operator", "regionCode": village], token: token)
                if let answer = await client.call("login", "POST", "/api/v1/auth/login", json: ["username": username, "password": "simulasi-\(runId)"]),
                   let operatorToken = answer.body["token"] as? String {
                    operators.mutate { $0[village] = operatorToken }
                }
            }
        }
        // Supporters register themselves with a password and log in; everyone else is a walk-in.
        let sent = Locked(Sent())
        // Other people in every run (the serial starts at a place of the run's own): a rehearsal is
        // played again on the same server, and a NIK that has an account already cannot register anew.
        let serialStart = Int(runId, radix: 16).map { $0 % 10_000 } ?? 0
        let people: [(village: String, nik: String, woman: Bool)] = (0..<options.citizens).map { index in
            let village = villageCodes[index % villageCodes.count]
            let woman = index % 20 < 9
            let prefix = village.prefix(8).replacingOccurrences(of: ".", with: "")
            let day = 1 + (index / 7) % 28 + (woman ? 40 : 0)
            let nik = prefix + String(format: "%02d%02d%02d%04d", day, 1 + index % 12, 60 + index % 40, (serialStart + index) % 10_000)
            return (village, nik, woman)
        }
        let supporterTokens = Locked<[String: [String]]>([:])
        await timed("register") {
            await parallel(Array(people.prefix(options.supporters))) { person in
                await client.call("register", "POST", "/api/v1/citizens", json: [
                    "name": "Warga Simulasi", "nik": person.nik, "villageCode": person.village,
                    "gender": person.woman ? "female" : "male", "password": "simulasi-\(runId)"], expect: [201, 409])
                if let answer = await client.call("login", "POST", "/api/v1/auth/login", json: ["username": person.nik, "password": "simulasi-\(runId)"]),
                   let citizenToken = answer.body["token"] as? String {
                    supporterTokens.mutate { $0[person.village, default: []].append(citizenToken) }
                }
            }
        }
        // Accounts are made and logged in before the day (in 2020, days before): the day is timed from here.
        let dayStarted = Date(), dayCPU = SimulationClient.cpuSeconds()
        let tokens = operators.value
        let year = Calendar.current.component(.year, from: Date()) + 1
        guard let created = await client.call("schedule", "POST", "/api/v1/assemblies", json: [
            "title": "Simulasi musrenbang serentak \(runId)", "level": "village", "regencyCode": regency, "planYear": year,
            "startsAt": ISO8601DateFormatter().string(from: Date()), "hubVillageCode": villageCodes[0], "villageCodes": villageCodes], token: token),
              let assembly = created.body["id"] as? Int else { throw ValidationError("could not schedule the assembly") }

        let listeners = (0..<options.listeners).map { _ in LiveListener() }
        for listener in listeners { listener.start("\(client.base)/api/v1/assemblies/\(assembly)/live?maxSeconds=900", on: client.listening) }

        func hub(_ stage: String) async { await client.call("stage", "POST", "/api/v1/assemblies/\(assembly)/stage", json: ["stage": stage], token: token) }
        func sessions(_ stage: String) async {
            await parallel(villageCodes) { village in
                guard let operatorToken = tokens[village] else { return }
                await client.call("sessionStage", "POST", "/api/v1/assemblies/\(assembly)/sessions/\(village)/stage", json: ["stage": stage], token: operatorToken)
            }
        }

        await hub("checkIn")
        await sessions("checkIn")

        let roles = ["community", "community", "womensGroup", "rtRw", "youth", "farmersGroup", "religiousFigure", "bpd", "poorHousehold"]
        await timed("checkIn") {
            await parallel(Array(people.enumerated())) { index, person in
                guard let operatorToken = tokens[person.village] else { return }
                let answer = await client.call("checkIn", "POST", "/api/v1/assemblies/\(assembly)/attendance", json: [
                    "villageCode": person.village, "nik": person.nik, "name": "Warga \(index)", "role": roles[index % roles.count],
                    "gender": person.woman ? "female" : "male"], token: operatorToken, key: UUID().uuidString)
                if answer?.status == 201 { sent.mutate { $0.checkIns += 1; if person.woman { $0.women += 1 } } }
            }
        }

        for stage in ["opening", "dialogue", "proposals"] { await hub(stage) }
        await sessions("proposals")
        let proposalIds = Locked<[String: [Int]]>([:])
        await timed("proposal") {
            await parallel(Array(0..<options.proposals)) { index in
                let village = villageCodes[index % villageCodes.count]
                guard let operatorToken = tokens[village] else { return }
                let answer = await client.call("proposal", "POST", "/api/v1/proposals", json: [
                    "villageCode": village, "year": year, "title": "Usulan simulasi \(index): perbaikan jalan dusun",
                    "problem": "Jalan rusak dan tergenang saat hujan.", "activity": "Pengaspalan jalan lingkungan",
                    "fieldCode": "02", "subfieldCode": "02.03", "kind": "physical", "volume": 100 + index % 400, "unit": "m",
                    "estimatedCost": 50_000_000 + (index % 50) * 1_000_000, "fundingSource": index % 3 == 0 ? "regencyBudget" : "villageFund",
                    "beneficiaries": ["total": 200, "women": 95, "poor": 30, "disabled": 2], "source": "onBehalf"],
                    token: operatorToken, key: "sim-\(runId)-\(index)")
                if answer?.status == 201, let id = answer?.body["id"] as? Int {
                    sent.mutate { $0.proposals += 1 }
                    proposalIds.mutate { $0[village, default: []].append(id) }
                }
            }
        }
        let supportPairs: [(token: String, proposal: Int)] = supporterTokens.value.flatMap { village, citizens in
            citizens.flatMap { citizen in (proposalIds.value[village] ?? []).prefix(options.supportsEach).map { (citizen, $0) } }
        }
        await timed("support") {
            await parallel(supportPairs) { pair in
                let answer = await client.call("support", "POST", "/api/v1/proposals/\(pair.proposal)/supports", token: pair.token)
                if answer?.status == 201 { sent.mutate { $0.supports += 1 } }
            }
        }
        await timed("summary") {
            await parallel(Array(0..<50)) { _ in await client.call("summary", "GET", "/api/v1/assemblies/\(assembly)/summary") }
        }
        for stage in ["ranking", "agreement"] { await hub(stage) }
        await sessions("ranking")
        await parallel(villageCodes) { village in
            guard let operatorToken = tokens[village] else { return }
            await client.call("agreeRanking", "POST", "/api/v1/assemblies/\(assembly)/sessions/\(village)/ranking-agreed", token: operatorToken)
        }
        await sessions("agreement")
        await sessions("closed")
        await hub("closed")

        let final = await client.call("summary", "GET", "/api/v1/assemblies/\(assembly)/summary")?.body ?? [:]
        let attendance = final["attendance"] as? [String: Any] ?? [:]
        let proposalsSummary = final["proposals"] as? [String: Any] ?? [:]
        let villagesSummary = final["villages"] as? [String: Any] ?? [:]
        let expected = sent.value
        let checks: [(String, Int, Int)] = [
            ("attendance.total", expected.checkIns, attendance["total"] as? Int ?? -1),
            ("attendance.women", expected.women, attendance["women"] as? Int ?? -1),
            ("proposals.total", expected.proposals, proposalsSummary["total"] as? Int ?? -1),
            ("supports", expected.supports, final["supports"] as? Int ?? -1),
            ("villages.closed", villageCodes.count, villagesSummary["closed"] as? Int ?? -1),
        ]
        try await Task.sleep(for: .seconds(1))
        let heard = listeners.map(\.count)
        listeners.forEach { $0.stop() }
        // The whole run's average hides the day: the listeners read while the server is busiest.
        let day = Date().timeIntervalSince(dayStarted), dayCPUSeconds = SimulationClient.cpuSeconds() - dayCPU

        let (lines, errors) = client.table(seconds: phaseSeconds)
        var report = ["simulated assembly \(assembly) at \(client.base): \(villageCodes.count) villages, \(options.citizens) citizens, "
                      + "\(options.proposals) proposals, \(options.supporters) supporters, \(options.listeners) listeners, "
                      + "concurrency \(options.concurrency), \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
                      + " (the day \(String(format: "%.1f", Date().timeIntervalSince(dayStarted))) s, accounts beforehand "
                      + "\(String(format: "%.1f", dayStarted.timeIntervalSince(started))) s)"]
        report += lines
        // Where the wall time went: the timed phases, then the rest (stage moves, ranking, set-up).
        let order = ["operators", "register", "checkIn", "proposal", "support", "summary"]
        let rest = Date().timeIntervalSince(started) - order.compactMap { phaseSeconds[$0] }.reduce(0, +)
        report.append("phases: " + (order.compactMap { name in phaseSeconds[name].map { "\(name) \(String(format: "%.1f", $0)) s" } }
                                    + ["rest \(String(format: "%.1f", rest)) s"]).joined(separator: ", "))
        report.append("summary vs sent:")
        var mismatches = 0
        for (name, want, got) in checks {
            report.append("  \(name): sent \(want), summary \(got)\(want == got ? "" : "  MISMATCH")")
            if want != got { mismatches += 1 }
        }
        report.append("summary matches: \(mismatches == 0 ? "yes" : "no")")
        if !heard.isEmpty {
            report.append("live listeners: \(heard.count), events each min \(heard.min()!) max \(heard.max()!)")
        }
        report.append(SimulationClient.cpuLine("client CPU in the day", cpu: dayCPUSeconds, over: day))
        report.append("errors: \(errors + mismatches)")
        return (report.joined(separator: "\n"), errors + mismatches)
    }
}

/// A value shared by concurrent tasks.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func mutate(_ change: (inout Value) -> Void) { lock.lock(); defer { lock.unlock() }; change(&stored) }
}
