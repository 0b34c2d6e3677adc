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

    public static func invalid(_ field: String, _ code: String, id: String, en: String) -> AppError {
        AppError(.unprocessableContent, code: code, message: .init(id: id, en: en), field: field)
    }

    public static func conflict(_ code: String, id: String, en: String, field: String? = nil) -> AppError {
        AppError(.conflict, code: code, message: .init(id: id, en: en), field: field)
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
    public static let unknownAction = AppError.notFound(.init(id: "Tindakan tidak dikenal.", en: "Unknown action."))

    /// Every message of a refusal, for a page that lists them all (the API answers the first).
    var messages: [LocalizedText] { [message] }

    func jsonResponse(locale: LocalizedText.Locale) -> Response {
        struct Body: Encodable {
            struct Detail: Encodable {
                let code: String
                let message: String
                let field: String?
            }
            let error: Detail
        }
        var response = JSON.response(Body(error: .init(code: code, message: message.text(locale), field: field)), status: status)
        for field in headers { response.headers.append(field) }
        return response
    }
}

/// Every refusal of a form, so a page can show them all at once; the API answers the first.
struct ValidationErrors: Error {
    let all: [ValidationError]
    let first: ValidationError
}

/// Collects refusals while input is checked field by field.
struct Refusals {
    var all: [ValidationError] = []

    /// The value when the rule passed; otherwise records the refusal and gives nil.
    mutating func take<T>(_ result: Result<T, ValidationError>) -> T? {
        switch result {
        case .success(let value): return value
        case .failure(let error): all.append(error); return nil
        }
    }

    mutating func check(_ refusals: [ValidationError]) { all += refusals }

    func throwIfAny() throws {
        if let first = all.first { throw ValidationErrors(all: all, first: first) }
    }

    /// A field came out empty without a refusal: a bug in the form's rules, not the user's input.
    static let inconsistent = AppError(.internalServerError, code: "internal",
                                       message: .init(id: "Terjadi kesalahan di server.", en: "The server failed."))
}

extension Result where Failure == ValidationError {
    /// The value, or the refusal thrown as a 422 naming its field.
    func orThrow() throws -> Success {
        switch self {
        case .success(let value): value
        case .failure(let error): throw AppError(error)
        }
    }
}
