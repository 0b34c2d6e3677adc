import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore
import ServiceLifecycle

/// Floor control for an assembly: villages raise their hand, the host gives the floor, the
/// timer ends long turns. The API, the pages and the timer all go through here: load and
/// authorise, change the floor in one transaction (`FloorStore.update` with Core's
/// `FloorControl`), then tell the live stream and Janus.
struct FloorService: Sendable {
    let services: AppServices
    var store: FloorStore { FloorStore(services.database) }
    var assemblies: AssemblyService { AssemblyService(services: services) }

    static func refusal(_ refusal: FloorControl.Refusal) -> AppError {
        let text: LocalizedText = switch refusal {
        case .alreadyWaiting: .init(id: "Desa ini sudah mengangkat tangan.", en: "This village is already waiting.")
        case .alreadyOnStage: .init(id: "Desa ini sedang berbicara.", en: "This village is on stage.")
        case .notWaiting: .init(id: "Desa ini tidak sedang menunggu giliran.", en: "This village is not waiting.")
        case .notOnStage: .init(id: "Desa ini tidak sedang berbicara.", en: "This village is not on stage.")
        case .stageFull: .init(id: "Panggung penuh: akhiri giliran desa lain terlebih dahulu.", en: "The stage is full: end another turn first.")
        case .emptyTopic: .init(id: "Tuliskan topik yang akan disampaikan.", en: "Give the topic.")
        }
        return refusal == .emptyTopic
            ? AppError(.unprocessableContent, code: "floor.topic", message: text, field: "topic")
            : AppError(.conflict, code: "floor.\(refusal)", message: text)
    }

    /// Villages may ask for the floor once the assembly is open, until it closes.
    static func isOpen(_ assembly: AssemblyRecord) -> Bool { assembly.stage >= .opening && assembly.stage < .closed }

    var now: Double { Date().timeIntervalSince1970 }

    func floor(_ id: AssemblyID) async throws -> FloorControl { try await store.floor(id) }

    /// One change of the floor in one transaction. With an idempotency key (`Idempotency-Key`), a
    /// retry changes nothing again and answers the floor as it is now (`replayed`): the store rolls
    /// back a retry's change and answers it; a retry the rules now refuse looks the key up here.
    func change(_ assembly: AssemblyID, key: IdempotencyKey? = nil,
                _ body: @escaping @Sendable (inout FloorControl) throws(FloorControl.Refusal) -> [FloorControl.Event])
        async throws -> (floor: FloorControl, replayed: Bool) {
        do {
            let (floor, events, replayed) = try await store.update(assembly, idempotencyKey: key) { floor in try body(&floor) }
            if !events.isEmpty {
                await services.live.poke(assembly)
                await MediaService(services: services).follow(assembly, events)
            }
            return (floor, replayed)
        } catch let refusal as FloorControl.Refusal {
            // A retry (or a request racing it): the first one's change is why this one is refused.
            if let replay = try await replay(assembly, key) { return replay }
            throw Self.refusal(refusal)
        }
    }

    /// The floor as it is now when an earlier request with this key already made its change.
    func replay(_ assembly: AssemblyID, _ key: IdempotencyKey?) async throws -> (floor: FloorControl, replayed: Bool)? {
        guard try await Idempotency.stored(services.database, key) != nil else { return nil }
        return (try await store.floor(assembly), true)
    }

    /// A key is the caller's, for one action on one village's place on the floor (and, raising a
    /// hand, its topic): the key sent again for another action, village or topic is refused.
    static func key(_ key: String?, _ action: String, _ user: UserID, _ assembly: AssemblyID, _ village: RegionCode,
                    topic: String = "") -> IdempotencyKey? {
        key.map { IdempotencyKey(scope: "floor:\(user)", key: $0, request: "\(action) \(assembly) \(village) \(topic)") }
    }

    // MARK: a village's own hand

    func raise(_ scope: AssemblyService.Session, topic: String, idempotencyKey: String? = nil) async throws -> (floor: FloorControl, replayed: Bool) {
        let key = Self.key(idempotencyKey, "raise", scope.user.id, scope.id, scope.village, topic: topic)
        if let replay = try await replay(scope.id, key) { return replay }
        guard Self.isOpen(scope.assembly) else {
            throw AppError.conflict("floor.closed", id: "Permintaan bicara dibuka setelah pembukaan.", en: "The floor opens after the opening.")
        }
        let now = self.now, village = scope.village
        return try await change(scope.id, key: key) { floor throws(FloorControl.Refusal) in try floor.raise(village, topic: topic, now: now) }
    }

    func lower(_ scope: AssemblyService.Session, idempotencyKey: String? = nil) async throws -> (floor: FloorControl, replayed: Bool) {
        let village = scope.village
        return try await change(scope.id, key: Self.key(idempotencyKey, "lower", scope.user.id, scope.id, village)) {
            floor throws(FloorControl.Refusal) in try floor.lower(village)
        }
    }

    func endOwnTurn(_ scope: AssemblyService.Session, idempotencyKey: String? = nil) async throws -> (floor: FloorControl, replayed: Bool) {
        let now = self.now, village = scope.village
        return try await change(scope.id, key: Self.key(idempotencyKey, "end", scope.user.id, scope.id, village)) {
            floor throws(FloorControl.Refusal) in try floor.end(village, now: now, ending: .finished)
        }
    }

    // MARK: the host's moderation

    func grant(_ id: AssemblyID, village: RegionCode, by user: UserRecord?, idempotencyKey: String? = nil) async throws
        -> (floor: FloorControl, replayed: Bool) {
        let (_, host) = try await assemblies.hub(id, for: .moderateFloor, by: user)
        let now = self.now
        return try await change(id, key: Self.key(idempotencyKey, "grant", host.id, id, village)) {
            floor throws(FloorControl.Refusal) in try floor.grant(village, now: now)
        }
    }

    /// The host or planner ends a turn; the speaking village may also end its own.
    func end(_ id: AssemblyID, village: RegionCode, by user: UserRecord?, idempotencyKey: String? = nil) async throws
        -> (floor: FloorControl, replayed: Bool) {
        guard let user else { throw AppError.unauthenticated }
        let assembly = try await assemblies.assembly(id)
        if Access.allows(user, .moderateFloor, in: assembly.regencyCode) {
            let now = self.now
            return try await change(id, key: Self.key(idempotencyKey, "end", user.id, id, village)) {
                floor throws(FloorControl.Refusal) in try floor.end(village, now: now, ending: .revoked)
            }
        }
        return try await endOwnTurn(try await assemblies.session(id, village.description, for: .runSession, by: user),
                                    idempotencyKey: idempotencyKey)
    }

    func mute(_ id: AssemblyID, village: RegionCode, muted: Bool, by user: UserRecord?, idempotencyKey: String? = nil) async throws
        -> (floor: FloorControl, replayed: Bool) {
        let (_, host) = try await assemblies.hub(id, for: .moderateFloor, by: user)
        return try await change(id, key: Self.key(idempotencyKey, muted ? "mute" : "unmute", host.id, id, village)) {
            floor throws(FloorControl.Refusal) in try floor.mute(village, muted)
        }
    }

    func setRules(_ id: AssemblyID, _ rules: FloorControl.Rules, by user: UserRecord?) async throws -> FloorControl {
        _ = try await assemblies.hub(id, for: .moderateFloor, by: user)
        guard (1...8).contains(rules.maximumOnStage), (5...3600).contains(rules.speakingLimit),
              (0..<rules.speakingLimit).contains(rules.warningBefore) else {
            throw AppError.invalid("rules", "floor.rules", id: "Aturan: 1–8 desa di panggung, batas bicara 5–3600 detik, peringatan sebelum batas.",
                                   en: "Rules: 1–8 on stage, a 5–3600 s limit, a warning before it.")
        }
        return try await change(id) { floor throws(FloorControl.Refusal) in
            floor.rules = rules
            return []
        }.floor
    }

    /// What the media side asks before letting a village publish: only while it holds the floor
    /// (the hub always may).
    func mayPublish(_ id: AssemblyID, village: RegionCode, by user: UserRecord?) async throws -> Bool {
        guard user != nil else { throw AppError.unauthenticated }
        let assembly = try await assemblies.assembly(id)
        if village == assembly.hubVillageCode, Access.allows(user, .leadAssembly, in: assembly.regencyCode) { return true }
        _ = try await assemblies.session(id, village.description, for: .runSession, by: user)
        return try await store.floor(id).mayPublish(village)
    }

    func turns(_ id: AssemblyID) async throws -> [FloorStore.StoredTurn] { try await store.turns(id) }

    /// The floor as people read it: names, waiting and speaking times, seconds left.
    struct View: Encodable, Sendable {
        struct Waiting: Encodable, Sendable {
            let villageCode: RegionCode; let villageName: String; let districtName: String; let topic: String; let position: Int
            let waitingSeconds: Int
        }
        struct Speaking: Encodable, Sendable {
            let villageCode: RegionCode; let villageName: String; let topic: String; let speakingSeconds: Int; let secondsLeft: Int
            let warned: Bool; let muted: Bool
        }
        struct Turn: Encodable, Sendable {
            let villageCode: RegionCode; let villageName: String; let topic: String; let startedAt: Date; let endedAt: Date; let seconds: Int
            let ending: String
        }
        let rules: FloorControl.Rules
        let queue: [Waiting]
        let stage: [Speaking]
        let turns: [Turn]
    }

    func view(_ floor: FloorControl, turns: [FloorStore.StoredTurn]) -> View {
        let now = self.now
        let places = services.places
        return View(
            rules: floor.rules,
            queue: floor.queue.enumerated().map { index, hand in
                .init(villageCode: hand.village, villageName: places.name(hand.village),
                      districtName: hand.village.ancestor(at: .district).map(places.name) ?? "", topic: hand.topic, position: index + 1,
                      waitingSeconds: Int(now - hand.raisedAt))
            },
            stage: floor.stage.map { speaker in
                .init(villageCode: speaker.village, villageName: places.name(speaker.village), topic: speaker.topic,
                      speakingSeconds: Int(now - speaker.grantedAt),
                      secondsLeft: max(0, Int(floor.rules.speakingLimit - (now - speaker.grantedAt))), warned: speaker.warned, muted: speaker.muted)
            },
            turns: turns.map {
                .init(villageCode: $0.village, villageName: places.name($0.village), topic: $0.topic, startedAt: $0.startedAt,
                      endedAt: $0.endedAt, seconds: Int($0.endedAt.timeIntervalSince($0.startedAt)), ending: $0.ending.rawValue)
            })
    }

    /// Runs the speaking timer of every assembly with someone on stage.
    func tick(now: Double) async throws {
        for assembly in try await store.speakingAssemblies() {
            _ = try await change(assembly) { floor throws(FloorControl.Refusal) in floor.tick(now: now) }
        }
    }
}

/// The speaking timer, once a second, for as long as the server runs; of several processes on one
/// PostgreSQL, only the leader's ticks (`Leadership`, kept by `LeaderElection`). A tick goes
/// through `FloorStore.update`'s transaction, so even two leaders for a moment (the old one not yet
/// aware it lost the lead) end a turn once; the lead only spares the other processes the work.
struct FloorTimer: Service {
    let services: AppServices
    let leadership: Leadership
    /// The time a tick ends turns by (a test moves one node's clock).
    var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    func run() async throws {
        let floor = FloorService(services: services)
        // Cancellation too: outside a service group (a test's node) nothing shuts down gracefully.
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard await leadership.leads else { continue }
            try? await floor.tick(now: now())
        }
    }
}
