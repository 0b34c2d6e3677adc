/// What an agency's surveyor found on the ground before the forums decide (verifikasi
/// lapangan): not yet surveyed, feasible, or not feasible — the last always with its reason,
/// which the kecamatan desk and the public tracking page show.
public enum VerificationStatus: String, Sendable, Codable, CaseIterable {
    case notSurveyed, feasible, notFeasible
}

public struct FieldVerification: Sendable, Hashable, Codable {
    public var status: VerificationStatus
    public var reason: String?
    /// The day of the survey.
    public var surveyedOn: CalendarDate?
    public var notes: String?
    /// Where the surveyor stood (from the browser when allowed).
    public var lat: Double?
    public var lng: Double?

    public init(status: VerificationStatus, reason: String? = nil, surveyedOn: CalendarDate? = nil, notes: String? = nil,
                lat: Double? = nil, lng: Double? = nil) {
        self.status = status
        self.reason = reason
        self.surveyedOn = surveyedOn
        self.notes = notes
        self.lat = lat
        self.lng = lng
    }

    public static let none = FieldVerification(status: .notSurveyed)
}

public enum VerificationRules {
    /// Agencies verify what waits at the kecamatan forum or at their own: earlier it is the
    /// village's to decide, later the decision is taken.
    public static func mayVerify(at level: DecisionLevel, status: ProposalStatus) -> Bool {
        status == .pending && (level == .district || level == .agency)
    }

    /// Text trimmed, blank optional text left out.
    public static func cleaned(_ verification: FieldVerification) -> FieldVerification {
        var verification = verification
        verification.reason = verification.reason.map(TextRules.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        verification.notes = verification.notes.map(TextRules.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        return verification
    }

    /// Every refusal, each naming its field. A survey has a day (not in the future, not more than
    /// a year back); "not feasible" needs its reason; coordinates come in pairs, inside Indonesia.
    public static func validate(_ verification: FieldVerification, today: CalendarDate) -> [ValidationError] {
        var errors: [ValidationError] = []
        func take(_ result: Result<String?, ValidationError>) {
            if case .failure(let refusal) = result { errors.append(refusal) }
        }
        take(TextRules.text(verification.reason, field: "reason", label: .init(id: "Alasan", en: "Reason"), length: 5...500,
                            multiline: true, required: verification.status == .notFeasible))
        take(TextRules.text(verification.notes, field: "notes", label: .init(id: "Catatan", en: "Notes"), length: 1...1000,
                            multiline: true, required: false))
        if verification.status != .notSurveyed {
            if let day = verification.surveyedOn {
                let yearBack = CalendarDate(year: today.year - 1, month: today.month, day: min(today.day, 28))!
                if day > today || day < yearBack {
                    errors.append(ValidationError(field: "surveyedOn", code: "surveyedOn.range", message: .init(
                        id: "Tanggal survei harus antara \(yearBack) dan hari ini.", en: "The survey date must be between \(yearBack) and today.")))
                }
            } else {
                errors.append(.required("surveyedOn", label: .init(id: "Tanggal survei", en: "Survey date")))
            }
        }
        if (verification.lat == nil) != (verification.lng == nil) {
            errors.append(ValidationError(field: "location", code: "location.pair",
                                          message: .init(id: "Lintang dan bujur harus diisi keduanya.", en: "Give both latitude and longitude.")))
        } else if let lat = verification.lat, let lng = verification.lng,
                  !(ProposalRules.latitudes.contains(lat) && ProposalRules.longitudes.contains(lng)) {
            errors.append(ValidationError(field: "location", code: "location.outsideIndonesia",
                                          message: .init(id: "Koordinat berada di luar wilayah Indonesia.", en: "The coordinates are outside Indonesia.")))
        }
        return errors
    }
}
