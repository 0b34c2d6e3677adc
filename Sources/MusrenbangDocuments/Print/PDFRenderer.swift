import Foundation
import MusrenbangCore
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Turns print HTML into PDF with WeasyPrint (Debian's `weasyprint`), one subprocess per
/// document: HTML on stdin, PDF on stdout, the one print stylesheet, and a base URL that holds
/// only the print templates' own files. A render takes 0.5–4 s and 60–160 MiB, so at most
/// `maxRunning` run at once and a bounded queue waits behind them; beyond it callers are told
/// to come back (`busy`), not piled up.
public actor PDFRenderer {
    public enum Failure: Error, Equatable, Sendable {
        /// The engine is not installed (or not runnable): the other formats still work.
        case missing
        /// Too many documents are being made right now.
        case busy
        case timedOut
        /// The engine ran and failed; the text is its own error output, for the log.
        case failed(String)
    }

    let executable: String
    let stylesheet: String
    let baseDirectory: String
    let gate: AdmissionGate
    let timeout: Duration
    private var probed: (version: String?, at: ContinuousClock.Instant)?

    public init(executable: String = "weasyprint", templates: PrintTemplates, maxRunning: Int = 2, maxWaiting: Int = 16,
                timeout: Duration = .seconds(120)) {
        self.executable = executable
        self.stylesheet = templates.directory.appendingPathComponent("print.css").path
        self.baseDirectory = templates.directory.path
        self.gate = AdmissionGate(maxRunning: maxRunning, maxWaiting: maxWaiting)
        self.timeout = timeout
    }

    /// The engine's version line, or nil when it cannot run. Asked again after a minute, so
    /// installing the engine under a running server is noticed.
    public func version() async -> String? {
        if let probed, ContinuousClock.now - probed.at < .seconds(60) { return probed.version }
        let found: String?
        do {
            let result = try await Subprocess.run(.name(executable), arguments: ["--version"], output: .string(limit: 4096),
                                                  error: .discarded)
            found = result.terminationStatus.isSuccess
                ? result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) : nil
        } catch {
            found = nil
        }
        probed = (found, .now)
        return found
    }

    /// The PDF of a whole HTML document.
    public func pdf(html: String) async throws(Failure) -> Data {
        guard await version() != nil else { throw .missing }
        let arguments = ["--encoding", "utf-8", "--stylesheet", stylesheet, "--base-url", baseDirectory, "-", "-"]
        let executable = self.executable
        let bytes = Array(html.utf8)
        let outcome = await gate.admit { [timeout] in
            await withDeadline(timeout, late: Result<Data, Failure>.failure(.timedOut)) {
                do {
                    let result = try await Subprocess.run(.name(executable), arguments: Arguments(arguments),
                                                          input: .array(bytes), output: .bytes(limit: 256 * 1024 * 1024),
                                                          error: .string(limit: 256 * 1024))
                    let errors = result.standardError.split(separator: "\n").filter { $0.hasPrefix("ERROR") }
                    guard result.terminationStatus.isSuccess, errors.isEmpty else {
                        return .failure(.failed(errors.isEmpty ? "\(result.terminationStatus)" : errors.joined(separator: "\n")))
                    }
                    return .success(Data(result.standardOutput))
                } catch {
                    return Task.isCancelled ? nil : .failure(.failed("\(error)"))
                }
            }
        }
        return try (outcome ?? .failure(.busy)).get()
    }
}
