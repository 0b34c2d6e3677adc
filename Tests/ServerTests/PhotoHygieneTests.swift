import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangCore
@testable import MusrenbangServer
import MusrenbangStore
import SQLKit
import Testing
import TestSupport

/// Small real images (8×8, made with ffmpeg), and photos with GPS made by ExifTool in the test.
enum TestImages {
    static let jpeg = decode("/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgKCgsKCw0NDQ0NDRAPEBAQEBAQEBAQEBASEhIVFRUSEhIQEBISFBQVFRcXFxUVFRUXFxkZGR4eHBwjIyQrKzP/xABMAAEBAAAAAAAAAAAAAAAAAAAABgEBAQAAAAAAAAAAAAAAAAAABgcQAQAAAAAAAAAAAAAAAAAAAAARAQAAAAAAAAAAAAAAAAAAAAD/wAARCAAIAAgDASIAAhEAAxEA/9oADAMBAAIRAxEAPwCLAFF/f//Z")
    /// Four PNGs of different colours: four different photos.
    static let pngs = [
        "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAACXBIWXMAAAABAAAAAQBPJcTWAAAAEklEQVR4nGP4y8CAFWEXHbQSAPZwP0G2GkFNAAAAAElFTkSuQmCC",
        "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAACXBIWXMAAAABAAAAAQBPJcTWAAAAEElEQVR4nGNgqGfAjoaWBABofB/BxrsbhAAAAABJRU5ErkJggg==",
        "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAACXBIWXMAAAABAAAAAQBPJcTWAAAAEElEQVR4nGNgYPiHAw0pCQCQsD+BbU3KfAAAAABJRU5ErkJggg==",
        "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAACXBIWXMAAAABAAAAAQBPJcTWAAAAD0lEQVR4nGP4jwMwDC0JALoev0Ewkwr8AAAAAElFTkSuQmCC",
    ].map(decode)

    static func decode(_ base64: String) -> [UInt8] { Array(Data(base64Encoded: base64)!) }

    /// `bytes` with a citizen's house in its EXIF GPS, the camera, a comment and "rotate 90°".
    static func withGPS(_ bytes: [UInt8]) async throws -> [UInt8] {
        try await exiftool(["-q", "-GPSLatitude=7.2575", "-GPSLatitudeRef=S", "-GPSLongitude=112.7521", "-GPSLongitudeRef=E",
                      "-Make=KameraRumah", "-Model=HP Warga", "-XMP:Creator=Siti Aminah", "-Comment=rumah Siti", "-Orientation#=6",
                      "-o", "-", "-"], input: bytes)
    }

    /// What ExifTool reads in `bytes`: tag name → value (specific groups in the names, e.g. "GPS:GPSLatitude", "IFD0:Make").
    static func tags(_ bytes: [UInt8]) async throws -> [String: Any] {
        let output = try await exiftool(["-j", "-G1", "-a", "-"], input: bytes)
        let list = try JSONSerialization.jsonObject(with: Data(output)) as? [[String: Any]]
        return list?.first ?? [:]
    }

    static func exiftool(_ arguments: [String], input: [UInt8]) async throws -> [UInt8] {
        let ran = try await Tool.run("exiftool", arguments, input: input)
        guard ran.succeeded else { throw TestFailure("exiftool \(arguments) exited \(ran.status)") }
        return ran.output
    }
}

@Suite("Photos: checked before anything is written, served without their metadata")
struct PhotoHygieneTests {
    static func files(_ app: TestApp) -> [String] {
        let directory = app.services.configuration.dataDirectory.appendingPathComponent("photos")
        return (FileManager.default.enumerator(atPath: directory.path)?.allObjects as? [String] ?? []).filter { $0.contains("/") }.sorted()
    }

    static func upload(_ app: TestApp, _ id: Int, _ bytes: [UInt8], token: String, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"]
        headers.append(contentsOf: extra)
        return try await app.client.execute(uri: "/api/v1/proposals/\(id)/photos", method: .post, headers: headers,
                                            body: ByteBuffer(bytes: bytes))
    }

    @Test("a photo's GPS, camera and comments are gone from what is stored and served; its orientation stays",
          arguments: TestFlavour.enabled)
    func metadataRemoved(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created()
            let original = try await TestImages.withGPS(TestImages.jpeg)
            let before = try await TestImages.tags(original)
            #expect(before.keys.contains { $0.hasPrefix("GPS:") }, "the test photo has GPS: \(before.keys.sorted())")

            let response = try await Self.upload(app, id, original, token: world.citizen)
            #expect(response.status == .created, "\(response.text)")
            let url = try #require(try response.json()["url"] as? String)
            let served = try await app.send(.get, url)
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == "image/jpeg")
            let bytes = Array(served.body.readableBytesView)
            let after = try await TestImages.tags(bytes)
            let leaked = after.filter { key, value in
                key.hasPrefix("GPS:") || key.contains("GPS") || key.hasSuffix(":Make") || key.hasSuffix(":Model")
                    || key.hasPrefix("XMP") || key.hasSuffix(":Comment") || "\(value)".contains("Siti")
            }
            #expect(leaked.isEmpty, "metadata served: \(leaked)")
            #expect("\(after["IFD0:Orientation"] ?? "")" == "Rotate 90 CW", "the orientation is kept: \(after)")
            #expect(!String(decoding: bytes, as: UTF8.self).contains("KameraRumah"))

            // The file on disk is the served one, private to the server's account.
            let hash = String(url.dropFirst("/foto/".count))
            let file = app.services.configuration.dataDirectory.appendingPathComponent("photos/\(hash.prefix(2))/\(hash)")
            #expect(Array(try Data(contentsOf: file)) == bytes)
            #expect(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() == hash)
            let fileMode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            let folderMode = try FileManager.default.attributesOfItem(atPath: file.deletingLastPathComponent().path)[.posixPermissions] as? Int
            #expect(fileMode == 0o600 && folderMode == 0o700, "modes \(String(fileMode ?? 0, radix: 8)) \(String(folderMode ?? 0, radix: 8))")
        }
    }

    @Test("a refused photo leaves no file: not an image, a fourth, over 5 MB, over the daily quota", arguments: TestFlavour.enabled)
    func refusedLeavesNothing(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created()
            // PNG's signature over no PNG: the first bytes pass, ExifTool does not.
            let fake = TestImages.pngs[0].prefix(8) + Array(repeating: 7, count: 100)
            let notImage = try await Self.upload(app, id, Array(fake), token: world.citizen)
            #expect(notImage.status == .unprocessableContent && notImage.text.contains("photo.type"), "\(notImage.text)")
            let script = try await Self.upload(app, id, Array("<html><script>alert(1)</script>".utf8), token: world.citizen)
            #expect(script.status == .unprocessableContent)
            #expect(Self.files(app).isEmpty)

            for png in TestImages.pngs.prefix(3) { #expect(try await Self.upload(app, id, png, token: world.citizen).status == .created) }
            #expect(Self.files(app).count == 3)
            let fourth = try await Self.upload(app, id, TestImages.pngs[3], token: world.citizen)
            #expect(fourth.status == .unprocessableContent && fourth.text.contains("photo.tooMany"), "\(fourth.text)")
            #expect(Self.files(app).count == 3, "the fourth photo left a file")

            // Declared over 5 MB (Content-Length): refused before the body is read. (The in-process
            // client sets its own Content-Length, so the admission is asked directly.)
            let other = try await world.created()
            let citizenRecord = try #require(try await app.services.accounts.user(nikHash: app.services.secret.nikHash(womanNIK)))
            let service = ProposalService(services: app.services)
            do {
                try await service.admitPhoto(ProposalID(rawValue: Int64(other)), size: 6 * 1024 * 1024, by: citizenRecord)
                Issue.record("a declared 6 MB photo was admitted")
            } catch let error as AppError {
                #expect(error.status == .contentTooLarge && error.code == "photo.tooLarge")
            }
            let huge = try await Self.upload(app, other, [0xFF, 0xD8, 0xFF] + Array(repeating: 0, count: 5 * 1024 * 1024), token: world.citizen)
            #expect(huge.status == .contentTooLarge)
            #expect(Self.files(app).count == 3)

            // The citizen's daily quota, filled by earlier uploads (rows as the store writes them).
            let citizen = try #require(try await app.services.accounts.user(nikHash: app.services.secret.nikHash(womanNIK)))
            let sql = app.services.database.sql
            let filler = try await world.created()
            for n in 0..<PhotoQuota.maximumPhotos {
                let hash = String(format: "%064x", n + 1)
                try await sql.insert(into: "photos").columns("hash", "content_type", "bytes", "created_at", "metadata_removed")
                    .values(SQLBind(hash), SQLBind("image/png"), SQLBind(100), SQLBind(Date()), SQLBind(true)).run()
                try await sql.insert(into: "proposal_photos").columns("proposal_id", "photo_hash", "purpose", "created_at", "uploaded_by")
                    .values(SQLBind(filler), SQLBind(hash), SQLBind("problem"), SQLBind(Date()), SQLBind(citizen.id.rawValue)).run()
            }
            let overQuota = try await Self.upload(app, other, TestImages.pngs[3], token: world.citizen)
            #expect(overQuota.status == .tooManyRequests && overQuota.text.contains("photo.quota"), "\(overQuota.status) \(overQuota.text)")
            #expect(overQuota.headers[.retryAfter] != nil)
            #expect(Self.files(app).count == 3, "a photo over the quota left a file")
            // Another person's quota is their own.
            let operatorUpload = try await Self.upload(app, other, TestImages.pngs[3], token: world.villageOperator)
            #expect(operatorUpload.status == .created, "\(operatorUpload.text)")
            #expect(Self.files(app).count == 4)
        }
    }

    @Test("photos stored before metadata was removed are cleaned the first time they are served", arguments: TestFlavour.enabled)
    func legacyPhotosCleanedOnServe(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created()
            let original = try await TestImages.withGPS(TestImages.jpeg)
            let hash = SHA256.hash(data: original).map { String(format: "%02x", $0) }.joined()
            let file = app.services.configuration.dataDirectory.appendingPathComponent("photos/\(hash.prefix(2))/\(hash)")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(original).write(to: file)
            let sql = app.services.database.sql
            try await sql.insert(into: "photos").columns("hash", "content_type", "bytes", "created_at")
                .values(SQLBind(hash), SQLBind("image/jpeg"), SQLBind(original.count), SQLBind(Date())).run()
            try await sql.insert(into: "proposal_photos").columns("proposal_id", "photo_hash", "purpose", "created_at")
                .values(SQLBind(id), SQLBind(hash), SQLBind("problem"), SQLBind(Date())).run()

            let served = try await app.send(.get, "/foto/\(hash)")
            #expect(served.status == .ok)
            let tags = try await TestImages.tags(Array(served.body.readableBytesView))
            #expect(!tags.keys.contains { $0.contains("GPS") }, "served with GPS: \(tags.keys.sorted())")
            #expect(!(try await TestImages.tags(Array(try Data(contentsOf: file))).keys.contains { $0.contains("GPS") }), "the file keeps GPS")
            let flag = try await sql.select().column("metadata_removed").from("photos").where("hash", .equal, hash).first()?
                .decode(column: "metadata_removed", as: Bool.self)
            #expect(flag == true)
        }
    }

    @Test("without ExifTool no photo is stored (503) and nothing is written", arguments: TestFlavour.enabled)
    func noCleanerNoPhoto(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await ProposalWorld.make(app)
            let id = try await world.created()
            let citizen = try #require(try await app.services.accounts.user(nikHash: app.services.secret.nikHash(womanNIK)))
            let store = PhotoStore(app.services.database, dataDirectory: app.services.configuration.dataDirectory,
                                   cleaner: PhotoCleaner(executable: "/nonexistent/exiftool"))
            await #expect(throws: PhotoStore.PhotoError.cleaning(.missing)) {
                try await store.attach(TestImages.pngs[0], to: ProposalID(rawValue: Int64(id)), purpose: "problem", by: citizen.id)
            }
            #expect(Self.files(app).isEmpty)
            #expect(ProposalService.photoUnavailable(.missing).status == .serviceUnavailable)
        }
    }
}
