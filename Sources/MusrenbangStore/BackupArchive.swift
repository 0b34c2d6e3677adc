@preconcurrency import Crypto
import Foundation
import Logging
import SQLKit
import ZIPFoundation
#if canImport(Glibc)
import Glibc
#endif

/// What a backup archive holds, written last into it as `manifest.json`.
public struct BackupManifest: Codable, Sendable, Equatable {
    public struct MigrationRecord: Codable, Sendable, Equatable {
        public let version: Int
        public let name: String
    }

    public struct FileRecord: Codable, Sendable, Equatable {
        /// Relative to the data directory (`photos/ab/ab12…`, `secret.key`).
        public let path: String
        public let bytes: Int64
        public let sha256: String
    }

    public static let formatName = "musrenbang-backup"
    public var format = BackupManifest.formatName
    public var formatVersion = 1
    public var createdAt: Date
    /// `sqlite` or `postgres`: where the rows came from (they restore into either).
    public var source: String
    public var schemaVersion: Int
    /// The migrations the snapshot's schema went through, to refuse an archive from a foreign branch.
    public var migrations: [MigrationRecord]
    public var tables: [TableDump]
    public var files: [FileRecord]
    /// `file` (secret.key is in the archive), `environment` (MUSRENBANG_SECRET: give the new server
    /// the same value) or `missing`.
    public var secret: String
    public var snapshotSeconds: Double

    public var rowCounts: [String: Int] { Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0.rows) }) }
}

public enum BackupError: Error, CustomStringConvertible, Equatable {
    /// Not a complete archive: cut short, not a ZIP, no manifest.
    case unreadable(String)
    /// An entry differs from what the manifest says (checksum, size, row count), or is missing or extra.
    case damaged(String)
    /// A newer release's archive, or one from a different line of migrations.
    case incompatible(String)
    case targetNotEmpty(String)
    case writeFailed(String)

    public var description: String {
        switch self {
        case .unreadable(let text): "refused: the archive cannot be read (\(text)); nothing was changed"
        case .damaged(let text): "refused: the archive is damaged or was altered (\(text)); nothing was changed"
        case .incompatible(let text): "refused: \(text); nothing was changed"
        case .targetNotEmpty(let text): "refused: the target already holds data (\(text)); restore into an empty data directory and database, or add --force to replace them"
        case .writeFailed(let text): "backup failed: \(text)"
        }
    }
}

/// One file that holds a whole installation: the logical dump of every table (`tables/*.jsonl`),
/// the data directory's secret, photos, recordings and emblem (`files/…`), and `manifest.json`
/// with the schema version, the row count of every table and a SHA-256 of every entry.
public enum BackupArchive {
    /// What belongs to an installation in its data directory (the SQLite file is in the dump;
    /// Janus's generated configuration is made again by whoever starts Janus).
    public static let dataEntries = ["secret.key", "demo-logins.txt", "lambang.png", "lambang.jpg", "lambang.svg", "photos", "recordings", "closeouts"]

    /// A backup reads whole tables in one snapshot and a restore loads them in one transaction:
    /// minutes on a large regency, not the server's seconds (PostgreSQL's statement and
    /// idle-in-transaction timeouts follow these too). For the commands' own connections.
    public static let bulkLimits: DatabaseLimits = {
        var limits = DatabaseLimits()
        limits.statement = .seconds(6 * 3600)
        limits.transaction = .seconds(6 * 3600)
        limits.writerWait = .seconds(120)
        return limits
    }()

    public struct Written: Sendable {
        public let file: URL
        public let bytes: Int64
        public let manifest: BackupManifest
        public let seconds: Double
    }

    // MARK: writing

    /// Writes the archive to a temporary name beside `file`, checks it, and only then renames it
    /// to `file`: a failure (a full disk) leaves nothing that looks like a backup.
    public static func write(database: Database, dataDirectory: URL, secretFromEnvironment: Bool,
                             to file: URL, logger: Logger) async throws -> Written {
        let started = Date()
        let fileManager = FileManager.default
        guard !fileManager.fileExists(atPath: file.path) else {
            throw BackupError.writeFailed("\(file.path) already exists; choose another name")
        }
        let folder = file.deletingLastPathComponent()
        try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        let token = UUID().uuidString.prefix(8)
        let partial = folder.appendingPathComponent(".\(file.lastPathComponent).partial-\(token)")
        let staging = folder.appendingPathComponent(".\(file.lastPathComponent).staging-\(token)", isDirectory: true)
        defer { try? fileManager.removeItem(at: staging) }
        do {
            let snapshot = try await LogicalDump.dump(database, into: staging)
            let manifest = try writeArchive(snapshot, staging: staging, dataDirectory: dataDirectory,
                                            secretFromEnvironment: secretFromEnvironment, to: partial)
            // Read back before it may be called a backup: a short write shows here.
            _ = try verify(partial)
            try syncFile(partial)
            try fileManager.moveItem(at: partial, to: file)
            syncDirectory(folder)
            let bytes = (try fileManager.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0
            return Written(file: file, bytes: bytes, manifest: manifest, seconds: Date().timeIntervalSince(started))
        } catch {
            try? fileManager.removeItem(at: partial)
            try? fileManager.removeItem(at: staging)
            throw BackupError.writeFailed("\(describe(error)); free space in \(folder.path): \(freeSpace(folder)). "
                                          + "Nothing was left behind (\(file.lastPathComponent) was not written)")
        }
    }

    private static func writeArchive(_ snapshot: DatabaseSnapshot, staging: URL, dataDirectory: URL,
                                     secretFromEnvironment: Bool, to partial: URL) throws -> BackupManifest {
        let archive = try Archive(url: partial, accessMode: .create)
        for table in snapshot.tables {
            try archive.addEntry(with: "tables/\(table.name).jsonl", fileURL: staging.appendingPathComponent("\(table.name).jsonl"),
                                 compressionMethod: .deflate, bufferSize: 1 << 20)
        }
        // Files after the snapshot: a row can only name a photo already written, so every file
        // the rows need is here (perhaps one more, never one fewer).
        var files: [BackupManifest.FileRecord] = []
        for path in dataFiles(dataDirectory) {
            files.append(try addFile(path, from: dataDirectory, to: archive))
        }
        let secret = secretFromEnvironment ? "environment" : (files.contains { $0.path == "secret.key" } ? "file" : "missing")
        let applied = Migrator.known.filter { snapshot.appliedVersions.contains($0.version) }
        let manifest = BackupManifest(
            createdAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)), source: snapshot.flavour == .sqlite ? "sqlite" : "postgres", schemaVersion: snapshot.schemaVersion,
            migrations: applied.map { .init(version: $0.version, name: $0.name) }, tables: snapshot.tables, files: files,
            secret: secret, snapshotSeconds: snapshot.seconds)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(manifest)
        try archive.addEntry(with: "manifest.json", type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
        return manifest
    }

    /// Adds one file, hashing exactly the bytes stored: a recording still being written is taken
    /// at the length it had when the backup reached it.
    private static func addFile(_ path: String, from dataDirectory: URL, to archive: Archive) throws -> BackupManifest.FileRecord {
        let url = dataDirectory.appendingPathComponent(path)
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        let compress: CompressionMethod = [".jpg", ".jpeg", ".png", ".webm", ".mjr", ".webp"].contains { path.lowercased().hasSuffix($0) } || path.hasPrefix("photos/")
            ? .none : .deflate
        try archive.addEntry(with: "files/\(path)", type: .file, uncompressedSize: size, compressionMethod: compress,
                             bufferSize: 1 << 20) { position, want in
            try handle.seek(toOffset: UInt64(position))
            let data = try handle.read(upToCount: want) ?? Data()
            guard data.count == want else { throw BackupError.writeFailed("\(path) shrank while it was being read") }
            hasher.update(data: data)
            return data
        }
        return .init(path: path, bytes: size, sha256: hasher.finalize().hex)
    }

    /// The data directory's files that belong in a backup, relative, sorted; symbolic links skipped.
    static func dataFiles(_ dataDirectory: URL) -> [String] {
        let fileManager = FileManager.default
        var found: [String] = []
        for name in dataEntries {
            let url = dataDirectory.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
            if !isDirectory.boolValue {
                if isRegularFile(url) { found.append(name) }
                continue
            }
            guard let walker = fileManager.enumerator(atPath: url.path) else { continue }
            while let relative = walker.nextObject() as? String {
                let child = url.appendingPathComponent(relative)
                if isRegularFile(child) { found.append("\(name)/\(relative)") }
            }
        }
        return found.sorted()
    }

    private static func isRegularFile(_ url: URL) -> Bool {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes?[.type] as? FileAttributeType) == .typeRegular
    }

    // MARK: reading

    /// Reads the manifest and checks every entry against it (size, SHA-256, row count; ZIP's own
    /// CRC on the way), writing the entries under `staging` when given. Throws `BackupError`.
    @discardableResult
    public static func verify(_ file: URL, extractingTo staging: URL? = nil) throws -> BackupManifest {
        let archive = try open(file)
        let manifest = try readManifest(archive)
        var expected: [String: (bytes: Int64, sha256: String, rows: Int?)] = ["manifest.json": (0, "", nil)]
        for table in manifest.tables {
            guard safeName(table.name) else { throw BackupError.damaged("a table named \(table.name.prefix(40))") }
            expected["tables/\(table.name).jsonl"] = (table.bytes, table.sha256, table.rows)
        }
        for record in manifest.files {
            guard safePath(record.path) else { throw BackupError.damaged("a file outside the data directory: \(record.path.prefix(80))") }
            expected["files/\(record.path)"] = (record.bytes, record.sha256, nil)
        }
        var present: Set<String> = []
        for entry in archive {
            guard entry.type == .file else { throw BackupError.damaged("an entry that is not a file: \(entry.path.prefix(80))") }
            guard let want = expected[entry.path] else { throw BackupError.damaged("an entry the manifest does not list: \(entry.path.prefix(80))") }
            guard present.insert(entry.path).inserted else { throw BackupError.damaged("\(entry.path) appears twice") }
            guard entry.path != "manifest.json" else { continue }
            let target: URL? = staging.map { staging in
                entry.path.hasPrefix("tables/") ? staging.appendingPathComponent(entry.path)
                    : staging.appendingPathComponent("files").appendingPathComponent(String(entry.path.dropFirst("files/".count)))
            }
            let (bytes, digest, lines) = try read(entry, of: archive, to: target)
            guard bytes == want.bytes else { throw BackupError.damaged("\(entry.path) holds \(bytes) bytes, the manifest says \(want.bytes)") }
            guard digest == want.sha256 else { throw BackupError.damaged("\(entry.path): its SHA-256 differs from the manifest's") }
            if let rows = want.rows, rows != lines {
                throw BackupError.damaged("\(entry.path) holds \(lines) rows, the manifest says \(rows)")
            }
        }
        let absent = Set(expected.keys).subtracting(present).sorted()
        guard absent.isEmpty else { throw BackupError.damaged("missing: \(absent.prefix(5).joined(separator: ", "))") }
        return manifest
    }

    static func open(_ file: URL) throws -> Archive {
        guard FileManager.default.fileExists(atPath: file.path) else { throw BackupError.unreadable("\(file.path) does not exist") }
        do {
            return try Archive(url: file, accessMode: .read)
        } catch {
            throw BackupError.unreadable("not a complete ZIP archive, perhaps cut short (\(describe(error)))")
        }
    }

    static func readManifest(_ archive: Archive) throws -> BackupManifest {
        guard let entry = archive["manifest.json"] else { throw BackupError.unreadable("no manifest.json: not a musrenbang backup") }
        var data = Data()
        do {
            // ZIPFoundation returns the CRC it computed; comparing it is the caller's job.
            let crc = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            guard crc == entry.checksum else { throw Archive.ArchiveError.invalidCRC32 }
        } catch {
            throw BackupError.damaged("manifest.json: \(describe(error))")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let manifest = try? decoder.decode(BackupManifest.self, from: data), manifest.format == BackupManifest.formatName else {
            throw BackupError.unreadable("manifest.json is not a musrenbang backup manifest")
        }
        guard manifest.formatVersion == 1 else {
            throw BackupError.incompatible("the archive's format \(manifest.formatVersion) is newer than this musrenbang reads (1)")
        }
        return manifest
    }

    private static func read(_ entry: Entry, of archive: Archive, to target: URL?) throws -> (Int64, String, Int) {
        var hasher = SHA256()
        var bytes: Int64 = 0
        var lines = 0
        var handle: FileHandle?
        if let target {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: target.path, contents: nil) else {
                throw BackupError.writeFailed("cannot write \(target.path)")
            }
            handle = try FileHandle(forWritingTo: target)
        }
        defer { try? handle?.close() }
        do {
            let crc = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: false) { data in
                hasher.update(data: data)
                bytes += Int64(data.count)
                data.withUnsafeBytes { raw in
                    for byte in raw where byte == 0x0A { lines += 1 }
                }
                try handle?.write(contentsOf: data)
            }
            // The consumer form of extract computes the CRC but does not compare it.
            guard crc == entry.checksum else { throw Archive.ArchiveError.invalidCRC32 }
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError.damaged("\(entry.path): \(describe(error))")
        }
        return (bytes, hasher.finalize().hex, lines)
    }

    static func safeName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    static func safePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard let top = parts.first, dataEntries.contains(String(top)) else { return false }
        return !path.hasPrefix("/") && !parts.contains { $0 == ".." || $0 == "." || $0.isEmpty }
    }

    // MARK: small helpers

    static func describe(_ error: any Error) -> String {
        if let error = error as? BackupError { return error.description }
        if let error = error as? Archive.ArchiveError {
            return switch error {
            case .invalidCRC32: "an entry's CRC does not match its content"
            case .missingEndOfCentralDirectoryRecord: "the ZIP directory at the end of the file is missing"
            case .unwritableArchive: "the archive could not be written"
            default: "ZIP: \(error)"
            }
        }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain, nsError.code == Int(ENOSPC) { return "no space left on the device" }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == CocoaError.fileWriteOutOfSpace.rawValue { return "no space left on the device" }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           underlying.code == Int(ENOSPC) { return "no space left on the device" }
        return "\(error)"
    }

    static func freeSpace(_ folder: URL) -> String {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: folder.path),
              let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value else { return "unknown" }
        return free < 1 << 20 ? "\(free / 1024) KiB — the disk is full" : "\(free >> 20) MiB"
    }

    static func syncFile(_ url: URL) throws {
        let handle = try FileHandle(forUpdating: url)
        try handle.synchronize()
        try handle.close()
    }

    static func syncDirectory(_ url: URL) {
        #if canImport(Glibc)
        let descriptor = Glibc.open(url.path, O_RDONLY | O_DIRECTORY)
        if descriptor >= 0 { _ = fsync(descriptor); _ = close(descriptor) }
        #endif
    }
}
