import Crypto
import Foundation
import MusrenbangCore
import NIOPosix
import SQLKit

/// Photos live on disk under the SHA-256 of what is served (`photos/ab/abcd…`, files 0600 in
/// directories 0700), outside the database; the database knows their type, who uploaded them and
/// which proposal shows them.
///
/// An upload is checked before anything costly or lasting happens: its size and kind (by its
/// first bytes), the proposal's three photos and the uploader's daily quota (`PhotoQuota`). Only
/// then is its metadata removed (`PhotoCleaner`: the GPS position of a citizen's house must not
/// be served), and the file written as the last step of the transaction that records it, so a
/// refused or failed upload leaves nothing on disk.
public struct PhotoStore: Sendable {
    let database: Database
    let directory: URL
    let cleaner: PhotoCleaner

    public init(_ database: Database, dataDirectory: URL, cleaner: PhotoCleaner = .shared) {
        self.database = database
        self.directory = dataDirectory.appendingPathComponent("photos", isDirectory: true)
        self.cleaner = cleaner
    }

    public enum PhotoError: Error, Equatable {
        case notAnImage, tooLarge, tooMany, quota
        /// The metadata cannot be removed now (ExifTool missing, busy or too slow): nothing is stored or served.
        case cleaning(PhotoCleaner.Failure)
    }

    /// The checks that cost one query, for before the body is even read: a declared size over the
    /// limit, a proposal that has its photos, an uploader over the quota.
    public func admit(size: Int?, to proposalId: ProposalID, purpose: String, by uploader: UserID) async throws {
        if let size, size > ImageKind.maximumBytes { throw PhotoError.tooLarge }
        try await Self.checkLimits(database.sql, proposalId, purpose: purpose, uploader: uploader, adding: size ?? 0)
    }

    /// Checks the bytes, removes their metadata, records the photo and writes its file once.
    public func attach(_ bytes: [UInt8], to proposalId: ProposalID, purpose: String, by uploader: UserID) async throws -> String {
        guard bytes.count <= ImageKind.maximumBytes else { throw PhotoError.tooLarge }
        guard let kind = ImageKind.detect(bytes) else { throw PhotoError.notAnImage }
        try await Self.checkLimits(database.sql, proposalId, purpose: purpose, uploader: uploader, adding: bytes.count)
        let clean = try await cleaned(bytes, kind: kind)
        let hash = SHA256.hash(data: clean).hex
        let file = path(for: hash)
        let flavour = database.flavour
        let created = CreatedFlag()
        do {
            try await database.transaction { connection in
                // Counted again under locks (the uploader's row, then the proposal's, on PostgreSQL;
                // SQLite's writers queue), so racing uploads cannot pass the limits together.
                try await Self.checkLimits(connection, proposalId, purpose: purpose, uploader: uploader, adding: clean.count,
                                           lock: flavour == .postgres)
                let now = Date()
                try await connection.insert(into: "photos").columns("hash", "content_type", "bytes", "created_at", "metadata_removed")
                    .values(SQLBind(hash), SQLBind(kind.contentType), SQLBind(clean.count), SQLBind(now), SQLBind(true))
                    .ignoringConflicts().run()
                try await connection.insert(into: "proposal_photos").columns("proposal_id", "photo_hash", "purpose", "created_at", "uploaded_by")
                    .values(SQLBind(proposalId.rawValue), SQLBind(hash), SQLBind(purpose), SQLBind(now), SQLBind(uploader.rawValue))
                    .ignoringConflicts().run()
                // Last, so that nothing before it can fail after the file exists; on the blocking
                // I/O pool, never on the threads that serve requests.
                if try await NIOThreadPool.singleton.runIfActive({ try Self.write(clean, to: file) }) { created.set() }
            }
        } catch {
            // Only a failed COMMIT gets here with a new file: it goes, unless a stored row names it.
            if created.value, (try? await isRecorded(hash)) == false { try? FileManager.default.removeItem(at: file) }
            throw error
        }
        return hash
    }

    public func photos(of proposalId: ProposalID) async throws -> [(hash: String, purpose: String)] {
        try await database.sql.select().columns("photo_hash", "purpose").from("proposal_photos")
            .where("proposal_id", .equal, proposalId.rawValue).orderBy("created_at").all().map {
                (try $0.decode(column: "photo_hash", as: String.self), try $0.decode(column: "purpose", as: String.self))
            }
    }

    /// The file and its content type, for serving. A photo stored before metadata was removed on
    /// upload is cleaned in place the first time it is asked for, so none is ever served with it.
    public func file(_ hash: String) async throws -> (url: URL, contentType: String)? {
        guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        guard let row = try await database.sql.select().columns("content_type", "metadata_removed").from("photos")
            .where("hash", .equal, hash).first() else { return nil }
        let type = try row.decode(column: "content_type", as: String.self)
        let url = path(for: hash)
        if try !row.decode(column: "metadata_removed", as: Bool.self) {
            guard let bytes = try? await NIOThreadPool.singleton.runIfActive({ Array(try Data(contentsOf: url)) }) else { return nil }
            guard let kind = ImageKind.detect(bytes), kind.contentType == type else { return nil }
            let clean = try await cleaned(bytes, kind: kind)
            try await NIOThreadPool.singleton.runIfActive { try Self.replace(url, with: clean) }
            try await database.sql.update("photos").set("metadata_removed", to: SQLBind(true)).where("hash", .equal, hash).run()
        }
        return (url, type)
    }

    func path(for hash: String) -> URL {
        directory.appendingPathComponent(String(hash.prefix(2)), isDirectory: true).appendingPathComponent(hash)
    }

    private func cleaned(_ bytes: [UInt8], kind: ImageKind) async throws -> [UInt8] {
        let clean: [UInt8]
        do {
            clean = try await cleaner.clean(bytes)
        } catch .notAnImage {
            throw PhotoError.notAnImage
        } catch {
            throw PhotoError.cleaning(error)
        }
        // What comes back is the same kind of image, or it is not served as one.
        guard ImageKind.detect(clean) == kind, clean.count <= ImageKind.maximumBytes else { throw PhotoError.notAnImage }
        return clean
    }

    private func isRecorded(_ hash: String) async throws -> Bool {
        try await database.sql.select().column("hash").from("photos").where("hash", .equal, hash).first() != nil
    }

    /// At most three photos per proposal and purpose; within the uploader's quota.
    static func checkLimits(_ connection: any SQLDatabase, _ proposalId: ProposalID, purpose: String, uploader: UserID,
                            adding size: Int, lock: Bool = false) async throws {
        if lock {
            _ = try await connection.select().column("id").from("users").where("id", .equal, uploader.rawValue).for(.update).first()
            _ = try await connection.select().column("id").from("proposals").where("id", .equal, proposalId.rawValue).for(.update).first()
        }
        let count = try await connection.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("proposal_photos").where("proposal_id", .equal, proposalId.rawValue).where("purpose", .equal, purpose)
            .first()!.decode(column: "n", as: Int.self)
        guard count < ImageKind.maximumPerProposal else { throw PhotoError.tooMany }
        let since = Date().addingTimeInterval(-PhotoQuota.window)
        let used = try await connection.select()
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("COALESCE", args: SQLFunction("SUM", args: SQLColumn("bytes", table: "photos")), SQLLiteral.numeric("0")), as: "total")
            .from("proposal_photos").join("photos", on: SQLColumn("photo_hash", table: "proposal_photos"), .equal, SQLColumn("hash", table: "photos"))
            .where(SQLColumn("uploaded_by", table: "proposal_photos"), .equal, SQLBind(uploader.rawValue))
            .where(SQLColumn("created_at", table: "proposal_photos"), .greaterThan, SQLBind(since))
            .first()!
        guard PhotoQuota.allows(photos: try used.decode(column: "n", as: Int.self), bytes: try used.decode(column: "total", as: Int.self),
                                adding: size) else { throw PhotoError.quota }
    }

    /// Writes a new file (0600, its directory 0700) aside and moves it in place; false when the
    /// photo was already there (the same bytes under the same name).
    static func write(_ bytes: [UInt8], to file: URL) throws -> Bool {
        if FileManager.default.fileExists(atPath: file.path) { return false }
        try replace(file, with: bytes)
        return true
    }

    /// Puts `bytes` at `file` at once: a reader never sees half a photo, and two writers of the
    /// same photo race harmlessly.
    static func replace(_ file: URL, with bytes: [UInt8]) throws {
        let folder = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = folder.appendingPathComponent(".\(file.lastPathComponent).tmp-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        // rename(2) replaces the target in one step (moveItem refuses an existing one).
        guard rename(temporary.path, file.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }
}

/// Whether this upload made its file (set inside the transaction, read after it).
private final class CreatedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var made = false
    var value: Bool { lock.withLock { made } }
    func set() { lock.withLock { made = true } }
}
