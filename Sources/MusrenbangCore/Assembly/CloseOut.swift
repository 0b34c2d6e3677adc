/// Closing a village station (penutupan pos desa). When a village's session has closed, its
/// operator hands in the signed berita acara — photographed or scanned — and the attendance
/// figures written on that paper. The platform compares them with the check-ins it recorded and
/// flags a difference; the kecamatan then validates the station, or records an incident with its
/// reason. Paper and platform disagreeing is what an auditor asks about first, so the figures
/// recorded at submission are kept beside the paper's.

/// What a close-out scan may be, recognised by its first bytes (never a name or declared type):
/// the three photo formats, or a PDF from a scanner.
public enum ScanKind: String, Sendable, CaseIterable, Codable {
    case jpeg, png, webp, pdf

    public var contentType: String {
        switch self {
        case .jpeg, .png, .webp: image!.contentType
        case .pdf: "application/pdf"
        }
    }

    /// The photo kind, for the three image formats (their metadata is removed like a photo's).
    public var image: ImageKind? { ImageKind(rawValue: rawValue) }

    /// A scanned page of a few pages at 300 dpi fits; a phone photo fits twice over.
    public static let maximumBytes = 10 * 1024 * 1024

    public static func detect(_ bytes: some Collection<UInt8>) -> ScanKind? {
        if let image = ImageKind.detect(bytes) { return ScanKind(rawValue: image.rawValue) }
        if Array(bytes.prefix(5)) == Array("%PDF-".utf8) { return .pdf }
        return nil
    }
}

/// Where a station's close-out stands. `pending`: the session closed, nothing handed in yet (a
/// scan alone does not submit); `submitted`: scan and figures in, flagged when they disagree with
/// the check-ins; then the kecamatan's word, `validated` or `incident` (with a reason).
public enum CloseOutState: String, Sendable, Codable, CaseIterable {
    case pending, submitted, validated, incident
}

/// The attendance figures written on the signed paper.
public struct HeadCount: Sendable, Hashable, Codable {
    public var men: Int
    public var women: Int
    public var total: Int

    public init(men: Int, women: Int, total: Int) {
        self.men = men
        self.women = women
        self.total = total
    }
}

/// The paper against the platform.
public enum AttendanceComparison: Sendable, Equatable {
    case matches
    /// The paper's figure minus the recorded one, for each count (positive: the paper says more).
    case mismatch(total: Int, men: Int, women: Int)

    public var isMismatch: Bool { self != .matches }
}

/// Why a close-out step was refused: each a 409 with a stable code.
public struct CloseOutRefusal: Error, Sendable, Equatable {
    public let code: String
    public let message: LocalizedText

    public static let notClosed = CloseOutRefusal(code: "closeOut.notClosed", message: .init(
        id: "Penutupan pos desa dilakukan setelah sesi desa ditutup.", en: "A station is closed out after its session has closed."))
    public static let reviewed = CloseOutRefusal(code: "closeOut.reviewed", message: .init(
        id: "Penutupan ini sudah diperiksa kecamatan dan tidak dapat diubah lagi.",
        en: "The kecamatan has already reviewed this close-out; it can no longer change."))
    public static let noScan = CloseOutRefusal(code: "closeOut.noScan", message: .init(
        id: "Unggah dulu pindaian atau foto berita acara yang ditandatangani.", en: "Upload the scan or photo of the signed minutes first."))
    public static let notSubmitted = CloseOutRefusal(code: "closeOut.notSubmitted", message: .init(
        id: "Pos desa ini belum menyerahkan berita acara dan angka kehadiran.",
        en: "This station has not handed in its minutes and attendance figures yet."))
}

public enum CloseOutRules {
    public static let figures = 0...100_000

    /// Every refusal of the paper's figures, each naming its field.
    public static func validate(_ paper: HeadCount) -> [ValidationError] {
        var errors: [ValidationError] = []
        for (field, value, label) in [("men", paper.men, LocalizedText(id: "Laki-laki", en: "Men")),
                                      ("women", paper.women, LocalizedText(id: "Perempuan", en: "Women")),
                                      ("total", paper.total, LocalizedText(id: "Jumlah", en: "Total"))] where !figures.contains(value) {
            errors.append(ValidationError(field: field, code: "\(field).range", message: .init(
                id: "\(label.id) harus antara 0 dan 100.000.", en: "\(label.en) must be between 0 and 100,000.")))
        }
        if errors.isEmpty, paper.men + paper.women != paper.total {
            errors.append(ValidationError(field: "total", code: "total.sum", message: .init(
                id: "Jumlah harus sama dengan laki-laki ditambah perempuan (\(paper.men + paper.women)).",
                en: "The total must equal men plus women (\(paper.men + paper.women)).")))
        }
        return errors
    }

    public static func compare(paper: HeadCount, recorded: HeadCount) -> AttendanceComparison {
        paper == recorded ? .matches
            : .mismatch(total: paper.total - recorded.total, men: paper.men - recorded.men, women: paper.women - recorded.women)
    }

    /// A scan may be (re)placed, and the figures (re)submitted, once the session has closed and
    /// until the kecamatan has reviewed them: a correction before review replaces what was there.
    public static func mayHandIn(stage: AssemblyStage, state: CloseOutState) -> CloseOutRefusal? {
        guard stage == .closed else { return .notClosed }
        guard state == .pending || state == .submitted else { return .reviewed }
        return nil
    }

    public static func maySubmit(stage: AssemblyStage, state: CloseOutState, hasScan: Bool) -> CloseOutRefusal? {
        if let refusal = mayHandIn(stage: stage, state: state) { return refusal }
        return hasScan ? nil : .noScan
    }

    /// The kecamatan reviews what was submitted, once.
    public static func mayReview(state: CloseOutState) -> CloseOutRefusal? {
        switch state {
        case .pending: .notSubmitted
        case .submitted: nil
        case .validated, .incident: .reviewed
        }
    }

    /// An incident always says what happened: 5–500 characters.
    public static func incidentReason(_ raw: String?) -> Result<String, ValidationError> {
        switch TextRules.text(raw, field: "reason", label: .init(id: "Alasan", en: "Reason"), length: 5...500, multiline: true) {
        case .success(let text?): .success(text)
        case .success(nil): .failure(.required("reason", label: .init(id: "Alasan", en: "Reason")))
        case .failure(let refusal): .failure(refusal)
        }
    }
}
