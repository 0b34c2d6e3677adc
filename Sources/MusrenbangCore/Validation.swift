/// Text in the two locales the product speaks: Bahasa Indonesia first, English second.
public struct LocalizedText: Sendable, Hashable, Codable {
    public let id: String
    public let en: String

    public init(id: String, en: String) {
        self.id = id
        self.en = en
    }

    public func text(_ locale: Locale) -> String { locale == .indonesian ? id : en }

    public enum Locale: String, Sendable, CaseIterable {
        case indonesian = "id"
        case english = "en"
    }
}

/// A refusal of input: which field, a stable code for machines, and a message for people.
public struct ValidationError: Error, Sendable, Hashable {
    public let field: String
    public let code: String
    public let message: LocalizedText

    public init(field: String, code: String, message: LocalizedText) {
        self.field = field
        self.code = code
        self.message = message
    }

    public static func required(_ field: String, label: LocalizedText) -> ValidationError {
        ValidationError(field: field, code: "required",
                        message: .init(id: "\(label.id) wajib diisi.", en: "\(label.en) is required."))
    }
}
