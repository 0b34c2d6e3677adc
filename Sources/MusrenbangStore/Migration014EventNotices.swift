extension Migrator {
    /// Several server processes on one PostgreSQL: each new live event is announced on the
    /// channel `EventNotices.channel` with its assembly's id, by the database itself, so whichever
    /// process wrote it, every process hears it — at commit, never for a rolled-back write.
    /// SQLite serves one process only (`ServeLock`): nothing to announce.
    static let eventNotices = Migration(version: 14, name: "live events announced across processes", statements: [], postgresOnly: [
        """
        CREATE FUNCTION musrenbang_announce_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('musrenbang_events', NEW.assembly_id::text);
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER assembly_events_announced AFTER INSERT ON assembly_events
        FOR EACH ROW EXECUTE FUNCTION musrenbang_announce_event()
        """,
    ])
}
