import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A program a test runs to its end (ffprobe, exiftool, the CLI itself), awaited without holding a
/// thread. `Process.waitUntilExit()` in a test blocked one of the two threads every test shares on
/// this machine for as long as the program ran; two such waits at once starved the whole suite,
/// and other tests' 200–300 ms deadlines were then seen seconds late.
public enum Tool {
    public struct Outcome: Sendable {
        public let succeeded: Bool
        public let status: String
        public let output: [UInt8]
        public var text: String { String(decoding: output, as: UTF8.self) }
    }

    /// `executable`: a name looked up on PATH or an absolute path. `unset`: variables removed from
    /// the inherited environment.
    public static func run(_ executable: String, _ arguments: [String], input: [UInt8] = [],
                           unset: [String] = []) async throws -> Outcome {
        let program: Executable = executable.hasPrefix("/") ? .path(FilePath(executable)) : .name(executable)
        var removed: [Environment.Key: String?] = [:]
        for name in unset { removed[Environment.Key(stringLiteral: name)] = .some(nil) }
        let result = try await Subprocess.run(program, arguments: Arguments(arguments), environment: .inherit.updating(removed),
                                              input: .array(input), output: .bytes(limit: 64 * 1024 * 1024), error: .discarded)
        return Outcome(succeeded: result.terminationStatus.isSuccess, status: "\(result.terminationStatus)",
                       output: result.standardOutput)
    }
}

public extension Result where Failure == any Error {
    /// What an async call answered or threw, kept to be checked later.
    init(awaiting body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
