/// What text people send may hold, wherever it comes from (a JSON body, a form, the query).
///
/// - No control characters: NUL (PostgreSQL cannot store or compare it, bcrypt stops at it) and
///   the rest of C0, DEL and C1 are refused; tab, line feed and carriage return only in text that
///   may span lines (`multiline`).
/// - Text made only of spaces and invisible characters (zero-width spaces and joiners, the BOM,
///   soft hyphens, direction marks, Hangul fillers, the blank Braille pattern, combining marks with
///   nothing to combine with…) counts as empty: it shows nothing.
/// - No character built of more than `maximumScalarsPerCharacter` code points (a "grapheme bomb":
///   letters followed by thousands of joiners or combining marks count as a few characters while
///   holding megabytes), so every length counted in characters also bounds the bytes.
///
/// Pure functions over the standard library's Unicode properties; no Foundation.
public enum TextRules {
    /// The largest real clusters (an emoji family with skin tones, a tag-sequence flag) are ~11.
    public static let maximumScalarsPerCharacter = 32

    /// Whether a code point shows nothing by itself.
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isWhitespace || properties.isDefaultIgnorableCodePoint { return true }
        switch properties.generalCategory {
        case .control, .format, .nonspacingMark, .enclosingMark, .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return true
        default:
            // U+2800 BRAILLE PATTERN BLANK is a symbol that prints as a blank cell.
            return scalar.value == 0x2800
        }
    }

    /// True for text that shows nothing: empty, spaces only, or invisible characters only.
    public static func isBlank(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.allSatisfy(isInvisible)
    }

    /// The first control character `text` may not hold, if any.
    public static func forbiddenControl(in text: some StringProtocol, multiline: Bool) -> Unicode.Scalar? {
        text.unicodeScalars.first { scalar in
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: return !multiline
            case 0x00...0x1F, 0x7F, 0x80...0x9F: return true
            default: return false
            }
        }
    }

    /// Whether some character of `text` is built of too many code points.
    public static func hasOverlongCharacter(_ text: some StringProtocol) -> Bool {
        // Cheap first: a string with few code points per character overall cannot hold one.
        let scalars = text.unicodeScalars.count
        guard scalars > maximumScalarsPerCharacter else { return false }
        return text.contains { $0.unicodeScalars.count > maximumScalarsPerCharacter }
    }

    /// The check every piece of text gets at the boundary, before any field's own rule: control
    /// characters and grapheme bombs are refused naming `field`; blank text comes back empty.
    public static func boundary(_ text: String, field: String, multiline: Bool) -> Result<String, ValidationError> {
        if let control = forbiddenControl(in: text, multiline: multiline) {
            return .failure(controlRefusal(control, field: field, multiline: multiline))
        }
        if hasOverlongCharacter(text) {
            return .failure(ValidationError(field: field, code: "text.cluster",
                message: .init(id: "Kolom \(field) memuat karakter yang tersusun dari terlalu banyak kode (lebih dari \(maximumScalarsPerCharacter)).",
                               en: "Field \(field) holds a character built of too many code points (more than \(maximumScalarsPerCharacter)).")))
        }
        return .success(isBlank(text) ? "" : text)
    }

    /// Cuts spaces and invisible characters from both ends.
    public static func trimmed(_ text: some StringProtocol) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isInvisible($0) }),
              let last = scalars.lastIndex(where: { !isInvisible($0) }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// A field of free text with its length in characters: controls refused, the ends trimmed,
    /// blank is nil (refused as required when `required`), too short or too long refused.
    public static func text(_ raw: String?, field: String, label: LocalizedText, length: ClosedRange<Int>,
                            multiline: Bool = false, required: Bool = true) -> Result<String?, ValidationError> {
        let raw = raw ?? ""
        if case .failure(let refusal) = boundary(raw, field: field, multiline: multiline) { return .failure(refusal) }
        let text = trimmed(raw)
        if text.isEmpty {
            return required ? .failure(.required(field, label: label)) : .success(nil)
        }
        guard length.contains(text.count) else {
            return .failure(lengthRefusal(field: field, label: label, length: length))
        }
        return .success(text)
    }

    /// A required field of free text (see `text`).
    public static func required(_ raw: String?, field: String, label: LocalizedText, length: ClosedRange<Int>,
                                multiline: Bool = false) -> Result<String, ValidationError> {
        text(raw, field: field, label: label, length: length, multiline: multiline, required: true).map { $0 ?? "" }
    }

    /// A search: one line of at most `maximum` characters; blank is "" (search for nothing).
    public static func search(_ raw: String?, field: String = "q", maximum: Int) -> Result<String, ValidationError> {
        text(raw, field: field, label: .init(id: "Kata kunci", en: "Search text"), length: 1...maximum, required: false)
            .map { $0 ?? "" }
    }

    public static func lengthRefusal(field: String, label: LocalizedText, length: ClosedRange<Int>) -> ValidationError {
        ValidationError(field: field, code: "\(field).length",
            message: .init(id: "\(label.id) harus \(length.lowerBound)–\(length.upperBound) karakter.",
                           en: "\(label.en) must be \(length.lowerBound)–\(length.upperBound) characters."))
    }

    public static func controlRefusal(_ scalar: Unicode.Scalar, field: String, multiline: Bool) -> ValidationError {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        if scalar.value == 0 {
            return ValidationError(field: field, code: "nul",
                message: .init(id: "Kolom \(field) memuat karakter NUL, yang tidak diizinkan dalam teks.",
                               en: "Field \(field) contains a NUL character, which text may not hold."))
        }
        let lines = multiline ? "" : " (baris baru dan tab hanya untuk isian beberapa baris)"
        let linesEn = multiline ? "" : " (line breaks and tabs only in multi-line fields)"
        return ValidationError(field: field, code: "text.control",
            message: .init(id: "Kolom \(field) memuat karakter kendali \(code), yang tidak diizinkan\(lines).",
                           en: "Field \(field) contains the control character \(code), which is not allowed\(linesEn)."))
    }
}
