import Foundation
import MusrenbangCore
import MusrenbangDocuments

/// The official papers as PDF: the print templates, the engine, and the regency's emblem.
struct Printer: Sendable {
    let templates: PrintTemplates
    let renderer: PDFRenderer
    /// The emblem as a `data:` URI, read once from the data directory (`lambang.png`,
    /// `lambang.jpg` or `lambang.svg`); without it papers keep an empty emblem slot.
    let emblem: String?

    static func load(_ configuration: AppConfiguration) async throws -> Printer {
        let templates = try await PrintTemplates.load()
        return Printer(templates: templates, renderer: PDFRenderer(executable: configuration.pdfEngine, templates: templates),
                       emblem: emblem(in: configuration.dataDirectory))
    }

    static func emblem(in directory: URL) -> String? {
        for (file, type) in [("lambang.png", "image/png"), ("lambang.jpg", "image/jpeg"), ("lambang.svg", "image/svg+xml")] {
            let url = directory.appendingPathComponent(file)
            if let data = try? Data(contentsOf: url), !data.isEmpty, data.count < 2_000_000 {
                return "data:\(type);base64,\(data.base64EncodedString())"
            }
        }
        return nil
    }

    /// Whether PDFs can be made now; pages say so plainly when not.
    func isAvailable() async -> Bool { await renderer.version() != nil }

    func frame(title: String, isDraft: Bool, regencyName: String) -> PrintFrame {
        PrintFrame(documentTitle: title, printedAt: Format.dateTime(Date()).id, isDraft: isDraft, regencyName: regencyName,
                   emblemUrl: emblem)
    }

    func pdf(_ document: PrintedDocument, _ content: some Sendable, frame: PrintFrame) async throws -> Data {
        do {
            return try await renderer.pdf(html: templates.html(document, content, frame: frame))
        } catch .missing {
            throw Self.missing
        } catch .busy {
            var error = AppError(.serviceUnavailable, code: "pdf.busy",
                                 message: .init(id: "Server sedang membuat banyak dokumen PDF. Coba lagi sebentar lagi.",
                                                en: "The server is making many PDFs right now. Try again shortly."))
            error.headers[.retryAfter] = "10"
            throw error
        } catch .timedOut {
            throw AppError(.serviceUnavailable, code: "pdf.timeout",
                           message: .init(id: "Pembuatan PDF melebihi batas waktu. Coba lagi.", en: "Making the PDF took too long. Try again."))
        } catch .failed(let detail) {
            throw PDFFailure(detail: detail)
        }
    }

    static let missing = AppError(.serviceUnavailable, code: "pdf.missing",
        message: .init(id: "Pencetak PDF (WeasyPrint) belum terpasang di server ini. Versi Excel dan CSV tetap tersedia.",
                       en: "The PDF engine (WeasyPrint) is not installed on this server. The Excel and CSV versions still work."))
}

/// The engine failed on a document it should print: a bug to log, not the visitor's fault.
struct PDFFailure: Error, CustomStringConvertible {
    let detail: String
    var description: String { "PDF engine failed: \(detail)" }
}
