import Foundation
import MusrenbangCore
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Removes everything a photo says besides its picture: EXIF (GPS position, camera, time, the
/// embedded thumbnail), XMP, IPTC, comments, maker notes and data after the image. It keeps the
/// colour profile and the orientation (so the photo is not shown on its side). The work is
/// ExifTool's (Debian's `libimage-exiftool-perl`), one subprocess per photo with the bytes on
/// stdin and the clean photo on stdout: no image parser of our own, and nothing on disk.
///
/// A run takes a few hundred milliseconds of Perl start-up, so at most `maxRunning` run at once,
/// a bounded queue waits behind them, and beyond it callers are told to come back (`busy`).
public actor PhotoCleaner {
    public enum Failure: Error, Equatable, Sendable {
        /// ExifTool is not installed: no photo may be stored or served with its metadata.
        case missing
        case busy
        case timedOut
        /// ExifTool could not read or write the file as the image it claims to be.
        case notAnImage
    }

    public static let shared = PhotoCleaner()

    let executable: String
    let gate: AdmissionGate
    let timeout: Duration

    /// Delete every tag, except the ICC profile; then copy the orientation back from the source.
    /// `-m` lets minor EXIF faults of phone cameras through; `-o -` writes the result to stdout.
    static let arguments = ["-m", "-q", "-q", "-all=", "--icc_profile:all", "-trailer:all=",
                            "-tagsFromFile", "@", "-exif:Orientation", "-o", "-", "-"]

    public init(executable: String = "exiftool", maxRunning: Int = 2, maxWaiting: Int = 16, timeout: Duration = .seconds(30)) {
        self.executable = executable
        self.gate = AdmissionGate(maxRunning: maxRunning, maxWaiting: maxWaiting)
        self.timeout = timeout
    }

    /// The photo without its metadata, of the same kind as the input.
    public func clean(_ bytes: [UInt8]) async throws(Failure) -> [UInt8] {
        let executable = self.executable
        let limit = bytes.count + 64 * 1024
        let outcome = await gate.admit { [timeout] in
            await withDeadline(timeout, late: Result<[UInt8], Failure>.failure(.timedOut)) {
                do {
                    let result = try await Subprocess.run(.name(executable), arguments: Arguments(Self.arguments),
                                                          input: .array(bytes), output: .bytes(limit: limit),
                                                          error: .string(limit: 64 * 1024))
                    guard result.terminationStatus.isSuccess, !result.standardOutput.isEmpty else { return .failure(.notAnImage) }
                    return .success(result.standardOutput)
                } catch {
                    if Task.isCancelled { return nil }
                    // Not found or not runnable; an output over the limit is no photo of ours either.
                    return .failure(Self.isInstalled(executable) ? .notAnImage : .missing)
                }
            }
        }
        return try (outcome ?? .failure(.busy)).get()
    }

    static func isInstalled(_ executable: String) -> Bool {
        if executable.contains("/") { return FileManager.default.isExecutableFile(atPath: executable) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(executable)") }
    }
}
