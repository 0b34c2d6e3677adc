extension Migrator {
    /// Live polls of an assembly (jajak pendapat): the question, its options, and one row per
    /// answer. The database itself keeps an office (office polls: `citizen_id` empty) or a citizen
    /// to one answer per poll, so concurrent answers can never count twice. Closing a poll keeps
    /// how many offices were present then (`offices_present`), so its results stay as they were.
    static let polls = Migration(version: 16, name: "live polls (jajak pendapat)", statements: [
        """
        CREATE TABLE polls (
            id {ID},
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            audience TEXT NOT NULL,
            status TEXT NOT NULL,
            opened_by BIGINT NOT NULL REFERENCES users(id),
            opened_at {TS} NOT NULL,
            closed_by BIGINT REFERENCES users(id),
            closed_at {TS},
            offices_present INTEGER
        )
        """,
        "CREATE INDEX polls_assembly ON polls(assembly_id, id)",
        """
        CREATE TABLE poll_options (
            poll_id BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            label TEXT NOT NULL,
            PRIMARY KEY (poll_id, position)
        )
        """,
        """
        CREATE TABLE poll_answers (
            id {ID},
            poll_id BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            village_code TEXT NOT NULL REFERENCES regions(code),
            citizen_id BIGINT REFERENCES users(id),
            answered_by BIGINT NOT NULL REFERENCES users(id),
            created_at {TS} NOT NULL,
            FOREIGN KEY (poll_id, position) REFERENCES poll_options(poll_id, position),
            UNIQUE (poll_id, citizen_id)
        )
        """,
        // One answer per office in an office poll; a citizen poll has many per village (one per citizen, above).
        "CREATE UNIQUE INDEX poll_answers_office ON poll_answers(poll_id, village_code) WHERE citizen_id IS NULL",
    ])
}
