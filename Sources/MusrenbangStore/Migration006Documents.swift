extension Migrator {
    /// What the official papers need beyond the day's records: whether a citizen agreed to be
    /// named on the attendance list, the planner's mapping of sub-bidang to the regency's
    /// programs (Tabel T-D.4), and an index to page through decisions for the open API.
    static let documents = Migration(version: 6, name: "attendance name consent, program mappings, decisions index", statements: [
        "ALTER TABLE attendance ADD COLUMN name_consent {BOOL} NOT NULL DEFAULT {FALSE}",
        """
        CREATE TABLE program_mappings (
            subfield_code TEXT PRIMARY KEY,
            regional_priority TEXT NOT NULL,
            regional_target TEXT NOT NULL,
            program TEXT NOT NULL,
            updated_by BIGINT REFERENCES users(id),
            updated_at {TS} NOT NULL
        )
        """,
        "CREATE INDEX proposal_history_event ON proposal_history(event, id)",
        "CREATE INDEX proposals_year_status ON proposals(year, status)",
    ])
}
