import Foundation
import Hummingbird
import MusrenbangCore

/// `POST /api/v1/sipd/decisions`: SIPD's decisions as a CSV body, applied row by row, answered
/// with the reconciliation report. Sending the same file again changes nothing (each row already
/// applied counts as matched, unchanged), so a retry needs no idempotency key.
struct SipdAPI {
    let sipd: SipdService

    func register(on api: RouterGroup<AppContext>) {
        api.post("sipd/decisions", use: importDecisions)
    }

    struct Report: Encodable {
        struct Row: Encodable { let line: Int; let id: String; let kind: String; let reasons: [String] }
        let rows: Int; let matched: Int; let applied: Int; let unchanged: Int; let unmatched: Int; let conflicting: Int
        let problems: [Row]
    }

    /// The most a decision file may weigh: a regency's year is a few thousand rows.
    static let maximumBytes = 16 * 1024 * 1024

    @Sendable func importDecisions(_ request: Request, context: AppContext) async throws -> Response {
        var body = request.body.makeAsyncIterator()
        var received = 0
        let report = try await sipd.importUpload({
            guard var buffer = try await body.next() else { return nil }
            received += buffer.readableBytes
            guard received <= Self.maximumBytes else { throw AppError.tooLarge }
            return buffer.readData(length: buffer.readableBytes)
        }, by: context.user)
        if let refusal = report.refusal {
            throw AppError(.unprocessableContent, code: "sipd.unreadable", message: refusal, field: "file")
        }
        return JSON.response(Self.report(report, locale: context.locale))
    }

    static func report(_ report: SipdService.Report, locale: LocalizedText.Locale) -> Report {
        Report(rows: report.rows, matched: report.matched, applied: report.applied, unchanged: report.unchanged,
               unmatched: report.unmatched, conflicting: report.conflicting,
               problems: report.problems.map { Report.Row(line: $0.line, id: $0.id, kind: $0.kind.rawValue,
                                                          reasons: $0.reasons.map { $0.text(locale) }) })
    }
}
