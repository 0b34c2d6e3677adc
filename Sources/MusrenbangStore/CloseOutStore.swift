import Crypto
import Foundation
import MusrenbangCore
import NIOPosix
import SQLKit

/// One station's close-out as stored. `state` is `pending` both without a row and with a scan
/// that was not yet submitted with its figures.
public struct CloseOutRecord: Sendable, Equatable {
    public struct Scan: Sendable, Equatable {
        public let hash: String
        public let kind: ScanKind
        public let bytes: Int
        public let uploadedAt: Date
    }
    public let villageCode: RegionCode
    public let state: CloseOutState
    public let scan: Scan?
    /// The figures written on the paper, and the check-ins counted when they were submitted.
    public let paper: HeadCount?
    public let recorded: HeadCount?
    public let mismatch: Bool
    public let submittedAt: Date?
    public let reviewedBy: UserID?
    public let reviewedAt: Date?
    public let reason: String?

    public static func nothing(_ village: RegionCode) -> CloseOutRecord {
        CloseOutRecord(villageCode: village, state: .pending, scan: nil, paper: nil, recorded: nil, mismatch: false, submittedAt: nil,
                       reviewedBy: nil, reviewedAt: nil, reason: nil)
    }

    public var comparison: AttendanceComparison? {
        guard let paper, let recorded else { return nil }
        return CloseOutRules.compare(paper: paper, recorded: recorded)
    }

    static let columns = ["village_code", "state", "scan_hash", "scan_kind", "scan_bytes", "scan_uploaded_at", "paper_men", "paper_women",
                          "paper_total", "recorded_men", "recorded_women", "recorded_total", "mismatch", "submitted_at", "reviewed_by",
                          "reviewed_at", "reason"]

    static func decode(_ row: any SQLRow) throws -> CloseOutRecord {
        func count(_ prefix: String) throws -> HeadCount? {
            guard let men = try row.decode(column: "\(prefix)_men", as: Int?.self),
                  let women = try row.decode(column: "\(prefix)_women", as: Int?.self),
                  let total = try row.decode(column: "\(prefix)_total", as: Int?.self) else { return nil }
            return HeadCount(men: men, women: women, total: total)
        }
        var scan: Scan?
        if let hash = try row.decode(column: "scan_hash", as: String?.self) {
            scan = Scan(hash: hash, kind: try row.decode("scan_kind", as: ScanKind.self), bytes: try row.decode(column: "scan_bytes", as: Int.self),
                        uploadedAt: try row.decode(column: "scan_uploaded_at", as: Date.self))
        }
        return CloseOutRecord(
            villageCode: try row.decodeRegion("village_code"), state: try row.decode("state", as: CloseOutState.self), scan: scan,
            paper: try count("paper"), recorded: try count("recorded"), mismatch: try row.decode(column: "mismatch", as: Bool.self),
            submittedAt: try row.decode(column: "submitted_at", as: Date?.self),
            reviewedBy: try row.decodeID("reviewed_by", as: UserID?.self), reviewedAt: try row.decode(column: "reviewed_at", as: Date?.self),
            reason: try row.decode(column: "reason", as: String?.self))
    }
}

/// Close-outs of village stations. Every change is one transaction that locks the session's row,
/// checks `CloseOutRules` against what it holds, writes, and appends a `closeout` live event (the
/// control room re-reads its counts). The live stream is public, so the event names the village
/// only: the state and the flag are read from the authorised overview. Scans live on disk under `closeouts/ab/<sha256>` (files
/// 0600, directories 0700), outside the photo store: they are never served publicly.
public struct CloseOutStore: Sendable {
    let database: Database
    let directory: URL
    let cleaner: PhotoCleaner

    public init(_ database: Database, dataDirectory: URL, cleaner: PhotoCleaner = .shared) {
        self.database = database
        self.directory = dataDirectory.appendingPathComponent("closeouts", isDirectory: true)
        self.cleaner = cleaner
    }

    public enum CloseOutError: Error, Equatable {
        case notFound
        case refused(CloseOutRefusal)
        case notAScan, tooLarge
        /// An image's metadata cannot be removed now: nothing is stored.
        case cleaning(PhotoCleaner.Failure)
    }

    public enum Review: Sendable, Equatable {
        case validate
        case incident(reason: String)
    }

    public func closeOut(_ id: AssemblyID, village: RegionCode) async throws -> CloseOutRecord {
        try await Self.read(database.sql, id, village) ?? .nothing(village)
    }

    /// Every stored close-out of the assembly (stations without a row have handed in nothing).
    public func closeOuts(_ id: AssemblyID) async throws -> [CloseOutRecord] {
        try await database.sql.select().columns(CloseOutRecord.columns.map { SQLColumn($0) }).from("station_closeouts")
            .where("assembly_id", .equal, id.rawValue).orderBy("village_code").all().map(CloseOutRecord.decode)
    }

    static func read(_ connection: any SQLDatabase, _ id: AssemblyID, _ village: RegionCode) async throws -> CloseOutRecord? {
        try await connection.select().columns(CloseOutRecord.columns.map { SQLColumn($0) }).from("station_closeouts")
            .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).first()
            .map(CloseOutRecord.decode)
    }

    /// The session's stage and the station's close-out, the session's row locked on PostgreSQL
    /// (SQLite's writers queue), so two changes to one station happen one after the other.
    static func locked(_ connection: any SQLDatabase, _ id: AssemblyID, _ village: RegionCode,
                       lock: Bool) async throws -> (stage: AssemblyStage, closeOut: CloseOutRecord) {
        var select = connection.select().column("stage").from("assembly_sessions")
            .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description)
        if lock { select = select.for(.update) }
        guard let stage = try await select.first()?.decode("stage", as: AssemblyStage.self) else { throw CloseOutError.notFound }
        return (stage, try await read(connection, id, village) ?? .nothing(village))
    }

    /// Checks the bytes (kind by content, size), removes an image's metadata, and records the scan
    /// with its file written last; a scan replaced before review leaves no file behind.
    public func storeScan(_ id: AssemblyID, village: RegionCode, bytes: [UInt8], by uploader: UserID) async throws -> CloseOutRecord {
        guard bytes.count <= ScanKind.maximumBytes else { throw CloseOutError.tooLarge }
        guard let kind = ScanKind.detect(bytes) else { throw CloseOutError.notAScan }
        // Refused early, before ExifTool runs, when the station cannot take a scan now.
        let (stage, current) = try await Self.locked(database.sql, id, village, lock: false)
        if let refusal = CloseOutRules.mayHandIn(stage: stage, state: current.state) { throw CloseOutError.refused(refusal) }
        let clean = try await cleaned(bytes, kind: kind)
        let hash = SHA256.hash(data: clean).hex
        let file = path(for: hash)
        let flavour = database.flavour
        let (record, replaced) = try await database.transaction { connection -> (CloseOutRecord, String?) in
            let (stage, current) = try await Self.locked(connection, id, village, lock: flavour == .postgres)
            if let refusal = CloseOutRules.mayHandIn(stage: stage, state: current.state) { throw CloseOutError.refused(refusal) }
            let now = Date()
            if try await Self.read(connection, id, village) == nil {
                try await connection.insert(into: "station_closeouts")
                    .columns("assembly_id", "village_code", "state", "updated_at")
                    .values(SQLBind(id.rawValue), SQLBind(village.description), SQLBind(CloseOutState.pending.rawValue), SQLBind(now)).run()
            }
            try await connection.update("station_closeouts").set("scan_hash", to: hash).set("scan_kind", to: kind.rawValue)
                .set("scan_bytes", to: clean.count).set("scan_uploaded_by", to: uploader.rawValue).set("scan_uploaded_at", to: SQLBind(now))
                .set("updated_at", to: SQLBind(now))
                .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).run()
            try await AssemblyStore.appendEvent(connection, id, kind: "closeout",
                                                payload: ["village": village.description])
            // Last but the live event (written at COMMIT): little can fail once the file exists; on the blocking I/O pool.
            _ = try await NIOThreadPool.singleton.runIfActive { try PhotoStore.write(clean, to: file) }
            guard let record = try await Self.read(connection, id, village) else { throw CloseOutError.notFound }
            return (record, current.scan.map(\.hash).flatMap { $0 == hash ? nil : $0 })
        }
        if let replaced, try await !isRecorded(replaced) { try? FileManager.default.removeItem(at: path(for: replaced)) }
        return record
    }

    /// Submits the paper's figures beside the check-ins counted now, in the same transaction, and
    /// flags a difference. A correction before review replaces the figures and the flag.
    public func submit(_ id: AssemblyID, village: RegionCode, paper: HeadCount, by actor: UserID) async throws -> CloseOutRecord {
        let flavour = database.flavour
        return try await database.transaction { connection in
            let (stage, current) = try await Self.locked(connection, id, village, lock: flavour == .postgres)
            if let refusal = CloseOutRules.maySubmit(stage: stage, state: current.state, hasScan: current.scan != nil) {
                throw CloseOutError.refused(refusal)
            }
            var recorded = HeadCount(men: 0, women: 0, total: 0)
            for row in try await connection.select().column("gender").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from("attendance").where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description)
                .groupBy("gender").all() {
                let n = try row.decode(column: "n", as: Int.self)
                switch try row.decode("gender", as: Gender.self) {
                case .female: recorded.women += n
                case .male: recorded.men += n
                }
                recorded.total += n
            }
            let mismatch = CloseOutRules.compare(paper: paper, recorded: recorded).isMismatch
            let now = Date()
            try await connection.update("station_closeouts").set("state", to: CloseOutState.submitted.rawValue)
                .set("paper_men", to: paper.men).set("paper_women", to: paper.women).set("paper_total", to: paper.total)
                .set("recorded_men", to: recorded.men).set("recorded_women", to: recorded.women).set("recorded_total", to: recorded.total)
                .set("mismatch", to: SQLBind(mismatch)).set("submitted_by", to: actor.rawValue).set("submitted_at", to: SQLBind(now))
                .set("updated_at", to: SQLBind(now))
                .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).run()
            try await AssemblyStore.appendEvent(connection, id, kind: "closeout", payload: ["village": village.description])
            guard let record = try await Self.read(connection, id, village) else { throw CloseOutError.notFound }
            return record
        }
    }

    /// The kecamatan's review, once, of what was submitted.
    public func review(_ id: AssemblyID, village: RegionCode, _ review: Review, by actor: UserID) async throws -> CloseOutRecord {
        let flavour = database.flavour
        return try await database.transaction { connection in
            let (_, current) = try await Self.locked(connection, id, village, lock: flavour == .postgres)
            if let refusal = CloseOutRules.mayReview(state: current.state) { throw CloseOutError.refused(refusal) }
            let state: CloseOutState, reason: String?
            switch review {
            case .validate: (state, reason) = (.validated, nil)
            case .incident(let text): (state, reason) = (.incident, text)
            }
            let now = Date()
            try await connection.update("station_closeouts").set("state", to: state.rawValue).set("reason", to: SQLBind(reason))
                .set("reviewed_by", to: actor.rawValue).set("reviewed_at", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
                .where("assembly_id", .equal, id.rawValue).where("village_code", .equal, village.description).run()
            try await AssemblyStore.appendEvent(connection, id, kind: "closeout",
                                                payload: ["village": village.description])
            guard let record = try await Self.read(connection, id, village) else { throw CloseOutError.notFound }
            return record
        }
    }

    /// The scan's file, for an authorised reader.
    public func file(_ scan: CloseOutRecord.Scan) -> URL { path(for: scan.hash) }

    func path(for hash: String) -> URL {
        directory.appendingPathComponent(String(hash.prefix(2)), isDirectory: true).appendingPathComponent(hash)
    }

    private func isRecorded(_ hash: String) async throws -> Bool {
        try await database.sql.select().column("scan_hash").from("station_closeouts").where("scan_hash", .equal, hash).first() != nil
    }

    /// An image loses its metadata like a photo; a PDF is kept as sent (ExifTool's PDF edits only
    /// append, so the old metadata would stay recoverable: no pretence of removing it). The scan
    /// is never public, only its session team, the kecamatan and the hub read it.
    private func cleaned(_ bytes: [UInt8], kind: ScanKind) async throws -> [UInt8] {
        guard let image = kind.image else { return bytes }
        let clean: [UInt8]
        do {
            clean = try await cleaner.clean(bytes)
        } catch .notAnImage {
            throw CloseOutError.notAScan
        } catch {
            throw CloseOutError.cleaning(error)
        }
        guard ImageKind.detect(clean) == image, clean.count <= ScanKind.maximumBytes else { throw CloseOutError.notAScan }
        return clean
    }
}
