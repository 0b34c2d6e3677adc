import Foundation
import Hummingbird
import HTTPTypes
import MusrenbangDocuments

/// The formats documents come in, and their content types.
enum DocumentFormat: String, Sendable, CaseIterable {
    case pdf, xlsx, csv

    var contentType: String {
        switch self {
        case .pdf: "application/pdf"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .csv: "text/csv; charset=utf-8"
        }
    }
}

/// A finished document on its way to the browser, with a name that says what it is.
enum Download {
    /// A file written to a temporary place: opened, unlinked at once (the open handle keeps it
    /// readable), then streamed in chunks, so neither memory nor disk keeps it after the answer.
    static func file(_ url: URL, name: DownloadName, format: DocumentFormat) throws -> Response {
        let handle = try FileHandle(forReadingFrom: url)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        try? FileManager.default.removeItem(at: url)
        let box = HandleBox(handle)
        let body = ResponseBody(contentLength: size) { writer in
            defer { try? box.handle.close() }
            while let chunk = try box.handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
                try await writer.write(ByteBuffer(data: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers(name, format), body: body)
    }

    static func data(_ data: Data, name: DownloadName, format: DocumentFormat) -> Response {
        Response(status: .ok, headers: headers(name, format), body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func headers(_ name: DownloadName, _ format: DocumentFormat) -> HTTPFields {
        [.contentType: format.contentType, .contentDisposition: name.contentDisposition, .cacheControl: "private, no-store"]
    }

    /// A temporary file path for a document being written.
    static func temporaryURL(_ format: DocumentFormat) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("musrenbang-\(UUID().uuidString).\(format.rawValue)")
    }

    private final class HandleBox: @unchecked Sendable {
        let handle: FileHandle
        init(_ handle: FileHandle) { self.handle = handle }
    }
}

extension DocumentService.Document {
    /// The document as a download: its bytes, or its temporary file streamed and removed.
    func download() throws -> Response {
        switch content {
        case .data(let data): Download.data(data, name: name, format: format)
        case .file(let url): try Download.file(url, name: name, format: format)
        }
    }
}
