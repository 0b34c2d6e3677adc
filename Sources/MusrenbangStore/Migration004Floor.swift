extension Migrator {
    /// The floor of each assembly (who waits, who speaks), kept as the Core state so it survives
    /// restarts, and every finished turn for the minutes.
    static let floor = Migration(version: 4, name: "floor control", statements: [
        """
        CREATE TABLE floors (
            assembly_id BIGINT PRIMARY KEY REFERENCES assemblies(id) ON DELETE CASCADE,
            state TEXT NOT NULL,
            updated_at {TS} NOT NULL
        )
        """,
        """
        CREATE TABLE floor_turns (
            id {ID},
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            village_code TEXT NOT NULL,
            topic TEXT NOT NULL,
            started_at {TS} NOT NULL,
            ended_at {TS} NOT NULL,
            ending TEXT NOT NULL
        )
        """,
        "CREATE INDEX floor_turns_assembly ON floor_turns(assembly_id, village_code)",
    ])
}
