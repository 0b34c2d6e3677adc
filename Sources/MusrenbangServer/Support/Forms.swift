import Foundation
import Hummingbird
import MusrenbangCore

/// A submitted `application/x-www-form-urlencoded` body: its CSRF token checked first, then
/// decoded into the form's own `Decodable` type. `fields` keeps what was typed, for showing the
/// form again after a refusal.
struct SubmittedForm<Fields: Decodable> {
    let fields: Fields
    let typed: [String: String]

    static func read(_ request: Request, context: AppContext, csrf: CSRFGuard) async throws -> SubmittedForm {
        let text = String(buffer: try await Body.collect(request, context: context))
        let typed = Self.parse(text)
        guard csrf.isValid(typed[CSRFGuard.fieldName], nonce: request.cookies[CSRFGuard.cookieName]?.value) else {
            throw AppError.csrf
        }
        // Every field's text, also those a handler reads from `typed` (BoundaryText).
        for (name, value) in typed.sorted(by: { $0.key < $1.key }) {
            if let refusal = BoundaryText.checkFlat(name: name, value: value) { throw AppError(refusal) }
        }
        do {
            return SubmittedForm(fields: try URLEncodedFormDecoder().decode(Checked<Fields>.self, from: text).value, typed: typed)
        } catch let error as DecodingError {
            throw Body.refusal(error).map(FormLabels.worded) ?? Self.unreadable
        } catch let error as AppError {
            throw error
        } catch {
            // The decoder's own errors (a bare "%" in a name was one: a 500 until the hostile-input test).
            throw Self.unreadable
        }
    }

    static var unreadable: AppError {
        AppError.invalid("form", "form.invalid", id: "Isian formulir tidak terbaca.", en: "The form could not be read.")
    }

    /// The flat `name=value` pairs, for the CSRF field and for refilling the form.
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

/// A form whose only field is its CSRF token (buttons that just act).
struct NoFields: Decodable {}

/// Text a person typed; blank (after trimming spaces and invisible characters) is nil, so ""
/// or a zero-width space never passes for a value.
struct TypedText: Decodable, Sendable {
    let value: String?

    init(from decoder: any Decoder) throws {
        let text = TextRules.trimmed(try decoder.singleValueContainer().decode(String.self))
        value = text.isEmpty ? nil : text
    }
}

/// A whole number typed by a person ("2027"); blank is nil.
struct TypedInteger: Decodable, Sendable {
    let value: Int?

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { value = nil; return }
        guard let number = Int(text.replacingOccurrences(of: ".", with: "")) else { throw TypedNumberError(decoder) }
        value = number
    }
}

/// A decimal typed the Indonesian way ("12,5") or the other ("12.5"); blank is nil.
struct TypedDecimal: Decodable, Sendable {
    let value: Double?

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { value = nil; return }
        guard let number = Double(text.replacingOccurrences(of: ",", with: ".")), number.isFinite else { throw TypedNumberError(decoder) }
        value = number
    }
}

/// Rupiah typed with thousands dots and perhaps "Rp" ("Rp 1.250.000"); blank is nil.
struct TypedRupiah: Decodable, Sendable {
    let value: Int64?

    init(from decoder: any Decoder) throws {
        var text = try decoder.singleValueContainer().decode(String.self).trimmingCharacters(in: .whitespaces)
        if text.lowercased().hasPrefix("rp") { text = String(text.dropFirst(2)) }
        text = text.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: " ", with: "")
        guard !text.isEmpty else { value = nil; return }
        guard let amount = Int64(text) else { throw TypedNumberError(decoder) }
        value = amount
    }
}

/// A checkbox: present and "1", "on" or "true" when ticked.
struct Checkbox: Decodable, Sendable {
    let isOn: Bool

    init(from decoder: any Decoder) throws {
        isOn = ["1", "on", "true"].contains(try decoder.singleValueContainer().decode(String.self).lowercased())
    }
}

extension Optional where Wrapped == Checkbox {
    var isOn: Bool { self?.isOn ?? false }
}

private func TypedNumberError(_ decoder: any Decoder) -> DecodingError {
    .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a number"))
}

/// The words for a refused form field, so a person reads "Volume harus berupa angka", not a key.
enum FormLabels {
    static let labels: [String: LocalizedText] = [
        "year": .init(id: "Tahun", en: "Year"), "planYear": .init(id: "Tahun rencana", en: "Plan year"),
        "volume": .init(id: "Volume", en: "Volume"), "estimatedCost": .init(id: "Perkiraan biaya", en: "Estimated cost"),
        "amount": .init(id: "Jumlah", en: "Amount"), "progress": .init(id: "Kemajuan", en: "Progress"),
        "priority": .init(id: "Nomor prioritas", en: "Priority"), "mergedInto": .init(id: "Nomor usulan tujuan", en: "Merge target"),
        "sdg": .init(id: "Tujuan SDGs Desa", en: "SDG goal"), "beneficiariesTotal": .init(id: "Jumlah penerima manfaat", en: "Beneficiaries"),
        "beneficiariesWomen": .init(id: "Penerima manfaat perempuan", en: "Women beneficiaries"),
        "beneficiariesPoor": .init(id: "Penerima manfaat miskin", en: "Poor beneficiaries"),
        "beneficiariesDisabled": .init(id: "Penerima manfaat difabel", en: "Disabled beneficiaries"),
        "lat": .init(id: "Lintang", en: "Latitude"), "lng": .init(id: "Bujur", en: "Longitude"),
    ]

    static func worded(_ error: AppError) -> AppError {
        guard let field = error.field, let label = labels[field], error.code == "invalid" || error.code == "type" else { return error }
        return AppError(error.status, code: "\(field).number",
                        message: .init(id: "\(label.id) harus berupa angka.", en: "\(label.en) must be a number."), field: field)
    }
}

extension Response {
    /// 303 See Other: after a form, the browser loads the next page with GET.
    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
