extension Migrator {
    /// Proposals and everything around them. The `level`, `status`, `current_*`, `merged_into`
    /// and `progress` columns are derived from `proposal_history` and rewritten in the same
    /// transaction as each history row, so lists need no replay.
    static let proposals = Migration(version: 2, name: "proposals, history, supports, comments, ranking, notices", statements: [
        """
        CREATE TABLE proposals (
            id {ID},
            village_code TEXT NOT NULL REFERENCES regions(code),
            district_code TEXT NOT NULL REFERENCES regions(code),
            year INTEGER NOT NULL,
            title TEXT NOT NULL,
            problem TEXT NOT NULL,
            activity TEXT NOT NULL,
            field_code TEXT NOT NULL,
            subfield_code TEXT NOT NULL,
            kind TEXT NOT NULL,
            hamlet TEXT, rw TEXT, rt TEXT,
            lat {REAL}, lng {REAL},
            volume {REAL} NOT NULL,
            unit TEXT NOT NULL,
            estimated_cost BIGINT NOT NULL,
            funding_source TEXT NOT NULL,
            beneficiaries_total INTEGER NOT NULL,
            beneficiaries_women INTEGER NOT NULL,
            beneficiaries_poor INTEGER NOT NULL,
            beneficiaries_disabled INTEGER NOT NULL,
            sdg INTEGER,
            source TEXT NOT NULL,
            group_kind TEXT,
            group_name TEXT,
            proposer_id BIGINT REFERENCES users(id),
            entered_by BIGINT NOT NULL REFERENCES users(id),
            show_proposer_name {BOOL} NOT NULL,
            level TEXT NOT NULL,
            status TEXT NOT NULL,
            agency_code TEXT,
            current_volume {REAL} NOT NULL,
            current_cost BIGINT NOT NULL,
            merged_into BIGINT REFERENCES proposals(id),
            progress INTEGER NOT NULL DEFAULT 0,
            support_count INTEGER NOT NULL DEFAULT 0,
            score {REAL},
            priority INTEGER,
            search_folded TEXT NOT NULL,
            created_at {TS} NOT NULL,
            updated_at {TS} NOT NULL
        )
        """,
        "CREATE INDEX proposals_village_year ON proposals(village_code, year)",
        "CREATE INDEX proposals_district_level ON proposals(district_code, level, status)",
        "CREATE INDEX proposals_agency ON proposals(agency_code, level, status)",
        "CREATE INDEX proposals_proposer ON proposals(proposer_id)",
        "CREATE UNIQUE INDEX proposals_priority ON proposals(village_code, year, priority)",
        """
        CREATE TABLE proposal_history (
            id {ID},
            proposal_id BIGINT NOT NULL REFERENCES proposals(id),
            event TEXT NOT NULL,
            level TEXT,
            outcome TEXT,
            reason TEXT,
            changes TEXT,
            actor_id BIGINT REFERENCES users(id),
            actor_role TEXT,
            created_at {TS} NOT NULL
        )
        """,
        "CREATE INDEX proposal_history_proposal ON proposal_history(proposal_id, id)",
        """
        CREATE TABLE supports (
            proposal_id BIGINT NOT NULL REFERENCES proposals(id),
            user_id BIGINT NOT NULL REFERENCES users(id),
            created_at {TS} NOT NULL,
            PRIMARY KEY (proposal_id, user_id)
        )
        """,
        """
        CREATE TABLE comments (
            id {ID},
            proposal_id BIGINT NOT NULL REFERENCES proposals(id),
            parent_id BIGINT REFERENCES comments(id),
            author_id BIGINT NOT NULL REFERENCES users(id),
            body TEXT NOT NULL,
            flag_count INTEGER NOT NULL DEFAULT 0,
            hidden_reason TEXT,
            hidden_by BIGINT REFERENCES users(id),
            created_at {TS} NOT NULL
        )
        """,
        "CREATE INDEX comments_proposal ON comments(proposal_id, id)",
        """
        CREATE TABLE comment_flags (
            comment_id BIGINT NOT NULL REFERENCES comments(id),
            user_id BIGINT NOT NULL REFERENCES users(id),
            PRIMARY KEY (comment_id, user_id)
        )
        """,
        """
        CREATE TABLE proposal_scores (
            proposal_id BIGINT NOT NULL REFERENCES proposals(id),
            criterion_key TEXT NOT NULL,
            score INTEGER NOT NULL,
            scored_by BIGINT NOT NULL REFERENCES users(id),
            created_at {TS} NOT NULL,
            PRIMARY KEY (proposal_id, criterion_key)
        )
        """,
        """
        CREATE TABLE scoring_criteria (
            kind TEXT PRIMARY KEY,
            criteria TEXT NOT NULL,
            updated_at {TS} NOT NULL
        )
        """,
        """
        CREATE TABLE ceilings (
            district_code TEXT NOT NULL REFERENCES regions(code),
            year INTEGER NOT NULL,
            amount BIGINT NOT NULL,
            PRIMARY KEY (district_code, year)
        )
        """,
        """
        CREATE TABLE realisations (
            id {ID},
            proposal_id BIGINT NOT NULL REFERENCES proposals(id),
            budget_line TEXT NOT NULL,
            amount BIGINT NOT NULL,
            year INTEGER NOT NULL,
            progress INTEGER NOT NULL,
            note TEXT,
            recorded_by BIGINT NOT NULL REFERENCES users(id),
            created_at {TS} NOT NULL
        )
        """,
        """
        CREATE TABLE photos (
            hash TEXT PRIMARY KEY,
            content_type TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            created_at {TS} NOT NULL
        )
        """,
        """
        CREATE TABLE proposal_photos (
            proposal_id BIGINT NOT NULL REFERENCES proposals(id),
            photo_hash TEXT NOT NULL REFERENCES photos(hash),
            purpose TEXT NOT NULL,
            created_at {TS} NOT NULL,
            PRIMARY KEY (proposal_id, photo_hash)
        )
        """,
        """
        CREATE TABLE notifications (
            id {ID},
            user_id BIGINT NOT NULL REFERENCES users(id),
            proposal_id BIGINT REFERENCES proposals(id),
            message TEXT NOT NULL,
            created_at {TS} NOT NULL,
            read_at {TS}
        )
        """,
        "CREATE INDEX notifications_user ON notifications(user_id, id)",
        """
        CREATE TABLE outbox (
            id {ID},
            channel TEXT NOT NULL,
            user_id BIGINT NOT NULL REFERENCES users(id),
            payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at {TS} NOT NULL,
            sent_at {TS}
        )
        """,
        """
        CREATE TABLE idempotency_keys (
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            status INTEGER NOT NULL,
            body TEXT NOT NULL,
            created_at {TS} NOT NULL,
            PRIMARY KEY (scope, key)
        )
        """,
    ])
}
