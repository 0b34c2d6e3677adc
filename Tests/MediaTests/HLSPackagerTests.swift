import Foundation
@testable import MusrenbangMedia
import Testing
import TestSupport

@Suite("HLS packager: names served, ffmpeg supervised")
struct HLSPackagerTests {
    @Test("only the names ffmpeg writes are served")
    func names() {
        for good in ["index.m3u8", "init-1764480000123.mp4", "s-1796017268.m4s", "s-0.m4s"] {
            #expect(HLSPackager.isServedName(good), "\(good)")
        }
        for bad in ["", "../index.m3u8", "index.m3u8/", "/etc/passwd", "s-.m4s", "s-12a.m4s", "s-1.mp4", "init-1.m4s", "..",
                    "s-1.m4s/../../x", "index.M3U8", "5.sdp", "5.pid", "ffmpeg.log", "s-１.m4s", "s-%d.m4s",
                    "s-" + String(repeating: "1", count: 21) + ".m4s", "init-1.mp4\0", "s-1.m4s%2F..", "s-1.m4s.tmp"] {
            #expect(!HLSPackager.isServedName(bad), "\(bad)")
        }
        #expect(HLSPackager.kind(of: "index.m3u8") == .playlist)
        #expect(HLSPackager.kind(of: "init-7.mp4") == .initSegment)
        #expect(HLSPackager.kind(of: "s-7.m4s") == .segment)
        #expect(HLSPackager.kind(of: "x.m4s") == nil)
    }

    @Test("the SDP names the ports and payload types Janus is told to send")
    func sdp() {
        let sdp = HLSPackager.sdp(.init(audio: 49_004, video: 49_006))
        #expect(sdp.contains("m=audio 49004 RTP/AVP 111"))
        #expect(sdp.contains("m=video 49006 RTP/AVP 100"))
        #expect(sdp.contains("a=rtpmap:100 VP8/90000"))
        #expect(!HLSPackager.sdp(.init(audio: 49_004, video: 49_006), audio: false).contains("m=audio"), "no microphone, no audio to wait for")
    }

    static var ffmpegInstalled: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/ffmpeg") }
    }

    /// Processes whose command line names `root`: what the packager left running.
    static func processes(naming root: URL) -> [Int32] {
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return ids.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { return false }
            return String(decoding: data, as: UTF8.self).contains(root.path)
        }
    }

    /// A second ffmpeg playing Janus's part: a VP8 test pattern and an Opus tone as RTP to the ports.
    static func source(_ ports: HLSPackager.Ports, seconds: Int, audio: Bool = true) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                             "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=\(seconds)",
                             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=\(seconds)",
                             "-map", "0:v", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k",
                             "-payload_type", "100", "-f", "rtp", "rtp://127.0.0.1:\(ports.video)"]
            + (audio ? ["-map", "1:a", "-c:a", "libopus", "-payload_type", "111", "-f", "rtp", "rtp://127.0.0.1:\(ports.audio)"] : [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func waitFor(seconds: Int, _ condition: () async -> Bool) async -> Bool {
        for _ in 0..<(seconds * 4) {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return await condition()
    }

    static func pid(_ root: URL, _ assembly: Int64) -> Int32? {
        (try? String(contentsOf: root.appendingPathComponent("\(assembly).pid"), encoding: .utf8))?
            .split(separator: " ").first.flatMap { Int32($0) }
    }

    @Test("RTP in, playlist and segments out; restarted when it dies, gone when stopped", .enabled(if: ffmpegInstalled),
          .timeLimit(.minutes(3)))
    func supervisor() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hls-test-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let packager = HLSPackager(settings: .init(root: root, width: 320, height: 180, segmentSeconds: 1, listSize: 4))
        let ports = try await packager.start(7)
        #expect(try await packager.start(7) == ports, "one ffmpeg per program")
        let source = try Self.source(ports, seconds: 60)
        defer { if source.isRunning { source.terminate() } }

        func segments() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: packager.directory(7).path)) ?? []).filter { $0.hasSuffix(".m4s") }
        }
        #expect(await Self.waitFor(seconds: 40) { packager.isPublished(7) && segments().count >= 2 })
        let playlist = try String(contentsOf: packager.directory(7).appendingPathComponent("index.m3u8"), encoding: .utf8)
        #expect(playlist.contains("#EXT-X-MAP:URI=\"init-"))
        #expect(playlist.contains("#EXT-X-PROGRAM-DATE-TIME:"))
        #expect(playlist.split(separator: "\n").filter { !$0.hasPrefix("#") }.allSatisfy { HLSPackager.isServedName(String($0)) },
                "every name in the playlist passes the guard")
        #expect(packager.file(7, named: "index.m3u8") != nil)
        #expect(packager.file(7, named: "../7.sdp") == nil)

        // It dies while the program is live: the supervisor starts another on the same ports.
        let first = try #require(Self.pid(root, 7))
        kill(first, SIGKILL)
        #expect(await Self.waitFor(seconds: 30) { await packager.starts[7] == 2 && Self.pid(root, 7).map { $0 != first } == true })
        #expect(await packager.ports(7) == ports)

        await packager.stop(7)
        #expect(Self.processes(naming: root).isEmpty, "no ffmpeg left")
        #expect(!packager.isPublished(7))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("7.pid").path))
        source.terminate()
    }

    @Test("a restream URL is rtmp:// or rtmps:// with a host and nothing that splits ffmpeg's outputs")
    func restreamURLs() throws {
        #expect(HLSPackager.Restream("rtmp://a.rtmp.youtube.com/live2/abcd-1234")?.url(for: 5) == "rtmp://a.rtmp.youtube.com/live2/abcd-1234")
        #expect(HLSPackager.Restream("rtmps://live-api-s.facebook.com:443/rtmp/{assembly}-key")?.url(for: 5)
                == "rtmps://live-api-s.facebook.com:443/rtmp/5-key")
        for bad in ["http://example.com/live", "rtmp:///live/key", "rtmp://host/live/a|[f=hls]/tmp/x", "rtmp://host/live/a b",
                    "rtmp://host/live/'x'", "file:///etc/passwd", ""] {
            #expect(HLSPackager.Restream(bad) == nil, "\(bad)")
        }
        let root = URL(fileURLWithPath: "/var/lib/musrenbang/hls")
        let plain = HLSPackager(settings: .init(root: root))
        let arguments = plain.arguments(3, sdp: root.appendingPathComponent("3.sdp"), directory: plain.directory(3), run: 1)
        #expect(arguments.suffix(1) == ["/var/lib/musrenbang/hls/3/index.m3u8"] && !arguments.contains("tee"), "without a restream: HLS alone")
        let teed = HLSPackager(settings: .init(root: root, restream: HLSPackager.Restream("rtmp://127.0.0.1:1935/live/{assembly}")))
        let both = teed.arguments(3, sdp: root.appendingPathComponent("3.sdp"), directory: teed.directory(3), run: 1)
        let slaves: String = "[f=hls:hls_time=2:hls_list_size=6:hls_segment_type=fmp4:"
            + "hls_flags=delete_segments+independent_segments+omit_endlist+program_date_time+temp_file:hls_start_number_source=epoch:"
            + "hls_fmp4_init_filename=init-1.mp4:hls_segment_filename=/var/lib/musrenbang/hls/3/s-%d.m4s]/var/lib/musrenbang/hls/3/index.m3u8"
            + "|[f=flv:onfail=ignore]rtmp://127.0.0.1:1935/live/3"
        #expect(Array(both.suffix(3)) == ["-f", "tee", slaves])
        #expect(both.filter { $0 == "libx264" }.count == 1, "one encode feeds both")
    }

    static var rtmpInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx")
            && FileManager.default.fileExists(atPath: "/usr/lib/nginx/modules/ngx_rtmp_module.so")
    }

    /// Debian's nginx with its RTMP module on loopback, recording what is pushed to it: the
    /// social-media platform's part.
    static func rtmpServer(_ directory: URL, port: Int) throws -> Process {
        let records = directory.appendingPathComponent("records", isDirectory: true)
        try FileManager.default.createDirectory(at: records, withIntermediateDirectories: true)
        // nginx's worker may run as nobody when the tests run as root.
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: records.path)
        let config = """
            load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
            daemon off;
            pid \(directory.path)/nginx.pid;
            error_log \(directory.path)/error.log info;
            events { worker_connections 32; }
            rtmp { server { listen 127.0.0.1:\(port); application live { live on; record all; record_path \(records.path); record_unique off; } } }
            """
        try config.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-c", directory.appendingPathComponent("nginx.conf").path, "-p", directory.path, "-e", directory.appendingPathComponent("error.log").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func streams(of file: URL) async -> [String] {
        let probed = try? await Tool.run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", file.path])
        return (probed?.text ?? "").split(separator: "\n").map(String.init).sorted()
    }

    @Test("the program is restreamed over RTMP (Debian's nginx RTMP module) from the HLS encode; a platform that is down never stops the HLS",
          .enabled(if: ffmpegInstalled && (rtmpInstalled || ProcessInfo.processInfo.environment["CI"] == "true")), .timeLimit(.minutes(3)))
    func restream() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hls-rtmp-\(UUID().uuidString)", isDirectory: true)
        let platform = root.appendingPathComponent("platform", isDirectory: true)
        try FileManager.default.createDirectory(at: platform, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let port = Int.random(in: 21_000...29_000)
        let nginx = try Self.rtmpServer(platform, port: port)
        defer { if nginx.isRunning { nginx.terminate() } }

        // Program 11 goes to the platform; program 12's platform is not there at all.
        let packager = HLSPackager(settings: .init(root: root.appendingPathComponent("hls"), width: 320, height: 180, segmentSeconds: 1,
                                                   listSize: 4, restream: HLSPackager.Restream("rtmp://127.0.0.1:\(port)/live/program-{assembly}")))
        let down = HLSPackager(settings: .init(root: root.appendingPathComponent("hls-down"), ports: 48_000...48_999, width: 320, height: 180,
                                               segmentSeconds: 1, listSize: 4,
                                               restream: HLSPackager.Restream("rtmp://127.0.0.1:\(port + 1)/live/program-{assembly}")))
        try await Task.sleep(for: .milliseconds(500))  // nginx listening
        let ports = try await packager.start(11)
        let downPorts = try await down.start(12)
        let source = try Self.source(ports, seconds: 60)
        let downSource = try Self.source(downPorts, seconds: 60)
        defer { for process in [source, downSource] where process.isRunning { process.terminate() } }

        let record = platform.appendingPathComponent("records/program-11.flv")
        #expect(await Self.waitFor(seconds: 40) {
            packager.isPublished(11) && ((try? FileManager.default.attributesOfItem(atPath: record.path)[.size] as? Int) ?? 0) > 50_000
        }, "the platform receives the program while the HLS is published")
        #expect(await Self.streams(of: record) == ["aac", "h264"], "H.264 and AAC reach the platform")
        #expect(await Self.waitFor(seconds: 40) { down.isPublished(12) }, "HLS goes on when the platform is down")
        #expect(await down.starts[12] == 1, "and its ffmpeg was not restarted over it")

        await packager.stop(11)
        await down.stop(12)
        #expect(Self.processes(naming: root.appendingPathComponent("hls")).isEmpty)
        #expect(Self.processes(naming: root.appendingPathComponent("hls-down")).isEmpty)
    }

    @Test("a hub without a microphone: the program gets a silent track, so players still find H.264 + AAC",
          .enabled(if: ffmpegInstalled), .timeLimit(.minutes(2)))
    func withoutMicrophone() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hls-mute-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let packager = HLSPackager(settings: .init(root: root, width: 320, height: 180, segmentSeconds: 1, listSize: 4))
        let ports = try await packager.start(9, audio: false)
        let source = try Self.source(ports, seconds: 40, audio: false)
        defer { if source.isRunning { source.terminate() } }
        #expect(await Self.waitFor(seconds: 40) {
            packager.isPublished(9)
                && ((try? FileManager.default.contentsOfDirectory(atPath: packager.directory(9).path)) ?? []).contains { $0.hasSuffix(".m4s") }
        })
        let initName = try #require((try FileManager.default.contentsOfDirectory(atPath: packager.directory(9).path)).first { $0.hasPrefix("init-") })
        let initSegment = try Data(contentsOf: packager.directory(9).appendingPathComponent(initName))
        #expect(initSegment.range(of: Data("mp4a".utf8)) != nil, "an AAC track")
        #expect(initSegment.range(of: Data("avc1".utf8)) != nil, "an H.264 track")
        await packager.stop(9)
        #expect(Self.processes(naming: root).isEmpty)
    }

    @Test("a leftover ffmpeg of a server that was killed is stopped at the next start; a live server's is not")
    func leftovers() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hls-reap-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("3"), withIntermediateDirectories: true)
        try Data("#EXTM3U\n".utf8).write(to: root.appendingPathComponent("3/index.m3u8"))
        func sleeper() throws -> Process {
            let process = Process()
            // Debian's python3 itself: through env and pyenv's shims it would exec four times, and
            // its command line would go empty again at each (see below).
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            // One process (no child holding Foundation's pipes) whose command line names the folder, as ffmpeg's does.
            // Long enough to outlive a starved suite (a fresh-clone run once took over a minute
            // between starting it and the reap); the test kills it either way. Its output goes
            // nowhere, so a survivor never holds the test run's pipes.
            process.arguments = ["-c", "import time; time.sleep(300)", root.appendingPathComponent("3/index.m3u8").path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let orphan = try sleeper(), guarded = try sleeper()
        // SIGKILL, which nothing catches: with `terminate()` a sleeper once outlived this test
        // here (python3 reached through pyenv's shims; the cause was not found).
        defer { for process in [orphan, guarded] where process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // A leftover ffmpeg has long been running. A process just started has not always settled:
        // /proc/PID/cmdline reads empty now and then in its first ~15 ms here, longer on a starved
        // machine, and a reap then found nothing (this machine's full suite, once).
        try #require(await Self.waitFor(seconds: 30) {
            let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(orphan.processIdentifier)/cmdline"))) ?? Data()
            return String(decoding: command, as: UTF8.self).contains("time.sleep(300)")
        })
        // Pid 2^22+1 is above Linux's pid_max default: its "server" is gone.
        try Data("\(orphan.processIdentifier) 4194305\n".utf8).write(to: root.appendingPathComponent("3.pid"))
        try Data("\(guarded.processIdentifier) \(getppid())\n".utf8).write(to: root.appendingPathComponent("4.pid"))
        let packager = HLSPackager(settings: .init(root: root))
        #expect(packager.reapLeftovers() == 1)
        // Required: Foundation traps on the termination reason of a process it thinks is running.
        try #require(await Self.waitFor(seconds: 30) { !orphan.isRunning })
        #expect(orphan.terminationReason == .uncaughtSignal)
        #expect(guarded.isRunning, "another live server's ffmpeg is its own")
        #expect(!packager.isPublished(3), "the dead program's playlist is not announced")
    }
}
