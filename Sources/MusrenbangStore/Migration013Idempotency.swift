extension Migrator {
    /// Idempotency keys for every write a client may retry (check-ins, supports, questions, the
    /// floor), not only proposals: each key remembers a fingerprint of the request it was first
    /// used for, so the key sent again with another body is refused instead of answered with the
    /// first result. Keys stored before have none ("") and match any request. (Versions 7–12 are
    /// other branches' steps.)
    static let idempotency = Migration(version: 13, name: "idempotency fingerprints", statements: [
        "ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''",
    ])
}
