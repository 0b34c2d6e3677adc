import Crypto
import Foundation
import Hummingbird
import HTTPTypes
import MusrenbangStore

/// HTTP dates (RFC 9110 IMF-fixdate): "Sun, 29 Nov 2026 21:00:00 GMT".
enum HTTPDate {
    private static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }()
    private static let lock = NSLock()

    static func format(_ date: Date) -> String { lock.withLock { formatter.string(from: date) } }
    static func parse(_ text: String) -> Date? { lock.withLock { formatter.date(from: text) } }
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

    /// A public read that clients may revalidate: the body's hash is its `ETag`, and `lastModified`
    /// (when the data has a natural one) its `Last-Modified`. A client whose copy is current gets
    /// 304 and no body (`If-None-Match` wins over `If-Modified-Since`, as RFC 9110 says).
    static func revalidated(_ value: some Encodable, request: Request, lastModified: Date?) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        let tag = "\"" + SHA256.hash(data: data).prefix(12).hex + "\""
        var headers: HTTPFields = [.eTag: tag, .cacheControl: "no-cache", .vary: "Accept-Language"]
        if let lastModified { headers[.lastModified] = HTTPDate.format(lastModified) }
        let fresh: Bool
        if let match = request.headers[.ifNoneMatch] {
            fresh = match.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .contains { $0 == "*" || $0 == tag || $0 == "W/" + tag }
        } else if let since = request.headers[.ifModifiedSince].flatMap(HTTPDate.parse), let lastModified {
            fresh = lastModified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
        } else {
            fresh = false
        }
        if fresh { return Response(status: .notModified, headers: headers) }
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Reads a JSON body: unparseable JSON is a 400, a missing or mistyped field a 422 naming it,
    /// and so is text that breaks the text rules (`BoundaryText`: control characters…).
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: AppContext) async throws -> T {
        try decode(type, from: try await Body.collect(request, context: context))
    }

    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        let data = Data(buffer: buffer)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Checked<T>.self, from: data).value
        } catch let error as DecodingError {
            throw Body.refusal(error) ?? numberRefusal(data) ?? AppError.malformedJSON
        }
    }

    /// The paths (`a.b[2]`) of the values and keys in a JSON document that `matches` accepts; a key
    /// matches as its own path.
    static func paths(in data: Data, where matches: (Any) -> Bool) -> [String] {
        guard let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [] }
        var found: [String] = []
        func visit(_ value: Any, _ path: String) {
            switch value {
            case let object as [String: Any]:
                for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                    let inner = path.isEmpty ? key : "\(path).\(key)"
                    if matches(key) { found.append(inner) }
                    visit(member, inner)
                }
            case let array as [Any]:
                for (index, element) in array.enumerated() { visit(element, "\(path)[\(index)]") }
            default:
                if matches(value) { found.append(path) }
            }
        }
        visit(root, "")
        return found
    }

    /// Foundation's decoder reports a number that does not fit its field (`1.5` or `1e30` for a
    /// whole number, `-1` for an unsigned one) as "not valid JSON", without a field. When the body
    /// is valid JSON this says what is wrong instead (422 `number`), and names the field when only
    /// one number in the body could be it: one that is fractional, negative or beyond 64 bits.
    static func numberRefusal(_ data: Data) -> AppError? {
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else { return nil }
        let suspects = paths(in: data) { value in
            guard let number = value as? NSNumber, !(value is String) else { return false }  // true and false are 1 and 0: never suspects
            let double = number.doubleValue
            return double.rounded() != double || double < 0 || abs(double) >= 0x1p63
        }
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

    /// Text with a NUL character, refused wherever it comes from (a body, a form, the query):
    /// PostgreSQL cannot store it, and no one types it.
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

    static func path(_ keys: [any CodingKey]) -> String {
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
