extension Migrator {
    /// The audit log of staff actions (append-only: the database itself refuses to change or
    /// remove a line), facts about the installation (whether the demo is loaded), and the staff's
    /// second factor (a TOTP secret, sealed with the server key, and the last step used, against replay).
    static let accountability = Migration(version: 7, name: "audit log, installation facts, second factor", statements: [
        """
        CREATE TABLE audit_log (
            id {ID},
            at {TS} NOT NULL,
            actor_id BIGINT REFERENCES users(id),
            actor_role TEXT,
            action TEXT NOT NULL,
            target TEXT,
            region_code TEXT,
            address TEXT NOT NULL,
            status INTEGER NOT NULL,
            reason TEXT
        )
        """,
        "CREATE INDEX audit_log_region ON audit_log(region_code, id)",
        """
        CREATE TABLE installation (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """,
        "ALTER TABLE users ADD COLUMN totp_sealed TEXT",
        "ALTER TABLE users ADD COLUMN totp_last_step BIGINT",
        "ALTER TABLE users ADD COLUMN disabled_reason TEXT",
    ], sqliteOnly: [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ], postgresOnly: [
        """
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$
        """,
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ])
}
