/// What the regency's RPJMD/RKPD says about the activities of one sub-bidang: the regional
/// priority and target and the program they fall under. The platform does not know these by
/// itself; the planner writes them, and Tabel T-D.4 leaves them blank where nothing is written.
public struct ProgramMapping: Sendable, Hashable, Codable {
    public var subfieldCode: String
    public var regionalPriority: String
    public var regionalTarget: String
    public var program: String

    public init(subfieldCode: String, regionalPriority: String, regionalTarget: String, program: String) {
        self.subfieldCode = subfieldCode
        self.regionalPriority = regionalPriority
        self.regionalTarget = regionalTarget
        self.program = program
    }

    public var isEmpty: Bool { regionalPriority.isEmpty && regionalTarget.isEmpty && program.isEmpty }

    public static let maximumLength = 300

    public static func validate(_ mapping: ProgramMapping) -> [ValidationError] {
        var errors: [ValidationError] = []
        if Fields.subfield(mapping.subfieldCode) == nil {
            errors.append(ValidationError(field: "subfieldCode", code: "subfieldCode.unknown",
                message: .init(id: "Sub-bidang \(mapping.subfieldCode) tidak dikenal.", en: "Unknown subfield \(mapping.subfieldCode).")))
        }
        let texts = [("regionalPriority", mapping.regionalPriority, "Prioritas daerah", "Regional priority"),
                     ("regionalTarget", mapping.regionalTarget, "Sasaran daerah", "Regional target"),
                     ("program", mapping.program, "Program", "Program")]
        for (field, value, id, en) in texts where value.count > maximumLength {
            errors.append(ValidationError(field: field, code: "\(field).length",
                message: .init(id: "\(id) maks. \(maximumLength) karakter.", en: "\(en): at most \(maximumLength) characters.")))
        }
        return errors
    }
}
