import Foundation
import Hummingbird
import MusrenbangCore
import MusrenbangStore
import ServiceLifecycle

/// Floor control for an assembly: villages raise their hand, the host gives the floor, the
/// timer ends long turns. The API, the pages and the timer all go through here.
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

    var now: Double { Date().timeIntervalSince1970 }

    func change(_ assembly: Int64, _ body: @escaping @Sendable (inout FloorControl) throws(FloorControl.Refusal) -> [FloorControl.Event])
        async throws -> FloorControl {
        do {
            let (floor, events) = try await store.update(assembly) { floor in try body(&floor) }
            if !events.isEmpty {
                await services.live.poke(assembly)
                await MediaService(services: services).follow(assembly, events)
            }
            return floor
        } catch let refusal as FloorControl.Refusal {
            throw Self.refusal(refusal)
        }
    }

    /// A village's operator asks for the floor, once the assembly is open and until it closes.
    func raise(_ id: Int64, village: String, topic: String, by user: UserRecord) async throws -> FloorControl {
        let assembly = try await assemblies.assembly(id)
        _ = try await assemblies.requireSession(assembly, village, by: user)
        guard assembly.stage >= .opening && assembly.stage < .closed else {
            throw AppError(.conflict, code: "floor.closed",
                           message: .init(id: "Permintaan bicara dibuka setelah pembukaan.", en: "The floor opens after the opening."))
        }
        let now = self.now
        return try await change(id) { floor throws(FloorControl.Refusal) in try floor.raise(village, topic: topic, now: now) }
    }

    func lower(_ id: Int64, village: String, by user: UserRecord) async throws -> FloorControl {
        let assembly = try await assemblies.assembly(id)
        _ = try await assemblies.requireSession(assembly, village, by: user)
        return try await change(id) { floor throws(FloorControl.Refusal) in try floor.lower(village) }
    }

    /// The host and the planner lead the floor.
    func requireModerator(_ id: Int64, _ user: UserRecord) async throws {
        let assembly = try await assemblies.assembly(id)
        guard [.host, .planner, .admin].contains(user.role), Policy.reaches(user.principal, RegionCode(assembly.regencyCode)!) else {
            throw AppError.forbidden
        }
    }

    func grant(_ id: Int64, village: String, by user: UserRecord) async throws -> FloorControl {
        try await requireModerator(id, user)
        let now = self.now
        return try await change(id) { floor throws(FloorControl.Refusal) in try floor.grant(village, now: now) }
    }

    /// The host or planner ends a turn; the speaking village may also end its own.
    func end(_ id: Int64, village: String, by user: UserRecord) async throws -> FloorControl {
        let moderator = (try? await requireModerator(id, user)) != nil
        if !moderator {
            let assembly = try await assemblies.assembly(id)
            _ = try await assemblies.requireSession(assembly, village, by: user)
        }
        let now = self.now
        return try await change(id) { floor throws(FloorControl.Refusal) in
            try floor.end(village, now: now, ending: moderator ? .revoked : .finished)
        }
    }

    func mute(_ id: Int64, village: String, muted: Bool, by user: UserRecord) async throws -> FloorControl {
        try await requireModerator(id, user)
        return try await change(id) { floor throws(FloorControl.Refusal) in try floor.mute(village, muted) }
    }

    func setRules(_ id: Int64, _ rules: FloorControl.Rules, by user: UserRecord) async throws -> FloorControl {
        try await requireModerator(id, user)
        guard (1...8).contains(rules.maximumOnStage), (5...3600).contains(rules.speakingLimit),
              (0..<rules.speakingLimit).contains(rules.warningBefore) else {
            throw AppError(.unprocessableContent, code: "floor.rules",
                           message: .init(id: "Aturan: 1–8 desa di panggung, batas bicara 5–3600 detik, peringatan sebelum batas.",
                                          en: "Rules: 1–8 on stage, a 5–3600 s limit, a warning before it."), field: "rules")
        }
        return try await change(id) { floor throws(FloorControl.Refusal) in
            floor.rules = rules
            return []
        }
    }

    /// Runs the speaking timer of every assembly with someone on stage.
    func tick(now: Double) async throws {
        for assembly in try await store.speakingAssemblies() {
            _ = try await change(assembly) { floor throws(FloorControl.Refusal) in floor.tick(now: now) }
        }
    }
}

/// The speaking timer, once a second, for as long as the server runs.
struct FloorTimer: Service {
    let services: AppServices

    func run() async throws {
        let floor = FloorService(services: services)
        while !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .seconds(1))
            try? await floor.tick(now: Date().timeIntervalSince1970)
        }
    }
}
