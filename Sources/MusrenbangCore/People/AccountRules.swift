/// The rules for what people type into account forms. Each returns the cleaned value or a
/// refusal naming the field, so the API and the pages refuse in the same words.
public enum AccountRules {
    public static func name(_ raw: String?, field: String = "name") -> Result<String, ValidationError> {
        let label = LocalizedText(id: "Nama", en: "Name")
        if case .failure(let refusal) = TextRules.boundary(raw ?? "", field: field, multiline: false) { return .failure(refusal) }
        // Words apart by one space; zero-width and other invisible characters at a word's ends go,
        // so a name of invisible characters only is no name.
        let text = (raw ?? "").split(whereSeparator: \.isWhitespace).map(TextRules.trimmed).filter { !$0.isEmpty }.joined(separator: " ")
        guard !text.isEmpty else { return .failure(.required(field, label: label)) }
        guard text.count >= 2, text.count <= 100 else {
            return .failure(ValidationError(field: field, code: "name.length",
                message: .init(id: "Nama harus 2 sampai 100 karakter.", en: "Name must be 2 to 100 characters.")))
        }
        guard !text.contains(where: { $0.isNumber }) || text.contains(where: { $0.isLetter }) else {
            return .failure(ValidationError(field: field, code: "name.letters",
                message: .init(id: "Nama harus berisi huruf.", en: "Name must contain letters.")))
        }
        return .success(text)
    }

    /// bcrypt reads at most 72 bytes; a longer password would be silently cut, so it is refused.
    public static func password(_ raw: String?, field: String = "password") -> Result<String, ValidationError> {
        guard let raw, !raw.isEmpty else {
            return .failure(.required(field, label: .init(id: "Kata sandi", en: "Password")))
        }
        // NUL would end the password for bcrypt; no one types the other control characters.
        if let control = TextRules.forbiddenControl(in: raw, multiline: false) {
            return .failure(TextRules.controlRefusal(control, field: field, multiline: false))
        }
        guard raw.count >= 8, raw.utf8.count <= 72 else {
            return .failure(ValidationError(field: field, code: "password.length",
                message: .init(id: "Kata sandi harus 8 sampai 72 karakter.", en: "Password must be 8 to 72 characters.")))
        }
        return .success(raw)
    }

    /// Indonesian mobile numbers, written as 08…, 628… or +628…; stored as +62….
    public static func phone(_ raw: String?, field: String = "phone") -> Result<String?, ValidationError> {
        let text = (raw ?? "").filter { !$0.isWhitespace && $0 != "-" }
        guard !text.isEmpty else { return .success(nil) }
        var digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .failure(badPhone(field)) }
        if digits.hasPrefix("0") { digits = "62" + digits.dropFirst() }
        guard digits.hasPrefix("628"), (10...15).contains(digits.count) else { return .failure(badPhone(field)) }
        return .success("+" + digits)
    }

    /// Staff usernames: 3–32 of a–z, 0–9, `.`, `_`, `-`, not all digits (digits alone are a NIK).
    public static func username(_ raw: String?, field: String = "username") -> Result<String, ValidationError> {
        let text = (raw ?? "").trimmingSpaces.lowercased()
        guard !text.isEmpty else { return .failure(.required(field, label: .init(id: "Nama pengguna", en: "Username"))) }
        let allowed = text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "._-".contains($0) }
        guard allowed, (3...32).contains(text.count), !text.allSatisfy(\.isNumber) else {
            return .failure(ValidationError(field: field, code: "username.format",
                message: .init(id: "Nama pengguna 3–32 karakter: huruf kecil, angka, titik, garis bawah atau strip, dan tidak boleh hanya angka.",
                               en: "Username: 3–32 characters of lower-case letters, digits, '.', '_' or '-', not digits only.")))
        }
        return .success(text)
    }

    public static func agencyCode(_ raw: String?, field: String = "agencyCode") -> Result<String, ValidationError> {
        let text = (raw ?? "").trimmingSpaces
        guard !text.isEmpty else {
            return .failure(.required(field, label: .init(id: "Kode perangkat daerah", en: "Agency code")))
        }
        guard text.count <= 32, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            return .failure(ValidationError(field: field, code: "agencyCode.format",
                message: .init(id: "Kode perangkat daerah hanya huruf, angka, titik, garis bawah atau strip (maks. 32).",
                               en: "Agency code: letters, digits, '.', '_' or '-' (at most 32).")))
        }
        return .success(text)
    }

    private static func badPhone(_ field: String) -> ValidationError {
        ValidationError(field: field, code: "phone.format",
            message: .init(id: "Nomor HP tidak sah; tulis seperti 081234567890.", en: "Not a valid mobile number; write it like 081234567890."))
    }
}

extension String {
    /// Without spaces and invisible characters (zero-width spaces, BOMs…) at either end.
    var trimmingSpaces: String { TextRules.trimmed(self) }
}
