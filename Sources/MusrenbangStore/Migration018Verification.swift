extension Migrator {
    /// The latest field verification of a proposal, on the proposal itself so the kecamatan desk
    /// and the lists read it without a join; every verification is also a history line.
    /// (Versions 16 and 17 are other branches' steps.)
    static let verification = Migration(version: 18, name: "field verification of proposals", statements: [
        "ALTER TABLE proposals ADD COLUMN verification_status TEXT NOT NULL DEFAULT 'notSurveyed'",
        "ALTER TABLE proposals ADD COLUMN verification_reason TEXT",
        "ALTER TABLE proposals ADD COLUMN verification_notes TEXT",
        "ALTER TABLE proposals ADD COLUMN verified_on TEXT",
        "ALTER TABLE proposals ADD COLUMN verification_lat {REAL}",
        "ALTER TABLE proposals ADD COLUMN verification_lng {REAL}",
        "ALTER TABLE proposals ADD COLUMN verified_by BIGINT REFERENCES users(id)",
    ])
}
