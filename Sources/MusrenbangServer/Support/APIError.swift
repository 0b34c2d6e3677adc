import Foundation
import Hummingbird
import HTTPTypes
import MusrenbangCore

/// An error the client caused or may see, with a stable code. In the API it is written as
/// `{"error":{"code","message","field"}}`; on pages as a sentence in the page's language.
public struct AppError: Error, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: LocalizedText
    public let field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, message: LocalizedText, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    public init(_ validation: ValidationError) {
        self.init(.unprocessableContent, code: validation.code, message: validation.message, field: validation.field)
    }

    public static func notFound(_ what: LocalizedText) -> AppError {
        AppError(.notFound, code: "notFound", message: what)
    }

    public static let unauthenticated = AppError(.unauthorized, code: "unauthenticated",
        message: .init(id: "Silakan masuk terlebih dahulu.", en: "Please log in first."))
    public static let forbidden = AppError(.forbidden, code: "forbidden",
        message: .init(id: "Anda tidak berwenang melakukan ini.", en: "You are not allowed to do this."))
    public static let csrf = AppError(.forbidden, code: "csrf",
        message: .init(id: "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
                       en: "The form has expired. Reload the page and try again."))
    public static let malformedJSON = AppError(.badRequest, code: "malformedJSON",
        message: .init(id: "Isi permintaan bukan JSON yang sah.", en: "The request body is not valid JSON."))
    public static let tooLarge = AppError(.contentTooLarge, code: "tooLarge",
        message: .init(id: "Isi permintaan melebihi 1 MB.", en: "The request body exceeds 1 MB."))

    func jsonResponse(locale: LocalizedText.Locale) -> Response {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String
                let message: String
                let field: String?
            }
            let error: Detail
        }
        let body = Body(error: .init(code: code, message: message.text(locale), field: field))
        var response = JSON.response(body, status: status)
        for field in headers { response.headers.append(field) }
        return response
    }
}

enum JSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Reads a JSON body: unparseable JSON is a 400, a missing or mistyped field a 422 naming it.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: AppContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw AppError.tooLarge
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(buffer: buffer))
        } catch let DecodingError.keyNotFound(key, context) {
            let field = path(context.codingPath + [key])
            throw AppError(.unprocessableContent, code: "required",
                           message: .init(id: "Kolom \(field) wajib diisi.", en: "Field \(field) is required."), field: field)
        } catch let DecodingError.valueNotFound(_, context) {
            let field = path(context.codingPath)
            throw AppError(.unprocessableContent, code: "required",
                           message: .init(id: "Kolom \(field) wajib diisi.", en: "Field \(field) is required."), field: field)
        } catch let DecodingError.typeMismatch(expected, context) {
            let field = path(context.codingPath)
            throw AppError(.unprocessableContent, code: "type",
                           message: .init(id: "Kolom \(field) harus bertipe \(typeName(expected)).",
                                          en: "Field \(field) must be of type \(typeName(expected))."), field: field)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            let field = path(context.codingPath)
            throw AppError(.unprocessableContent, code: "invalid",
                           message: .init(id: "Nilai kolom \(field) tidak sah.", en: "Field \(field) has an invalid value."),
                           field: field)
        } catch is DecodingError {
            throw AppError.malformedJSON
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Int.Type, is Int64.Type, is Double.Type: "number"
        case is Bool.Type: "boolean"
        default: "object"
        }
    }
}
