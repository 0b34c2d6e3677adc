extension Migrator {
    /// The floor's speakers as a column (the timer found them with LIKE on the JSON before),
    /// notices stored as facts for the pages to word in the reader's language, the one-time
    /// messages of Post/Redirect/Get, and the index "Usulan saya" reads by.
    static let typed = Migration(version: 5, name: "floor speakers, notice facts, flash messages", statements: [
        "ALTER TABLE floors ADD COLUMN speakers INTEGER NOT NULL DEFAULT 0",
        "UPDATE floors SET speakers = 1 WHERE state LIKE '%grantedAt%'",
        "CREATE INDEX floors_speaking ON floors(speakers)",
        "ALTER TABLE notifications ADD COLUMN data TEXT",
        """
        CREATE TABLE flash (
            token_hash TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            expires_at {TS} NOT NULL
        )
        """,
        "CREATE INDEX flash_expiry ON flash(expires_at)",
        "CREATE INDEX proposals_entered_by ON proposals(entered_by)",
    ])
}
