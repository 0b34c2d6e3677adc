extension Migrator {
    /// Each village station's close-out: the signed minutes' scan (on disk under `closeouts/`,
    /// named by its SHA-256), the attendance figures written on the paper beside the check-ins
    /// counted when they were submitted, whether they disagreed, and the kecamatan's review.
    /// No row: nothing handed in yet. (Version 18's neighbours belong to other branches.)
    static let closeOut = Migration(version: 19, name: "village station close-out", statements: [
        """
        CREATE TABLE station_closeouts (
            assembly_id BIGINT NOT NULL REFERENCES assemblies(id) ON DELETE CASCADE,
            village_code TEXT NOT NULL,
            state TEXT NOT NULL,
            scan_hash TEXT,
            scan_kind TEXT,
            scan_bytes INTEGER,
            scan_uploaded_by BIGINT REFERENCES users(id),
            scan_uploaded_at {TS},
            paper_men INTEGER,
            paper_women INTEGER,
            paper_total INTEGER,
            recorded_men INTEGER,
            recorded_women INTEGER,
            recorded_total INTEGER,
            mismatch {BOOL} NOT NULL DEFAULT {FALSE},
            submitted_by BIGINT REFERENCES users(id),
            submitted_at {TS},
            reviewed_by BIGINT REFERENCES users(id),
            reviewed_at {TS},
            reason TEXT,
            updated_at {TS} NOT NULL,
            PRIMARY KEY (assembly_id, village_code)
        )
        """,
    ])
}
