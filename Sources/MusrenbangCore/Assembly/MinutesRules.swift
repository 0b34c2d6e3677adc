/// What saving a berita acara does. A draft is rewritten freely; finalising locks a snapshot of
/// the session; a final record changes only by an amendment that says why (the signed paper and
/// the platform must never silently differ).
public enum MinutesChange: Sendable, Equatable {
    case draft
    case finalize
    case amend(reason: String)
}

public enum MinutesRules {
    public static let minimumReason = 5

    /// An amendment reason over 500 characters is refused whether or not one is needed: a value
    /// the server would drop is still refused at the boundary.
    public static func change(isFinal: Bool, finalize: Bool, amendmentReason: String?) -> Result<MinutesChange, ValidationError> {
        let reason = (amendmentReason ?? "").trimmingSpaces
        guard reason.count <= 500 else {
            return .failure(ValidationError(field: "amendmentReason", code: "amendmentReason.length",
                message: .init(id: "Alasan amandemen maks. 500 karakter.", en: "Amendment reason: at most 500 characters.")))
        }
        guard isFinal else { return .success(finalize ? .finalize : .draft) }
        guard reason.count >= minimumReason else {
            return .failure(ValidationError(field: "amendmentReason", code: "minutes.finalized",
                message: .init(id: "Berita acara sudah final; perubahan harus berupa amandemen dengan alasan.",
                               en: "The minutes are final; a change must be an amendment with a reason.")))
        }
        return .success(.amend(reason: reason))
    }
}
