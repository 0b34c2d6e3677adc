import Foundation

/// The stage's recordings. Janus writes one `.mjr` file per publisher and medium while the
/// assembly runs; after it closes, each speaker's segment (one publish, audio and video) becomes
/// one `.webm` to download: `janus-pp-rec` unpacks each medium, `ffmpeg` puts them together.
public enum Recordings {
    public struct Segment: Sendable, Equatable {
        public let file: String
        public let feed: UInt64
        /// When the segment started (Janus stamps the raw files in microseconds).
        public let started: Date
        public let bytes: Int
    }

    /// `videoroom-<room>-user-<feed>-<microseconds>-<audio|video>-<mindex>.mjr`, as Janus 1.x names them.
    struct Raw: Equatable {
        let feed: UInt64
        let stamp: Int64
        let medium: String

        init?(_ name: String) {
            let parts = name.split(separator: "-")
            guard name.hasSuffix(".mjr"), parts.count == 7, parts[0] == "videoroom", parts[2] == "user",
                  let feed = UInt64(parts[3]), let stamp = Int64(parts[4]), ["audio", "video"].contains(parts[5]) else { return nil }
            self.feed = feed
            self.stamp = stamp
            self.medium = String(parts[5])
        }

    }

    /// One publish's media: Janus opens the audio and the video file microseconds apart, so
    /// files of one feed opened within two seconds, one per medium, belong together.
    static func segments(_ raws: [(name: String, raw: Raw)]) -> [String: [(name: String, raw: Raw)]] {
        var groups: [String: [(name: String, raw: Raw)]] = [:]
        var current: (feed: UInt64, start: Int64, key: String, media: Set<String>)?
        for item in raws.sorted(by: { ($0.raw.feed, $0.raw.stamp) < ($1.raw.feed, $1.raw.stamp) }) {
            if let open = current, open.feed == item.raw.feed, item.raw.stamp - open.start < 2_000_000, !open.media.contains(item.raw.medium) {
                current?.media.insert(item.raw.medium)
            } else {
                current = (item.raw.feed, item.raw.stamp, "segment-\(item.raw.feed)-\(item.raw.stamp).webm", [item.raw.medium])
            }
            groups[current!.key, default: []].append(item)
        }
        return groups
    }

    /// Converts every segment not converted yet; returns the segments now in the directory.
    /// Without the tools nothing is converted and the raw files stay for later.
    @discardableResult
    public static func convert(_ directory: URL) async -> [Segment] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let raws = names.compactMap { name in Raw(name).map { (name: name, raw: $0) } }
        for (output, files) in segments(raws) where !names.contains(output) {
            let target = directory.appendingPathComponent(output)
            var parts: [URL] = []
            for (name, raw) in files.sorted(by: { $0.1.medium < $1.1.medium }) {
                let part = directory.appendingPathComponent("\(name).\(raw.medium == "audio" ? "opus" : "webm")")
                if await run(["janus-pp-rec", directory.appendingPathComponent(name).path, part.path]) { parts.append(part) }
            }
            guard !parts.isEmpty else { continue }
            let inputs = parts.flatMap { ["-i", $0.path] }
            let partial = directory.appendingPathComponent(".\(output)")
            if await run(["ffmpeg", "-y", "-loglevel", "error"] + inputs + ["-c", "copy", "-f", "webm", partial.path]) {
                try? FileManager.default.moveItem(at: partial, to: target)
            }
            for part in parts { try? FileManager.default.removeItem(at: part) }
        }
        return list(directory)
    }

    /// The converted segments, oldest first.
    public static func list(_ directory: URL) -> [Segment] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> Segment? in
            let parts = name.dropLast(5).split(separator: "-")
            guard name.hasPrefix("segment-"), name.hasSuffix(".webm"), parts.count == 3,
                  let feed = UInt64(parts[1]), let stamp = Int64(parts[2]) else { return nil }
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)
            return Segment(file: name, feed: feed, started: Date(timeIntervalSince1970: Double(stamp) / 1_000_000),
                           bytes: (attributes?[.size] as? Int) ?? 0)
        }.sorted { $0.started < $1.started }
    }

    static func run(_ arguments: [String]) async -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return await withCheckedContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus == 0) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(returning: false)
            }
        }
    }
}
