/// A kecamatan's delegate to the agency forum and the regency musrenbang (Lampiran IV).
public struct Delegate: Sendable, Hashable, Codable {
    public var name: String
    public var gender: Gender
    /// Lembaga / unsur the delegate comes from.
    public var institution: String

    public init(name: String, gender: Gender, institution: String) {
        self.name = name
        self.gender = gender
        self.institution = institution
    }
}

/// The kecamatan forum mandates three delegates, at least one of them a woman (Permendagri
/// 86/2017). A draft may hold fewer while the forum decides; the final record must hold the mandate.
public enum DelegateRules {
    public static let count = 3

    public static func validate(_ delegates: [Delegate], final: Bool) -> [ValidationError] {
        var errors: [ValidationError] = []
        if delegates.count > count {
            errors.append(ValidationError(field: "delegates", code: "delegates.tooMany",
                message: .init(id: "Delegasi kecamatan paling banyak \(count) orang.", en: "At most \(count) delegates.")))
        }
        for (index, delegate) in delegates.enumerated() {
            let name = delegate.name.trimmingSpaces
            if !(3...100).contains(name.count) {
                errors.append(ValidationError(field: "delegates[\(index)].name", code: "delegates.name",
                    message: .init(id: "Nama delegasi ke-\(index + 1) harus 3–100 karakter.",
                                   en: "Delegate \(index + 1): the name must be 3–100 characters.")))
            }
            if delegate.institution.trimmingSpaces.count > 100 {
                errors.append(ValidationError(field: "delegates[\(index)].institution", code: "delegates.institution",
                    message: .init(id: "Lembaga delegasi ke-\(index + 1) maks. 100 karakter.",
                                   en: "Delegate \(index + 1): the institution is at most 100 characters.")))
            }
        }
        guard final else { return errors }
        if delegates.count != count {
            errors.append(ValidationError(field: "delegates", code: "delegates.count",
                message: .init(id: "Berita acara kecamatan memerlukan \(count) delegasi; baru \(delegates.count) yang diisi.",
                               en: "The kecamatan minutes need \(count) delegates; \(delegates.count) given.")))
        }
        if !delegates.isEmpty && !delegates.contains(where: { $0.gender == .female }) {
            errors.append(ValidationError(field: "delegates", code: "delegates.woman",
                message: .init(id: "Sekurang-kurangnya satu delegasi harus perempuan.",
                               en: "At least one delegate must be a woman.")))
        }
        return errors
    }
}
