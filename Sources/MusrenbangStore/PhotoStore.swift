import Crypto
import Foundation
import MusrenbangCore
import SQLKit

/// Photos live on disk under their SHA-256 (`photos/ab/abcd…`), outside the database; the
/// database knows their type and which proposal shows them.
public struct PhotoStore: Sendable {
    let database: Database
    let directory: URL

    public init(_ database: Database, dataDirectory: URL) {
        self.database = database
        self.directory = dataDirectory.appendingPathComponent("photos", isDirectory: true)
    }

    public enum PhotoError: Error, Equatable {
        case notAnImage, tooLarge, tooMany
    }

    /// Checks the bytes, writes the file once, and attaches it to the proposal.
    public func attach(_ bytes: [UInt8], to proposalId: ProposalID, purpose: String) async throws -> String {
        guard bytes.count <= ImageKind.maximumBytes else { throw PhotoError.tooLarge }
        guard let kind = ImageKind.detect(bytes) else { throw PhotoError.notAnImage }
        let hash = SHA256.hash(data: bytes).hex
        let file = path(for: hash)
        if !FileManager.default.fileExists(atPath: file.path) {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = file.appendingPathExtension("tmp-\(UUID().uuidString)")
            try Data(bytes).write(to: temporary)
            // Written aside, then moved: a reader never sees half a photo. Two writers of the same
            // photo race harmlessly, both bytes being the same.
            do {
                try FileManager.default.moveItem(at: temporary, to: file)
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                guard FileManager.default.fileExists(atPath: file.path) else { throw error }
            }
        }
        try await database.transaction { connection in
            let count = try await connection.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from("proposal_photos").where("proposal_id", .equal, proposalId.rawValue).where("purpose", .equal, purpose)
                .first()!.decode(column: "n", as: Int.self)
            guard count < ImageKind.maximumPerProposal else { throw PhotoError.tooMany }
            try await connection.insert(into: "photos").columns("hash", "content_type", "bytes", "created_at")
                .values(SQLBind(hash), SQLBind(kind.contentType), SQLBind(bytes.count), SQLBind(Date()))
                .ignoringConflicts().run()
            try await connection.insert(into: "proposal_photos").columns("proposal_id", "photo_hash", "purpose", "created_at")
                .values(SQLBind(proposalId.rawValue), SQLBind(hash), SQLBind(purpose), SQLBind(Date()))
                .ignoringConflicts().run()
        }
        return hash
    }

    public func photos(of proposalId: ProposalID) async throws -> [(hash: String, purpose: String)] {
        try await database.sql.select().columns("photo_hash", "purpose").from("proposal_photos")
            .where("proposal_id", .equal, proposalId.rawValue).orderBy("created_at").all().map {
                (try $0.decode(column: "photo_hash", as: String.self), try $0.decode(column: "purpose", as: String.self))
            }
    }

    /// The file and its content type, for serving.
    public func file(_ hash: String) async throws -> (url: URL, contentType: String)? {
        guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit }) else { return nil }
        guard let type = try await database.sql.select().column("content_type").from("photos").where("hash", .equal, hash)
            .first()?.decode(column: "content_type", as: String.self) else { return nil }
        return (path(for: hash), type)
    }

    func path(for hash: String) -> URL {
        directory.appendingPathComponent(String(hash.prefix(2)), isDirectory: true).appendingPathComponent(hash)
    }
}
