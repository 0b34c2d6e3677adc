extension Migrator {
    /// Simultaneous assemblies: one row per assembly, one session per village, and everything
    /// that happens in them. `assembly_events` is the log the live stream replays from.
    static let assemblies = Migration(version: 3, name: "assemblies, sessions, attendance, questions, minutes, live events", statements: [
        """
        CREATE TABLE assemblies (
            id {ID},
            title TEXT NOT NULL,
            level TEXT NOT NULL,
            regency_code TEXT NOT NULL REFERENCES regions(code),
            plan_year INTEGER NOT NULL,
            starts_at {TS} NOT NULL,
            hub_village_code TEXT NOT NULL REFERENCES regions(code),
            stage TEXT NOT NULL,
            rehearsal_of BIGINT REFERENCES assemblies(id),
            created_by BIGINT NOT NULL REFERENCES users(id),
            created_at {TS} NOT NULL
        )
        """,
        """
        CREATE TABLE assembly_sessions (
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            village_code TEXT NOT NULL REFERENCES regions(code),
            stage TEXT NOT NULL,
            ranking_agreed {BOOL} NOT NULL DEFAULT {FALSE},
            last_heartbeat {TS},
            started_at {TS},
            closed_at {TS},
            PRIMARY KEY (assembly_id, village_code)
        )
        """,
        """
        CREATE TABLE assembly_stage_log (
            id {ID},
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            village_code TEXT,
            from_stage TEXT NOT NULL,
            to_stage TEXT NOT NULL,
            actor_id BIGINT REFERENCES users(id),
            created_at {TS} NOT NULL
        )
        """,
        """
        CREATE TABLE agenda_items (
            id {ID},
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            minutes INTEGER NOT NULL,
            speaker TEXT
        )
        """,
        """
        CREATE TABLE attendance (
            id {ID},
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            village_code TEXT NOT NULL REFERENCES regions(code),
            user_id BIGINT NOT NULL REFERENCES users(id),
            role TEXT NOT NULL,
            gender TEXT NOT NULL,
            is_guest {BOOL} NOT NULL,
            checked_in_by BIGINT NOT NULL REFERENCES users(id),
            created_at {TS} NOT NULL,
            UNIQUE (assembly_id, user_id)
        )
        """,
        "CREATE INDEX attendance_village ON attendance(assembly_id, village_code)",
        """
        CREATE TABLE assembly_proposals (
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            proposal_id BIGINT NOT NULL REFERENCES proposals(id),
            village_code TEXT NOT NULL,
            PRIMARY KEY (assembly_id, proposal_id)
        )
        """,
        """
        CREATE TABLE questions (
            id {ID},
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            village_code TEXT NOT NULL,
            author_id BIGINT NOT NULL REFERENCES users(id),
            body TEXT NOT NULL,
            status TEXT NOT NULL,
            upvotes INTEGER NOT NULL DEFAULT 0,
            created_at {TS} NOT NULL,
            answered_at {TS}
        )
        """,
        """
        CREATE TABLE question_votes (
            question_id BIGINT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL REFERENCES users(id),
            PRIMARY KEY (question_id, user_id)
        )
        """,
        """
        CREATE TABLE minutes (
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            village_code TEXT NOT NULL,
            data TEXT NOT NULL,
            finalized_at {TS},
            finalized_by BIGINT REFERENCES users(id),
            PRIMARY KEY (assembly_id, village_code)
        )
        """,
        """
        CREATE TABLE minutes_amendments (
            id {ID},
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            village_code TEXT NOT NULL,
            reason TEXT NOT NULL,
            data TEXT NOT NULL,
            actor_id BIGINT NOT NULL REFERENCES users(id),
            created_at {TS} NOT NULL
        )
        """,
        """
        CREATE TABLE assembly_events (
            id {ID},
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at {TS} NOT NULL
        )
        """,
        "CREATE INDEX assembly_events_assembly ON assembly_events(assembly_id, id)",
    ])
}
