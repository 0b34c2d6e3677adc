import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body, read only after its CSRF token is checked.
struct Form {
    let values: [String: String]

    subscript(_ key: String) -> String? { values[key] }

    static func read(_ request: Request, context: AppContext, csrf: CSRFGuard) async throws -> Form {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw AppError.tooLarge
        }
        let form = Form(values: parse(String(buffer: buffer)))
        guard csrf.isValid(form[CSRFGuard.fieldName], nonce: request.cookies[CSRFGuard.cookieName]?.value) else {
            throw AppError.csrf
        }
        return form
    }

    static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let key = parts.first else { continue }
            values[decode(key)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return values
    }
}

extension Response {
    /// 303 See Other: after a form, the browser loads the next page with GET.
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
