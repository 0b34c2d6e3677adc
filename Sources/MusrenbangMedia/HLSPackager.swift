import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The public program as HLS: while an assembly's hub publishes, Janus copies its RTP to loopback
/// ports where an `ffmpeg` child turns VP8/Opus into H.264/AAC in fMP4 segments under
/// `<root>/<assembly>/`. A WebRTC viewer costs Janus a connection each; a segment on disk costs
/// one file read (or none, behind nginx or a CDN), so this is how tens of thousands watch.
///
/// One ffmpeg per live program, supervised: restarted (same ports, so Janus's forward stays
/// valid) when it dies while the program is live, stopped when the program ends, the assembly
/// closes or the server stops. Its pid is kept beside its folder so a server that was killed
/// outright stops its leftover ffmpeg at the next start (`reapLeftovers`).
public actor HLSPackager {
    /// An RTMP ingest URL, checked once: `rtmp://` or `rtmps://`, a host, and none of the
    /// characters that would split ffmpeg's list of outputs (`|`, `[`, `]`) or be read by a shell.
    public struct Restream: Sendable, Equatable {
        public let template: String

        public init?(_ text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let url = URL(string: trimmed), ["rtmp", "rtmps"].contains(url.scheme?.lowercased() ?? ""),
                  url.host?.isEmpty == false, !trimmed.contains(where: { "|[]\\'\" \n".contains($0) }) else { return nil }
            template = trimmed
        }

        /// Where it goes, without the stream key: what the control room may show.
        public var host: String { URL(string: template)?.host ?? "" }

        public func url(for assembly: Int64) -> String { template.replacingOccurrences(of: "{assembly}", with: "\(assembly)") }
    }

    public struct Settings: Sendable, Equatable {
        /// `<data dir>/hls`: one folder per assembly, served as `/musrenbang/{id}/siaran/{file}`.
        public var root: URL
        public var ffmpeg: String
        /// Loopback UDP ports for ffmpeg, four per program (audio, its RTCP, video, its RTCP).
        /// The top of Janus's Streaming range, which Janus no longer hands out (janus-config.sh).
        public var ports: ClosedRange<Int>
        public var width: Int
        public var height: Int
        public var segmentSeconds: Int
        public var listSize: Int
        /// Where the program is also pushed live over RTMP (a social-media platform's ingest URL
        /// with its stream key); `{assembly}` is replaced by the assembly's id. The same encode
        /// feeds it: no second H.264 encoder per program.
        public var restream: Restream?

        public init(root: URL, ffmpeg: String = "ffmpeg", ports: ClosedRange<Int> = 49_000...49_999, width: Int = 640, height: Int = 360,
                    segmentSeconds: Int = 2, listSize: Int = 6, restream: Restream? = nil) {
            self.restream = restream
            self.root = root
            self.ffmpeg = ffmpeg
            self.ports = ports
            self.width = width
            self.height = height
            self.segmentSeconds = segmentSeconds
            self.listSize = listSize
        }
    }

    /// Where Janus must send a program's RTP (`rtp_forward`), and where ffmpeg answers with RTCP.
    public struct Ports: Sendable, Equatable {
        public let audio: Int
        public let video: Int
        public var videoRTCP: Int { video + 1 }
    }

    /// The payload types the SDP declares; `rtp_forward` rewrites the publisher's to these.
    public static let audioPayloadType = 111
    public static let videoPayloadType = 100
    public static let playlist = "index.m3u8"

    private struct Job {
        let ports: Ports
        let task: Task<Void, Never>
    }

    public nonisolated let settings: Settings
    private var jobs: [Int64: Job] = [:]
    /// How many times each program's ffmpeg was started (1 = never restarted); for tests and logs.
    public private(set) var starts: [Int64: Int] = [:]

    public init(settings: Settings) {
        self.settings = settings
    }

    // MARK: files

    public nonisolated func directory(_ assembly: Int64) -> URL {
        settings.root.appendingPathComponent("\(assembly)", isDirectory: true)
    }

    nonisolated func runFile(_ assembly: Int64, _ suffix: String) -> URL {
        // Beside the folder, never in it: what is in the folder may be served as it is (nginx).
        settings.root.appendingPathComponent("\(assembly).\(suffix)")
    }

    /// Only names ffmpeg writes there: the playlist, init segments, media segments. Anything else
    /// (a path, a dot-dot, the run files beside the folder) is not a file of the program.
    public static func isServedName(_ name: String) -> Bool {
        if name == playlist { return true }
        func numbered(_ prefix: String, _ suffix: String) -> Bool {
            guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.utf8.count <= prefix.utf8.count + suffix.utf8.count + 20 else { return false }
            let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
            return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return numbered("init-", ".mp4") || numbered("s-", ".m4s")
    }

    public enum FileKind: Sendable, Equatable { case playlist, initSegment, segment }

    public static func kind(of name: String) -> FileKind? {
        guard isServedName(name) else { return nil }
        if name == playlist { return .playlist }
        return name.hasSuffix(".mp4") ? .initSegment : .segment
    }

    /// The path of a program file if the name is one ffmpeg writes and it is there now.
    public nonisolated func file(_ assembly: Int64, named name: String) -> URL? {
        guard assembly > 0, Self.isServedName(name) else { return nil }
        let url = directory(assembly).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Whether the program's playlist is on disk (written by this process's ffmpeg or another's).
    public nonisolated func isPublished(_ assembly: Int64) -> Bool {
        file(assembly, named: Self.playlist) != nil
    }

    // MARK: the ffmpeg side

    /// `audio` false: the hub sends no microphone, and ffmpeg must not wait for a medium that never comes.
    static func sdp(_ ports: Ports, audio: Bool = true) -> String {
        var lines = ["v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=musrenbang program", "c=IN IP4 127.0.0.1", "t=0 0"]
        if audio { lines += ["m=audio \(ports.audio) RTP/AVP \(audioPayloadType)", "a=rtpmap:\(audioPayloadType) opus/48000/2"] }
        lines += ["m=video \(ports.video) RTP/AVP \(videoPayloadType)", "a=rtpmap:\(videoPayloadType) VP8/90000"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The command: one H.264 (baseline, so old phones decode it) + AAC rendition, a keyframe at
    /// every segment boundary, fMP4 segments numbered from the epoch (a restarted ffmpeg goes on
    /// upwards, so players never see the sequence go back) and an init segment named per run.
    /// Without the hub's microphone a silent track stands in: players are told H.264 + AAC, and an
    /// MSE SourceBuffer refuses an init segment that lacks a track its codecs named.
    nonisolated func arguments(_ assembly: Int64, sdp: URL, directory: URL, run: Int, audio: Bool = true) -> [String] {
        let s = settings
        let size = "\(s.width):\(s.height)"
        return [
            "-hide_banner", "-loglevel", "warning", "-nostdin",
            "-protocol_whitelist", "file,udp,rtp", "-reorder_queue_size", "64",
            "-i", sdp.path,
        ] + (audio ? ["-map", "0:v:0", "-map", "0:a:0"]
                   : ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-map", "0:v:0", "-map", "1:a:0"]) + [
            "-vf", "scale=\(size):force_original_aspect_ratio=decrease,pad=\(size):(ow-iw)/2:(oh-ih)/2,fps=25",
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "baseline",
            "-b:v", "700k", "-maxrate", "800k", "-bufsize", "1400k",
            "-g", "\(25 * s.segmentSeconds)", "-keyint_min", "\(25 * s.segmentSeconds)", "-sc_threshold", "0",
            "-force_key_frames", "expr:gte(t,n_forced*\(s.segmentSeconds))",
            "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-ar", "48000",
        ] + outputs(assembly, directory: directory, run: run)
    }

    /// HLS alone, or HLS and the RTMP restream from one encode through ffmpeg's `tee` muxer. The
    /// restream's `onfail=ignore`: a platform that refuses or drops the push never stops the HLS
    /// the public watches here (the next ffmpeg start, e.g. after a restart, tries it again).
    nonisolated func outputs(_ assembly: Int64, directory: URL, run: Int) -> [String] {
        let s = settings
        let hls: [(String, String)] = [
            ("hls_time", "\(s.segmentSeconds)"), ("hls_list_size", "\(s.listSize)"), ("hls_segment_type", "fmp4"),
            ("hls_flags", "delete_segments+independent_segments+omit_endlist+program_date_time+temp_file"),
            ("hls_start_number_source", "epoch"), ("hls_fmp4_init_filename", "init-\(run).mp4"),
            ("hls_segment_filename", directory.appendingPathComponent("s-%d.m4s").path),
        ]
        let playlist = directory.appendingPathComponent(Self.playlist).path
        guard let restream = s.restream else {
            return ["-f", "hls"] + hls.flatMap { ["-\($0.0)", $0.1] } + [playlist]
        }
        // Inside a tee slave's [options], ':' separates options and '\\' escapes.
        func escaped(_ value: String) -> String { value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:") }
        let slaves = "[f=hls:" + hls.map { "\($0.0)=\(escaped($0.1))" }.joined(separator: ":") + "]\(playlist)"
            + "|[f=flv:onfail=ignore]\(restream.url(for: assembly))"
        // flv needs the codecs' headers up front, which tee cannot ask the encoders for by itself.
        return ["-flags", "+global_header", "-f", "tee", slaves]
    }

    /// Four consecutive loopback ports nobody holds now, the same slot for an assembly whenever
    /// it is free (ports are probed by binding them, so another program or process is skipped).
    func freePorts(for assembly: Int64) -> Ports? {
        let base = settings.ports.lowerBound
        let slots = max(1, (settings.ports.count) / 4)
        let taken = Set(jobs.values.map(\.ports.audio))
        for step in 0..<slots {
            let slot = (Int(assembly) + step) % slots
            let first = base + slot * 4
            guard !taken.contains(first), (first...(first + 3)).allSatisfy(Self.udpPortFree) else { continue }
            return Ports(audio: first, video: first + 2)
        }
        return nil
    }

    static func udpPortFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    // MARK: supervision

    public func isRunning(_ assembly: Int64) -> Bool { jobs[assembly] != nil }

    public func ports(_ assembly: Int64) -> Ports? { jobs[assembly]?.ports }

    /// Starts packaging an assembly's program (or returns the running one's ports): the caller
    /// then points Janus's `rtp_forward` at them.
    public func start(_ assembly: Int64, audio: Bool = true) throws -> Ports {
        if let job = jobs[assembly] { return job.ports }
        guard let ports = freePorts(for: assembly) else { throw JanusError.unavailable("no free loopback ports for HLS") }
        let directory = directory(assembly)
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sdp = runFile(assembly, "sdp")
        try Data(Self.sdp(ports, audio: audio).utf8).write(to: sdp, options: .atomic)
        let task = Task { [weak self] in
            guard let self else { return }
            await self.supervise(assembly, ports: ports, sdp: sdp, directory: directory, audio: audio)
        }
        jobs[assembly] = Job(ports: ports, task: task)
        return ports
    }

    /// Stops the program's ffmpeg (SIGTERM, then SIGKILL after 3 s) and removes its files.
    public func stop(_ assembly: Int64) async {
        guard let job = jobs.removeValue(forKey: assembly) else { return }
        job.task.cancel()
        await job.task.value
        try? FileManager.default.removeItem(at: directory(assembly))
        for suffix in ["sdp", "pid"] { try? FileManager.default.removeItem(at: runFile(assembly, suffix)) }
    }

    public func stopAll() async {
        for assembly in Array(jobs.keys) { await stop(assembly) }
    }

    private func started(_ assembly: Int64) { starts[assembly, default: 0] += 1 }

    /// Runs ffmpeg until cancelled; a run that ends by itself (crash, input silent for a while)
    /// is followed by another after a pause growing from 1 s to 10 s.
    private nonisolated func supervise(_ assembly: Int64, ports: Ports, sdp: URL, directory: URL, audio: Bool) async {
        var pause = 1
        while !Task.isCancelled {
            await started(assembly)
            let began = ContinuousClock.now
            let run = Int(Date().timeIntervalSince1970 * 1000)
            await runOnce(assembly, arguments: arguments(assembly, sdp: sdp, directory: directory, run: run, audio: audio))
            if Task.isCancelled { break }
            // A run that lasted is not a crash loop: start again quickly.
            pause = ContinuousClock.now - began > .seconds(30) ? 1 : min(pause * 2, 10)
            try? await Task.sleep(for: .seconds(pause))
        }
    }

    private nonisolated func runOnce(_ assembly: Int64, arguments: [String]) async {
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))]
        let pidFile = runFile(assembly, "pid")
        let log = try? FileDescriptor.open(FilePath(runFile(assembly, "log").path), .writeOnly,
                                           options: [.create, .truncate], permissions: [.ownerReadWrite])
        do {
            if let log {
                _ = try await Subprocess.run(.name(settings.ffmpeg), arguments: Arguments(arguments), platformOptions: options,
                                             input: .none, output: .discarded, error: .fileDescriptor(log, closeAfterSpawningProcess: true)) { execution in
                    Self.writePid(execution.processIdentifier.value, to: pidFile)
                }
            } else {
                _ = try await Subprocess.run(.name(settings.ffmpeg), arguments: Arguments(arguments), platformOptions: options,
                                             input: .none, output: .discarded, error: .discarded) { execution in
                    Self.writePid(execution.processIdentifier.value, to: pidFile)
                }
            }
        } catch {
            try? log?.close()
        }
        try? FileManager.default.removeItem(at: pidFile)
    }

    /// "<ffmpeg pid> <server pid>": a leftover is only one whose server is gone.
    nonisolated static func writePid(_ pid: pid_t, to file: URL) {
        try? Data("\(pid) \(getpid())\n".utf8).write(to: file)
    }

    /// Stops ffmpeg processes a previous server left (killed without a chance to stop them): the
    /// pid files beside the folders name them; a pid is only signalled while its command line
    /// still names this folder, so a reused pid is left alone. Returns how many were stopped.
    @discardableResult
    public nonisolated func reapLeftovers() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: settings.root.path)) ?? []
        var stopped = 0
        for name in names where name.hasSuffix(".pid") {
            let file = settings.root.appendingPathComponent(name)
            let numbers = ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: " ").compactMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            // Another server process on this data directory still looks after its own ffmpeg.
            if numbers.count == 2, numbers[1] != getpid(), kill(numbers[1], 0) == 0 || errno == EPERM { continue }
            try? FileManager.default.removeItem(at: file)
            // The stale program's files would be announced as a live playlist.
            if let assembly = Int64(name.dropLast(".pid".count)), assembly > 0 { try? FileManager.default.removeItem(at: directory(assembly)) }
            guard let pid = numbers.first, pid > 1,
                  let command = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")),
                  String(decoding: command, as: UTF8.self).contains(settings.root.path) else { continue }
            if kill(pid, SIGKILL) == 0 { stopped += 1 }
        }
        return stopped
    }
}
