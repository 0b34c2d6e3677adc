import Foundation
import MusrenbangCore
import SQLKit

/// Loads, changes and saves an assembly's floor in one transaction, writing the live events and
/// the finished turns with it.
public struct FloorStore: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    public func floor(_ assembly: AssemblyID) async throws -> FloorControl {
        try await Self.load(database.sql, assembly, lock: false, flavour: database.flavour) ?? FloorControl()
    }

    /// Applies `change` to the current floor and keeps the result; a refusal changes nothing. With
    /// an idempotency key, a retry changes nothing again and returns the current floor (`replayed`).
    ///
    /// The row is created first when missing and then updated in place, never deleted and
    /// re-inserted: on PostgreSQL a concurrent change waiting on `FOR UPDATE` for a row that was
    /// deleted would read no floor at all and write an empty one over it.
    public func update(_ assembly: AssemblyID, idempotencyKey: IdempotencyKey? = nil,
                       _ change: @escaping @Sendable (inout FloorControl) throws -> [FloorControl.Event]) async throws
        -> (floor: FloorControl, events: [FloorControl.Event], replayed: Bool) {
        let flavour = database.flavour
        return try await database.transaction(key: idempotencyKey, replay: { _ in
            (try await Self.load(database.sql, assembly, lock: false, flavour: flavour) ?? FloorControl(), [], true)
        }) { connection in
            let empty = String(decoding: try JSONEncoder.sorted.encode(FloorControl()), as: UTF8.self)
            try await connection.insert(into: "floors").columns("assembly_id", "state", "speakers", "updated_at")
                .values(SQLBind(assembly.rawValue), SQLBind(empty), SQLBind(0), SQLBind(Date())).ignoringConflicts().run()
            var floor = try await Self.load(connection, assembly, lock: true, flavour: flavour) ?? FloorControl()
            let events = try change(&floor)
            let state = String(decoding: try JSONEncoder.sorted.encode(floor), as: UTF8.self)
            try await connection.update("floors").set("state", to: state).set("speakers", to: floor.stage.count)
                .set("updated_at", to: Date()).where("assembly_id", .equal, assembly.rawValue).run()
            for event in events {
                var payload: [String: String] = [:]
                switch event {
                case .raised(let village): payload = ["event": "raised", "village": village.description]
                case .lowered(let village): payload = ["event": "lowered", "village": village.description]
                case .granted(let village): payload = ["event": "granted", "village": village.description]
                case .muted(let village, let muted): payload = ["event": muted ? "muted" : "unmuted", "village": village.description]
                case .warned(let village, let left):
                    payload = ["event": "warned", "village": village.description, "secondsLeft": "\(Int(left))"]
                case .ended(let turn):
                    payload = ["event": "ended", "village": turn.village.description, "ending": turn.ending.rawValue,
                               "seconds": "\(Int(turn.seconds))"]
                    try await connection.insert(into: "floor_turns")
                        .columns("assembly_id", "village_code", "topic", "started_at", "ended_at", "ending")
                        .values(SQLBind(assembly.rawValue), SQLBind(turn.village.description), SQLBind(turn.topic),
                                SQLBind(Date(timeIntervalSince1970: turn.startedAt)), SQLBind(Date(timeIntervalSince1970: turn.endedAt)),
                                SQLBind(turn.ending.rawValue)).run()
                }
                try await AssemblyStore.appendEvent(connection, assembly, kind: "floor", payload: payload)
            }
            return ((floor, events, false), "done")
        }
    }

    /// Assemblies with someone on stage: the ones the speaking timer must watch.
    public func speakingAssemblies() async throws -> [AssemblyID] {
        try await database.sql.select().column("assembly_id").from("floors").where("speakers", .greaterThan, 0).all()
            .map { try $0.decodeID("assembly_id", as: AssemblyID.self) }
    }

    public struct StoredTurn: Sendable, Equatable {
        public let village: RegionCode
        public let topic: String
        public let startedAt: Date
        public let endedAt: Date
        public let ending: FloorControl.Turn.Ending
    }

    public func turns(_ assembly: AssemblyID, village: RegionCode? = nil) async throws -> [StoredTurn] {
        var select = database.sql.select().columns("village_code", "topic", "started_at", "ended_at", "ending").from("floor_turns")
            .where("assembly_id", .equal, assembly.rawValue)
        if let village { select = select.where("village_code", .equal, village.description) }
        return try await select.orderBy("id").all().map {
            StoredTurn(village: try $0.decodeRegion("village_code"), topic: try $0.decode(column: "topic", as: String.self),
                       startedAt: try $0.decode(column: "started_at", as: Date.self), endedAt: try $0.decode(column: "ended_at", as: Date.self),
                       ending: try $0.decode("ending", as: FloorControl.Turn.Ending.self))
        }
    }

    static func load(_ connection: any SQLDatabase, _ assembly: AssemblyID, lock: Bool, flavour: SQLFlavour) async throws -> FloorControl? {
        var select = connection.select().column("state").from("floors").where("assembly_id", .equal, assembly.rawValue)
        if lock && flavour == .postgres { select = select.for(.update) }
        guard let text = try await select.first()?.decode(column: "state", as: String.self) else { return nil }
        return try JSONDecoder().decode(FloorControl.self, from: Data(text.utf8))
    }
}
