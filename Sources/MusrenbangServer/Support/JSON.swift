import Foundation
import Hummingbird
import HTTPTypes

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
        let buffer = try await Body.collect(request, context: context)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw Body.refusal(error) ?? numberRefusal(Data(buffer: buffer)) ?? AppError.malformedJSON
        }
    }

    /// Foundation's decoder reports a number that does not fit its field (`1.5` or `1e30` for a
    /// whole number, `-1` for an unsigned one) as "not valid JSON", without a field. When the body
    /// is valid JSON this says what is wrong instead (422 `number`), and names the field when only
    /// one number in the body could be it: one that is fractional, negative or beyond 64 bits.
    static func numberRefusal(_ data: Data) -> AppError? {
        guard let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        var suspects: [String] = []
        func visit(_ value: Any, _ path: String) {
            switch value {
            case let object as [String: Any]:
                for (key, member) in object { visit(member, path.isEmpty ? key : "\(path).\(key)") }
            case let array as [Any]:
                for (index, element) in array.enumerated() { visit(element, "\(path)[\(index)]") }
            case let number as NSNumber:  // true and false are 1 and 0 here: never suspects
                let double = number.doubleValue
                if double.rounded() != double || double < 0 || abs(double) >= 0x1p63 { suspects.append(path) }
            default:
                break
            }
        }
        visit(root, "")
        let field = suspects.count == 1 ? suspects[0] : nil
        return AppError(.unprocessableContent, code: "number",
                        message: .init(id: "\(field.map { "Kolom \($0)" } ?? "Sebuah kolom") memerlukan bilangan bulat dalam rentangnya.",
                                       en: "\(field.map { "Field \($0)" } ?? "A field") needs a whole number within its range."),
                        field: field)
    }
}

/// What JSON bodies and forms share: the size limit and how a decoding failure is told.
enum Body {
    static func collect(_ request: Request, context: AppContext) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw AppError.tooLarge
        }
    }

    /// A 422 naming the field, or nil when the body as a whole is unreadable.
    static func refusal(_ error: DecodingError) -> AppError? {
        switch error {
        case .keyNotFound(let key, let context):
            return required(path(context.codingPath + [key]))
        case .valueNotFound(_, let context):
            return required(path(context.codingPath))
        case .typeMismatch(let expected, let context):
            let field = path(context.codingPath)
            return AppError(.unprocessableContent, code: "type",
                            message: .init(id: "Kolom \(field) harus bertipe \(typeName(expected)).",
                                           en: "Field \(field) must be of type \(typeName(expected))."), field: field)
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            let field = path(context.codingPath)
            return AppError(.unprocessableContent, code: "invalid",
                            message: .init(id: "Nilai kolom \(field) tidak sah.", en: "Field \(field) has an invalid value."), field: field)
        default:
            return nil
        }
    }

    private static func required(_ field: String) -> AppError {
        AppError(.unprocessableContent, code: "required",
                 message: .init(id: "Kolom \(field) wajib diisi.", en: "Field \(field) is required."), field: field)
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is any BinaryInteger.Type, is any BinaryFloatingPoint.Type: "number"
        case is Bool.Type: "boolean"
        default: "object"
        }
    }
}
