extension Migrator {
    /// Who uploaded each photo (the per-person upload quota counts it), and whether a photo's
    /// file has had its metadata removed. Photos stored before this are not: they are cleaned the
    /// first time they are served (`PhotoStore.file`), and the flag set.
    static let photoHygiene = Migration(version: 11, name: "photo uploader, photo metadata removed", statements: [
        "ALTER TABLE photos ADD COLUMN metadata_removed {BOOL} NOT NULL DEFAULT {FALSE}",
        "ALTER TABLE proposal_photos ADD COLUMN uploaded_by BIGINT REFERENCES users(id)",
        "CREATE INDEX proposal_photos_uploader ON proposal_photos(uploaded_by, created_at)",
    ])
}
