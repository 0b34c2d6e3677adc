import Foundation
import Hummingbird
import HummingbirdTesting
import MusrenbangMedia
@testable import MusrenbangServer
import Testing
import TestSupport

@Suite("The public program as HLS: files served, the page told how to watch")
struct ProgramHLSTests {
    @Test("the control room says where the program is restreamed, by host only: the stream key is never on a page",
          arguments: TestFlavour.enabled)
    func restreamShown(flavour: TestFlavour) async throws {
        try await withTestApp(flavour, configure: {
            $0.restream = HLSPackager.Restream("rtmp://a.rtmp.youtube.com/live2/kunci-rahasia-123")
        }) { app in
            let world = try await AssemblyWorld.make(app)
            let room = try await app.send(.get, "/musrenbang/\(world.id)/kendali", token: world.planner)
            #expect(room.status == .ok)
            #expect(room.text.contains("Siaran juga diteruskan ke <strong>a.rtmp.youtube.com</strong>"))
            #expect(!room.text.contains("kunci-rahasia"))
        }
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app)
            let room = try await app.send(.get, "/musrenbang/\(world.id)/kendali", token: world.planner)
            #expect(room.status == .ok && !room.text.contains("data-restream"), "no platform named, nothing said")
        }
    }

    @Test("playlist and segments by name only, with their types and caching; 404 for anything else", arguments: TestFlavour.enabled)
    func serving(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let hls = try #require(app.services.hls)
            let folder = hls.directory(12)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init-5.mp4\"\n#EXTINF:2.0,\ns-100.m4s\n"
            try Data(playlist.utf8).write(to: folder.appendingPathComponent("index.m3u8"))
            try Data([0, 0, 0, 8, 0x66, 0x74, 0x79, 0x70]).write(to: folder.appendingPathComponent("init-5.mp4"))
            try Data(repeating: 7, count: 4096).write(to: folder.appendingPathComponent("s-100.m4s"))
            // Files that sit beside or in the folder but are not the program's.
            try Data("secret".utf8).write(to: hls.settings.root.appendingPathComponent("12.sdp"))
            try Data("x".utf8).write(to: folder.appendingPathComponent("notes.txt"))

            let list = try await app.send(.get, "/musrenbang/12/siaran/index.m3u8")
            #expect(list.status == .ok)
            #expect(list.headers[.contentType] == "application/vnd.apple.mpegurl")
            #expect(list.headers[.cacheControl] == "no-cache")
            #expect(list.text == playlist)
            let segment = try await app.send(.get, "/musrenbang/12/siaran/s-100.m4s")
            #expect(segment.status == .ok)
            #expect(segment.headers[.contentType] == "video/mp4")
            #expect(segment.headers[.cacheControl]?.contains("immutable") == true)
            #expect(segment.body.readableBytes == 4096)
            let initSegment = try await app.send(.get, "/musrenbang/12/siaran/init-5.mp4")
            #expect(initSegment.status == .ok && initSegment.headers[.contentType] == "video/mp4")

            for path in ["/musrenbang/12/siaran/notes.txt", "/musrenbang/12/siaran/..%2F12.sdp", "/musrenbang/12/siaran/%2E%2E",
                         "/musrenbang/12/siaran/s-101.m4s", "/musrenbang/13/siaran/index.m3u8", "/musrenbang/x/siaran/index.m3u8",
                         "/musrenbang/-12/siaran/index.m3u8", "/musrenbang/12/siaran/index.m3u8.tmp", "/musrenbang/12/siaran/"] {
                let response = try await app.send(.get, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(!response.text.contains("secret"))
            }
        }
    }

    @Test("the media state says whether WebRTC has room and where the HLS playlist is", arguments: TestFlavour.enabled)
    func state(flavour: TestFlavour) async throws {
        try await withTestApp(flavour) { app in
            let world = try await AssemblyWorld.make(app, villages: [bubuk])
            let state = try await app.send(.get, "/api/v1/assemblies/\(world.id)/media").json()
            let program = try #require(state["program"] as? [String: Any])
            #expect(program["webrtc"] as? Bool == false, "no Janus here: no WebRTC")
            #expect(program["hls"] == nil || program["hls"] is NSNull)
        }
    }

    @Test("MUSRENBANG_WEBRTC_VIEWERS sets the WebRTC cap, 0 included; MUSRENBANG_HLS=0 turns HLS off")
    func configuration() throws {
        #expect(try AppConfiguration.fromEnvironment(["MUSRENBANG_WEBRTC_VIEWERS": "0"]).media.maximumViewers == 0)
        #expect(try AppConfiguration.fromEnvironment([:]).media.maximumViewers == 200)
        #expect(try AppConfiguration.fromEnvironment([:]).hls)
        #expect(try !AppConfiguration.fromEnvironment(["MUSRENBANG_HLS": "0"]).hls)
        #expect(throws: (any Error).self) { try AppConfiguration.fromEnvironment(["MUSRENBANG_WEBRTC_VIEWERS": "-1"]) }
    }
}
