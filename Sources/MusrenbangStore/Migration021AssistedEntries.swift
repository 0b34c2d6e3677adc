extension Migrator {
    /// The log of what staff did for a citizen, written in the same transaction as the action,
    /// and append-only: the database itself refuses to change or remove a line.
    /// (Versions 19 and 20 are other branches' steps.)
    static let assistedEntries = Migration(version: 21, name: "assisted-entry log", statements: [
        """
        CREATE TABLE assisted_entries (
            id {ID},
            citizen_id BIGINT NOT NULL REFERENCES users(id),
            staff_id BIGINT NOT NULL REFERENCES users(id),
            village_code TEXT NOT NULL REFERENCES regions(code),
            kind TEXT NOT NULL,
            subject TEXT,
            created_at {TS} NOT NULL
        )
        """,
        "CREATE INDEX assisted_entries_citizen ON assisted_entries(citizen_id, id)",
        "CREATE INDEX assisted_entries_village ON assisted_entries(village_code, id)",
    ], sqliteOnly: [
        "CREATE TRIGGER assisted_entries_no_update BEFORE UPDATE ON assisted_entries BEGIN SELECT RAISE(ABORT, 'the assisted-entry log is append-only'); END",
        "CREATE TRIGGER assisted_entries_no_delete BEFORE DELETE ON assisted_entries BEGIN SELECT RAISE(ABORT, 'the assisted-entry log is append-only'); END",
    ], postgresOnly: [
        """
        CREATE FUNCTION assisted_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the assisted-entry log is append-only'; END $$
        """,
        "CREATE TRIGGER assisted_entries_no_change BEFORE UPDATE OR DELETE ON assisted_entries FOR EACH ROW EXECUTE FUNCTION assisted_entries_append_only()",
        "CREATE TRIGGER assisted_entries_no_truncate BEFORE TRUNCATE ON assisted_entries FOR EACH STATEMENT EXECUTE FUNCTION assisted_entries_append_only()",
    ])
}
