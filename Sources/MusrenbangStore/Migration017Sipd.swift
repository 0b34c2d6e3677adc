extension Migrator {
    /// What SIPD's acceptance gave a proposal: its budget line (kode rekening), the amount (pagu)
    /// and when it came back. Derived like the other state columns: the history row that says the
    /// same is written in the same transaction (`SipdStore.apply`).
    static let sipd = Migration(version: 17, name: "SIPD budget lines of proposals", statements: [
        "ALTER TABLE proposals ADD COLUMN sipd_budget_line TEXT",
        "ALTER TABLE proposals ADD COLUMN sipd_amount BIGINT",
        "ALTER TABLE proposals ADD COLUMN sipd_decided_at {TS}",
    ])
}
