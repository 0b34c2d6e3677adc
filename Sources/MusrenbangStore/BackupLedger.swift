import Foundation
import SQLKit

/// The last good backup, kept in the database (`installation`) so that every server in front of
/// one PostgreSQL reports the same age on `/metrics`.
public struct BackupLedger: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public let at: Date
        public let file: String
        public let bytes: Int64
        public let seconds: Double

        public init(at: Date, file: String, bytes: Int64, seconds: Double) {
            self.at = at
            self.file = file
            self.bytes = bytes
            self.seconds = seconds
        }
    }

    static let key = "backup.last"
    let database: Database
    public init(_ database: Database) { self.database = database }

    public func record(_ entry: Entry) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let value = String(decoding: try encoder.encode(entry), as: UTF8.self)
        try await database.transaction { connection in
            try await connection.delete(from: "installation").where("key", .equal, Self.key).run()
            try await connection.insert(into: "installation").columns("key", "value").values(SQLBind(Self.key), SQLBind(value)).run()
        }
    }

    /// Nil when no backup was ever recorded (or the schema predates the installation table).
    public func last() async throws -> Entry? {
        guard let value = try await database.sql.select().column("value").from("installation").where("key", .equal, Self.key)
            .first()?.decode(column: "value", as: String.self) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try? decoder.decode(Entry.self, from: Data(value.utf8))
    }
}
