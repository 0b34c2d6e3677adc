extension Migrator {
    /// The regency's dictionary of activities (kamus usulan) with unit prices, and what a
    /// proposal keeps of the item it follows: the item, the unit price fixed when it was
    /// proposed, and the item's agency. A proposal without an item is a free one (usulan langsung).
    static let catalog = Migration(version: 15, name: "activity dictionary (kamus usulan)", statements: [
        """
        CREATE TABLE catalog_items (
            regency_code TEXT NOT NULL REFERENCES regions(code),
            id TEXT NOT NULL,
            text TEXT NOT NULL,
            unit TEXT NOT NULL,
            unit_price BIGINT NOT NULL,
            agency_code TEXT NOT NULL,
            group_name TEXT NOT NULL,
            field_code TEXT NOT NULL,
            subfield_code TEXT NOT NULL,
            output_text TEXT NOT NULL,
            locked {BOOL} NOT NULL,
            first_year INTEGER,
            last_year INTEGER,
            search_text TEXT NOT NULL,
            updated_at {TS} NOT NULL,
            PRIMARY KEY (regency_code, id)
        )
        """,
        "ALTER TABLE proposals ADD COLUMN catalog_item_id TEXT",
        "ALTER TABLE proposals ADD COLUMN unit_price BIGINT",
        "ALTER TABLE proposals ADD COLUMN catalog_agency_code TEXT",
    ])
}
